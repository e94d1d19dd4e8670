/**
 * The statistics behind `./pnpmw bench`: medians, quartiles and a confidence
 * interval for the median, from a handful of rounds. Pure functions, no I/O.
 *
 * Why medians: on a shared machine a round is either roughly right or hit by
 * someone else's build; the median ignores the hit rounds, where a mean is
 * dragged by them. The interval says whether a difference is real: two
 * variants whose intervals overlap cannot be told apart by this run.
 */

export interface Summary {
  readonly n: number;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** First and third quartiles (linear interpolation between order statistics). */
  readonly q1: number;
  readonly q3: number;
  /**
   * A distribution-free interval for the median with at least 95% coverage:
   * order statistics chosen from the binomial(n, ½) distribution. Undefined
   * below 6 values, where even min–max covers less than 95%.
   */
  readonly ci: readonly [number, number] | undefined;
}

/** The p-quantile (0 ≤ p ≤ 1) of already sorted values, interpolating between neighbours. */
function quantileSorted(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const at = (sorted.length - 1) * p;
  const below = Math.floor(at);
  const above = Math.ceil(at);
  const low = sorted[below] ?? Number.NaN;
  const high = sorted[above] ?? Number.NaN;
  return low + (high - low) * (at - below);
}

/** P(X ≤ k) for X ~ binomial(n, ½). */
function binomialHalfCdf(n: number, k: number): number {
  let term = 0.5 ** n; // C(n, 0) / 2^n
  let sum = term;
  for (let i = 1; i <= k; i++) {
    term = (term * (n - i + 1)) / i;
    sum += term;
  }
  return sum;
}

/**
 * 1-based rank r of the lower bound: the median lies in [x(r), x(n+1-r)] with
 * probability 1 − 2·P(X ≤ r−1). The largest r that keeps that ≥ 95%.
 */
export function medianCiRank(n: number): number | undefined {
  let rank: number | undefined;
  for (let r = 1; r <= Math.floor(n / 2); r++) {
    if (1 - 2 * binomialHalfCdf(n, r - 1) >= 0.95) rank = r;
    else break;
  }
  return rank;
}

export function summarize(values: readonly number[]): Summary {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  const n = sorted.length;
  const rank = medianCiRank(n);
  return {
    n,
    median: quantileSorted(sorted, 0.5),
    min: sorted[0] ?? Number.NaN,
    max: sorted[n - 1] ?? Number.NaN,
    q1: quantileSorted(sorted, 0.25),
    q3: quantileSorted(sorted, 0.75),
    ci: rank === undefined ? undefined : [sorted[rank - 1] ?? Number.NaN, sorted[n - rank] ?? Number.NaN],
  };
}

/** Pairs the rounds of two variants (round i with round i) through `combine`, skipping rounds either lacks. */
export function paired(
  a: readonly number[],
  b: readonly number[],
  combine: (a: number, b: number) => number,
): number[] {
  const length = Math.min(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < length; i++) {
    const value = combine(a[i] ?? Number.NaN, b[i] ?? Number.NaN);
    if (Number.isFinite(value)) out.push(value);
  }
  return out;
}

export type Verdict = 'met' | 'not met';

/**
 * Whether the median meets a goal (`atLeast` true: median ≥ goal), and a note
 * when the interval straddles the goal, meaning this run cannot tell.
 */
export function verdict(summary: Summary, goal: number, atLeast: boolean): { verdict: Verdict; straddles: boolean } {
  const meets = (value: number) => (atLeast ? value >= goal : value <= goal);
  const straddles = summary.ci !== undefined && meets(summary.ci[0]) !== meets(summary.ci[1]);
  return { verdict: meets(summary.median) ? 'met' : 'not met', straddles };
}
