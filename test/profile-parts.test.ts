import { describe, expect, it } from 'vitest';
import { type CpuProfile, profileTotals, shortUrl } from '../scripts/bench/profile-parts.ts';

const PNPM = 'file:///app/node_modules/.pnpm';
const frame = (functionName: string, url = '') => ({ functionName, url, lineNumber: 0 });

/**
 * A request as the tracing-on backend serves it, in miniature. The plugin's
 * onRequest runs the rest of the request inside context.with, so Node's HTTP
 * code sits below it on the stack; the exporter's JSON.stringify has no frame
 * of its own, so V8 charges it to the exporter's function.
 */
const nodes: CpuProfile['nodes'] = [
  { id: 1, callFrame: frame('(root)'), children: [2, 3, 4, 5, 7, 10] },
  { id: 2, callFrame: frame('(program)') },
  { id: 3, callFrame: frame('(idle)') },
  { id: 4, callFrame: frame('(garbage collector)') },
  { id: 5, callFrame: frame('withDebug', 'file:///app/packages/tracing/dist/zipkin-upload.js'), children: [6] },
  { id: 6, callFrame: frame('writeUtf8String') },
  { id: 7, callFrame: frame('startServerSpan', 'file:///app/packages/tracing/dist/fastify-tracing.js'), children: [8] },
  { id: 8, callFrame: frame('parserOnIncoming', 'node:_http_server'), children: [9] },
  {
    id: 9,
    callFrame: frame(
      'startSpan',
      `${PNPM}/@opentelemetry+sdk-trace@2.0.0/node_modules/@opentelemetry/sdk-trace/dist/Tracer.mjs`,
    ),
  },
  { id: 10, callFrame: frame('write', `${PNPM}/pino@10.0.0/node_modules/pino/lib/proto.js`), children: [11] },
  {
    id: 11,
    callFrame: frame('traceLogFields', 'file:///app/packages/tracing/dist/log-correlation.js'),
    children: [12],
  },
  {
    id: 12,
    callFrame: frame('getValue', `${PNPM}/@opentelemetry+api@1.9.0/node_modules/@opentelemetry/api/dist/context.cjs`),
  },
];

/** One sample per node, in this order, 10 µs apart, the clock starting at 1000. */
const order = [2, 3, 4, 6, 8, 9, 12];
const profile: CpuProfile = { nodes, startTime: 1000, samples: order, timeDeltas: order.map(() => 10) };

describe('profile parts', () => {
  const totals = profileTotals(profile);

  it('counts busy time only: idle samples are left out', () => {
    expect(totals.busy).toBe(60);
  });

  it('charges work to a part that starts it, wherever the time ends up', () => {
    expect(totals.byPart.get('export: batch, Zipkin JSON or OTLP, POST')).toBe(10);
    // The mixin and the API lookup it makes are the cost of writing a log line with trace fields.
    expect(totals.byPart.get('log lines: pino, trace fields')).toBe(10);
  });

  it('charges everything else to the nearest frame, not to the hook everything runs under', () => {
    expect(totals.byPart.get('Node: http, net, streams, timers')).toBe(10);
    expect(totals.byPart.get('SDK: span, ids, sampler')).toBe(10);
    expect(totals.byPart.has('tracing plugin (packages/tracing)')).toBe(false);
  });

  it("keeps V8's own time apart", () => {
    expect(totals.byPart.get('garbage collector')).toBe(10);
    expect(totals.byPart.get('V8 and native, outside any function')).toBe(10);
  });

  it('charges a package by the nearest caller outside Node core', () => {
    expect(totals.byPackage.get('packages/tracing')).toBe(20);
    expect(totals.byPackage.get('@opentelemetry/sdk-trace')).toBe(10);
    expect(totals.byPackage.get('@opentelemetry/api')).toBe(10);
  });

  it('counts self time per function with its file and line', () => {
    expect(totals.byFunction.get('writeUtf8String')).toBe(10);
    expect(totals.byFunction.get('startSpan  @opentelemetry/sdk-trace/dist/Tracer.mjs:1')).toBe(10);
  });

  it('counts only the samples inside a window, as ./pnpmw bench:profile marks the measured load', () => {
    // Samples land at 1010, 1020, …, 1070: the window keeps the 4th to the 6th (writeUtf8String, parserOnIncoming, startSpan).
    const windowed = profileTotals(profile, { from: 1035, to: 1065 });
    expect(windowed.busy).toBe(30);
    expect([...windowed.byFunction.keys()]).toEqual([
      'writeUtf8String',
      'parserOnIncoming  node:_http_server:1',
      'startSpan  @opentelemetry/sdk-trace/dist/Tracer.mjs:1',
    ]);
  });

  it('shortens pnpm store paths to the package, and ours to the workspace folder', () => {
    expect(shortUrl(`${PNPM}/pino@10.0.0/node_modules/pino/lib/proto.js`)).toBe('pino/lib/proto.js');
    expect(shortUrl('file:///home/me/meshtrace/services/backend/dist/app.js')).toBe('services/backend/dist/app.js');
  });
});
