import type { IncomingHttpHeaders } from 'node:http';
import { describeTraceHeaders, type RequestTrace, type TraceFormat } from '@meshtrace/tracing';
import type { DownstreamReport } from './downstream.ts';
import { redactHeaders } from './redact.ts';

/** The trace context this hop received and continued. */
export interface TraceReport {
  /** false with OTEL_SDK_DISABLED=true: no ids are reported. */
  readonly enabled: boolean;
  readonly trace_id?: string;
  /** The caller's span id (our parent); absent when we started a new trace. */
  readonly parent_span_id?: string;
  /** Our own SERVER span. */
  readonly span_id?: string;
  readonly sampled?: boolean;
  readonly debug: boolean;
  /** Whether valid incoming context was continued (false: a new root trace). */
  readonly continued: boolean;
  readonly formats_received: readonly TraceFormat[];
}

export function traceReport(requestTrace: RequestTrace | undefined, headers: IncomingHttpHeaders): TraceReport {
  const { formats, debug } = describeTraceHeaders(headers);
  if (!requestTrace) return { enabled: false, debug, continued: false, formats_received: formats };
  const own = requestTrace.span.spanContext();
  return {
    enabled: true,
    trace_id: own.traceId,
    ...(requestTrace.parent ? { parent_span_id: requestTrace.parent.spanId } : {}),
    span_id: own.spanId,
    sampled: (own.traceFlags & 1) === 1,
    debug,
    continued: requestTrace.parent !== undefined,
    formats_received: formats,
  };
}

export interface EchoInput {
  readonly method: string;
  readonly url: string;
  readonly query: unknown;
  readonly headers: IncomingHttpHeaders;
  readonly body: unknown;
  readonly hostname: string;
  readonly service: { readonly name: string; readonly version: string };
  readonly trace: TraceReport;
  readonly downstream: readonly DownstreamReport[];
  /** Header names echoed as "[redacted]": the defaults plus REDACT_HEADERS. */
  readonly redacted?: ReadonlySet<string>;
  /** Only with ECHO_ENV=true, already filtered by echoableEnv(). */
  readonly env?: Readonly<Record<string, string>> | undefined;
}

/** The JSON echo: what arrived, who answered, and the trace context it carried on. Pure. */
export function echoBody(input: EchoInput) {
  return {
    service: input.service,
    hostname: input.hostname,
    method: input.method,
    path: input.url.split('?', 1)[0],
    query: input.query,
    headers: redactHeaders(input.headers, input.redacted),
    ...(input.body === undefined || input.body === '' ? {} : { body: input.body }),
    trace: input.trace,
    downstream: input.downstream,
    ...(input.env === undefined ? {} : { env: input.env }),
  };
}
