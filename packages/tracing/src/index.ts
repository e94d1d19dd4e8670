export * from './constants.ts';
export type { ExportStats } from './export-stats.ts';
export { type RequestTrace, type TracingPluginOptions, tracing } from './fastify-tracing.ts';
export { pickForwardedHeaders } from './forwarded-headers.ts';
export {
  type CallFacts,
  type DownstreamReport,
  downstreamReport,
  type TraceReport,
  traceReport,
} from './hop-report.ts';
export { describeTraceHeaders, type IncomingTraceHeaders, type TraceFormat } from './incoming-context.ts';
export { type TraceLogFields, traceLogFields } from './log-correlation.ts';
export { createPropagator, type PropagatorName, SAMPLING_DEFERRED } from './propagation.ts';
export { createSampler } from './sampler.ts';
export { exportStats, isTracingStarted, shutdownTracing, startTracing } from './sdk.ts';
export { loadTracingSettings, type TracingSettings, tracingSchema } from './settings.ts';
export {
  type DownstreamFailure,
  type TracedRequestOptions,
  type TracedResponse,
  tracedRequest,
} from './traced-request.ts';
