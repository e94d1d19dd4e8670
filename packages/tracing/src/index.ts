// Types only from the modules that import the SDK: the entry point must load none of it (sdk.ts).
export { type RequestTrace, type TracingPluginOptions, traceLogFields, tracing } from './fastify-tracing.ts';
export * as headers from './headers.ts';
export { B3_SAMPLING, type B3Sampling, b3SamplingOf, readB3 } from './headers.ts';
export {
  type ExportStats,
  exportStats,
  isTracingStarted,
  serviceIdentity,
  shutdownTracing,
  startTracing,
} from './sdk.ts';
export type { ServiceIdentity } from './settings.ts';
export {
  pickForwardedHeaders,
  type TracedRequestOptions,
  type TracedResponse,
  tracedRequest,
} from './traced-request.ts';
