import type { TraceSpan } from '@meshtrace/harness';

/** Timer functions, injectable so tests can drive completion with fake timers. */
export interface Timers {
  readonly setTimeout: (callback: () => void, ms: number) => unknown;
  readonly clearTimeout: (handle: unknown) => void;
  readonly now: () => number;
}

const realTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  now: () => performance.now(),
};

/** Why a trace was handed over. */
export type CompletionReason = 'quiet' | 'no-root' | 'flush';

export interface CompletedTrace {
  readonly traceId: string;
  readonly spans: readonly TraceSpan[];
  readonly reason: CompletionReason;
  /** Spans of a trace that was already handed over: the quiet period was too short for them. */
  readonly late: boolean;
}

export interface CollectorOptions {
  /** A trace with its root is complete after this long without a new span. */
  readonly quietMs: number;
  /** A trace whose root never comes is handed over this long after its first span. */
  readonly maxWaitMs: number;
  readonly onComplete: (trace: CompletedTrace) => void;
  readonly timers?: Timers;
}

export interface TraceCollector {
  add(spans: readonly TraceSpan[]): void;
  /** Hands over every pending trace now (on shutdown). */
  flush(): void;
  readonly pending: number;
}

interface Pending {
  readonly spans: TraceSpan[];
  readonly firstAt: number;
  hasRoot: boolean;
  handle: unknown;
  readonly late: boolean;
}

/** How many handed-over trace ids are remembered to spot late spans. */
const REMEMBERED = 10_000;

/**
 * Groups arriving spans into traces and decides when each is complete.
 *
 * Services export in batches, each on its own schedule, and the root span
 * (the frontend's "loop tick") ends last, so it usually arrives last. A trace
 * is complete when its root has arrived and then `quietMs` pass with no new
 * span for it. A trace whose root never arrives (an orphan, or a root lost
 * in export) is handed over `maxWaitMs` after its first span, so it is still
 * shown.
 */
export function createTraceCollector(options: CollectorOptions): TraceCollector {
  const timers = options.timers ?? realTimers;
  const pending = new Map<string, Pending>();
  const done = new Set<string>();

  const complete = (traceId: string, reason: CompletionReason) => {
    const entry = pending.get(traceId);
    if (!entry) return;
    timers.clearTimeout(entry.handle);
    pending.delete(traceId);
    done.add(traceId);
    if (done.size > REMEMBERED) done.delete(done.values().next().value as string);
    options.onComplete({ traceId, spans: entry.spans, reason, late: entry.late });
  };

  const schedule = (traceId: string, entry: Pending) => {
    timers.clearTimeout(entry.handle);
    const untilNoRoot = options.maxWaitMs - (timers.now() - entry.firstAt);
    const wait = entry.hasRoot ? Math.min(options.quietMs, Math.max(0, untilNoRoot)) : Math.max(0, untilNoRoot);
    entry.handle = timers.setTimeout(() => complete(traceId, entry.hasRoot ? 'quiet' : 'no-root'), wait);
  };

  return {
    add(spans) {
      const touched = new Set<string>();
      for (const span of spans) {
        let entry = pending.get(span.traceId);
        if (!entry) {
          entry = { spans: [], firstAt: timers.now(), hasRoot: false, handle: undefined, late: done.has(span.traceId) };
          pending.set(span.traceId, entry);
        }
        entry.spans.push(span);
        if (span.parentId === undefined) entry.hasRoot = true;
        touched.add(span.traceId);
      }
      for (const traceId of touched) {
        const entry = pending.get(traceId);
        if (entry) schedule(traceId, entry);
      }
    },
    flush() {
      for (const traceId of [...pending.keys()]) complete(traceId, 'flush');
    },
    get pending() {
      return pending.size;
    },
  };
}
