import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startLoop, type Timers } from '../src/loop.ts';

/** The loop's schedule, driven by fake timers: no wall-clock assertions. */

let timers: Timers;
beforeEach(() => {
  vi.useFakeTimers();
  timers = {
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
    now: () => Date.now(),
  };
});
afterEach(() => {
  vi.useRealTimers();
});

/** A tick that takes `ms` of (fake) time and records when each one started. */
function timedTick(durationMs: () => number, starts: number[], t0: number) {
  let inFlight = 0;
  let maxInFlight = 0;
  const tick = async () => {
    starts.push(Date.now() - t0);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await new Promise((resolve) => setTimeout(resolve, durationMs()));
    inFlight--;
  };
  return { tick, maxInFlight: () => maxInFlight };
}

describe('loop schedule', () => {
  it('starts ticks one interval apart, start to start', async () => {
    const starts: number[] = [];
    const { tick } = timedTick(() => 300, starts, Date.now());
    const loop = startLoop(tick, 1000, timers);
    await vi.advanceTimersByTimeAsync(3500);
    expect(starts).toEqual([0, 1000, 2000, 3000]);
    await loop.stop();
  });

  it('never overlaps ticks: a tick that overruns delays the next one', async () => {
    const starts: number[] = [];
    const durations = [2500, 100, 100];
    const { tick, maxInFlight } = timedTick(() => durations.shift() ?? 100, starts, Date.now());
    const loop = startLoop(tick, 1000, timers);
    await vi.advanceTimersByTimeAsync(4000);
    // The slow first tick ends at 2500; the next starts then, not three at once.
    expect(starts).toEqual([0, 2500, 3500]);
    expect(maxInFlight()).toBe(1);
    await loop.stop();
  });

  it('keeps going after a tick throws', async () => {
    let calls = 0;
    const loop = startLoop(
      async () => {
        calls++;
        if (calls === 1) throw new Error('target down');
      },
      100,
      timers,
    );
    await vi.advanceTimersByTimeAsync(350);
    expect(calls).toBe(4);
    await loop.stop();
  });

  it('stop() waits for the tick in flight and schedules no more', async () => {
    const starts: number[] = [];
    let finished = 0;
    const loop = startLoop(
      async () => {
        starts.push(Date.now());
        await new Promise((resolve) => setTimeout(resolve, 500));
        finished++;
      },
      100,
      timers,
    );
    await vi.advanceTimersByTimeAsync(10);
    const stopped = loop.stop();
    await vi.advanceTimersByTimeAsync(600);
    await stopped;
    expect(finished).toBe(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(starts).toHaveLength(1);
  });
});
