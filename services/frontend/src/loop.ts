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

export interface Loop {
  /** Stops scheduling and waits for the tick in flight, if any. */
  stop(): Promise<void>;
}

/**
 * Runs `tick` every `intervalMs`, measured start to start. Only one tick is
 * ever in flight: a tick that overruns delays the next one instead of
 * overlapping it, so a slow target can never make ticks pile up. A tick that
 * throws is the tick's problem; the loop carries on.
 */
export function startLoop(tick: () => Promise<void>, intervalMs: number, timers: Timers = realTimers): Loop {
  let stopped = false;
  let handle: unknown;
  let inFlight: Promise<void> = Promise.resolve();

  const run = () => {
    if (stopped) return;
    const started = timers.now();
    inFlight = tick()
      .catch(() => {
        // tick() reports its own failures; nothing here may stop the loop.
      })
      .then(() => {
        if (stopped) return;
        const wait = intervalMs - (timers.now() - started);
        // An overdue tick starts as soon as the slow one ends; only one ever catches up.
        if (wait <= 0) run();
        else handle = timers.setTimeout(run, wait);
      });
  };

  handle = timers.setTimeout(run, 0);
  return {
    async stop() {
      stopped = true;
      timers.clearTimeout(handle);
      await inFlight;
    },
  };
}
