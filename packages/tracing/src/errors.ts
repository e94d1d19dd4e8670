/**
 * Every error this package raises on purpose, in one catalogue (after undici's
 * `lib/core/errors.js` and Fastify's `FST_ERR_*`): callers match on `code`,
 * never on message text. Codes start with `MTR_ERR_`.
 */

export class TracingError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** One environment variable whose value is not accepted. */
export interface InvalidSetting {
  readonly variable: string;
  readonly value: string;
  readonly expected: string;
}

/** The one line printed for an invalid variable: `invalid NAME="value": expected …`. */
export function describeInvalidSetting({ variable, value, expected }: InvalidSetting): string {
  return `invalid ${variable}=${JSON.stringify(value)}: expected ${expected}`;
}

/**
 * OTEL_* variables failed validation at start-up. All of them are reported at
 * once, one line each, so a user fixes them in one go.
 */
export class InvalidSettingsError extends TracingError {
  readonly invalid: readonly InvalidSetting[];

  constructor(invalid: readonly InvalidSetting[]) {
    super('MTR_ERR_INVALID_SETTINGS', invalid.map(describeInvalidSetting).join('\n'));
    this.invalid = invalid;
  }
}

/** A batch of spans did not reach the collector. Passed to the exporter's callback and counted, never thrown. */
export class SpanExportError extends TracingError {
  constructor(reason: string) {
    super('MTR_ERR_SPAN_EXPORT', `span export failed: ${reason}`);
  }
}
