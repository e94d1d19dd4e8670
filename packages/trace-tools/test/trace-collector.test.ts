import { describe, expect, it } from 'vitest';
import { type CompletedTrace, createTraceCollector, type Timers } from '../src/trace-collector.ts';
import { localChain } from './helpers/fixtures.ts';

/** Timers driven by hand: `advance(ms)` runs what is due. */
function manualTimers() {
  let now = 0;
  let next = 0;
  const due = new Map<number, { at: number; callback: () => void }>();
  const timers: Timers = {
    setTimeout: (callback, ms) => {
      due.set(++next, { at: now + ms, callback });
      return next;
    },
    clearTimeout: (handle) => due.delete(handle as number),
    now: () => now,
  };
  const advance = (ms: number) => {
    now += ms;
    for (const [id, timer] of [...due.entries()].sort((a, b) => a[1].at - b[1].at)) {
      if (timer.at > now) continue;
      due.delete(id);
      timer.callback();
    }
  };
  return { timers, advance };
}

function collector() {
  const { timers, advance } = manualTimers();
  const completed: CompletedTrace[] = [];
  const c = createTraceCollector({ quietMs: 600, maxWaitMs: 10_000, timers, onComplete: (t) => completed.push(t) });
  return { c, advance, completed };
}

const [root, ...children] = localChain as [(typeof localChain)[0], ...typeof localChain];

describe('trace completion', () => {
  it('hands a trace over once its root has arrived and no span came for the quiet period', () => {
    const { c, advance, completed } = collector();
    c.add(children.slice(0, 2));
    advance(5_000);
    expect(completed).toEqual([]);
    c.add([...children.slice(2), root]);
    advance(599);
    expect(completed).toEqual([]);
    advance(1);
    expect(completed).toHaveLength(1);
    expect(completed[0]).toMatchObject({ reason: 'quiet', late: false });
    expect(completed[0]?.spans).toHaveLength(5);
    expect(c.pending).toBe(0);
  });

  it('restarts the quiet period when another span of the trace arrives', () => {
    const { c, advance, completed } = collector();
    c.add([root]);
    advance(500);
    c.add(children);
    advance(500);
    expect(completed).toEqual([]);
    advance(100);
    expect(completed).toHaveLength(1);
  });

  it('hands over a trace whose root never comes after maxWait', () => {
    const { c, advance, completed } = collector();
    c.add(children);
    advance(9_999);
    expect(completed).toEqual([]);
    advance(1);
    expect(completed[0]?.reason).toBe('no-root');
  });

  it('marks spans of a trace already handed over as late', () => {
    const { c, advance, completed } = collector();
    c.add([root]);
    advance(600);
    c.add(children);
    advance(10_000);
    expect(completed.map((t) => t.late)).toEqual([false, true]);
  });

  it('flushes everything pending on shutdown', () => {
    const { c, completed } = collector();
    c.add(children);
    c.flush();
    expect(completed[0]?.reason).toBe('flush');
  });
});
