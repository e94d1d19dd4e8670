/**
 * Injected latency as a distribution, parsed from text once and sampled per
 * request. Pure: the random source is passed in, so tests use a fixed sequence.
 *
 * Accepted forms (the `DELAY` variable):
 * - `0` or empty: no delay
 * - `150`: always 150 ms
 * - `50-200`: uniform between 50 and 200 ms
 * - `p50=20,p99=300`: percentiles; between two given points the delay is
 *   interpolated linearly, below the first it is the first, above the last the last
 */

export type DelayDistribution =
  | { readonly kind: 'fixed'; readonly ms: number }
  | { readonly kind: 'uniform'; readonly min: number; readonly max: number }
  | { readonly kind: 'percentiles'; readonly points: readonly (readonly [quantile: number, ms: number])[] };

/** What DELAY accepts, in the words the start-up error uses. */
export const DELAY_FORMS = 'milliseconds (150), a range (50-200) or percentiles (p50=20,p99=300)';

const MS = /^\d+$/;
const RANGE = /^(\d+)-(\d+)$/;
const PERCENTILE = /^p(\d{1,2}(?:\.\d+)?|100)=(\d+)$/;

function parsePercentiles(text: string): DelayDistribution | undefined {
  const points: [number, number][] = [];
  for (const part of text.split(',')) {
    const match = PERCENTILE.exec(part.trim());
    if (!match) return undefined;
    const quantile = Number(match[1]) / 100;
    const ms = Number(match[2]);
    const previous = points.at(-1);
    // Both columns must rise: a p99 below the p50 is a typo, not a distribution.
    if (previous && (quantile <= previous[0] || ms < previous[1])) return undefined;
    points.push([quantile, ms]);
  }
  return points.length === 0 ? undefined : { kind: 'percentiles', points };
}

/** Parses a delay spec; `undefined` means "not accepted" (never throws). */
export function parseDelay(text: string): DelayDistribution | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return { kind: 'fixed', ms: 0 };
  if (MS.test(trimmed)) return { kind: 'fixed', ms: Number(trimmed) };
  const range = RANGE.exec(trimmed);
  if (range) {
    const min = Number(range[1]);
    const max = Number(range[2]);
    return min <= max ? { kind: 'uniform', min, max } : undefined;
  }
  return parsePercentiles(trimmed);
}

/** The longest delay a distribution can pick, to check it against MAX_DELAY_MS at start-up. */
export function maxDelayOf(distribution: DelayDistribution): number {
  switch (distribution.kind) {
    case 'fixed':
      return distribution.ms;
    case 'uniform':
      return distribution.max;
    case 'percentiles':
      return distribution.points.at(-1)?.[1] ?? 0;
  }
}

/** Picks one delay in whole milliseconds; `random` returns [0, 1) like Math.random. */
export function pickDelay(distribution: DelayDistribution, random: () => number): number {
  switch (distribution.kind) {
    case 'fixed':
      return distribution.ms;
    case 'uniform':
      return Math.round(distribution.min + random() * (distribution.max - distribution.min));
    case 'percentiles': {
      const u = random();
      const { points } = distribution;
      let previous = points[0] as readonly [number, number];
      if (u <= previous[0]) return previous[1];
      for (const point of points) {
        if (u <= point[0]) {
          const share = (u - previous[0]) / (point[0] - previous[0]);
          return Math.round(previous[1] + share * (point[1] - previous[1]));
        }
        previous = point;
      }
      return previous[1];
    }
  }
}
