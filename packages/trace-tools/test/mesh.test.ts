import { fromZipkin, startZipkinReceiver, type ZipkinSpan } from '@meshtrace/harness';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from '../../../test/helpers/eventually.ts';
import { type MeshOptions, startChain } from '../src/demo-chain.ts';
import { type MeshProvider, PROPAGATORS_FOR } from '../src/mesh-providers.ts';
import { analyzeTrace, type TraceAnalysis } from '../src/trace-analysis.ts';
import { groupByTrace } from '../src/trace-tree.ts';
import { verifyTraces } from '../src/verify.ts';
import { type FakeJaeger, startFakeJaeger } from './helpers/fake-jaeger.ts';
import { recordChain } from './helpers/record-chain.ts';

/**
 * The real frontend → backend → backend-2 chain behind simulated Envoy sidecars
 * (envoy-sidecar.ts), over real HTTP on loopback: every provider × the
 * OTEL_PROPAGATORS the tracing README gives for it, and the other order. The
 * right setting gives joined 9-span traces with the sidecar spans in place; the
 * wrong one gets the finding that names the setting, from the shared analysis
 * and from verify against a Jaeger v3 API.
 */

const EXPECT = ['frontend', 'backend', 'backend-2'];
/** The other order: B3 last where traceparent should be, and the other way round. */
const OTHER: Readonly<Record<MeshProvider, string>> = {
  zipkin: PROPAGATORS_FOR.opentelemetry,
  'zipkin-w3c': PROPAGATORS_FOR.opentelemetry,
  opentelemetry: PROPAGATORS_FOR.zipkin,
};
const SPANS_PER_TRACE = 9;

/** The traces that started at a loop tick and got all 9 spans. */
function completeTraces(spans: readonly ZipkinSpan[]) {
  return [...groupByTrace(spans.map(fromZipkin)).values()].filter(
    (trace) => trace.length === SPANS_PER_TRACE && trace.some((span) => span.name === 'loop tick'),
  );
}

async function record(mesh: MeshOptions, mode: 'generate' | 'headerless' = 'generate', enough = 2) {
  return recordChain(
    { backends: 2, intervalMs: 200, mode, propagationOff: false, mesh },
    (spans) => completeTraces(spans).length >= enough,
  );
}

/** The parent chain from an app's SERVER span up to its caller's CLIENT span. */
function pathAbove(analysis: TraceAnalysis, service: string): string[] {
  const byId = new Map(analysis.tree.spans.map((span) => [span.spanId, span]));
  const server = analysis.tree.spans.find((span) => span.service === service && span.kind === 'SERVER');
  const path: string[] = [];
  let at = server?.parentId ? byId.get(server.parentId) : undefined;
  while (at && path.length < 3) {
    path.push(`${at.service} ${at.kind}`);
    at = at.parentId ? byId.get(at.parentId) : undefined;
  }
  return path;
}

const jaegers: FakeJaeger[] = [];
afterAll(() => Promise.all(jaegers.map((jaeger) => jaeger.close())));

async function verifyAgainst(spans: readonly ZipkinSpan[], provider: MeshProvider) {
  const jaeger = await startFakeJaeger(spans);
  jaegers.push(jaeger);
  return verifyTraces({
    jaeger: jaeger.url,
    service: 'frontend',
    expect: EXPECT,
    sinceMs: 5 * 60_000,
    limit: 20,
    mesh: true,
    provider,
    timeoutMs: 2_000,
  });
}

describe.each(['zipkin', 'zipkin-w3c', 'opentelemetry'] as const)('behind the %s provider', (provider) => {
  it(`with OTEL_PROPAGATORS=${PROPAGATORS_FOR[provider]}: joined 9-span traces, each sidecar between the apps`, async () => {
    const spans = await record({ provider, samplingPercent: 100 });
    const traces = completeTraces(spans);
    expect(traces.length).toBeGreaterThanOrEqual(2);
    for (const trace of traces) {
      const analysis = analyzeTrace(trace, { expect: EXPECT, provider });
      expect(analysis.findings).toEqual([]);
      expect(analysis.services).toEqual([
        'frontend',
        'frontend.meshtrace',
        'backend.meshtrace',
        'backend',
        'backend-2.meshtrace',
        'backend-2',
      ]);
      expect(pathAbove(analysis, 'backend')).toEqual([
        'backend.meshtrace SERVER',
        'frontend.meshtrace CLIENT',
        'frontend CLIENT',
      ]);
      expect(pathAbove(analysis, 'backend-2')).toEqual([
        'backend-2.meshtrace SERVER',
        'backend.meshtrace CLIENT',
        'backend CLIENT',
      ]);
    }
    const report = await verifyAgainst(spans, provider);
    expect(report.traces.filter((t) => t.spans === SPANS_PER_TRACE).map((t) => t.verdict)).toContain('joined');
  });

  it(`with OTEL_PROPAGATORS=${OTHER[provider]}: ${provider === 'zipkin-w3c' ? 'joined too: both headers name the sidecar span' : 'the apps skip their sidecars, and the finding names the setting'}`, async () => {
    const spans = await record({ provider, samplingPercent: 100, propagators: OTHER[provider] });
    const traces = completeTraces(spans);
    for (const trace of traces) {
      const analysis = analyzeTrace(trace, { expect: EXPECT, provider });
      if (provider === 'zipkin-w3c') {
        expect(analysis.findings).toEqual([]);
        continue;
      }
      expect(analysis.findings.map((f) => f.code)).toEqual(['wrong-header-trusted', 'wrong-header-trusted']);
      // Each app's SERVER span hangs under the caller's CLIENT span; its sidecar spans are a side branch.
      expect(pathAbove(analysis, 'backend')).toEqual(['frontend CLIENT', 'frontend INTERNAL']);
      expect(analysis.findings[0]?.message).toContain(
        provider === 'opentelemetry'
          ? 'set OTEL_PROPAGATORS=baggage,b3multi,tracecontext on backend'
          : 'keep B3 last in OTEL_PROPAGATORS on backend',
      );
    }
    const report = await verifyAgainst(spans, provider);
    const complete = report.traces.filter((t) => t.spans === SPANS_PER_TRACE);
    expect(complete.length).toBeGreaterThan(0);
    for (const trace of complete)
      expect(trace.findings.map((f) => f.code)).toEqual(
        provider === 'zipkin-w3c' ? [] : ['wrong-header-trusted', 'wrong-header-trusted'],
      );
  });
});

describe('a caller that also sends the single b3 header', () => {
  it('zipkin: the inbound sidecar reads the stale b3 and skips the outbound one; the finding says to drop b3', async () => {
    // b3 before b3multi: the apps trust x-b3-*, but the sidecars read b3 first.
    const spans = await record({
      provider: 'zipkin',
      samplingPercent: 100,
      propagators: 'tracecontext,baggage,b3,b3multi',
    });
    for (const trace of completeTraces(spans)) {
      const analysis = analyzeTrace(trace, { expect: EXPECT, provider: 'zipkin' });
      expect(analysis.findings.map((f) => f.code)).toEqual(['stale-b3', 'stale-b3']);
      expect(pathAbove(analysis, 'backend')).toEqual([
        'backend.meshtrace SERVER',
        'frontend CLIENT',
        'frontend INTERNAL',
      ]);
      expect(analysis.findings[0]?.message).toContain('Remove b3 from OTEL_PROPAGATORS on frontend');
    }
  });
});

describe('sidecars that sample 0% of requests', () => {
  const headerless = (mesh: MeshOptions, force: 'sampled' | 'debug') =>
    ({
      backends: 1,
      intervalMs: 200,
      mode: 'headerless',
      propagationOff: false,
      mesh,
      loopEnv: { LOOP_FORCE_SAMPLING: force },
    }) as const;

  it('zipkin: a headerless loop with LOOP_FORCE_SAMPLING=debug still gets joined traces (x-b3-sampled: 1 rides along)', async () => {
    const spans = await recordChain(headerless({ provider: 'zipkin', samplingPercent: 0 }, 'debug'), (all) =>
      [...groupByTrace(all.map(fromZipkin)).values()].some((trace) => trace.length === 3),
    );
    const traces = [...groupByTrace(spans.map(fromZipkin)).values()].filter((trace) => trace.length === 3);
    expect(traces.length).toBeGreaterThan(0);
    for (const trace of traces) {
      // No frontend span (a headerless tick has none): the trace starts at its sidecar.
      const analysis = analyzeTrace(trace, { provider: 'zipkin' });
      expect(analysis.findings).toEqual([]);
      expect(analysis.services).toEqual(['frontend.meshtrace', 'backend.meshtrace', 'backend']);
    }
  });

  it('opentelemetry, traceparent trusted: the backend follows its sidecars, and nothing is orphaned', async () => {
    // A headerless tick's x-b3-sampled: 1 is not read by the OpenTelemetry tracer: its sidecars sample nothing.
    const receiver = await startZipkinReceiver();
    const chain = await startChain({
      ...headerless({ provider: 'opentelemetry', samplingPercent: 0 }, 'sampled'),
      zipkinUrl: receiver.url,
    });
    try {
      const frontend = chain.members[0]?.url ?? '';
      await eventually(async () => ((await (await fetch(`${frontend}loop`)).json()) as { ok: number }).ok >= 3);
    } finally {
      await chain.stop();
      await receiver.close();
    }
    // Every service flushed on stop: not one span, so no app span under a sidecar span no one reported.
    expect(receiver.spans).toEqual([]);
  });

  it('opentelemetry, B3 trusted: the backend records under sidecar spans never reported, and is told why', async () => {
    const mesh = { provider: 'opentelemetry', samplingPercent: 0, propagators: PROPAGATORS_FOR.zipkin } as const;
    const spans = await recordChain(headerless(mesh, 'sampled'), (all) => all.length >= 2);
    const [trace = []] = groupByTrace(spans.map(fromZipkin)).values();
    const analysis = analyzeTrace(trace, { expect: ['backend'], provider: 'opentelemetry' });
    expect(analysis.findings.map((f) => f.code)).toEqual(['sidecar-not-sampled']);
    expect(analysis.findings[0]?.message).toContain('OTEL_PROPAGATORS=baggage,b3multi,tracecontext on backend');
  });
});
