/**
 * Compares two profiled runs per request (or per start): where A spends the
 * time B does not, by part of the request path, by package and by function.
 * Each profile's run file (profile-parts.ts, ProfileRun) gives the measured
 * window and the requests or starts in it; samples outside the window
 * (start-up, warm-up, shutdown) are not counted.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { type CpuProfile, type ProfileRun, profileTotals, runFileOf } from './profile-parts.ts';

/** `DIR/name.cpuprofile`, or `DIR/name` for every `DIR/name.N.cpuprofile` (profiled starts), summed. */
function profilesOf(path: string): string[] {
  if (path.endsWith('.cpuprofile')) return [path];
  const numbered = new RegExp(`^${basename(path).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.\\d+\\.cpuprofile$`);
  const files = readdirSync(dirname(path)).filter((name) => numbered.test(name));
  if (files.length === 0) throw new Error(`no ${path}.cpuprofile nor ${path}.N.cpuprofile`);
  return files.map((name) => join(dirname(path), name));
}

function readJson<T>(file: string): T {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (error) {
    throw new Error(`cannot read ${file}: ${(error as Error).message}`);
  }
}

/** Adds `from`'s entries into `into`. */
function addInto(into: Map<string, number>, from: ReadonlyMap<string, number>): void {
  for (const [key, micros] of from) into.set(key, (into.get(key) ?? 0) + micros);
}

/** A profile, or a set of numbered ones, totalled inside their windows and divided by their count. */
function perUnit(path: string) {
  let count = 0;
  let unit: ProfileRun['unit'] = 'request';
  let busy = 0;
  const byPart = new Map<string, number>();
  const byPackage = new Map<string, number>();
  const byFunction = new Map<string, number>();
  for (const file of profilesOf(path)) {
    const run = readJson<ProfileRun>(runFileOf(file));
    const totals = profileTotals(readJson<CpuProfile>(file), run.window);
    count += run.count;
    unit = run.unit;
    busy += totals.busy;
    addInto(byPart, totals.byPart);
    addInto(byPackage, totals.byPackage);
    addInto(byFunction, totals.byFunction);
  }
  const per = (map: ReadonlyMap<string, number>) => new Map([...map].map(([k, v]) => [k, v / count]));
  return {
    name: basename(path).replace(/\.cpuprofile$/, ''),
    count,
    unit,
    busy: busy / count,
    byPart: per(byPart),
    byPackage: per(byPackage),
    byFunction: per(byFunction),
  };
}

/** The comparison as Markdown: totals, then by part, by package and the `top` functions that differ most. */
export function compareProfiles(pathA: string, pathB: string, top: number): string {
  const a = perUnit(pathA);
  const b = perUnit(pathB);
  const added = a.busy - b.busy;
  // Per request in µs; per start in ms.
  const perStart = a.unit === 'start';
  const fixed = (micros: number) => (perStart ? (micros / 1000).toFixed(1) : micros.toFixed(2));
  // Entries under 0.05 µs a request (0.5 ms a start) in both profiles are noise: one line for all of them.
  const floor = perStart ? 500 : 0.05;

  const table = (title: string, first: string, keyA: Map<string, number>, keyB: Map<string, number>, limit: number) => {
    const all = [...new Set([...keyA.keys(), ...keyB.keys()])].map(
      (key) => [key, keyA.get(key) ?? 0, keyB.get(key) ?? 0] as const,
    );
    const small = all.filter(([, x, y]) => Math.max(x, y) < floor);
    const rows = all
      .filter((row) => !small.includes(row))
      .sort((x, y) => Math.abs(y[1] - y[2]) - Math.abs(x[1] - x[2]))
      .slice(0, limit);
    if (limit === Number.POSITIVE_INFINITY && small.length > 0)
      rows.push(
        small.reduce(
          (sum, [, x, y]) => [`the rest, each under ${fixed(floor)}`, sum[1] + x, sum[2] + y] as const,
          ['', 0, 0],
        ),
      );
    return [
      '',
      title,
      '',
      `| ${first} | ${a.name} | ${b.name} | added | share of added |`,
      '|---|---:|---:|---:|---:|',
      ...rows.map(
        ([key, x, y]) =>
          `| ${key} | ${fixed(x)} | ${fixed(y)} | ${fixed(x - y)} | ${((100 * (x - y)) / added).toFixed(0)}% |`,
      ),
    ];
  };

  return [
    `${perStart ? 'profile ms per start' : 'profile µs per request'} (busy, idle excluded): ` +
      `${a.name} ${fixed(a.busy)} over ${a.count} ${a.unit}s, ${b.name} ${fixed(b.busy)} over ${b.count} ${b.unit}s; ` +
      `added ${fixed(added)}`,
    ...table('By part of the request path', 'part', a.byPart, b.byPart, Number.POSITIVE_INFINITY),
    ...table(
      'By package, the nearest caller outside Node core',
      'package',
      a.byPackage,
      b.byPackage,
      Number.POSITIVE_INFINITY,
    ),
    ...table(`The ${top} functions that differ most, self time`, 'function', a.byFunction, b.byFunction, top),
  ].join('\n');
}
