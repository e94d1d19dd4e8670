import type { TraceSpan } from '@meshtrace/harness';
import { describe, expect, it } from 'vitest';
import { analyzeTrace, sidecarOwner } from '../src/trace-analysis.ts';
import { ambientChain, localChain, meshChain, span, TRACE_ID } from './helpers/fixtures.ts';

const expectChain = { expect: ['frontend', 'backend', 'backend-2'] };
const codes = (spans: Parameters<typeof analyzeTrace>[0], options = {}) =>
  analyzeTrace(spans, { ...expectChain, ...options }).findings.map((f) => f.code);

describe('analyzeTrace', () => {
  it('joins a complete local chain, with services in call order and the total time', () => {
    const analysis = analyzeTrace(localChain, expectChain);
    expect(analysis).toMatchObject({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      verdict: 'joined',
      services: ['frontend', 'backend', 'backend-2'],
      spanCount: 5,
      durationUs: 20_000,
      findings: [],
    });
  });

  it('names an orphan: a parent id no one reported (the tutorial curl loop)', () => {
    const orphaned = [span('00000000000000b1', '1234567890abcdef', 'backend', 'GET /*', 'SERVER', 0, 5)];
    const analysis = analyzeTrace(orphaned, { expect: ['backend'] });
    expect(analysis.verdict).toBe('broken');
    expect(analysis.tree.orphans).toHaveLength(1);
    expect(analysis.findings).toEqual([
      { code: 'orphan', message: 'backend "GET /*" (SERVER) names parent 1234567890abcdef that no one reported' },
    ]);
  });

  it('finds a missing service and the CLIENT call nobody continued (PROPAGATION=off)', () => {
    const stopped = localChain.slice(0, 4);
    expect(codes(stopped)).toEqual(['missing-service', 'not-continued']);
  });

  it('finds a trace that starts mid-chain', () => {
    const alone = [span('00000000000000c1', undefined, 'backend-2', 'GET /*', 'SERVER', 0, 2)];
    expect(codes(alone)).toEqual(['missing-service', 'missing-service', 'new-trace']);
  });

  it('finds context that arrived but could not be read: a new trace where the caller sent one', () => {
    const [server, ...rest] = localChain.slice(2);
    const { parentId: _, ...root } = server as TraceSpan;
    const malformed = [{ ...root, unreadContext: ['b3multi', 'traceparent'] }, ...rest];
    expect(analyzeTrace(malformed, { expect: ['backend', 'backend-2'] }).findings).toEqual([
      {
        code: 'context-dropped',
        message:
          'backend "GET /*" (SERVER) started a new trace although its request carried b3multi, traceparent ' +
          'headers: they were not valid, so the trace they named ends before it',
      },
    ]);
  });

  it("notes SERVER spans that end after their callers' CLIENT spans, in one note, the trace still joined", () => {
    // backend-2's span ends at 11 ms, once its reply has gone out; backend's call ended at 10.5 ms.
    const late = (ids: Record<string, number>) =>
      localChain.map((s) => (ids[s.spanId] === undefined ? s : { ...s, durationUs: ids[s.spanId] as number }));
    const one = analyzeTrace(late({ '00000000000000c1': 5_000, '00000000000000b2': 6_500 }), expectChain);
    expect(one.verdict).toBe('joined');
    expect(one.notes).toEqual([
      {
        code: 'child-outlasts-parent',
        message:
          'backend-2 ends 0.5 ms after the CLIENT span that called it: a server span ends once its reply has ' +
          "gone out, its caller's once the reply has arrived",
      },
    ]);
    const two = analyzeTrace(late({ '00000000000000b1': 17_000, '00000000000000c1': 8_000 }), expectChain);
    expect(two.notes.map((note) => note.message)).toEqual([
      expect.stringMatching(/^backend ends 1\.0 ms and backend-2 1\.0 ms after the CLIENT span that called each: /),
    ]);
    expect(analyzeTrace(localChain, expectChain).notes).toEqual([]);
  });

  it('finds two roots in one trace', () => {
    const twoRoots = [...localChain, span('00000000000000f1', undefined, 'frontend', 'loop tick', 'INTERNAL', 30, 1)];
    expect(codes(twoRoots)).toEqual(['multiple-roots']);
  });

  it('counts a span reported twice once', () => {
    expect(analyzeTrace([...localChain, localChain[2] as never], expectChain).spanCount).toBe(5);
  });

  describe('--mesh', () => {
    it('joins a chain with the sidecar spans between the app spans', () => {
      const analysis = analyzeTrace(meshChain, { ...expectChain, mesh: true });
      expect(analysis.findings).toEqual([]);
      expect(analysis.services).toEqual([
        'frontend',
        'frontend.default',
        'backend.default',
        'backend',
        'backend-2.default',
        'backend-2',
      ]);
    });

    /** meshChain with some spans re-parented, as a wrong header would parent them. */
    const reparent = (moves: Readonly<Record<string, string>>, chain = meshChain) =>
      chain.map((s) => {
        const parentId = moves[s.spanId];
        return parentId ? { ...s, parentId } : s;
      });

    it('names the setting when an app trusted the header its tracer does not rewrite', () => {
      // backend's SERVER span under frontend's CLIENT span; backend's sidecar span beside it, with nothing under it.
      const skipped = reparent({ '00000000000000b1': '00000000000000a2' });
      const analysis = analyzeTrace(skipped, { ...expectChain, provider: 'opentelemetry' });
      expect(analysis.findings.map((f) => f.code)).toEqual(['wrong-header-trusted']);
      expect(analysis.findings[0]?.message).toMatch(
        /^backend "GET \/\*" \(SERVER\) is a child of frontend "GET" \(CLIENT\), while its own sidecar's span backend.default .*OTEL_PROPAGATORS=baggage,b3multi,tracecontext on backend/,
      );
      // Behind zipkin, the fix is the other order; with the provider unknown, both are named.
      const zipkin = analyzeTrace(skipped, { ...expectChain, provider: 'zipkin' }).findings[0]?.message;
      expect(zipkin).toContain(
        'keep B3 last in OTEL_PROPAGATORS on backend (the default, tracecontext,baggage,b3multi)',
      );
      const unknown = analyzeTrace(skipped, { ...expectChain, mesh: true }).findings[0]?.message;
      expect(unknown).toContain("baggage,b3multi,tracecontext behind Istio's opentelemetry provider");
    });

    it('says a pod has no sidecar when no sidecar span of the app is anywhere near', () => {
      const noSidecar = reparent(
        { '00000000000000b1': '00000000000000a2' },
        meshChain.filter((s) => !['00000000000000e1', '00000000000000e2'].includes(s.spanId)),
      );
      expect(codes(noSidecar, { mesh: true })).toEqual(['sidecar-skipped']);
    });

    it('finds a stale b3: the inbound sidecar parented on the calling app, beside the outbound one', () => {
      // e2 (backend's inbound sidecar) under a2 instead of e1; e1 then has no child.
      const stale = reparent({ '00000000000000e2': '00000000000000a2' });
      const analysis = analyzeTrace(stale, { ...expectChain, provider: 'zipkin' });
      // The outbound sidecar's CLIENT span has no child: the stale b3 says why, so it is not a second finding.
      expect(analysis.findings.map((f) => f.code)).toEqual(['stale-b3']);
      expect(analysis.findings[0]?.message).toMatch(/Remove b3 from OTEL_PROPAGATORS on frontend/);
    });

    it('explains an app span whose parent is a sidecar span Envoy did not report', () => {
      // The sidecars did not sample; the apps did (a decision Envoy does not read).
      const appsOnly = meshChain.filter((s) => !s.service.includes('.'));
      const analysis = analyzeTrace(appsOnly, { ...expectChain, provider: 'opentelemetry' });
      expect(analysis.findings.map((f) => f.code)).toEqual(['sidecar-not-sampled', 'sidecar-not-sampled']);
      expect(analysis.findings[0]?.message).toMatch(
        /^backend "GET \/\*" \(SERVER\) names parent 00000000000000e2 that no one reported: in a mesh that is backend's sidecar span/,
      );
      expect(analysis.findings[0]?.message).toContain('OTEL_PROPAGATORS=baggage,b3multi,tracecontext on backend');
      // Without --mesh the same spans are plain orphans.
      expect(codes(appsOnly)).toEqual(['orphan', 'orphan', 'not-continued', 'not-continued']);
    });

    it("flags a sidecar span whose x-request-id is no UUID (Envoy can't sample on it)", () => {
      const odd = meshChain.map((s) => (s.spanId === '00000000000000e2' ? { ...s, requestId: 'req-77' } : s));
      const analysis = analyzeTrace(odd, { ...expectChain, mesh: true });
      expect(analysis.findings.map((f) => f.code)).toEqual(['request-id-not-uuid']);
      expect(analysis.findings[0]?.message).toMatch(
        /^x-request-id "req-77" at backend.default is not a UUID: .*envoy#12808/,
      );
      const uuid = meshChain.map((s) => ({ ...s, requestId: 'f1a4d3a0-5c1e-9d5b-9b1a-2f0c9e8d7b6a' }));
      expect(codes(uuid, { mesh: true })).toEqual([]);
    });

    it('joins an ambient chain: a waypoint span, not two sidecar spans, between the app spans', () => {
      const analysis = analyzeTrace(ambientChain, { ...expectChain, mesh: true });
      expect(analysis.findings).toEqual([]);
      expect(analysis.services).toEqual(['frontend', 'waypoint.default', 'backend', 'backend-2']);
      // With the opentelemetry provider on Istio 1.28+, waypoint spans carry the called Service's host name.
      const byServiceName = ambientChain.map((s) =>
        s.service === 'waypoint.default' ? { ...s, service: `${s.name.split(':')[0]}` } : s,
      );
      expect(analyzeTrace(byServiceName, { ...expectChain, mesh: true }).findings).toEqual([]);
    });

    it('says when there is no sidecar span at all', () => {
      expect(codes(localChain, { mesh: true })).toEqual(['no-sidecar']);
    });
  });

  it('names both halves of a trace whose 128-bit id a hop cut to 64 bits', () => {
    const low = TRACE_ID.slice(16);
    const before = localChain.slice(0, 4);
    const after = localChain.slice(4).map((s) => ({ ...s, traceId: `${'0'.repeat(16)}${low}` }));
    const others = new Set([TRACE_ID, `${'0'.repeat(16)}${low}`]);
    const first = analyzeTrace(before, { ...expectChain, otherTraceIds: others });
    expect(first.findings.map((f) => f.code)).toEqual(['missing-service', 'not-continued', 'trace-id-truncated']);
    expect(first.findings[2]?.message).toMatch(
      new RegExp(`^spans of this trace go on under the 64-bit trace id ${low}`),
    );
    const second = analyzeTrace(after, { expect: ['backend-2'], otherTraceIds: others });
    expect(second.findings.map((f) => f.code)).toEqual(['orphan', 'trace-id-truncated']);
    expect(second.findings[1]?.message).toContain(
      `the trace id is 64 bits (${low}), the low half of trace ${TRACE_ID}`,
    );
    // Alone, a 64-bit trace that is whole is fine: some tracers start 64-bit traces.
    const whole = localChain.map((s) => ({ ...s, traceId: `${'0'.repeat(16)}${low}` }));
    expect(codes(whole)).toEqual([]);
  });

  it('reads the owning app from a sidecar service name', () => {
    expect(sidecarOwner('backend-2.default')).toBe('backend-2');
    expect(sidecarOwner('backend-2')).toBeUndefined();
    expect(sidecarOwner('waypoint.default')).toBe('waypoint');
    expect(sidecarOwner('backend.default.svc.cluster.local')).toBe('backend');
  });
});
