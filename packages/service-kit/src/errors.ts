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

/**
 * One setting that failed validation. `setting` is what the user typed: the variable
 * (`PORT`) or, when a flag set it, the flag (`-status-code`), so the line points at the
 * place to fix.
 */
export interface ConfigIssue {
  readonly setting: string;
  readonly value: string;
  readonly expected: string;
}

/** The one line printed for an issue: `invalid PORT="http": expected an integer from 0 to 65535`. */
export function describeIssue(issue: ConfigIssue): string {
  return `invalid ${issue.setting}=${JSON.stringify(issue.value)}: expected ${issue.expected}`;
}

/**
 * Settings failed validation at start-up. Every invalid setting is listed (and any flag the
 * service does not know), so one start shows everything to fix; the message is the lines
 * the process prints, one per problem.
 */
export class ConfigError extends MeshtraceError {
  readonly issues: readonly ConfigIssue[];
  /** Unknown flags or flags without a value, e.g. `invalid flag -colour=red: expected one of …`. */
  readonly flagProblems: readonly string[];

  constructor(issues: readonly ConfigIssue[], flagProblems: readonly string[] = []) {
    super('ERR_CONFIG_INVALID', [...flagProblems, ...issues.map(describeIssue)].join('\n'));
    this.issues = issues;
    this.flagProblems = flagProblems;
  }
}

/** Shutdown did not finish within its deadline; the process exits non-zero. */
export class ShutdownTimeoutError extends MeshtraceError {
  constructor(timeoutMs: number, step: string) {
    super('ERR_SHUTDOWN_TIMEOUT', `shutdown did not finish within ${timeoutMs} ms (stuck in: ${step})`);
  }
}
