import { describe, expect, it } from 'vitest';
import { medianCiRank, paired, summarize, verdict } from '../scripts/bench/stats.ts';

/** The bench's arithmetic, on fixed numbers: what it reports must be right even when the machine is noisy. */

describe('summarize', () => {
  it('takes the median, quartiles and range, ignoring order and non-finite values', () => {
    const s = summarize([5, 1, 4, Number.NaN, 2, 3]);
    expect(s).toMatchObject({ n: 5, median: 3, min: 1, max: 5, q1: 2, q3: 4 });
  });

  it('averages the two middle values of an even count', () => {
    expect(summarize([1, 2, 3, 10]).median).toBe(2.5);
  });

  it('gives no 95% interval below 6 values, where min–max covers less than that', () => {
    expect(summarize([1, 2, 3, 4, 5]).ci).toBeUndefined();
  });

  it('gives the order statistics of a ≥ 95% binomial interval for the median', () => {
    // n = 6: [x1, x6] covers 1 − 2/64 = 96.9%.
    expect(medianCiRank(6)).toBe(1);
    // n = 10: [x2, x9] covers 1 − 2·11/1024 = 97.9%; [x3, x8] only 89.1%.
    expect(medianCiRank(10)).toBe(2);
    expect(summarize([10, 1, 9, 2, 8, 3, 7, 4, 6, 5]).ci).toEqual([2, 9]);
    // n = 20: [x6, x15] covers 95.9%.
    expect(medianCiRank(20)).toBe(6);
  });
});

describe('paired', () => {
  it('combines round i of one variant with round i of the other, skipping missing or non-finite rounds', () => {
    expect(paired([10, 20, 30], [5, 0, 10, 99], (a, b) => a / b)).toEqual([2, 3]);
  });
});

describe('verdict', () => {
  const s = summarize([0.66, 0.68, 0.69, 0.71, 0.72, 0.72, 0.73, 0.74, 0.75, 0.8]);

  it('judges the median against an at-least goal, and says when the interval straddles it', () => {
    expect(verdict(s, 0.7, true)).toEqual({ verdict: 'met', straddles: true });
    expect(verdict(s, 0.6, true)).toEqual({ verdict: 'met', straddles: false });
    expect(verdict(s, 0.8, true)).toEqual({ verdict: 'not met', straddles: false });
  });

  it('judges an at-most goal the other way round', () => {
    expect(verdict(summarize([3, 4, 4, 5, 5, 6]), 5, false).verdict).toBe('met');
    expect(verdict(summarize([5, 6, 6, 7, 7, 8]), 5, false).verdict).toBe('not met');
  });
});
