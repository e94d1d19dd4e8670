/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): the functions with the
 * most self time, and self time per package, so a benchmark gap can be pinned
 * on code, plus the total (self and callees) time of functions whose name
 * matches a pattern, to price one feature's whole path. With a fourth
 * argument, the call tree under the functions of that exact name, merged over
 * every place they are called from, to see what a hook's time is made of.
 * Usage: `node scripts/cpuprofile-top.ts FILE.cpuprofile [top=25] [name-regex] [tree-root-name]`.
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

const [file, topArg, pattern, treeRoot] = process.argv.slice(2);
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

/** Inclusive time per node id (self plus every descendant). */
function inclusiveById(): Map<number, number> {
  const totals = new Map<number, number>();
  const visit = (id: number): number => {
    const node = byId.get(id);
    let sum = selfMicros.get(id) ?? 0;
    for (const child of node?.children ?? []) sum += visit(child);
    totals.set(id, sum);
    return sum;
  };
  const children = new Set(profile.nodes.flatMap((node) => node.children ?? []));
  for (const node of profile.nodes) if (!children.has(node.id)) visit(node.id);
  return totals;
}

/** Prints the merged call tree under every node named `name`, callees above 0.1% of the root, to `depth` levels. */
function printTree(name: string, depth = 4): void {
  const totals = inclusiveById();
  const label = (id: number) => {
    const frame = byId.get(id)?.callFrame;
    const short = (frame?.url ?? '')
      .replace(/^.*\/node_modules\//, '')
      .replace(/^file:\/\/.*\/(packages|services)\//, '$1/');
    return `${frame?.functionName || '(anonymous)'}${short ? `  ${short}:${(frame?.lineNumber ?? 0) + 1}` : ''}`;
  };
  // Merge same-labelled nodes level by level, so each callee shows once however many paths reach it.
  const roots = profile.nodes.filter((node) => node.callFrame.functionName === name).map((node) => node.id);
  const rootTotal = roots.reduce((sum, id) => sum + (totals.get(id) ?? 0), 0);
  process.stdout.write(`\ncall tree under ${name} (${(rootTotal / 1000).toFixed(0)} ms in total)\n`);
  const walk = (ids: number[], level: number) => {
    const groups = new Map<string, number[]>();
    for (const id of ids)
      for (const child of byId.get(id)?.children ?? []) {
        const key = label(child);
        groups.set(key, [...(groups.get(key) ?? []), child]);
      }
    const sorted = [...groups]
      .map(([key, members]) => [key, members, members.reduce((sum, id) => sum + (totals.get(id) ?? 0), 0)] as const)
      .sort((a, b) => b[2] - a[2]);
    for (const [key, members, micros] of sorted) {
      if (micros < rootTotal / 1000) continue;
      process.stdout.write(`${'  '.repeat(level)}${(micros / 1000).toFixed(0).padStart(6)} ms  ${key}\n`);
      if (level < depth) walk(members, level + 1);
    }
  };
  walk(roots, 1);
}

if (treeRoot) printTree(treeRoot);
