import { describe, expect, it } from 'vitest';
import { analyzeTrace, sidecarOwner } from '../src/trace-analysis.ts';
import type { TraceSpan } from '../src/trace-span.ts';
import { ambientChain, localChain, meshChain, span } from './helpers/fixtures.ts';

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

    it('says when an app span skips its sidecar (it trusted traceparent over x-b3-*)', () => {
      // backend's SERVER span parented on frontend's CLIENT span, as if traceparent had won.
      const skipped = meshChain.map((s) =>
        s.spanId === '00000000000000b1' ? { ...s, parentId: '00000000000000a2' } : s,
      );
      const analysis = analyzeTrace(skipped, { ...expectChain, mesh: true });
      expect(analysis.findings.map((f) => f.code)).toEqual(['sidecar-skipped']);
      expect(analysis.findings[0]?.message).toMatch(
        /^backend "GET \/\*" \(SERVER\) is a child of frontend "GET" \(CLIENT\)/,
      );
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

  it('reads the owning app from a sidecar service name', () => {
    expect(sidecarOwner('backend-2.default')).toBe('backend-2');
    expect(sidecarOwner('backend-2')).toBeUndefined();
    expect(sidecarOwner('waypoint.default')).toBe('waypoint');
    expect(sidecarOwner('backend.default.svc.cluster.local')).toBe('backend');
  });
});
