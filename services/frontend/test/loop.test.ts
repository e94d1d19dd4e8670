import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type LoopOptions, type SkipReason, startLoop, type Timers } from '../src/loop.ts';

/** The loop's schedule, driven by fake timers: no wall-clock assertions. */

/** How far `now()` runs ahead of the fake clock: a stall the timers never saw. */
let stalledMs = 0;
let timers: Timers;
beforeEach(() => {
  vi.useFakeTimers();
  stalledMs = 0;
  timers = {
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
    now: () => Date.now() + stalledMs,
  };
});
afterEach(() => {
  vi.useRealTimers();
});

/** A tick that takes `ms` of (fake) time and records when each one started. */
function timedTick(durationMs: () => number) {
  const t0 = Date.now();
  const starts: number[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const tick = async () => {
    starts.push(Date.now() - t0);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await new Promise((resolve) => setTimeout(resolve, durationMs()));
    inFlight--;
  };
  return { tick, starts, maxInFlight: () => maxInFlight };
}

function skipCounter() {
  const skipped: Record<SkipReason, number> = { busy: 0, behind: 0 };
  return { skipped, onSkip: (reason: SkipReason, slots: number) => (skipped[reason] += slots) };
}

/** Stops the loop, letting (fake) time pass so the ticks in flight can finish. */
async function stop(loop: { stop(): Promise<void> }): Promise<void> {
  const stopped = loop.stop();
  await vi.advanceTimersByTimeAsync(60_000);
  await stopped;
}

function start(tick: () => Promise<void>, options: Omit<LoopOptions, 'timers'>) {
  return startLoop(tick, { ...options, timers });
}

describe('fixed-rate schedule', () => {
  it('starts ticks one interval apart, start to start', async () => {
    const { tick, starts } = timedTick(() => 300);
    const loop = start(tick, { intervalMs: 1000 });
    await vi.advanceTimersByTimeAsync(3500);
    expect(starts).toEqual([0, 1000, 2000, 3000]);
    await stop(loop);
  });

  it('holds its rate over many ticks: 100 per second for a minute is 6000 ticks, not one more or less', async () => {
    const { tick, starts } = timedTick(() => 3);
    const loop = start(tick, { intervalMs: 10, concurrency: 10 });
    await vi.advanceTimersByTimeAsync(60_000 - 1);
    expect(starts).toHaveLength(6000);
    expect(starts.at(-1)).toBe(59_990);
    await stop(loop);
  });

  it('does not burst after a stall: missed slots are skipped, and the rate resumes on the grid', async () => {
    const { tick, starts } = timedTick(() => 1);
    const counter = skipCounter();
    const loop = start(tick, { intervalMs: 100, concurrency: 50, onSkip: counter.onSkip });
    await vi.advanceTimersByTimeAsync(250);
    expect(starts).toEqual([0, 100, 200]);
    // The event loop was blocked for 1 s: the clock jumped, the timers saw nothing.
    stalledMs = 1000;
    await vi.advanceTimersByTimeAsync(50);
    // One tick for the late slot, none for the ten that went by.
    expect(starts).toEqual([0, 100, 200, 300]);
    expect(counter.skipped.behind).toBe(10);
    await vi.advanceTimersByTimeAsync(300);
    expect(starts).toHaveLength(7);
    await stop(loop);
  });

  it('holds the concurrency bound against a stalled target, counting the rest as skipped', async () => {
    const { tick, starts, maxInFlight } = timedTick(() => 60_000);
    const counter = skipCounter();
    const loop = start(tick, { intervalMs: 100, concurrency: 3, onSkip: counter.onSkip });
    await vi.advanceTimersByTimeAsync(10_000 - 1);
    expect(starts).toEqual([0, 100, 200]);
    expect(maxInFlight()).toBe(3);
    expect(counter.skipped.busy).toBe(97);
    await stop(loop);
  });

  it('with concurrency 1, a tick that overruns skips the slots it covers instead of piling up', async () => {
    const durations = [2500, 100, 100];
    const { tick, starts, maxInFlight } = timedTick(() => durations.shift() ?? 100);
    const counter = skipCounter();
    const loop = start(tick, { intervalMs: 1000, onSkip: counter.onSkip });
    await vi.advanceTimersByTimeAsync(4000);
    expect(starts).toEqual([0, 3000, 4000]);
    expect(maxInFlight()).toBe(1);
    expect(counter.skipped.busy).toBe(2);
    await stop(loop);
  });

  it('jitters each tick within its slot, keeping the average rate', async () => {
    const { tick, starts } = timedTick(() => 1);
    const randoms = [0.5, 0, 0.9, 0.25];
    const loop = start(tick, { intervalMs: 1000, jitter: 0.2, random: () => randoms.shift() ?? 0 });
    await vi.advanceTimersByTimeAsync(3500);
    expect(starts).toEqual([100, 1000, 2180, 3050]);
    await stop(loop);
  });

  it('stops after LOOP_COUNT ticks, or after LOOP_DURATION_MS', async () => {
    const counted = timedTick(() => 1);
    const byCount = start(counted.tick, { intervalMs: 100, maxTicks: 5 });
    await vi.advanceTimersByTimeAsync(2000);
    expect(counted.starts).toHaveLength(5);
    expect(byCount.state).toBe('finished');

    const timed = timedTick(() => 1);
    const byDuration = start(timed.tick, { intervalMs: 100, durationMs: 450 });
    await vi.advanceTimersByTimeAsync(2000);
    expect(timed.starts).toEqual([0, 100, 200, 300, 400]);
    expect(byDuration.state).toBe('finished');
  });

  it('pauses, resumes, and changes rate at run time', async () => {
    const { tick, starts } = timedTick(() => 1);
    const loop = start(tick, { intervalMs: 1000 });
    await vi.advanceTimersByTimeAsync(1500);
    loop.pause();
    await vi.advanceTimersByTimeAsync(5000);
    expect(starts).toEqual([0, 1000]);
    expect(loop.state).toBe('paused');
    loop.resume();
    await vi.advanceTimersByTimeAsync(1);
    expect(starts).toEqual([0, 1000, 6500]);
    loop.setIntervalMs(100);
    await vi.advanceTimersByTimeAsync(350);
    expect(starts).toEqual([0, 1000, 6500, 6601, 6701, 6801]);
    expect(loop.intervalMs).toBe(100);
    await stop(loop);
  });

  it('keeps going after a tick throws', async () => {
    let calls = 0;
    const loop = start(
      async () => {
        calls++;
        if (calls === 1) throw new Error('target down');
      },
      { intervalMs: 100 },
    );
    await vi.advanceTimersByTimeAsync(350);
    expect(calls).toBe(4);
    await stop(loop);
  });

  it('stop() waits for the ticks in flight and schedules no more', async () => {
    const starts: number[] = [];
    let finished = 0;
    const loop = start(
      async () => {
        starts.push(Date.now());
        await new Promise((resolve) => setTimeout(resolve, 500));
        finished++;
      },
      { intervalMs: 100 },
    );
    await vi.advanceTimersByTimeAsync(10);
    const stopped = loop.stop();
    await vi.advanceTimersByTimeAsync(600);
    await stopped;
    expect(finished).toBe(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(starts).toHaveLength(1);
    expect(loop.state).toBe('stopped');
  });
});
