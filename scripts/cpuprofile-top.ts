/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): the functions with the
 * most self time, and self time per package, so a benchmark gap can be pinned
 * on code, plus the total (self and callees) time of functions whose name
 * matches a pattern, to price one feature's whole path.
 * Usage: `node scripts/cpuprofile-top.ts FILE.cpuprofile [top=25] [name-regex]`.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  readonly id: number;
  readonly children?: readonly number[];
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
}

interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const [file, topArg, pattern] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node scripts/cpuprofile-top.ts FILE.cpuprofile [top]\n');
  process.exit(1);
}
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;

const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const selfMicros = new Map<number, number>();
let total = 0;
profile.samples.forEach((id, i) => {
  const delta = profile.timeDeltas[i] ?? 0;
  selfMicros.set(id, (selfMicros.get(id) ?? 0) + delta);
  total += delta;
});

/** `node_modules/.pnpm/x/node_modules/@scope/name/...` → `@scope/name`; our own code by workspace folder. */
function owner(url: string): string {
  if (url === '') return '(native / V8)';
  if (url.startsWith('node:')) return 'node core';
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const [first, second] = url.slice(modules + '/node_modules/'.length).split('/');
    return first?.startsWith('@') ? `${first}/${second}` : (first ?? url);
  }
  const workspace = /\/(packages|services)\/([^/]+)\//.exec(url);
  return workspace ? `${workspace[1]}/${workspace[2]}` : url;
}

const byFunction = new Map<string, number>();
const byOwner = new Map<string, number>();
for (const [id, micros] of selfMicros) {
  const node = byId.get(id);
  if (!node) continue;
  const { functionName, url, lineNumber } = node.callFrame;
  const short = url.replace(/^.*\/node_modules\//, '').replace(/^file:\/\/.*\/(packages|services)\//, '$1/');
  const key = `${functionName || '(anonymous)'}  ${short ? `${short}:${lineNumber + 1}` : ''}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + micros);
  byOwner.set(owner(url), (byOwner.get(owner(url)) ?? 0) + micros);
}

function print(title: string, entries: Map<string, number>, limit: number): void {
  process.stdout.write(`\n${title}\n`);
  const sorted = [...entries].sort((a, b) => b[1] - a[1]).slice(0, limit);
  for (const [name, micros] of sorted) {
    const share = ((100 * micros) / total).toFixed(1).padStart(5);
    process.stdout.write(`${share}%  ${(micros / 1000).toFixed(0).padStart(7)} ms  ${name}\n`);
  }
}

/** Total time per matching function: each sample counts once per function on its stack. */
function inclusive(match: RegExp): Map<string, number> {
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const totals = new Map<string, number>();
  for (const [id, micros] of selfMicros) {
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const name = byId.get(at)?.callFrame.functionName ?? '';
      if (match.test(name)) seen.add(name);
    }
    for (const name of seen) totals.set(name, (totals.get(name) ?? 0) + micros);
  }
  return totals;
}

process.stdout.write(`${file}: ${(total / 1e6).toFixed(2)} s sampled\n`);
print('self time by function', byFunction, top);
print('self time by package', byOwner, 15);
if (pattern) print(`total time of functions matching /${pattern}/`, inclusive(new RegExp(pattern)), top);
