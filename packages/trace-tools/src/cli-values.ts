import { UsageError } from './errors.ts';

/** Shared parsers for flag values: each throws a UsageError naming the flag and what it accepts. */

export function integerFlag(flag: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`invalid --${flag}=${JSON.stringify(raw)}: expected an integer from ${min} to ${max}`);
  return n;
}

export function urlFlag(flag: string, raw: string): string {
  const ok = URL.canParse(raw) && ['http:', 'https:'].includes(new URL(raw).protocol);
  if (!ok) throw new UsageError(`invalid --${flag}=${JSON.stringify(raw)}: expected an http:// or https:// URL`);
  return raw;
}

export function choiceFlag<V extends string>(
  flag: string,
  raw: string | undefined,
  values: readonly V[],
  fallback: V,
): V {
  if (raw === undefined) return fallback;
  const value = values.find((v) => v === raw);
  if (value === undefined)
    throw new UsageError(`invalid --${flag}=${JSON.stringify(raw)}: expected one of ${values.join(', ')}`);
  return value;
}

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `500ms`, `30s`, `5m`, `2h`, or a bare number of seconds, in milliseconds. */
export function durationFlag(flag: string, raw: string | undefined, fallbackMs: number): number {
  if (raw === undefined) return fallbackMs;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(raw.trim());
  const ms = match ? Number(match[1]) * (UNITS[match[2] ?? 's'] ?? 1000) : Number.NaN;
  if (!Number.isFinite(ms) || ms <= 0)
    throw new UsageError(`invalid --${flag}=${JSON.stringify(raw)}: expected a duration such as 30s, 5m or 1h`);
  return Math.round(ms);
}

/** `a,b, c` as ['a', 'b', 'c']; empty items dropped. */
export function listFlag(raw: string | undefined, fallback: readonly string[]): readonly string[] {
  if (raw === undefined) return fallback;
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
