import { describe, expect, it } from 'vitest';
import { judgeChain } from '../src/chain-verdict.ts';
import { type Caller, SIDECAR_TRAIL, walkChain } from '../src/ui/chain.ts';

/**
 * The verdict on a chain behind the simulated sidecars (`./pnpmw demo --mesh`), from literal hop
 * reports: the sidecars' spans come from their trail, as Jaeger would receive them.
 */

const TRACE = '463ac35c9f6413ad48485a3953bb6124';
const PAGE_SPAN = 'a2fb4a1d1a96d312';
const you: Caller = { name: 'you', user: true, traceIds: [TRACE], spanIds: [PAGE_SPAN], propagated: true };

const pass = (sidecar: string, kind: 'CLIENT' | 'SERVER', span: string, parent: string, sampled = true) => ({
  sidecar,
  kind,
  tracer: 'zipkin',
  span: { trace_id: TRACE, span_id: span, parent_id: parent },
  sampled,
  before: { 'x-b3-spanid': parent },
  after: { 'x-b3-spanid': span, 'x-request-id': 'f1a4d3a0-5c1e-9d5b-9b1a-2f0c9e8d7b6a' },
});

/** A hop's report of the trace it continued, as a child of `parent`. */
const continued = (parent: string, span: string) => ({
  enabled: true,
  debug: false,
  sampled: true,
  continued: true,
  formats_received: ['b3multi'],
  trace_id: TRACE,
  parent_span_id: parent,
  span_id: span,
});

/** The page → frontend (no sidecar in front) → its sidecar → backend's sidecar → backend. */
function chain(inboundSampled: boolean) {
  const backend = {
    service: { name: 'backend' },
    headers: {
      [SIDECAR_TRAIL]: JSON.stringify([
        pass('frontend.meshtrace', 'CLIENT', 'e100000000000001', 'f200000000000002'),
        pass('backend.meshtrace', 'SERVER', 'e200000000000002', 'e100000000000001', inboundSampled),
      ]),
    },
    trace: continued('e200000000000002', 'b100000000000001'),
    elapsed_ms: 3,
    downstream: [],
  };
  const frontend = {
    service: { name: 'frontend' },
    trace: continued(PAGE_SPAN, 'f100000000000001'),
    elapsed_ms: 8,
    downstream: [
      {
        url: 'http://sidecar/',
        ok: true,
        status: 200,
        duration_ms: 6,
        started_ms: 1,
        span_id: 'f200000000000002',
        propagated: true,
        body: backend,
      },
    ],
  };
  return walkChain(frontend, you);
}

describe("the explorer's verdict behind the simulated sidecars", () => {
  it("judges the sidecars' spans with the hops', for the tracer they simulate", () => {
    const verdict = judgeChain(chain(true));
    expect(verdict.traces).toHaveLength(1);
    expect(verdict.traces[0]?.summary).toMatch(
      /^✘ broken · services frontend, frontend\.meshtrace, backend\.meshtrace, backend · 5 spans/,
    );
    // Only the parent the page made up is missing: the frontend has no sidecar in front of it.
    expect(verdict.traces[0]?.findings.map((f) => f.code)).toEqual(['orphan']);
  });

  it('leaves out a sidecar span Envoy did not sample, and says why the app span under it is orphaned', () => {
    const verdict = judgeChain(chain(false));
    expect(verdict.traces[0]?.findings.map((f) => f.code)).toEqual(['orphan', 'sidecar-not-sampled']);
    expect(verdict.traces[0]?.findings[1]?.message).toMatch(
      /^backend "request" \(SERVER\) names parent e200000000000002 that no one reported: in a mesh that is backend's sidecar span/,
    );
  });
});
