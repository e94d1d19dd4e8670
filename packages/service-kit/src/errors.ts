/**
 * Every error this project raises on purpose, in one catalogue (after undici's
 * `lib/core/errors.js`): callers match on `code`, never on message text.
 */

export class MeshtraceError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A setting failed validation at start-up. The message is the one line the process prints. */
export class ConfigError extends MeshtraceError {
  readonly variable: string;
  readonly value: string;
  readonly expected: string;

  constructor(variable: string, value: string, expected: string) {
    super('ERR_CONFIG_INVALID', `invalid ${variable}=${JSON.stringify(value)}: expected ${expected}`);
    this.variable = variable;
    this.value = value;
    this.expected = expected;
  }
}

/** A command-line flag the service does not know, or one missing its value. */
export class FlagError extends MeshtraceError {
  readonly flag: string;

  constructor(flag: string, reason: string) {
    super('ERR_FLAG_INVALID', `invalid flag ${flag}: ${reason}`);
    this.flag = flag;
  }
}

/** Shutdown did not finish within its deadline; the process exits non-zero. */
export class ShutdownTimeoutError extends MeshtraceError {
  constructor(timeoutMs: number, step: string) {
    super('ERR_SHUTDOWN_TIMEOUT', `shutdown did not finish within ${timeoutMs} ms (stuck in: ${step})`);
  }
}
