/**
 * What a profiled run was: the window it measured and how many requests (or
 * starts) fell in it, written beside the `.cpuprofile` by bench:profile and
 * bench:footprint --profile, and read by scripts/cpuprofile-diff.ts.
 */
import { writeFileSync } from 'node:fs';
import type { Window } from './profile-parts.ts';

export interface ProfileRun {
  /** Requests answered, or starts, inside the window. */
  readonly count: number;
  readonly unit: 'request' | 'start';
  readonly window: Window;
}

/** The monotonic clock in µs: the clock V8 stamps a CPU profile's samples with. */
export function monotonicMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** `DIR/name.cpuprofile` → `DIR/name.json`. */
export function runFileOf(profile: string): string {
  return profile.replace(/\.cpuprofile$/, '.json');
}

export function writeProfileRun(profile: string, run: ProfileRun): void {
  writeFileSync(runFileOf(profile), `${JSON.stringify(run)}\n`);
}
