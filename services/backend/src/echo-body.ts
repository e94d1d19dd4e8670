import type { IncomingHttpHeaders } from 'node:http';
import type { DownstreamReport, TraceReport } from '@meshtrace/service-kit';
import { redactHeaders } from './redact.ts';

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
  /** ms from the request's arrival to this answer (delays and downstream calls included). */
  readonly elapsedMs: number;
  /** Header names echoed as "[redacted]": the defaults plus REDACT_HEADERS. */
  readonly redacted?: ReadonlySet<string>;
  /** Only with ECHO_ENV=true, already filtered by echoableEnv(). */
  readonly env?: Readonly<Record<string, string>> | undefined;
}

/**
 * The JSON echo: what arrived, who answered, the trace context it carried on,
 * and each downstream's own echo nested in `downstream[].body`. Pure.
 */
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
    elapsed_ms: Math.round(input.elapsedMs * 100) / 100,
    downstream: input.downstream,
    ...(input.env === undefined ? {} : { env: input.env }),
  };
}
