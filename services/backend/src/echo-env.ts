import type { Environment } from '@meshtrace/tracing/settings';

/**
 * Names that look like they hold a secret. Matched anywhere in the name, in any
 * case, so `DB_PASSWORD`, `SMTP_PASS`, `apiKey`, `GITHUB_TOKEN` and
 * `OTEL_EXPORTER_OTLP_HEADERS` (which carries the collector's credentials) are
 * all left out. Errs on the side of hiding: `KEYBOARD_LAYOUT` and `PWD` are hidden too.
 */
const SECRET_NAME =
  /TOKEN|SECRET|PASS|PWD|KEY|CREDENTIAL|AUTH|COOKIE|PRIVATE|CERT|SESSION|SIGNATURE|HEADERS|DSN|CONNECTION_STRING/i;

/**
 * Values that look like a secret whatever the variable is called (`DATABASE_URL`,
 * `UPSTREAM`, `SENTRY`): each pattern is one well-known shape of credential.
 */
const SECRET_VALUES: readonly RegExp[] = [
  // A URL with user info: `postgres://app:hunter2@db/app`, `https://TOKEN@github.com/...`.
  /[a-z][a-z0-9+.-]*:\/\/[^/\s@]+@/i,
  // An HTTP credential: `Bearer abc...`, `Basic dXNlcjpw...`, also inside `authorization=Bearer%20...`.
  /\b(?:bearer|basic)(?:\s|%20)+[\w.~+/=-]{8,}/i,
  // A credential in key=value or key: value form, as in OTEL_EXPORTER_OTLP_HEADERS (`api-key=...`).
  /(?:authorization|api[-_]?key|token|secret|password|passwd)\s*[=:]/i,
  // A JWT: base64url of `{"` then two more dot-separated parts.
  /\beyJ[\w-]+\.[\w-]+\./,
  // A PEM private key.
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
  // Token prefixes their issuers chose to be recognisable: GitHub, GitLab, Slack, Stripe, AWS access key ids.
  /\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_\w{20,}|glpat-[\w-]{20,}|xox[abposr]-[\w-]{10,}|[sr]k_(?:live|test)_\w{10,}|AKIA[0-9A-Z]{16})\b/,
];

/** True when a variable's name or value looks like a secret. */
function looksSecret(name: string, value: string): boolean {
  return SECRET_NAME.test(name) || SECRET_VALUES.some((pattern) => pattern.test(value));
}

/** The environment as ECHO_ENV=true shows it: every variable except secret-looking ones, sorted by name. */
export function echoableEnv(env: Environment): Record<string, string> {
  const shown: Record<string, string> = {};
  for (const name of Object.keys(env).sort()) {
    const value = env[name];
    if (value !== undefined && !looksSecret(name, value)) shown[name] = value;
  }
  return shown;
}
