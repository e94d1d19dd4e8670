/**
 * `./pnpmw bench:profile [A] [B]`: where A spends the time B does not, per request,
 * from V8 CPU profiles (`node --cpu-prof`) of two bench variants under the
 * bench's own load (bench/variants.ts), by part of the request path, by
 * package and by function (bench/compare-profiles.ts). Proportions in a
 * profile hold up on a noisy machine far better than requests/s do.
 *
 * Each server runs from dist/, pinned to CPU 0 (load on CPU 1) when taskset
 * works, takes --warmup s and then --duration s of load, and writes
 * DIR/NAME.cpuprofile with DIR/NAME.json beside it: the measured load's window
 * on the monotonic clock (the profile's own) and the requests answered in it,
 * so that start-up, warm-up and shutdown are not counted. A or B may name a
 * saved profile instead of a variant: profile once, change the code, profile
 * again, and compare the two.
 *
 * --startup profiles start-up instead: each server (bare, off, on) started
 * --starts times, alternating, from spawn to ready; per start.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { compareProfiles } from './bench/compare-profiles.ts';
import { runLoad, WARMUP_SECONDS } from './bench/load.ts';
import { pinLoadGenerator, startServer, startSink } from './bench/processes.ts';
import { monotonicMicros, writeProfileRun } from './bench/profile-parts.ts';
import { alternate, startOnce } from './bench/startup.ts';
import { SERVERS, type ServerKind, VARIANTS, type Variant } from './bench/variants.ts';

/** The servers `--startup` profiles, by the names the bench's variants use. */
const STARTUP_KINDS: Readonly<Record<string, ServerKind>> = { bare: 'bare', off: 'backend-off', on: 'backend-on' };

const USAGE = `usage: ./pnpmw bench:profile [A] [B] [options]
  A, B              what to compare (default: on off): a bench variant
                    (${VARIANTS.map((v) => v.name).join(', ')}),
                    or a saved profile DIR/NAME.cpuprofile (with its DIR/NAME.json)
  --duration 8      seconds of profiled load per variant, after the bench's 2 s warm-up
  --startup         profile start-up instead: A and B are servers (bare, off, on; default: off bare),
                    or a saved set DIR/NAME (every DIR/NAME.N.cpuprofile)
  --starts 5        starts of each server, with --startup
  --dir DIR         where the profiles go (default: a new temporary folder)
  --top 30          how many functions to list
`;

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}`);
  process.exit(1);
}

/** The options and positionals, or the usage and exit 1 for anything parseArgs rejects. */
function readArgs() {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        duration: { type: 'string', default: '8' },
        startup: { type: 'boolean', default: false },
        starts: { type: 'string', default: '5' },
        dir: { type: 'string' },
        top: { type: 'string', default: '30' },
        help: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    fail((error as Error).message);
  }
}
const { values: flags, positionals } = readArgs();
if (flags.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const numbers = Object.fromEntries(
  (['duration', 'starts', 'top'] as const).map((name) => {
    const value = Number(flags[name]);
    if (!Number.isFinite(value) || value <= 0) fail(`invalid --${name}=${flags[name]}: expected a positive number`);
    return [name, value];
  }),
) as Record<'duration' | 'starts' | 'top', number>;
if (positionals.length > 2) fail('at most two things to compare');
const [nameA = flags.startup ? 'off' : 'on', nameB = flags.startup ? 'bare' : 'off'] = positionals;

const dir = flags.dir ?? mkdtempSync(join(tmpdir(), 'meshtrace-profile-'));
mkdirSync(dir, { recursive: true });
const log = (line: string) => process.stderr.write(`${line}\n`);
const isSaved = (name: string) => name.includes('/') || name.endsWith('.cpuprofile');
// Not for --startup: a pinned process's children inherit its one CPU, and start-up uses several.
const pinned = !flags.startup && pinLoadGenerator();

/** Profiles one variant under the bench's load; returns its profile's path. */
async function profileLoad(variant: Variant): Promise<string> {
  const file = join(dir, `${variant.name}.cpuprofile`);
  const server = await startServer(SERVERS[variant.server], {
    pinned,
    nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${variant.name}.cpuprofile`],
  });
  try {
    await runLoad(variant, server.origin, WARMUP_SECONDS);
    const from = monotonicMicros();
    const { answered, seconds } = await runLoad(variant, server.origin, numbers.duration);
    writeProfileRun(file, { count: answered, unit: 'request', window: { from, to: monotonicMicros() } });
    log(
      `profiled ${variant.name} (${variant.label}): ${answered} requests in ${seconds.toFixed(1)} s, pinned: ${pinned}`,
    );
  } finally {
    // V8 writes the profile when the process exits; SIGTERM makes the backend shut down in order and exit.
    await server.stop();
  }
  return file;
}

/** Profiles the starts of the servers named, as the sets DIR/NAME.N.cpuprofile. */
async function profileStarts(names: readonly string[]): Promise<void> {
  const sink = await startSink();
  try {
    await alternate(numbers.starts, names, async (server, run) => {
      const name = `${server}.${run}`;
      const nodeArgs = [
        '--cpu-prof',
        '--cpu-prof-interval=100',
        `--cpu-prof-dir=${dir}`,
        `--cpu-prof-name=${name}.cpuprofile`,
      ];
      const start = await startOnce(STARTUP_KINDS[server] as ServerKind, { sink, idleMs: 0, nodeArgs });
      writeProfileRun(join(dir, `${name}.cpuprofile`), start.run);
      log(`profiled start ${name}: ready in ${start.readyMs.toFixed(0)} ms`);
    });
  } finally {
    await sink.close();
  }
}

const toProfile = [nameA, nameB].filter((name) => !isSaved(name));
let paths: string[];
if (flags.startup) {
  for (const name of toProfile)
    if (!(name in STARTUP_KINDS)) fail(`invalid server ${name}: expected ${Object.keys(STARTUP_KINDS).join(', ')}`);
  await profileStarts([...new Set(toProfile)]);
  paths = [nameA, nameB].map((name) => (isSaved(name) ? name : join(dir, name)));
} else {
  const variantOf = (name: string) =>
    VARIANTS.find((v) => v.name === name) ??
    fail(`invalid variant ${name}: expected ${VARIANTS.map((v) => v.name).join(', ')}`);
  const variants = [...new Set(toProfile)].map(variantOf);
  const profiled = new Map<string, string>();
  for (const variant of variants) profiled.set(variant.name, await profileLoad(variant));
  paths = [nameA, nameB].map((name) => profiled.get(name) ?? name);
}

try {
  process.stdout.write(`${compareProfiles(paths[0] ?? '', paths[1] ?? '', numbers.top)}\n\nprofiles in ${dir}\n`);
} catch (error) {
  fail((error as Error).message);
}
