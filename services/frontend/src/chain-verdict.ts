/**
 * Joined or broken, for a chain walked from the hops' own reports: the spans each hop says it
 * recorded, judged by the same analysis as `./pnpmw demo` and `./pnpmw verify`
 * (@meshtrace/trace-tools), so the explorer, the loop's tick list, the terminal and verify agree
 * on a trace and say why in the same words. Pure.
 */
import {
  analyzeTrace,
  type Finding,
  groupByTrace,
  MESH_PROVIDERS,
  type MeshProvider,
  type Note,
  summaryLine,
  type TraceSpan,
} from '@meshtrace/trace-tools/analysis';
import type { Chain, Hop, SidecarPass } from './ui/chain.ts';

export interface TraceJudgement {
  readonly trace_id: string;
  readonly verdict: 'joined' | 'broken';
  /** The terminal view's summary line: `✔ joined · services … · 5 spans · 12.3 ms`. */
  readonly summary: string;
  readonly findings: readonly Finding[];
  readonly notes: readonly Note[];
}

export interface ChainVerdict {
  /** `unsampled`: no hop recorded a span, so no trace reaches Jaeger and there is nothing to judge. */
  readonly verdict: 'joined' | 'broken' | 'unsampled';
  /** Every trace the hops' spans belong to, the first hop's first: more than one is a break. */
  readonly traces: readonly TraceJudgement[];
}

/**
 * A proxy between two hops (an Envoy sidecar) made the span the callee names as its parent. It
 * reports that span itself, straight to the collector; no hop report shows it, so it stands in
 * here, else every hop behind a sidecar would look orphaned.
 */
const PROXY = 'proxy';

/** Hop reports measure in milliseconds, spans in microseconds. */
const us = (ms: number) => Math.round(ms * 1000);

/**
 * A B3 single header may carry a sampling decision alone (`b3: 1`), which is valid without ids;
 * the other formats always carry ids. So only these name a trace that a new root dropped.
 */
const NAMES_A_TRACE: ReadonlySet<string> = new Set(['b3multi', 'traceparent']);

/**
 * The spans the simulated sidecars before this hop reported (`./pnpmw demo --mesh`, from their
 * trail): only sampled ones, as Envoy reports only those, so a hop under a sidecar that did not
 * sample shows what Jaeger would, a parent no one reported.
 */
function sidecarSpans(hop: Hop): TraceSpan[] {
  return hop.sidecars.flatMap((pass: SidecarPass): TraceSpan[] => {
    if (!pass.sampled || !pass.span_id || !pass.trace_id) return [];
    const requestId = pass.after['x-request-id'];
    return [
      {
        traceId: pass.trace_id.padStart(32, '0'),
        spanId: pass.span_id,
        ...(pass.parent_id ? { parentId: pass.parent_id } : {}),
        service: pass.sidecar,
        name: `${pass.kind === 'CLIENT' ? 'outbound' : 'inbound'} to ${hop.service}`,
        kind: pass.kind === 'CLIENT' ? 'CLIENT' : 'SERVER',
        startUs: us(hop.offset_ms),
        durationUs: us(hop.duration_ms),
        status: 'unset',
        ...(requestId === undefined ? {} : { requestId }),
      },
    ];
  });
}

function hopSpans(hop: Hop, caller: TraceSpan | undefined): TraceSpan[] {
  const { received } = hop;
  // The sidecars report their spans whatever the app does.
  const sidecars = sidecarSpans(hop);
  // A hop that records nothing (not sampled, or OTEL_SDK_DISABLED) reports nothing to Jaeger either.
  if (!received.enabled || received.sampled === false || !received.trace_id || !received.span_id) return sidecars;
  const traceId = received.trace_id;
  const spans: TraceSpan[] = [...sidecars];
  const parentId = received.parent_span_id;
  const start = us(hop.offset_ms);
  // Without a trail, a proxy stands in for whatever made the parent span (a real mesh's sidecars).
  if (hop.sidecars.length === 0 && parentId && caller && caller.traceId === traceId && caller.spanId !== parentId)
    spans.push({
      traceId,
      spanId: parentId,
      parentId: caller.spanId,
      service: PROXY,
      name: `between ${caller.service} and ${hop.service}`,
      kind: 'SERVER',
      startUs: start,
      durationUs: us(hop.duration_ms),
      status: 'unset',
    });
  const unread = received.continued ? [] : received.formats_received.filter((format) => NAMES_A_TRACE.has(format));
  spans.push({
    traceId,
    spanId: received.span_id,
    ...(parentId ? { parentId } : {}),
    service: hop.service,
    name: hop.request ?? 'request',
    kind: 'SERVER',
    startUs: start,
    durationUs: us(hop.duration_ms),
    status: 'unset',
    ...(unread.length > 0 ? { unreadContext: unread } : {}),
  });
  const call = hop.call;
  if (call?.span_id)
    spans.push({
      traceId,
      spanId: call.span_id,
      parentId: received.span_id,
      service: hop.service,
      name: 'GET',
      kind: 'CLIENT',
      startUs: start + us(call.started_ms),
      durationUs: us(call.duration_ms),
      status: call.ok ? 'unset' : 'error',
      url: call.url,
    });
  return spans;
}

/** The spans the hops say they recorded, after the caller's own (the loop's tick and call, if any). */
export function chainSpans(chain: Chain, caller: readonly TraceSpan[] = []): TraceSpan[] {
  const spans = [...caller];
  let callerClient = caller.findLast((span) => span.kind === 'CLIENT');
  for (const hop of chain.hops) {
    const own = hopSpans(hop, callerClient);
    spans.push(...own);
    callerClient = own.find((span) => span.kind === 'CLIENT');
  }
  return spans;
}

/**
 * Judges a walked chain. `expect`: the services that must each report a span, in call order
 * (default: every hop). `caller`: spans the caller itself recorded around the first call.
 */
export function judgeChain(
  chain: Chain,
  options: { readonly caller?: readonly TraceSpan[]; readonly expect?: readonly string[] } = {},
): ChainVerdict {
  const spans = chainSpans(chain, options.caller);
  const expect = options.expect ?? chain.hops.map((hop) => hop.service);
  // Behind the simulated sidecars, judge as verify --provider does: the findings name the setting.
  const tracer = chain.hops.flatMap((hop) => hop.sidecars)[0]?.tracer;
  const provider = MESH_PROVIDERS.find((name: MeshProvider) => name === tracer);
  const mesh = provider
    ? {
        provider,
        withoutInboundSidecar: chain.hops.filter((hop) => hop.sidecars.length === 0).map((hop) => hop.service),
      }
    : {};
  const traces = [...groupByTrace(spans).values()].map((group): TraceJudgement => {
    const analysis = analyzeTrace(group, { expect, ...mesh });
    return {
      trace_id: analysis.traceId,
      verdict: analysis.verdict,
      summary: summaryLine(analysis),
      findings: analysis.findings,
      notes: analysis.notes,
    };
  });
  if (traces.length === 0) return { verdict: 'unsampled', traces };
  const broken = traces.length > 1 || traces.some((trace) => trace.verdict === 'broken') || chain.stopped;
  return { verdict: broken ? 'broken' : 'joined', traces };
}
