/**
 * Compares two profiled runs per request (bench:profile) or per start
 * (bench:footprint --profile): where A spends the time B does not, by part of
 * the request path, by package and by function. Each profile's run file
 * (profile-run.ts) gives the measured window and the requests or starts in
 * it; samples outside the window (start-up, warm-up, shutdown) are not counted.
 * Usage: `pnpm bench:diff DIR/on.cpuprofile DIR/off.cpuprofile [--top 30]`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { type CpuProfile, profileTotals } from './profile-parts.ts';
import { type ProfileRun, runFileOf } from './profile-run.ts';

const { values: flags, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '30' } },
});
const [fileA, fileB] = positionals;
if (!fileA || !fileB) {
  process.stderr.write('usage: pnpm bench:diff A.cpuprofile B.cpuprofile [--top 30]\n');
  process.exit(1);
}

/** `DIR/name.cpuprofile`, or `DIR/name` for every `DIR/name.N.cpuprofile` (bench:footprint --profile), summed. */
function profilesOf(path: string): string[] {
  if (path.endsWith('.cpuprofile')) return [path];
  const dir = dirname(path);
  const numbered = new RegExp(`^${basename(path).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.\\d+\\.cpuprofile$`);
  const files = readdirSync(dir).filter((name) => numbered.test(name));
  if (files.length === 0) {
    process.stderr.write(`no ${path}.cpuprofile nor ${path}.N.cpuprofile\n`);
    process.exit(1);
  }
  return files.map((name) => join(dir, name));
}

function readJson<T>(file: string, hint = ''): T {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (error) {
    process.stderr.write(`cannot read ${file}: ${(error as Error).message}${hint}\n`);
    process.exit(1);
  }
}

/** Adds `from`'s entries into `into`. */
function addInto(into: Map<string, number>, from: ReadonlyMap<string, number>): void {
  for (const [key, micros] of from) into.set(key, (into.get(key) ?? 0) + micros);
}

function load(path: string) {
  let count = 0;
  let unit: ProfileRun['unit'] = 'request';
  let busy = 0;
  const byPart = new Map<string, number>();
  const byPackage = new Map<string, number>();
  const byFunction = new Map<string, number>();
  for (const file of profilesOf(path)) {
    const run = readJson<ProfileRun>(
      runFileOf(file),
      ' (profile with `pnpm bench:profile --dir DIR` or `bench:footprint --profile DIR`)',
    );
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

const a = load(fileA);
const b = load(fileB);
const added = a.busy - b.busy;
// Per request in µs; per start (bench:footprint --profile) in ms.
const perStart = a.unit === 'start';
const fixed = (micros: number) => (perStart ? (micros / 1000).toFixed(1) : micros.toFixed(2));
const units = perStart ? 'profile ms per start' : 'profile µs per request';

function table(title: string, first: string, keyA: Map<string, number>, keyB: Map<string, number>, limit: number) {
  const all = [...new Set([...keyA.keys(), ...keyB.keys()])].map(
    (key) => [key, keyA.get(key) ?? 0, keyB.get(key) ?? 0] as const,
  );
  // Entries under 0.05 µs a request (0.5 ms a start) in both profiles are noise: one line for all of them.
  const floor = perStart ? 500 : 0.05;
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
  process.stdout.write(
    `\n${title}\n\n| ${first} | ${a.name} | ${b.name} | added | share of added |\n|---|---:|---:|---:|---:|\n`,
  );
  for (const [key, x, y] of rows)
    process.stdout.write(
      `| ${key} | ${fixed(x)} | ${fixed(y)} | ${fixed(x - y)} | ${((100 * (x - y)) / added).toFixed(0)}% |\n`,
    );
}

process.stdout.write(
  `${units} (busy, idle excluded): ${a.name} ${fixed(a.busy)} over ${a.count} ${a.unit}s, ` +
    `${b.name} ${fixed(b.busy)} over ${b.count} ${b.unit}s; added ${fixed(added)}\n`,
);
table('By part of the request path', 'part', a.byPart, b.byPart, Number.POSITIVE_INFINITY);
table(
  'By package, the nearest caller outside Node core',
  'package',
  a.byPackage,
  b.byPackage,
  Number.POSITIVE_INFINITY,
);
table(
  `The ${flags.top} functions that differ most, self time`,
  'function',
  a.byFunction,
  b.byFunction,
  Number(flags.top),
);
