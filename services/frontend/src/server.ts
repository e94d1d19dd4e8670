/**
 * Entry point: `node --import @meshtrace/tracing/register dist/server.js`.
 * Reads config, builds the app, listens, starts the loop, and shuts down in
 * order on SIGTERM/SIGINT: readiness off, loop stopped (its tick in flight
 * finishes), server drained, client pool closed, spans flushed.
 */
import {
  buildAdminApp,
  clientPoolStep,
  createLogger,
  delayStep,
  drainStep,
  exitOnStartupError,
  readinessStep,
  runService,
} from '@meshtrace/service-kit';
import { isTracingStarted, shutdownTracing, traceLogFields } from '@meshtrace/tracing';
import { Agent } from 'undici';
import { loopAdminRoutes } from './admin-routes.ts';
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
// The readiness toggle and POST /loop, for operators only (see service-kit's admin.ts).
const admin =
  config.controlRoutes === 'on'
    ? await buildAdminApp({ logger, config, readiness: app.readiness, routes: loopAdminRoutes(control) })
    : undefined;
let loop: Loop | undefined;

await runService({
  app,
  host: config.host,
  port: config.port,
  admin: admin && { app: admin, host: config.adminHost, port: config.adminPort },
  log: logger,
  shutdownTimeoutMs: config.shutdownTimeoutMs,
  shutdownSteps: [
    readinessStep(app),
    // No new ticks; the one in flight finishes (its span is flushed below).
    { name: 'loop', run: () => loop?.stop() },
    delayStep(config.shutdownDelayMs),
    drainStep([app, admin]),
    clientPoolStep(dispatcher),
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
