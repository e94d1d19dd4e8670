import type { TraceSpan } from '@meshtrace/harness';

/** A span with its children, earliest first. */
export interface SpanNode {
  readonly span: TraceSpan;
  readonly children: readonly SpanNode[];
  /** True when the span names a parent that is not in the trace. */
  readonly orphan: boolean;
}

/** One trace as a forest: normally one root; orphans become extra top-level nodes. */
export interface TraceTree {
  readonly traceId: string;
  readonly spans: readonly TraceSpan[];
  /** Spans without a parent id, and orphans, earliest first. */
  readonly tops: readonly SpanNode[];
  /** Spans whose parent id names a span nobody reported. */
  readonly orphans: readonly TraceSpan[];
}

/** Spans grouped by trace id, each group in arrival order; groups in order of first arrival. */
export function groupByTrace(spans: readonly TraceSpan[]): Map<string, TraceSpan[]> {
  const groups = new Map<string, TraceSpan[]>();
  for (const span of spans) {
    const group = groups.get(span.traceId);
    if (group) group.push(span);
    else groups.set(span.traceId, [span]);
  }
  return groups;
}

const byStart = (a: SpanNode, b: SpanNode) => a.span.startUs - b.span.startUs;

/**
 * Builds the parent/child tree of one trace's spans. A span reported twice
 * (same id) counts once. Cycles cannot loop: each span is placed once.
 */
export function buildTree(spans: readonly TraceSpan[]): TraceTree {
  const unique = new Map<string, TraceSpan>();
  for (const span of spans) if (!unique.has(span.spanId)) unique.set(span.spanId, span);
  const childrenOf = new Map<string, TraceSpan[]>();
  const tops: TraceSpan[] = [];
  const orphans: TraceSpan[] = [];
  for (const span of unique.values()) {
    if (span.parentId === undefined || span.parentId === span.spanId) {
      tops.push(span);
    } else if (!unique.has(span.parentId)) {
      orphans.push(span);
      tops.push(span);
    } else {
      const siblings = childrenOf.get(span.parentId);
      if (siblings) siblings.push(span);
      else childrenOf.set(span.parentId, [span]);
    }
  }
  const placed = new Set<string>();
  const orphanIds = new Set(orphans.map((s) => s.spanId));
  const node = (span: TraceSpan): SpanNode => {
    placed.add(span.spanId);
    const children = (childrenOf.get(span.spanId) ?? [])
      .filter((child) => !placed.has(child.spanId))
      .map(node)
      .sort(byStart);
    return { span, children, orphan: orphanIds.has(span.spanId) };
  };
  const topNodes = tops.map(node);
  // Spans caught in a parent cycle are reachable from no top: show them as tops too.
  for (const span of unique.values()) if (!placed.has(span.spanId)) topNodes.push(node(span));
  topNodes.sort(byStart);
  return { traceId: spans[0]?.traceId ?? '', spans: [...unique.values()], tops: topNodes, orphans };
}

/** Depth-first, parents before children: the order the renderer prints. */
export function* walk(nodes: readonly SpanNode[], depth = 0): Generator<{ node: SpanNode; depth: number }> {
  for (const node of nodes) {
    yield { node, depth };
    yield* walk(node.children, depth + 1);
  }
}
