/** Timer functions, injectable so tests can drive the loop with fake timers. */
export interface Timers {
  readonly setTimeout: (callback: () => void, ms: number) => unknown;
  readonly clearTimeout: (handle: unknown) => void;
  readonly now: () => number;
}

const realTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  now: () => performance.now(),
};

/** Why a slot sent nothing: the concurrency bound was full, or the process stalled past it. */
export type SkipReason = 'busy' | 'behind';

export interface LoopOptions {
  /** Milliseconds from one slot to the next (1000 / rate). */
  readonly intervalMs: number;
  /** At most this many ticks in flight; a slot that finds them all busy is skipped. Default 1. */
  readonly concurrency?: number;
  /** 0..1: each tick starts up to this fraction of an interval after its slot. Default 0. */
  readonly jitter?: number;
  /** Stop after this many ticks; 0 means no limit. */
  readonly maxTicks?: number;
  /** Stop scheduling this long after the start; 0 means no limit. */
  readonly durationMs?: number;
  readonly timers?: Timers;
  /** Returns [0, 1), like Math.random; injectable for a fixed seed. */
  readonly random?: () => number;
  readonly onSkip?: (reason: SkipReason, slots: number) => void;
}

export type LoopState = 'running' | 'paused' | 'finished' | 'stopped';

export interface Loop {
  readonly state: LoopState;
  readonly intervalMs: number;
  /** No new ticks until resume(); ticks in flight finish. */
  pause(): void;
  /** Starts a tick now and keeps the rate from here. */
  resume(): void;
  /** Changes the rate from now on: the next tick is one new interval away. */
  setIntervalMs(ms: number): void;
  /** Stops scheduling and waits for the ticks in flight. */
  stop(): Promise<void>;
}

/**
 * Runs `tick` at a fixed rate: slot k is due at `anchor + k * intervalMs`, so
 * the rate never drifts however long ticks take. Slots are never queued: one
 * that finds `concurrency` ticks in flight is skipped, and slots that passed
 * while the process stalled are skipped too (no burst to catch up). A tick
 * that throws is the tick's problem; the loop carries on.
 */
export function startLoop(tick: () => Promise<void>, options: LoopOptions): Loop {
  const timers = options.timers ?? realTimers;
  const random = options.random ?? Math.random;
  const concurrency = options.concurrency ?? 1;
  const jitter = options.jitter ?? 0;
  const startedAt = timers.now();
  const inFlight = new Set<Promise<void>>();
  let intervalMs = options.intervalMs;
  let state: LoopState = 'running';
  let anchor = startedAt;
  let slot = 0;
  let due = anchor;
  let sent = 0;
  let handle: unknown;

  const schedule = () => {
    due = anchor + slot * intervalMs + jitter * intervalMs * random();
    handle = timers.setTimeout(fire, Math.max(0, due - timers.now()));
  };

  const launch = () => {
    sent++;
    const running: Promise<void> = tick()
      .catch(() => {
        // tick() reports its own failures; nothing here may stop the loop.
      })
      .finally(() => inFlight.delete(running));
    inFlight.add(running);
  };

  function fire() {
    if (state !== 'running') return;
    const now = timers.now();
    if (options.durationMs && now - startedAt >= options.durationMs) {
      state = 'finished';
      return;
    }
    // Slots that went by while the event loop was blocked are dropped, not sent in a burst.
    const missed = Math.floor((now - due) / intervalMs);
    if (missed > 0) {
      options.onSkip?.('behind', missed);
      slot += missed;
    }
    if (inFlight.size >= concurrency) options.onSkip?.('busy', 1);
    else launch();
    slot++;
    if (options.maxTicks && sent >= options.maxTicks) {
      state = 'finished';
      return;
    }
    schedule();
  }

  schedule();
  return {
    get state() {
      return state;
    },
    get intervalMs() {
      return intervalMs;
    },
    pause() {
      if (state !== 'running') return;
      state = 'paused';
      timers.clearTimeout(handle);
    },
    resume() {
      if (state !== 'paused') return;
      state = 'running';
      anchor = timers.now();
      slot = 0;
      schedule();
    },
    setIntervalMs(ms) {
      intervalMs = ms;
      if (state !== 'running') return;
      timers.clearTimeout(handle);
      anchor = timers.now();
      slot = 1;
      schedule();
    },
    async stop() {
      if (state === 'running' || state === 'paused') state = 'stopped';
      timers.clearTimeout(handle);
      await Promise.all(inFlight);
    },
  };
}
