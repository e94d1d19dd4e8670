import {
  fromZipkin,
  type ServiceProcess,
  startService,
  startZipkinReceiver,
  type ZipkinReceiver,
  type ZipkinSpan,
} from '@meshtrace/harness';
import { analyzeTrace } from '@meshtrace/trace-tools/analysis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../../test/helpers/eventually.ts';

/**
 * The whole point of the project: a frontend tick → backend → backend-2 is
 * one trace in which every span's parent was reported.
 */

let zipkin: ZipkinReceiver;
let backend2: ServiceProcess;
let backend: ServiceProcess;
let frontend: ServiceProcess;

beforeAll(async () => {
  zipkin = await startZipkinReceiver();
  const tracing = { OTEL_EXPORTER_ZIPKIN_ENDPOINT: zipkin.url, OTEL_BSP_SCHEDULE_DELAY: '50' };
  backend2 = await startService('backend', { env: { ...tracing, OTEL_SERVICE_NAME: 'backend-2' } });
  backend = await startService('backend', { env: { ...tracing, DOWNSTREAM_URLS: backend2.url } });
  frontend = await startService('frontend', {
    env: { ...tracing, TARGET_URL: `${backend.url}/`, LOOP_INTERVAL_MS: '200' },
  });
});

afterAll(async () => {
  await Promise.all([frontend?.stop(), backend?.stop(), backend2?.stop()]);
  await zipkin?.close();
});

function byTrace(spans: readonly ZipkinSpan[]): Map<string, ZipkinSpan[]> {
  const traces = new Map<string, ZipkinSpan[]>();
  for (const span of spans) traces.set(span.traceId, [...(traces.get(span.traceId) ?? []), span]);
  return traces;
}

const shape = (span: ZipkinSpan) => `${span.localEndpoint?.serviceName} ${span.kind ?? 'INTERNAL'} ${span.name}`;

describe('frontend → backend → backend-2', () => {
  it('a loop tick makes one joined trace across three services', async () => {
    const spans = await zipkin.waitFor((all) => [...byTrace(all).values()].some((trace) => trace.length >= 5));
    const trace = [...byTrace(spans).values()].find((candidate) => candidate.length >= 5) ?? [];

    expect(trace.map(shape).sort()).toEqual([
      'backend CLIENT GET',
      'backend SERVER GET /*',
      'backend-2 SERVER GET /*',
      'frontend CLIENT GET',
      'frontend INTERNAL loop tick',
    ]);
    const ids = new Set(trace.map((span) => span.id));
    const roots = trace.filter((span) => span.parentId === undefined);
    expect(roots.map(shape)).toEqual(['frontend INTERNAL loop tick']);
    // No orphans: every parent is a span someone reported (the tutorial's invented parent never was).
    for (const span of trace) if (span.parentId) expect(ids.has(span.parentId)).toBe(true);

    const parentOf = (span: ZipkinSpan | undefined) => trace.find((candidate) => candidate.id === span?.parentId);
    const find = (text: string) => trace.find((span) => shape(span) === text);
    expect(parentOf(find('backend-2 SERVER GET /*'))).toBe(find('backend CLIENT GET'));
    expect(parentOf(find('backend CLIENT GET'))).toBe(find('backend SERVER GET /*'));
    expect(parentOf(find('backend SERVER GET /*'))).toBe(find('frontend CLIENT GET'));
    expect(parentOf(find('frontend CLIENT GET'))).toBe(find('frontend INTERNAL loop tick'));
  });

  it('logs one line per tick shaped like the tutorial access log, with the trace and span it sent', async () => {
    const ticks = frontend.logs.filter((line) => typeof line.client_span_id === 'string');
    expect(ticks.length).toBeGreaterThan(0);
    const tick = ticks[0] ?? {};
    expect(tick).toMatchObject({ method: 'GET', url: `${backend.url}/`, status: 200, duration_ms: expect.any(Number) });
    expect(tick.msg).toBe(
      `"GET ${backend.url}/" 200 ${tick.duration_ms}ms traceID=${tick.trace_id} spanID=${tick.client_span_id}`,
    );
    // Each id once, under a name that says which span it is: no traceID/spanID copies.
    expect(
      Object.keys(tick)
        .filter((key) => /trace_?id|span_?id/i.test(key))
        .sort(),
    ).toEqual(['client_span_id', 'span_id', 'trace_id']);
    // client_span_id is the CLIENT span the backend sees as its parent; span_id the tick span above it.
    await zipkin.waitFor((all) => all.some((span) => span.id === tick.client_span_id));
    const client = zipkin.spans.find((span) => span.id === tick.client_span_id);
    expect(client).toMatchObject({ traceId: tick.trace_id, kind: 'CLIENT', parentId: tick.span_id });
    expect(tick.trace_flags).toBe('01');
  });

  it('lists each loop tick joined or broken as the terminal view judges its spans: headerless ticks are broken', async () => {
    const headerless = await startService('frontend', {
      env: { TARGET_URL: `${backend.url}/`, LOOP_INTERVAL_MS: '200', LOOP_MODE: 'headerless' },
    });
    try {
      const ticks = async (service: ServiceProcess) =>
        ((await (await fetch(`${service.url}/loop`)).json()) as { recent_ticks: { trace_id: string; chain: string }[] })
          .recent_ticks;
      await eventually(async () => (await ticks(headerless)).length > 0, 'a headerless tick');
      const [tick] = await ticks(headerless);
      expect(tick?.chain).toBe('broken');
      // The same trace as ./pnpmw demo --mode headerless draws it: it starts at backend, not at frontend.
      const spans = await zipkin.waitFor((all) => all.filter((span) => span.traceId === tick?.trace_id).length >= 3);
      const terminal = analyzeTrace(spans.filter((span) => span.traceId === tick?.trace_id).map(fromZipkin), {
        expect: ['frontend', 'backend', 'backend-2'],
      });
      expect(terminal.verdict).toBe('broken');
      expect(terminal.findings.map((finding) => finding.code)).toEqual(['missing-service', 'new-trace']);
      expect((await ticks(frontend)).map((generated) => generated.chain)).toContain('joined');
    } finally {
      await headerless.stop();
    }
  });

  it("GET / continues the caller's trace and answers with the backend's answer and the trace id", async () => {
    const traceId = '6e0c63257de34c926e0c63257de34c92';
    const response = await fetch(`${frontend.url}/`, {
      headers: {
        'x-b3-traceid': traceId,
        'x-b3-spanid': '00f067aa0ba902b7',
        'x-b3-sampled': '1',
        'x-request-id': 'edge-1',
      },
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      trace_id: string;
      target: { status: number; body: { trace: { trace_id: string }; headers: Record<string, string> } };
    };
    expect(body.trace_id).toBe(traceId);
    expect(body.target.status).toBe(200);
    expect(body.target.body.trace.trace_id).toBe(traceId);
    expect(body.target.body.headers['x-request-id']).toBe('edge-1');
    const spans = await zipkin.waitFor((all) => all.filter((span) => span.traceId === traceId).length >= 5);
    const server = spans.find(
      (span) => span.traceId === traceId && span.localEndpoint?.serviceName === 'frontend' && span.kind === 'SERVER',
    );
    expect(server?.parentId).toBe('00f067aa0ba902b7');
  });
});
