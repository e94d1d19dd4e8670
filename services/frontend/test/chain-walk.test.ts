import { describe, expect, it } from 'vitest';
import { type Caller, walkChain } from '../src/ui/chain.ts';

/** The walk over hop reports, on literal reports: the sentences and verdicts the page and the loop show. */

const TRACE = '463ac35c9f6413ad48485a3953bb6124';
const OTHER = '0af7651916cd43dd8448eb211c80319c';
const frontendCaller: Caller = {
  name: 'frontend',
  user: false,
  traceIds: [TRACE],
  spanIds: ['a2fb4a1d1a96d312'],
  propagated: true,
};

function hop(name: string, trace: Record<string, unknown>, downstream: unknown[] = []) {
  return {
    service: { name },
    trace: { enabled: true, debug: false, sampled: true, formats_received: ['b3multi'], ...trace },
    elapsed_ms: 5,
    downstream,
  };
}

/** A hop that continued TRACE as a child of `parent`. */
const continued = (name: string, parent: string, span: string, downstream: unknown[] = []) =>
  hop(name, { trace_id: TRACE, parent_span_id: parent, span_id: span, continued: true }, downstream);

/** A hop that started trace OTHER itself. */
const started = (name: string, formats: string[] = []) =>
  hop(name, { trace_id: OTHER, span_id: '3333333333333333', continued: false, formats_received: formats });

const call = (spanId: string, body: unknown, extra: Record<string, unknown> = {}) => ({
  url: 'http://next/',
  ok: true,
  status: 200,
  duration_ms: 3,
  started_ms: 1,
  span_id: spanId,
  propagated: true,
  body,
  ...extra,
});

describe('walking a chain of hop reports', () => {
  it('joins when each hop continues the trace as a child of its caller’s CLIENT span', () => {
    const report = continued('backend', 'a2fb4a1d1a96d312', '1111111111111111', [
      call('2222222222222222', continued('backend-2', '2222222222222222', '3333333333333333')),
    ]);
    const chain = walkChain(report, frontendCaller);
    expect(chain.verdict).toBe('joined');
    expect(chain.hops.map((h) => h.story)).toEqual([
      "backend continued trace 463a… as a child of frontend's CLIENT span a2fb….",
      "backend-2 continued trace 463a… as a child of backend's CLIENT span 2222….",
    ]);
    expect(chain.hops[1]?.changed).toEqual(['parent_span_id', 'span_id']);
    expect(chain.hops[1]).toMatchObject({ offset_ms: 1, duration_ms: 3 });
  });

  it('reads what each simulated sidecar saw and wrote from the echoed trail header, and skips what is not a pass', () => {
    const trail = [
      {
        sidecar: 'backend.meshtrace',
        kind: 'SERVER',
        tracer: 'zipkin',
        span: { trace_id: TRACE, span_id: '5555555555555555', parent_id: 'a2fb4a1d1a96d312' },
        sampled: true,
        before: { 'x-b3-spanid': 'a2fb4a1d1a96d312' },
        after: { 'x-b3-spanid': '5555555555555555', 'x-b3-sampled': 1 },
      },
      'not a pass',
    ];
    const report = {
      ...continued('backend', '5555555555555555', '1111111111111111'),
      headers: { 'x-meshtrace-sidecar-trail': JSON.stringify(trail) },
    };
    const [backend] = walkChain(report, frontendCaller).hops;
    expect(backend?.sidecars).toEqual([
      {
        sidecar: 'backend.meshtrace',
        kind: 'SERVER',
        tracer: 'zipkin',
        span_id: '5555555555555555',
        parent_id: 'a2fb4a1d1a96d312',
        trace_id: TRACE,
        sampled: true,
        before: { 'x-b3-spanid': 'a2fb4a1d1a96d312' },
        // A value that is not text is left out.
        after: { 'x-b3-spanid': '5555555555555555' },
      },
    ]);
    const noTrail = walkChain({ ...report, headers: { 'x-meshtrace-sidecar-trail': '{not json' } }, frontendCaller);
    expect(noTrail.hops[0]?.sidecars).toEqual([]);
  });

  it('names the proxy when the parent is a span between the caller’s CLIENT span and the callee (an Envoy sidecar)', () => {
    const report = continued('backend', '9c1e000000000000', '1111111111111111');
    const chain = walkChain(report, frontendCaller);
    expect(chain.verdict).toBe('joined');
    expect(chain.hops[0]?.story).toBe(
      "backend continued trace 463a… as a child of span 9c1e…, not frontend's CLIENT span a2fb…: a proxy in between (an Envoy sidecar) added its own span.",
    );
  });

  it('breaks where a service got its caller’s call without the trace', () => {
    const report = continued('backend', 'a2fb4a1d1a96d312', '1111111111111111', [
      call('2222222222222222', started('backend-2'), { propagated: false }),
    ]);
    const chain = walkChain(report, frontendCaller);
    expect(chain.verdict).toBe('broken');
    expect(chain.hops[1]).toMatchObject({ broken: true, changed: expect.arrayContaining(['trace_id']) });
    expect(chain.hops[1]?.story).toBe(
      'backend-2 started a new trace 0af7…: no context arrived (backend called it without trace headers, PROPAGATION=off). The chain is broken here.',
    );
  });

  it('says invalid headers arrived when a hop could not use them', () => {
    const report = started('backend', ['traceparent']);
    expect(walkChain(report, frontendCaller).hops[0]?.story).toBe(
      'backend started a new trace 0af7…: the trace headers that arrived (traceparent) were not valid. The chain is broken here.',
    );
  });

  it('stops, broken, at a failed call', () => {
    const failed = { url: 'http://next/', ok: false, duration_ms: 2000, started_ms: 1, propagated: true };
    const report = continued('backend', 'a2fb4a1d1a96d312', '1111111111111111', [
      { ...failed, error: { code: 'timeout', message: 'aborted' } },
    ]);
    const chain = walkChain(report, frontendCaller);
    expect(chain).toMatchObject({
      verdict: 'broken',
      stopped: 'backend: the call to http://next/ failed (timeout: aborted)',
    });
  });

  it('never throws on an answer that is not a hop report', () => {
    for (const answer of [
      undefined,
      null,
      'hello-world\n',
      42,
      [],
      { trace: 'nope' },
      { downstream: [{ body: {} }] },
    ]) {
      expect(walkChain(answer, frontendCaller).hops).toEqual([]);
    }
  });

  it('lets the first hop start the trace when the caller sent none on purpose (the page, a headerless tick)', () => {
    const chain = walkChain(started('backend'), {
      name: 'you',
      user: true,
      traceIds: [],
      spanIds: [],
      propagated: false,
    });
    expect(chain.verdict).toBe('joined');
    expect(chain.hops[0]?.story).toBe('backend started a new trace 0af7…: no context arrived.');
  });
});
