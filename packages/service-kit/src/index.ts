export { AccessLogController } from './access-log.ts';
export { type AdminOptions, buildAdminApp } from './admin.ts';
export { type AppHeadersOptions, appHeaders } from './app-headers.ts';
export {
  type ConfigOf,
  describeDefault,
  describeExpected,
  type Env,
  type EnvSchema,
  type Field,
  loadConfig,
  parseField,
  renderConfigTable,
  type SettingSources,
  variablesOf,
} from './env-schema.ts';
export { ConfigError, type ConfigIssue, describeIssue, MeshtraceError, ShutdownTimeoutError } from './errors.ts';
export { fastifyOptions, type ServerLimits } from './fastify-options.ts';
export { health, isOperatorRoute, type Readiness } from './health.ts';
export { createLogger, type Logger, type LoggerSettings } from './logger.ts';
export { counterFrom, type MetricsPluginOptions, metrics, OWN_STATUSES, statusLabels } from './metrics.ts';
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
