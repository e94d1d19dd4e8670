/**
 * Istio's tracing providers, as the demo (`--mesh`), the simulated sidecar and
 * `verify --provider` name them, with the OTEL_PROPAGATORS value each needs
 * (packages/tracing/README.md, "Behind Istio"). The names are the simulated
 * sidecar's (harness envoy-tracers.ts), imported as a type only: the analysis
 * the frontend loads at run time loads nothing of the harness.
 */
import type { MeshProvider } from '@meshtrace/harness';

export type { MeshProvider };
export const MESH_PROVIDERS: readonly MeshProvider[] = ['zipkin', 'zipkin-w3c', 'opentelemetry'];

/**
 * OTEL_PROPAGATORS for apps behind each provider: the header its sidecars
 * rewrite goes last, where it is trusted. zipkin-w3c rewrites both to the same
 * span, so the default order is right there too.
 */
export const PROPAGATORS_FOR: Readonly<Record<MeshProvider, string>> = {
  zipkin: 'tracecontext,baggage,b3multi',
  'zipkin-w3c': 'tracecontext,baggage,b3multi',
  opentelemetry: 'baggage,b3multi,tracecontext',
};
