import { MeshtraceError } from '@meshtrace/tracing/settings';

/**
 * The errors `verify` raises on purpose (style.md #9), under the repository's
 * one root (@meshtrace/tracing's errors.ts): the CLI prints `message` and
 * `hint`, and tests match on `code`. A bad flag is an InvalidSettingsError, as
 * a bad variable is.
 */

/** Base class for answers from Jaeger that stop `verify` before any check runs. */
export class JaegerError extends MeshtraceError {
  /** What to try next, printed under the message. */
  readonly hint: string;

  constructor(code: string, message: string, hint: string, options?: ErrorOptions) {
    super(code, message, options);
    this.hint = hint;
  }
}

/** Nothing answered at the Jaeger URL (refused, DNS, timeout). */
export class JaegerUnreachableError extends JaegerError {
  constructor(url: string, reason: string, options?: ErrorOptions) {
    super(
      'MTR_ERR_JAEGER_UNREACHABLE',
      `cannot reach Jaeger at ${url}: ${reason}`,
      'Is Jaeger running and the port forwarded? Compose: http://localhost:16686. ' +
        'Mesh: kubectl -n istio-system port-forward svc/tracing 16686:80, then --jaeger http://localhost:16686/jaeger',
      options,
    );
  }
}

/** Something answered, but not Jaeger's v3 query API: usually a wrong base path. */
export class JaegerNotApiError extends JaegerError {
  constructor(url: string, what: string, hint: string) {
    super('MTR_ERR_JAEGER_NOT_API', `${url} is not Jaeger's query API v3: ${what}`, hint);
  }
}

/** The query API works, but no trace of the service started inside the window. */
export class NoTracesError extends JaegerError {
  constructor(message: string) {
    super(
      'MTR_ERR_NO_TRACES',
      message,
      'Check sampling (Istio samples 1% by default: set randomSamplingPercentage: 100 in a Telemetry resource), ' +
        'the tracing provider (meshConfig.extensionProviders zipkin, referenced by that Telemetry resource), ' +
        'and the time window (--since); is the loop running?',
    );
  }
}
