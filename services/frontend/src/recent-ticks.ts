/** The last few loop ticks, newest first, for `GET /loop` and the page's loop panel. Pure. */

/** How many ticks are kept: what the page lists. */
export const RECENT_TICKS = 20;

export interface RecentTick {
  /** When the tick started (ISO 8601). */
  readonly at: string;
  /** The tick's trace; empty for a headerless tick, which has none. */
  readonly trace_id: string;
  /** The target's status, or the failure (`timeout`, `connection`). */
  readonly status: number | string;
  readonly duration_ms: number;
  /**
   * The spans the tick and every hop report, judged as the terminal view judges them
   * (chain-verdict.ts); `unsampled`: none recorded; `unknown`: no echo report to read.
   */
  readonly chain: 'joined' | 'broken' | 'unsampled' | 'unknown';
}

/** A bounded ring: old ticks are overwritten, so memory stays fixed however long the loop runs. */
export class RecentTicks {
  readonly #ring: RecentTick[] = [];
  #next = 0;

  add(tick: RecentTick): void {
    this.#ring[this.#next] = tick;
    this.#next = (this.#next + 1) % RECENT_TICKS;
  }

  /** Newest first. */
  list(): RecentTick[] {
    const oldestFirst = [...this.#ring.slice(this.#next), ...this.#ring.slice(0, this.#next)];
    return oldestFirst.reverse();
  }
}
