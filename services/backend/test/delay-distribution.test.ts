import { describe, expect, it } from 'vitest';
import { maxDelayOf, parseDelay, pickDelay } from '../src/delay-distribution.ts';

/** A random source that returns these values in turn. */
function sequence(...values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length] as number;
}

describe('DELAY parsing', () => {
  it('reads fixed, uniform and percentile forms', () => {
    expect(parseDelay('')).toEqual({ kind: 'fixed', ms: 0 });
    expect(parseDelay(' 150 ')).toEqual({ kind: 'fixed', ms: 150 });
    expect(parseDelay('50-200')).toEqual({ kind: 'uniform', min: 50, max: 200 });
    expect(parseDelay('p50=20, p99=300')).toEqual({
      kind: 'percentiles',
      points: [
        [0.5, 20],
        [0.99, 300],
      ],
    });
  });

  it.each(['-5', '200-50', 'fast', '1.5', 'p99=300,p50=20', 'p50=300,p99=20', 'p101=3', 'p50=', '0x10'])(
    'rejects %j without throwing',
    (text) => {
      expect(parseDelay(text)).toBeUndefined();
    },
  );

  it('knows the longest delay each form can pick', () => {
    expect(maxDelayOf({ kind: 'fixed', ms: 7 })).toBe(7);
    expect(maxDelayOf(parseDelay('50-200') ?? { kind: 'fixed', ms: 0 })).toBe(200);
    expect(maxDelayOf(parseDelay('p50=20,p99=300') ?? { kind: 'fixed', ms: 0 })).toBe(300);
  });
});

describe('picking a delay', () => {
  it('spreads a range uniformly from min to max', () => {
    const range = { kind: 'uniform', min: 50, max: 200 } as const;
    expect([0, 0.5, 0.999999].map((u) => pickDelay(range, sequence(u)))).toEqual([50, 125, 200]);
  });

  it('holds the first percentile below it, interpolates between points, and caps at the last', () => {
    const percentiles = parseDelay('p50=20,p90=100,p99=300');
    if (!percentiles) throw new Error('unreachable');
    const pick = (u: number) => pickDelay(percentiles, sequence(u));
    expect(pick(0)).toBe(20);
    expect(pick(0.5)).toBe(20);
    expect(pick(0.7)).toBe(60);
    expect(pick(0.9)).toBe(100);
    expect(pick(0.99)).toBe(300);
    expect(pick(0.999)).toBe(300);
  });

  it('matches its percentiles over many draws', () => {
    const percentiles = parseDelay('p50=20,p99=300');
    if (!percentiles) throw new Error('unreachable');
    // An evenly spread, deterministic random source.
    const draws = Array.from({ length: 10_000 }, (_, i) => pickDelay(percentiles, () => (i + 0.5) / 10_000));
    draws.sort((a, b) => a - b);
    expect(draws[4_999]).toBe(20);
    expect(draws[9_899]).toBeGreaterThanOrEqual(298);
  });
});
