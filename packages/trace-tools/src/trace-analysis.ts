import type { TraceSpan } from './trace-span.ts';
import { buildTree, type SpanNode, type TraceTree, walk } from './trace-tree.ts';

export interface AnalysisOptions {
  /** Services that must each report a span, in call order: the first one starts the trace. */
  readonly expect?: readonly string[];
  /** Istio: Envoy's spans (sidecars' `<app>.<namespace>`, or an ambient waypoint's) must sit between the apps' spans. */
  readonly mesh?: boolean;
}

export type FindingCode =
  | 'orphan'
  | 'missing-service'
  | 'multiple-roots'
  | 'new-trace'
  | 'not-continued'
  | 'context-dropped'
  | 'no-sidecar'
  | 'sidecar-skipped';

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

function label(span: TraceSpan): string {
  return `${span.service} "${span.name}" (${span.kind})`;
}

function ownerOf(span: TraceSpan): string {
  return sidecarOwner(span.service) ?? span.service;
}

function* orphanFindings(tree: TraceTree): Generator<Finding> {
  for (const span of tree.orphans) {
    yield {
      code: 'orphan',
      message: `${label(span)} names parent ${span.parentId} that no one reported`,
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

function* continuationFindings(nodes: Iterable<{ node: SpanNode }>): Generator<Finding> {
  for (const { node } of nodes) {
    const { span } = node;
    if (span.kind !== 'CLIENT' || node.children.length > 0) continue;
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

function* meshFindings(tree: TraceTree): Generator<Finding> {
  if (!tree.spans.some((span) => sidecarOwner(span.service) !== undefined)) {
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
  for (const span of tree.spans) {
    if (span.kind !== 'SERVER' || sidecarOwner(span.service) !== undefined || span.parentId === undefined) continue;
    const parent = byId.get(span.parentId);
    if (!parent || sidecarOwner(parent.service) !== undefined) continue;
    yield {
      code: 'sidecar-skipped',
      message:
        `${label(span)} is a child of ${label(parent)} with no sidecar or waypoint span between them: ` +
        'the app trusted traceparent over the x-b3-* headers its sidecar rewrote, or a pod has no sidecar',
    };
  }
}

/**
 * Checks one trace: every expected service reported, every parent present,
 * one root that starts at the first service, every CLIENT span continued by
 * the callee, no context dropped as malformed, and in mesh mode the sidecar
 * spans in place. Notes what looks odd but is not a fault. Pure.
 */
export function analyzeTrace(spans: readonly TraceSpan[], options: AnalysisOptions = {}): TraceAnalysis {
  const tree = buildTree(spans);
  const ordered = [...walk(tree.tops)];
  const services = [...new Set(ordered.map(({ node }) => node.span.service))];
  const expect = options.expect ?? [];
  const findings = [
    ...orphanFindings(tree),
    ...serviceFindings(services, expect),
    ...rootFindings(tree, expect),
    ...continuationFindings(ordered),
    ...droppedContextFindings(tree),
    ...(options.mesh ? meshFindings(tree) : []),
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
