/**
 * Compares two `pnpm bench:profile` runs per request: where variant A spends
 * the microseconds B does not, by part of the request path and by function.
 * Each profile's sibling `.json` (written by bench:profile) gives the measured
 * load's time window and the requests answered in it; start-up and warm-up
 * samples fall outside and are not counted. Profile time is wall-clock sampling, inflated by the profiler
 * itself: read shares of the difference, and scale them to the CPU µs that
 * `pnpm bench` measures.
 * Usage: `pnpm bench:diff DIR/on.cpuprofile DIR/off.cpuprofile [--top 30]`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { type CpuProfile, profileTotals, type Window } from './profile-parts.ts';

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

function load(path: string) {
  const requests = { count: 0, unit: 'request' };
  const byPart = new Map<string, number>();
  const byPackage = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let busy = 0;
  for (const file of profilesOf(path)) {
    const sidecar = file.replace(/\.cpuprofile$/, '.json');
    let run: { count: number; unit: string; window: Window };
    try {
      run = JSON.parse(readFileSync(sidecar, 'utf8')) as typeof run;
    } catch {
      process.stderr.write(
        `cannot read ${sidecar}: profile with \`pnpm bench:profile --dir DIR\` or \`bench:footprint --profile DIR\`\n`,
      );
      process.exit(1);
    }
    let profile: CpuProfile;
    try {
      profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
    } catch (error) {
      process.stderr.write(`cannot read ${file}: ${(error as Error).message}\n`);
      process.exit(1);
    }
    const totals = profileTotals(profile, run.window);
    requests.count += run.count;
    requests.unit = run.unit;
    busy += totals.busy;
    for (const [key, micros] of totals.byPart) byPart.set(key, (byPart.get(key) ?? 0) + micros);
    for (const [key, micros] of totals.byPackage) byPackage.set(key, (byPackage.get(key) ?? 0) + micros);
    for (const [key, micros] of totals.byFunction) byFunction.set(key, (byFunction.get(key) ?? 0) + micros);
  }
  const per = (map: ReadonlyMap<string, number>) => new Map([...map].map(([k, v]) => [k, v / requests.count]));
  return {
    name: basename(path).replace(/\.cpuprofile$/, ''),
    count: requests.count,
    unit: requests.unit,
    busy: busy / requests.count,
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
