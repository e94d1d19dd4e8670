/**
 * Where a V8 CPU profile's busy time went: by the part of the request path
 * each sample belongs to, by package and by function, counting only the
 * samples inside the measured window. `./pnpmw bench:profile` divides these by the
 * requests served (or the starts) in that window to compare two profiles.
 */
import { writeFileSync } from 'node:fs';

export interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly children?: readonly number[];
    readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  }[];
  /** µs on the monotonic clock, the one `process.hrtime` reads. */
  readonly startTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

type Frame = CpuProfile['nodes'][number]['callFrame'];

/**
 * Parts that own everything they start, wherever the time ends up: the
 * exporter's `JSON.stringify` and socket write, pino's file write, a metric's
 * label lookup. A sample belongs to the first of these found anywhere on its stack.
 */
const OWNING_PARTS: readonly (readonly [string, (frame: Frame) => boolean])[] = [
  [
    'export: batch, Zipkin JSON or OTLP, POST',
    ({ url }) => /exporter-zipkin|otlp-transformer|otlp-exporter-base|zipkin-upload|BatchSpanProcessor/.test(url),
  ],
  [
    'log lines: pino, trace fields',
    (frame) => /\/pino\/|sonic-boom/.test(frame.url) || frame.functionName === 'traceLogFields',
  ],
  ['metrics: prom-client', ({ url }) => /prom-client|service-kit\/(src|dist)\/metrics/.test(url)],
];

/**
 * Otherwise the sample belongs to the nearest JavaScript frame's owner. Not
 * any frame: the plugin's `onRequest` runs the rest of the request inside
 * `context.with`, so it is on the stack of everything that follows.
 */
const NEAREST_PARTS: readonly (readonly [string, RegExp])[] = [
  ['SDK: span, ids, sampler', /@opentelemetry\/(sdk-trace|core|resources)\//],
  [
    'API: context, propagation',
    /@opentelemetry\/(api|context-async-hooks)\/|node:internal\/async_(context_frame|local_storage)/,
  ],
  ['tracing plugin (packages/tracing)', /\/packages\/tracing\//],
  ['Fastify', /\/(fastify|find-my-way|avvio|fast-json-stringify|fast-querystring|@fastify\/[^/]+)\//],
  ['the backend, service-kit', /\/(services\/backend|packages\/service-kit)\//],
  ['Node: http, net, streams, timers', /^node:/],
];

/** V8's pseudo-frames: time that no JavaScript function owns. */
const PSEUDO_PARTS: ReadonlyMap<string, string> = new Map([
  ['(garbage collector)', 'garbage collector'],
  ['(program)', 'V8 and native, outside any function'],
]);

/** `…/node_modules/.pnpm/x/node_modules/@scope/name/dist/a.mjs` → `@scope/name/dist/a.mjs`; ours from the workspace folder. */
export function shortUrl(url: string): string {
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) return url.slice(modules + '/node_modules/'.length);
  const workspace = /\/((?:packages|services|scripts)\/.*)$/.exec(url);
  return workspace?.[1] ?? url;
}

/** `@scope/name` or `name` from node_modules; `packages/x` or `services/x` for this workspace. */
function packageName(url: string): string {
  const [first = url, second] = shortUrl(url).split('/');
  return first.startsWith('@') || first === 'packages' || first === 'services' ? `${first}/${second}` : first;
}

function partOf(stack: readonly Frame[]): string {
  const leaf = stack[0];
  const pseudo = leaf && PSEUDO_PARTS.get(leaf.functionName);
  if (pseudo) return pseudo;
  for (const [part, owns] of OWNING_PARTS) if (stack.some(owns)) return part;
  const nearest = stack.find((frame) => frame.url !== '');
  if (!nearest) return 'native, no JavaScript caller';
  for (const [part, pattern] of NEAREST_PARTS) if (pattern.test(nearest.url)) return part;
  return `other: ${packageName(nearest.url)}`;
}

/**
 * The package whose code led to a sample: the nearest frame outside Node's own
 * modules, so that a CommonJS `require` counts for the package that called it.
 * ES modules are loaded by Node's loader, not from the importer's frame: their
 * loading counts as Node core.
 */
function packageOf(stack: readonly Frame[]): string {
  const leaf = stack[0];
  const pseudo = leaf && PSEUDO_PARTS.get(leaf.functionName);
  if (pseudo) return pseudo;
  const caller = stack.find((frame) => frame.url !== '' && !frame.url.startsWith('node:'));
  if (!caller) return stack.some((frame) => frame.url !== '') ? 'Node core' : 'native, no JavaScript caller';
  return packageName(caller.url);
}

export interface ProfileTotals {
  /** Sampled µs, idle excluded. */
  readonly busy: number;
  /** µs per part of the request path (see OWNING_PARTS, NEAREST_PARTS). */
  readonly byPart: ReadonlyMap<string, number>;
  /** µs per package, by the nearest caller outside Node core (see packageOf). */
  readonly byPackage: ReadonlyMap<string, number>;
  /** Self µs per function, keyed `name  file:line`. */
  readonly byFunction: ReadonlyMap<string, number>;
}

/** Monotonic µs (`process.hrtime.bigint() / 1000n`): only samples taken in between count. */
export interface Window {
  readonly from: number;
  readonly to: number;
}

/** Totals a profile's non-idle samples by part and by function, within `window` when given. */
export function profileTotals(profile: CpuProfile, window?: Window): ProfileTotals {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const stacks = new Map<number, Frame[]>();
  const stackOf = (id: number) => {
    let stack = stacks.get(id);
    if (!stack) {
      stack = [];
      for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
        const node = byId.get(at);
        if (node) stack.push(node.callFrame);
      }
      stacks.set(id, stack);
    }
    return stack;
  };
  const byPart = new Map<string, number>();
  const byPackage = new Map<string, number>();
  const byFunction = new Map<string, number>();
  const add = (map: Map<string, number>, key: string, micros: number) => map.set(key, (map.get(key) ?? 0) + micros);
  let busy = 0;
  let time = profile.startTime;
  profile.samples.forEach((id, i) => {
    const micros = profile.timeDeltas[i] ?? 0;
    time += micros;
    if (window && (time < window.from || time > window.to)) return;
    const stack = stackOf(id);
    const leaf = stack[0];
    if (!leaf || leaf.functionName === '(idle)') return;
    busy += micros;
    add(byPart, partOf(stack), micros);
    add(byPackage, packageOf(stack), micros);
    const where = leaf.url === '' ? '' : `  ${shortUrl(leaf.url)}:${leaf.lineNumber + 1}`;
    add(byFunction, `${leaf.functionName || '(anonymous)'}${where}`, micros);
  });
  return { busy, byPart, byPackage, byFunction };
}

/** What a profiled run was, written beside its `.cpuprofile`: the measured window and the requests or starts in it. */
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
