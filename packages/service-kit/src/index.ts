export { AccessLogController } from './access-log.ts';
export { type AdminOptions, buildAdminApp } from './admin.ts';
export { type AppHeadersOptions, appHeaders } from './app-headers.ts';
export { describeDefault, renderConfigTable, variablesOf } from './config-table.ts';
export { ShutdownTimeoutError } from './errors.ts';
export { fastifyOptions, type ServerLimits } from './fastify-options.ts';
export { health, isOperatorRoute, type Readiness } from './health.ts';
export {
  type CallFacts,
  carriesB3Debug,
  type DownstreamReport,
  downstreamReport,
  receivedFormats,
  type TraceFormat,
  type TraceReport,
  traceReport,
} from './hop-report.ts';
export { createLogger, type Logger, type LoggerSettings } from './logger.ts';
export {
  counterFrom,
  type MetricsPluginOptions,
  metrics,
  OWN_STATUSES,
  registerSpanExportMetrics,
  statusLabels,
} from './metrics.ts';
export {
  clientPoolStep,
  delayStep,
  drainStep,
  exitOnStartupError,
  type Listener,
  type RunOptions,
  readinessStep,
  runService,
} from './run-service.ts';
export { packageVersion, serviceSchema } from './service-schema.ts';
export { type ShutdownResult, type ShutdownStep, shutdownInOrder } from './shutdown.ts';
