export {
  readSidecarTrail,
  SIDECAR_TRAIL,
  type Sidecar,
  type SidecarOptions,
  type SidecarPass,
  startSidecar,
} from './envoy-sidecar.ts';
export type { MeshProvider } from './envoy-tracers.ts';
export {
  answeringWith,
  blackHole,
  type FaultyEndpoint,
  failingCollectors,
  refusedUrl,
} from './fault-servers.ts';
export { fromOtlp, type OtlpResourceSpans, type OtlpSpan, type OtlpTracesResult } from './otlp-spans.ts';
export {
  REPO_ROOT,
  runToExit,
  type ServiceCommandOptions,
  type ServiceName,
  type ServiceProcess,
  type StartServiceOptions,
  type Stoppable,
  serviceCommand,
  startAll,
  startService,
} from './service-process.ts';
export { fromZipkin, normalizeTraceId, type SpanKindName, type SpanStatus, type TraceSpan } from './trace-span.ts';
export {
  OTLP_TRACES_PATH,
  startZipkinReceiver,
  ZIPKIN_SPANS_PATH,
  type ZipkinReceiver,
  type ZipkinReceiverOptions,
} from './zipkin-receiver.ts';
export { isZipkinSpan, serviceOf, type ZipkinSpan } from './zipkin-span.ts';
