/**
 * Entry point: `node --import @meshtrace/tracing/register dist/server.js`.
 * Reads config, builds the app, listens, starts the loop, and shuts down in
 * order on SIGTERM/SIGINT: readiness off, loop stopped (its tick in flight
 * finishes), server drained, client pool closed, spans flushed.
 */
import {
  createLogger,
  delayStep,
  drainStep,
  exitOnStartupError,
  readinessStep,
  runService,
} from '@meshtrace/service-kit';
import { isTracingStarted, shutdownTracing, traceLogFields } from '@meshtrace/tracing';
import { Agent } from 'undici';
import { buildFrontendApp } from './app.ts';
import { type FrontendConfig, loadFrontendConfig, loopIntervalOf, targetsOf } from './config.ts';
import { type Loop, startLoop } from './loop.ts';
import { LoopControl } from './loop-control.ts';
import { LoopStats } from './loop-stats.ts';
import { createTick } from './tick.ts';

let config: FrontendConfig;
try {
  config = loadFrontendConfig(process.env);
} catch (error) {
  exitOnStartupError(error);
}

const logger = createLogger({
  level: config.logLevel,
  service: config.serviceName,
  version: config.serviceVersion,
  mixin: traceLogFields,
});
const dispatcher = new Agent({ connections: 64, keepAliveTimeout: 4_000 });
const stats = new LoopStats();
const control = new LoopControl({ mode: config.loopMode, concurrency: config.loopConcurrency, stats });
const app = await buildFrontendApp({ config, logger, dispatcher, traced: isTracingStarted(), loop: control });
let loop: Loop | undefined;

await runService({
  app,
  host: config.host,
  port: config.port,
  log: logger,
  shutdownTimeoutMs: config.shutdownTimeoutMs,
  shutdownSteps: [
    readinessStep(app),
    // No new ticks; the one in flight finishes (its span is flushed below).
    { name: 'loop', run: () => loop?.stop() },
    delayStep(config.shutdownDelayMs),
    drainStep(app),
    { name: 'http client pool', run: () => dispatcher.close() },
    // Best effort: a collector that is down costs the spans (counted, one warn line), not the exit code.
    { name: 'span export', run: shutdownTracing, bestEffort: true },
  ],
});

if (config.loopMode !== 'off') {
  const targets = targetsOf(config);
  const intervalMs = loopIntervalOf(config);
  loop = startLoop(createTick({ config, targets, logger, dispatcher, stats }), {
    intervalMs,
    concurrency: config.loopConcurrency,
    jitter: config.loopJitter,
    maxTicks: config.loopCount,
    durationMs: config.loopDurationMs,
    onSkip: (reason, slots) => {
      stats.recordSkipped(slots);
      logger.debug({ reason, slots }, 'loop tick skipped');
    },
  });
  control.attach(loop);
  logger.info({ mode: config.loopMode, interval_ms: intervalMs, targets }, 'loop started');
}
