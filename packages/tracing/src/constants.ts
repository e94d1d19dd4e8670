/**
 * Every trace-related header and default this project reads or writes, in one
 * place, each with who reads it and why. Header names are lower case: Node
 * lower-cases incoming header names, and HTTP header names are case-insensitive.
 */

// --- B3, the Zipkin format Envoy's zipkin tracer reads and writes --------------

/** Trace id, 32 hex chars (128-bit) or 16 (64-bit, left-padded to 128 on extract). Envoy reads it. */
export const X_B3_TRACE_ID = 'x-b3-traceid';
/** The caller's span id: the parent of the span we start. Each Istio sidecar rewrites it to its own span. */
export const X_B3_SPAN_ID = 'x-b3-spanid';
/** The caller's parent span id. Zipkin-only; OpenTelemetry never injects it, Envoy sets it itself. */
export const X_B3_PARENT_SPAN_ID = 'x-b3-parentspanid';
/** "1" sampled, "0" not sampled. Missing means the sender deferred the decision to us. */
export const X_B3_SAMPLED = 'x-b3-sampled';
/** "1" is debug: force sampling everywhere downstream (and implies sampled). */
export const X_B3_FLAGS = 'x-b3-flags';
/** Single-header B3: `{traceId}-{spanId}[-{sampled}[-{parentSpanId}]]`. When present it wins over x-b3-*. */
export const B3_SINGLE = 'b3';

// --- W3C Trace Context ---------------------------------------------------------

/** `00-{traceId}-{spanId}-{flags}`. Istio's zipkin provider passes it through untouched (see propagation.ts). */
export const TRACEPARENT = 'traceparent';
/** Vendor-specific state that rides with traceparent. */
export const TRACESTATE = 'tracestate';
/** W3C Baggage: key=value pairs the application (not the tracer) carries along. */
export const BAGGAGE = 'baggage';
/**
 * Response header (W3C Trace Context Level 2), `00-{traceId}-{spanId}-{flags}` of
 * our SERVER span: the caller can link straight to the trace without reading logs.
 */
export const TRACERESPONSE = 'traceresponse';

// --- Headers OpenTelemetry does not carry but Istio asks applications to forward --

/**
 * Forwarded unchanged from the incoming request to every outgoing call (see
 * forwarded-headers.ts). The trace headers above are not in this list: they are
 * re-written by the propagators with our own span id, which is the point.
 */
/** Envoy's request id: joins access logs across hops, and Envoy derives its sampling decision from it. */
export const X_REQUEST_ID = 'x-request-id';

/** Envoy's client-initiated tracing: a request carrying it is traced whatever the sampling rate. */
export const X_CLIENT_TRACE_ID = 'x-client-trace-id';
/** Datadog's sampling decision (`1`, `2`: keep), for Datadog-traced neighbours. */
export const X_DATADOG_SAMPLING_PRIORITY = 'x-datadog-sampling-priority';

export const FORWARDED_HEADERS = [
  X_REQUEST_ID,
  /** Lightstep/OpenTracing span context, forwarded by Istio's Bookinfo. */
  'x-ot-span-context',
  /** Google Cloud Trace context, for meshes exporting to Cloud Trace. */
  'x-cloud-trace-context',
  /** Binary gRPC trace context (OpenCensus), for gRPC hops in the same trace. */
  'grpc-trace-bin',
  /** Apache SkyWalking context. */
  'sw8',
  /** Datadog trace id, parent id and sampling priority, for Datadog-traced neighbours. */
  'x-datadog-trace-id',
  'x-datadog-parent-id',
  X_DATADOG_SAMPLING_PRIORITY,
  /** Bookinfo's end-user header; Istio routing rules often match on it. */
  'end-user',
  /** Envoy forces tracing of a request carrying this id (client-initiated tracing). */
  X_CLIENT_TRACE_ID,
] as const;

/**
 * The forwarded headers that ask the next tracer to sample: an edge that does not take orders
 * from outside (INCOMING_TRACE_CONTEXT=link) must not pass them on, or a caller could still force
 * every hop behind it to trace.
 */
export const SAMPLING_REQUEST_HEADERS: ReadonlySet<string> = new Set([X_CLIENT_TRACE_ID, X_DATADOG_SAMPLING_PRIORITY]);

// --- Defaults -------------------------------------------------------------------

/** Zipkin v2 JSON endpoint; the OpenTelemetry spec default for OTEL_EXPORTER_ZIPKIN_ENDPOINT. */
export const DEFAULT_ZIPKIN_ENDPOINT = 'http://localhost:9411/api/v2/spans';

/** OTLP/HTTP collector base URL; the OpenTelemetry spec default for OTEL_EXPORTER_OTLP_ENDPOINT over HTTP. */
export const DEFAULT_OTLP_ENDPOINT = 'http://localhost:4318';

/** Propagators when OTEL_PROPAGATORS is unset: W3C in, B3 multi-header for Envoy. */
export const DEFAULT_PROPAGATORS = ['tracecontext', 'baggage', 'b3multi'] as const;
