/**
 * The root of every error this repository raises on purpose (after undici's
 * `lib/core/errors.js` and Fastify's `FST_ERR_*`): callers match on `code`,
 * never on message text. Codes start with `MTR_ERR_`, so none can be taken for
 * one of Node's own `ERR_*`. This package's errors are here; the services' and
 * the CLIs' extend the same root where they are raised.
 */
export class MeshtraceError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * One rejected setting. `setting` is what the user typed: the variable (`PORT`)
 * or, when a flag set it, the flag (`-status-code`, `--interval`), so the line
 * points at the place to fix.
 */
export interface SettingIssue {
  readonly setting: string;
  readonly value: string;
  readonly expected: string;
}

/** The one line printed for an issue: `invalid PORT="http": expected an integer from 0 to 65535`. */
function describeIssue({ setting, value, expected }: SettingIssue): string {
  return `invalid ${setting}=${JSON.stringify(value)}: expected ${expected}`;
}

/**
 * Settings (variables or flags) failed validation at start-up. All of them are
 * reported at once, one line each, so a user fixes them in one go; `problems`
 * are lines about flags that set no value (`invalid flag -colour=red: …`) or
 * about settings that contradict each other.
 */
export class InvalidSettingsError extends MeshtraceError {
  readonly issues: readonly SettingIssue[];
  readonly problems: readonly string[];

  constructor(issues: readonly SettingIssue[], problems: readonly string[] = []) {
    super('MTR_ERR_INVALID_SETTINGS', [...problems, ...issues.map(describeIssue)].join('\n'));
    this.issues = issues;
    this.problems = problems;
  }
}

/** A batch of spans did not reach the collector. Passed to the exporter's callback and counted, never thrown. */
export class SpanExportError extends MeshtraceError {
  constructor(reason: string) {
    super('MTR_ERR_SPAN_EXPORT', `span export failed: ${reason}`);
  }
}
