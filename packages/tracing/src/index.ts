export { type B3Context, type B3Sampling, readB3, readB3Multi, readB3Single } from './b3.ts';
export * from './constants.ts';
export {
  describeInvalidSetting,
  type InvalidSetting,
  InvalidSettingsError,
  SpanExportError,
  TracingError,
} from './errors.ts';
export { type ExportStats, SPAN_EXPORT_COUNTERS } from './export-stats.ts';
export { type RequestTrace, type TracingPluginOptions, tracing } from './fastify-tracing.ts';
export { pickForwardedHeaders } from './forwarded-headers.ts';
export {
  type CallFacts,
  type DownstreamReport,
  downstreamReport,
  type TraceReport,
  traceReport,
} from './hop-report.ts';
export { carriesB3Debug, receivedFormats, type TraceFormat } from './incoming-context.ts';
export { type TraceLogFields, traceLogFields } from './log-correlation.ts';
// Types only from the modules that import the SDK: the entry point must load none of it (sdk.ts).
export type { PropagatorName } from './propagation.ts';
export type { SamplerName } from './sampler.ts';
export { exportStats, isTracingStarted, shutdownTracing, startTracing } from './sdk.ts';
export {
  type IdentityDefaults,
  identitySchema,
  loadServiceIdentity,
  parseResourceAttributes,
  type ServiceIdentity,
} from './service-identity.ts';
export { loadTracingSettings, type TracingSettings, tracingSchema } from './settings.ts';
export { B3_SAMPLING, b3SamplingOf, TRACE_FLAG_RANDOM } from './trace-state.ts';
export {
  type DownstreamFailure,
  type TracedRequestOptions,
  type TracedResponse,
  tracedRequest,
} from './traced-request.ts';
