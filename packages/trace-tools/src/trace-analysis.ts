import type { TraceSpan } from '@meshtrace/harness';
import { type MeshProvider, PROPAGATORS_FOR } from './mesh-providers.ts';
import { buildTree, type SpanNode, type TraceTree, walk } from './trace-tree.ts';

export interface AnalysisOptions {
  /** Services that must each report a span, in call order: the first one starts the trace. */
  readonly expect?: readonly string[];
  /** Istio: Envoy's spans (sidecars' `<app>.<namespace>`, or an ambient waypoint's) must sit between the apps' spans. */
  readonly mesh?: boolean;
  /** The mesh's tracing provider, when known: findings then name the exact setting. Implies `mesh`. */
  readonly provider?: MeshProvider;
  /** Ids of the other traces seen with this one (a verify window, a demo run): a truncated id's other half. */
  readonly otherTraceIds?: ReadonlySet<string>;
  /**
   * Apps called from outside the mesh, with no sidecar in front (the explorer's frontend, called
   * by your browser): in mesh mode, a missing parent of theirs is no unreported sidecar span.
   */
  readonly withoutInboundSidecar?: readonly string[];
}

export type FindingCode =
  | 'orphan'
  | 'missing-service'
  | 'multiple-roots'
  | 'new-trace'
  | 'not-continued'
  | 'context-dropped'
  | 'no-sidecar'
  | 'sidecar-skipped'
  | 'wrong-header-trusted'
  | 'stale-b3'
  | 'sidecar-not-sampled'
  | 'request-id-not-uuid'
  | 'trace-id-truncated';

/** One reason a trace is broken. Callers match on `code`; `message` is for people. */
export interface Finding {
  readonly code: FindingCode;
  readonly message: string;
}

export type Verdict = 'joined' | 'broken';

/** Something worth knowing about a trace that does not break it. */
export interface Note {
  readonly code: 'child-outlasts-parent';
  readonly message: string;
}

export interface TraceAnalysis {
  readonly traceId: string;
  readonly tree: TraceTree;
  /** Every service that reported a span, in tree order (caller before callee). */
  readonly services: readonly string[];
  readonly spanCount: number;
  /** Earliest start to latest end, in microseconds. */
  readonly durationUs: number;
  readonly verdict: Verdict;
  readonly findings: readonly Finding[];
  readonly notes: readonly Note[];
}

/**
 * In Istio the spans of Envoy itself name a service `<app>.<namespace>`: a sidecar's carry its
 * app's name; in ambient mode a waypoint's carry `waypoint.<namespace>` (istio#54901), or, with
 * the opentelemetry provider on Istio 1.28+, the called Service's host name,
 * `<service>.<namespace>.svc.cluster.local` (istio#57024). The part before the first dot is
 * returned; undefined for an app's own span.
 */
export function sidecarOwner(service: string): string | undefined {
  const match = /^([^.]+)\.[^.]+(?:\.svc(?:\.[^.]+)*)?$/.exec(service);
  return match?.[1];
}

const isSidecar = (span: TraceSpan) => sidecarOwner(span.service) !== undefined;

function label(span: TraceSpan): string {
  return `${span.service} "${span.name}" (${span.kind})`;
}

function ownerOf(span: TraceSpan): string {
  return sidecarOwner(span.service) ?? span.service;
}

/**
 * The setting that makes `app` trust the header its mesh's tracer rewrites
 * (packages/tracing: OTEL_PROPAGATORS, the later entry wins).
 */
export function trustFix(app: string, provider?: MeshProvider): string {
  if (provider === 'opentelemetry')
    return `Istio's opentelemetry provider rewrites only traceparent: set OTEL_PROPAGATORS=${PROPAGATORS_FOR.opentelemetry} on ${app}, so traceparent is trusted`;
  if (provider)
    return `Istio's zipkin provider rewrites x-b3-*: keep B3 last in OTEL_PROPAGATORS on ${app} (the default, ${PROPAGATORS_FOR.zipkin})`;
  return (
    `set OTEL_PROPAGATORS on ${app} so the header its sidecars rewrite comes last: ${PROPAGATORS_FOR.opentelemetry} ` +
    `behind Istio's opentelemetry provider, ${PROPAGATORS_FOR.zipkin} (the default) behind zipkin`
  );
}

/** A UUID, the only `x-request-id` Envoy can sample on and mark (UUIDRequestIDExtension). */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Why a non-UUID `x-request-id` breaks Envoy's sampling, and the fix; undefined
 * for a UUID. Envoy samples on the id's first 8 hex digits and writes the
 * decision into the UUID for the next sidecar (ConnectionManagerUtility::
 * mutateTracingRequestHeader): an id it cannot read is never sampled (envoy#12808),
 * and any other non-UUID cannot carry the decision on.
 */
export function requestIdProblem(requestId: string, where: string): string | undefined {
  if (UUID.test(requestId)) return undefined;
  return (
    `x-request-id "${requestId}" at ${where} is not a UUID: Envoy samples on a request id's first 8 hex digits and ` +
    'records its decision in the UUID, so an id it cannot read is never sampled (envoy#12808) and any other ' +
    'non-UUID makes the decision differ from sidecar to sidecar. Let Envoy generate x-request-id: do not set ' +
    "it at the edge (e.g. an nginx ingress's $request_id)"
  );
}

function* orphanFindings(
  tree: TraceTree,
  mesh: boolean,
  provider: MeshProvider | undefined,
  withoutSidecar: readonly string[],
): Generator<Finding> {
  for (const span of tree.orphans) {
    if (!mesh || isSidecar(span) || span.kind !== 'SERVER' || withoutSidecar.includes(span.service)) {
      yield { code: 'orphan', message: `${label(span)} names parent ${span.parentId} that no one reported` };
      continue;
    }
    // In a mesh an app's SERVER span is the child of its inbound sidecar's span, and Envoy
    // reports only the spans it samples (Tracer::reportSpan).
    yield {
      code: 'sidecar-not-sampled',
      message:
        `${label(span)} names parent ${span.parentId} that no one reported: in a mesh that is ${span.service}'s ` +
        `sidecar span, and Envoy reports only what it samples. ${span.service} recorded a request its sidecar did not ` +
        'sample: the decision came in a header Envoy does not read (x-b3-flags: 1 without x-b3-sampled: 1; any B3 ' +
        "header behind the opentelemetry provider, which reads only traceparent's flag), or the sidecars sample " +
        'below 100% while the app decided on its own. Send the decision where Envoy reads it: x-b3-sampled or ' +
        `traceparent's sampled flag, as LOOP_FORCE_SAMPLING does${provider === 'opentelemetry' ? `; and ${trustFix(span.service, provider)}` : ''}`,
    };
  }
}

function* serviceFindings(services: readonly string[], expect: readonly string[]): Generator<Finding> {
  for (const name of expect) {
    if (!services.includes(name)) yield { code: 'missing-service', message: `no span from ${name}` };
  }
}

function* rootFindings(tree: TraceTree, expect: readonly string[]): Generator<Finding> {
  const roots = tree.tops.filter((top) => !top.orphan);
  if (roots.length > 1) {
    yield {
      code: 'multiple-roots',
      message: `${roots.length} root spans in one trace: ${roots.map((r) => label(r.span)).join(', ')}`,
    };
  }
  const first = expect[0];
  for (const { span } of roots) {
    if (first === undefined || span.kind === 'INTERNAL' || ownerOf(span) === first) continue;
    yield {
      code: 'new-trace',
      message:
        `the trace starts at ${label(span)}, not at ${first}: that request arrived without trace context ` +
        '(a caller dropped it, like PROPAGATION=off, or never sent any, like a headerless loop)',
    };
  }
}

/**
 * `behindUnsampledSidecars`: calls went to sidecar spans Envoy did not report;
 * `explained`: CLIENT spans another finding already says why nothing continues (a stale b3).
 */
function* continuationFindings(
  nodes: Iterable<{ node: SpanNode }>,
  behindUnsampledSidecars: boolean,
  explained: ReadonlySet<string>,
): Generator<Finding> {
  for (const { node } of nodes) {
    const { span } = node;
    if (span.kind !== 'CLIENT' || node.children.length > 0 || explained.has(span.spanId)) continue;
    // The call went to a sidecar span Envoy did not report; sidecar-not-sampled says why.
    if (behindUnsampledSidecars) continue;
    const target = span.url ? ` to ${span.url}` : '';
    yield {
      code: 'not-continued',
      message:
        `nothing continues ${label(span)}${target}: the callee started a new trace or reported nothing ` +
        '(its caller sent no context, or the call failed)',
    };
  }
}

function* droppedContextFindings(tree: TraceTree): Generator<Finding> {
  for (const span of tree.spans) {
    if (span.kind !== 'SERVER' || span.parentId !== undefined || !span.unreadContext?.length) continue;
    yield {
      code: 'context-dropped',
      message:
        `${label(span)} started a new trace although its request carried ${span.unreadContext.join(', ')} ` +
        'headers: they were not valid, so the trace they named ends before it',
    };
  }
}

/**
 * A SERVER span ends once its reply has gone out (packages/tracing's fastify-tracing.ts says
 * why), later still if its process was busy then (exporting spans, say); its caller's CLIENT span
 * ends once the reply has arrived, in another process. So a callee can end last. Not a fault, but
 * it looks like one on a waterfall: one note per trace says why.
 */
function* timingNotes(tree: TraceTree): Generator<Note> {
  const byId = new Map(tree.spans.map((span) => [span.spanId, span]));
  const late: string[] = [];
  for (const span of tree.spans) {
    const parent = span.parentId === undefined ? undefined : byId.get(span.parentId);
    if (span.kind !== 'SERVER' || parent?.kind !== 'CLIENT') continue;
    const after = span.startUs + span.durationUs - (parent.startUs + parent.durationUs);
    if (after > 0) late.push(`${span.service} ${late.length === 0 ? 'ends ' : ''}${(after / 1000).toFixed(1)} ms`);
  }
  if (late.length === 0) return;
  yield {
    code: 'child-outlasts-parent',
    message:
      `${late.join(' and ')} after the CLIENT span that called ${late.length === 1 ? 'it' : 'each'}: ` +
      "a server span ends once its reply has gone out, its caller's once the reply has arrived",
  };
}

/**
 * In Istio each call is `app CLIENT → caller's sidecar CLIENT → callee's sidecar
 * SERVER → app SERVER`. An app SERVER span hanging straight under another app's
 * span trusted a header its sidecars did not rewrite (their spans then sit beside
 * it as a side branch), or has no sidecar. An inbound sidecar span hanging under
 * the calling app, beside the outbound sidecar's, read a stale `b3`.
 */
/** `inOrder`: the trace's spans in tree order (callers first), so findings come in call order. */
function* meshFindings(
  tree: TraceTree,
  inOrder: readonly TraceSpan[],
  provider: MeshProvider | undefined,
  unsampled: boolean,
  explained: Set<string>,
): Generator<Finding> {
  const sidecars = tree.spans.filter(isSidecar);
  if (sidecars.length === 0) {
    // Unreported sidecar parents already explain an all-app trace.
    if (!unsampled)
      yield {
        code: 'no-sidecar',
        message:
          "no Envoy span (a sidecar's <app>.<namespace>, or an ambient waypoint's) in the trace: is the namespace " +
          'labelled istio-injection=enabled (ambient: istio.io/use-waypoint), and a tracing provider enabled by a ' +
          'Telemetry resource?',
      };
    return;
  }
  const byId = new Map(tree.spans.map((span) => [span.spanId, span]));
  const children = new Map<string, TraceSpan[]>();
  for (const span of tree.spans)
    if (span.parentId) children.set(span.parentId, [...(children.get(span.parentId) ?? []), span]);
  const below = (id: string) => children.get(id) ?? [];
  for (const span of inOrder) {
    if (span.parentId === undefined) continue;
    const parent = byId.get(span.parentId);
    if (!parent || isSidecar(parent)) continue;
    if (span.kind === 'SERVER' && !isSidecar(span)) {
      // The callee's own inbound sidecar span, under the caller (or its outbound sidecar), with no app under it.
      const beside = [...below(parent.spanId), ...below(parent.spanId).flatMap((s) => below(s.spanId))].find(
        (s) => s.kind === 'SERVER' && sidecarOwner(s.service) === span.service && below(s.spanId).every(isSidecar),
      );
      yield beside
        ? {
            code: 'wrong-header-trusted',
            message:
              `${label(span)} is a child of ${label(parent)}, while its own sidecar's span ${label(beside)} sits ` +
              `beside it with no app span under it: ${span.service} trusted a header its mesh's tracer does not ` +
              `rewrite. ${trustFix(span.service, provider)}`,
          }
        : {
            code: 'sidecar-skipped',
            message:
              `${label(span)} is a child of ${label(parent)} with no sidecar or waypoint span between them: ` +
              'does one of the pods run without a sidecar (injection off, or created before the label)?',
          };
    } else if (span.kind === 'SERVER' && parent.kind === 'CLIENT') {
      const outbound = below(parent.spanId).find((s) => s.kind === 'CLIENT' && isSidecar(s));
      if (outbound) explained.add(outbound.spanId);
      if (outbound)
        yield {
          code: 'stale-b3',
          message:
            `${label(span)} is a child of ${label(parent)}, not of ${label(outbound)} beside it: the inbound sidecar ` +
            `read a b3 header that the outbound one never rewrote (Envoy's zipkin tracer reads b3 before x-b3-* and ` +
            `writes only x-b3-*). Remove b3 from OTEL_PROPAGATORS on ${parent.service}: send x-b3-* only`,
        };
    }
  }
  const odd = inOrder.find(
    (span) => isSidecar(span) && span.requestId !== undefined && requestIdProblem(span.requestId, '') !== undefined,
  );
  if (odd?.requestId !== undefined)
    yield { code: 'request-id-not-uuid', message: requestIdProblem(odd.requestId, odd.service) as string };
}

const HIGH_ZEROS = '0'.repeat(16);

/**
 * A hop that keeps only the low 64 bits of a 128-bit trace id splits the trace
 * in two: the spans after it sit in a trace whose id is the low half.
 */
function* truncationFindings(tree: TraceTree, others: ReadonlySet<string>): Generator<Finding> {
  const low = tree.traceId.slice(16);
  const fix =
    "Keep 128-bit trace ids at every hop: Istio's zipkin provider does unless enable64bitTraceId: true; " +
    'an app or proxy on an old B3 library does not';
  if (tree.traceId.startsWith(HIGH_ZEROS)) {
    const whole = [...others].find((id) => id.endsWith(low) && !id.startsWith(HIGH_ZEROS));
    if (whole || tree.orphans.length > 0)
      yield {
        code: 'trace-id-truncated',
        message:
          `the trace id is 64 bits (${low})${whole ? `, the low half of trace ${whole}` : ' and the trace starts under a span no one in it reported'}: ` +
          `a hop cut a 128-bit trace id to its low 64 bits, splitting the trace in two. ${fix}`,
      };
  } else if (others.has(HIGH_ZEROS + low)) {
    yield {
      code: 'trace-id-truncated',
      message: `spans of this trace go on under the 64-bit trace id ${low}: a hop cut the trace id to its low 64 bits. ${fix}`,
    };
  }
}

/**
 * Checks one trace: every expected service reported, every parent present,
 * one root that starts at the first service, every CLIENT span continued by
 * the callee, no context dropped as malformed, no trace id cut to 64 bits, and in mesh
 * mode the sidecar spans in place, each app trusting the header its sidecars rewrite, and
 * Envoy's request ids readable. Notes what looks odd but is not a fault. Pure: the demo,
 * verify and the explorer share it.
 */
export function analyzeTrace(spans: readonly TraceSpan[], options: AnalysisOptions = {}): TraceAnalysis {
  const tree = buildTree(spans);
  const ordered = [...walk(tree.tops)];
  const services = [...new Set(ordered.map(({ node }) => node.span.service))];
  const expect = options.expect ?? [];
  const mesh = options.mesh === true || options.provider !== undefined;
  const orphans = [...orphanFindings(tree, mesh, options.provider, options.withoutInboundSidecar ?? [])];
  const unsampled = orphans.some((finding) => finding.code === 'sidecar-not-sampled');
  const explained = new Set<string>();
  const inOrder = ordered.map(({ node }) => node.span);
  const meshed = mesh ? [...meshFindings(tree, inOrder, options.provider, unsampled, explained)] : [];
  const findings = [
    ...orphans,
    ...serviceFindings(services, expect),
    ...rootFindings(tree, expect),
    ...continuationFindings(ordered, unsampled, explained),
    ...droppedContextFindings(tree),
    ...meshed,
    ...truncationFindings(tree, options.otherTraceIds ?? new Set()),
  ];
  const start = Math.min(...tree.spans.map((s) => s.startUs));
  const end = Math.max(...tree.spans.map((s) => s.startUs + s.durationUs));
  return {
    traceId: tree.traceId,
    tree,
    services,
    spanCount: tree.spans.length,
    durationUs: tree.spans.length === 0 ? 0 : end - start,
    verdict: findings.length === 0 ? 'joined' : 'broken',
    findings,
    notes: [...timingNotes(tree)],
  };
}
