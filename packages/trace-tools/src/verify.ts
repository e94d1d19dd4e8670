import { JaegerError, NoTracesError } from './errors.ts';
import { fetchServices, fetchTraces } from './jaeger-client.ts';
import type { MeshProvider } from './mesh-providers.ts';
import { analyzeTrace, type Finding, type Verdict } from './trace-analysis.ts';
import { groupByTrace } from './trace-tree.ts';
import type { VerifyOptions } from './verify-args.ts';

export interface TraceVerdict {
  readonly traceId: string;
  readonly services: readonly string[];
  readonly spans: number;
  readonly verdict: Verdict;
  readonly findings: readonly Finding[];
}

/** One round of `verify`: either traces with verdicts, or the error that stopped it. */
export interface VerifyReport {
  readonly ok: boolean;
  readonly jaeger: string;
  readonly service: string;
  readonly expect: readonly string[];
  readonly mesh: boolean;
  readonly provider?: MeshProvider;
  readonly window: { readonly start: string; readonly end: string };
  readonly traces: readonly TraceVerdict[];
  readonly error?: { readonly code: string; readonly message: string; readonly hint: string };
}

type Options = Pick<VerifyOptions, 'jaeger' | 'service' | 'expect' | 'sinceMs' | 'limit' | 'mesh' | 'timeoutMs'> &
  Pick<Partial<VerifyOptions>, 'provider'>;

async function check(options: Options, start: Date, end: Date): Promise<TraceVerdict[]> {
  const client = { baseUrl: options.jaeger, timeoutMs: options.timeoutMs };
  const services = await fetchServices(client);
  if (!services.includes(options.service)) {
    throw new NoTracesError(
      `${options.service} has reported no spans to this Jaeger (it knows ${services.length ? services.join(', ') : 'no services'})`,
    );
  }
  const spans = await fetchTraces(client, {
    service: options.service,
    startMin: start,
    startMax: end,
    limit: options.limit,
  });
  if (spans.length === 0) {
    throw new NoTracesError(
      `no traces of ${options.service} started between ${start.toISOString()} and ${end.toISOString()}`,
    );
  }
  const groups = groupByTrace(spans);
  // Every trace in the window, so a trace whose id a hop cut to 64 bits is matched with its other half.
  const otherTraceIds = new Set(groups.keys());
  const analyses = [...groups.values()].map((group) =>
    analyzeTrace(group, {
      expect: options.expect,
      mesh: options.mesh,
      ...(options.provider ? { provider: options.provider } : {}),
      otherTraceIds,
    }),
  );
  return analyses.map((a) => ({
    traceId: a.traceId,
    services: a.services,
    spans: a.spanCount,
    verdict: a.verdict,
    findings: a.findings,
  }));
}

/**
 * Asks Jaeger for the traces of `service` that started in the last `sinceMs`
 * and checks each one. Never throws for Jaeger's sake: a JaegerError becomes
 * the report's `error`.
 */
export async function verifyTraces(options: Options, now = new Date()): Promise<VerifyReport> {
  const start = new Date(now.getTime() - options.sinceMs);
  const base = {
    jaeger: options.jaeger,
    service: options.service,
    expect: options.expect,
    mesh: options.mesh,
    ...(options.provider ? { provider: options.provider } : {}),
    window: { start: start.toISOString(), end: now.toISOString() },
  };
  try {
    const traces = await check(options, start, now);
    return { ...base, ok: traces.every((t) => t.verdict === 'joined'), traces };
  } catch (error) {
    if (!(error instanceof JaegerError)) throw error;
    return { ...base, ok: false, traces: [], error: { code: error.code, message: error.message, hint: error.hint } };
  }
}

/** 0: every trace joined; 1: a trace broken or none found; 2: Jaeger could not be asked. */
export function exitCodeOf(report: VerifyReport): number {
  if (report.ok) return 0;
  if (report.error && report.error.code !== 'MTR_ERR_NO_TRACES') return 2;
  return 1;
}
