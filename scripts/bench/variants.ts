/**
 * What `./pnpmw bench` compares and `./pnpmw bench:profile` profiles: each variant
 * is a server and the request sent to it. Shared, so that a profile is taken
 * under exactly the load the bench measured. A new variant is one entry in
 * VARIANTS (and a server in SERVERS if it needs its own process).
 */
import { X_B3_SAMPLED, X_B3_SPAN_ID, X_B3_TRACE_ID } from '../../packages/tracing/src/headers.ts';

/** The server processes the benchmarks start. */
export type ServerKind =
  | 'bare' // bare-fastify.js: a Fastify hello-world, the yardstick
  | 'backend-off' // the backend with OTEL_SDK_DISABLED=true
  | 'backend-on' // the backend sampling 100%, exporting Zipkin v2 JSON to a sink
  | 'backend-otlp'; // the same, exporting OTLP/HTTP protobuf (OTEL_TRACES_EXPORTER=otlp)

/** The kinds that export spans, and so need a sink. */
export const exportsSpans = (kind: ServerKind) => kind === 'backend-on' || kind === 'backend-otlp';

export type ServerId = 'bare' | 'off' | 'on' | 'on-otlp' | 'on-unsampled' | 'on-mix';

export const SERVERS: Readonly<Record<ServerId, ServerKind>> = {
  bare: 'bare',
  off: 'backend-off',
  on: 'backend-on',
  'on-otlp': 'backend-otlp',
  // Its own process and sink: no sampled span of another variant is exported during its runs.
  'on-unsampled': 'backend-on',
  // Its own too: its sink's count must be its 1%.
  'on-mix': 'backend-on',
};

/** What an Istio sidecar sends when its trace is not sampled: ids, and the decision not to record. */
export const UNSAMPLED_B3 = {
  [X_B3_TRACE_ID]: '463ac35c9f6413ad48485a3953bb6124',
  [X_B3_SPAN_ID]: 'a2fb4a1d1a96d312',
  [X_B3_SAMPLED]: '0',
};

/**
 * The mesh's real mix at Istio's default 1% sampling (PILOT_TRACE_SAMPLING): one
 * request in 100 a new sampled root (no trace headers), the other 99 arriving
 * unsampled from a sidecar. Each connection sends the cycle in order, so the mix
 * is exactly 1 in 100 whatever the run's length.
 */
export const MESH_MIX: readonly Record<string, string>[] = [
  {},
  ...Array<Record<string, string>>(99).fill(UNSAMPLED_B3),
];

export interface Variant {
  readonly name: string;
  readonly label: string;
  readonly server: ServerId;
  readonly path: string;
  readonly headers?: Record<string, string>;
  /** Per-request headers, sent in this order on each connection, over and over (the check sends `headers`). */
  readonly cycle?: readonly Record<string, string>[];
  /** What the server's `traceresponse` header must show, as a check that the variant is what it claims. */
  readonly expect: 'no traceresponse' | 'sampled' | 'not sampled';
}

export const VARIANTS: readonly Variant[] = [
  { name: 'bare', label: 'bare Fastify hello-world', server: 'bare', path: '/', expect: 'no traceresponse' },
  { name: 'off', label: 'backend, tracing off', server: 'off', path: '/', expect: 'no traceresponse' },
  { name: 'on', label: 'backend, tracing on (100%, exporting)', server: 'on', path: '/', expect: 'sampled' },
  {
    name: 'on-otlp',
    label: 'backend, tracing on (100%, exporting OTLP)',
    server: 'on-otlp',
    path: '/',
    expect: 'sampled',
  },
  {
    name: 'off-unsampled',
    label: 'backend, tracing off, b3 sampled=0 in',
    server: 'off',
    path: '/',
    headers: UNSAMPLED_B3,
    expect: 'no traceresponse',
  },
  {
    name: 'on-unsampled',
    label: 'backend, tracing on, b3 sampled=0 in',
    server: 'on-unsampled',
    path: '/',
    headers: UNSAMPLED_B3,
    expect: 'not sampled',
  },
  {
    name: 'off-mix',
    label: 'backend, tracing off, 1% sampled mix',
    server: 'off',
    path: '/',
    headers: UNSAMPLED_B3,
    cycle: MESH_MIX,
    expect: 'no traceresponse',
  },
  {
    name: 'on-mix',
    label: 'backend, tracing on, 1% sampled mix',
    server: 'on-mix',
    path: '/',
    headers: UNSAMPLED_B3,
    cycle: MESH_MIX,
    expect: 'not sampled',
  },
  {
    name: 'off-json',
    label: 'backend, tracing off, JSON echo',
    server: 'off',
    path: '/?format=json',
    expect: 'no traceresponse',
  },
  { name: 'on-json', label: 'backend, tracing on, JSON echo', server: 'on', path: '/?format=json', expect: 'sampled' },
];
