/**
 * Entry point: `node --import @meshtrace/tracing/register dist/server.js [-text=...] [-listen=:5678]`.
 * `-version` and `-h`/`--help` print and exit 0. Otherwise reads config (exiting
 * with one line if invalid), builds the app, listens, and shuts down in order on
 * SIGTERM/SIGINT.
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
import { buildBackendApp } from './app.ts';
import { type BackendConfig, loadBackendConfig } from './config.ts';
import { infoRequestOf, usageText, versionText } from './info-flags.ts';

const info = infoRequestOf(process.argv.slice(2));
if (info) {
  process.stdout.write(info === 'version' ? `${versionText()}\n` : usageText());
  process.exit(0);
}

let config: BackendConfig;
try {
  config = loadBackendConfig(process.env, process.argv.slice(2));
} catch (error) {
  exitOnStartupError(error);
}

const logger = createLogger({
  level: config.logLevel,
  service: config.serviceName,
  version: config.serviceVersion,
  mixin: traceLogFields,
});
// A bounded pool: at most 64 connections per downstream origin, idle ones closed after 4 s.
// Without DOWNSTREAM_URLS there is nothing to call, and undici is never loaded (about 70 ms of start-up).
const dispatcher =
  config.downstreamUrls.length > 0
    ? new (await import('undici')).Agent({ connections: 64, keepAliveTimeout: 4_000 })
    : undefined;
const app = await buildBackendApp({ config, logger, dispatcher, traced: isTracingStarted(), environment: process.env });
// The readiness toggle, for operators only (see service-kit's admin.ts).
const admin =
  config.controlRoutes === 'on' ? await buildAdminApp({ logger, config, readiness: app.readiness }) : undefined;

await runService({
  app,
  host: config.host,
  port: config.port,
  admin: admin && { app: admin, host: config.adminHost, port: config.adminPort },
  log: logger,
  shutdownTimeoutMs: config.shutdownTimeoutMs,
  shutdownSteps: [
    readinessStep(app),
    delayStep(config.shutdownDelayMs),
    drainStep([app, admin]),
    clientPoolStep(dispatcher),
    // Best effort: a collector that is down costs the spans (counted, one warn line), not the exit code.
    { name: 'span export', run: shutdownTracing, bestEffort: true },
  ],
});
