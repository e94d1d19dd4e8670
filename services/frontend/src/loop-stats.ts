import { type RecentTick, RecentTicks } from './recent-ticks.ts';

/** What the loop has done: counters, recent latencies and the last ticks, for `GET /loop` and /metrics. Pure. */

/** How many latencies the percentiles look at: recent enough to move, big enough for a p99. */
const WINDOW = 1000;

export interface LoopSnapshot {
  readonly sent: number;
  readonly ok: number;
  readonly failed: number;
  readonly skipped: number;
  readonly last_error: string | null;
  readonly latency_ms: { readonly p50: number | null; readonly p99: number | null };
  /** The last ticks, newest first. */
  readonly recent_ticks: readonly RecentTick[];
}

export interface TickOutcome {
  readonly ok: boolean;
  readonly durationMs: number;
  /** Why it failed: a status (`503`) or a failure code (`timeout`). */
  readonly error?: string;
  /** The tick as the page lists it; absent, the tick is only counted. */
  readonly tick?: RecentTick;
}

/** The value at quantile q of sorted values (nearest rank). */
function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? null;
}

export class LoopStats {
  sent = 0;
  ok = 0;
  failed = 0;
  skipped = 0;
  lastError: string | null = null;
  readonly #latencies: number[] = [];
  readonly #recent = new RecentTicks();
  #next = 0;

  recordSent(): void {
    this.sent++;
  }

  recordSkipped(slots: number): void {
    this.skipped += slots;
  }

  record(outcome: TickOutcome): void {
    if (outcome.ok) this.ok++;
    else {
      this.failed++;
      this.lastError = outcome.error ?? 'unknown';
    }
    // A ring buffer: old latencies are overwritten, memory stays bounded.
    this.#latencies[this.#next] = outcome.durationMs;
    this.#next = (this.#next + 1) % WINDOW;
    if (outcome.tick) this.#recent.add(outcome.tick);
  }

  snapshot(): LoopSnapshot {
    const sorted = [...this.#latencies].sort((a, b) => a - b);
    return {
      sent: this.sent,
      ok: this.ok,
      failed: this.failed,
      skipped: this.skipped,
      last_error: this.lastError,
      latency_ms: { p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99) },
      recent_ticks: this.#recent.list(),
    };
  }
}
