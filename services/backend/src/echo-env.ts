import type { Env } from '@meshtrace/service-kit';

/**
 * Names that look like they hold a secret. Matched anywhere in the name, in any
 * case, so `DB_PASSWORD`, `apiKey` and `GITHUB_TOKEN` are all left out. Errs on
 * the side of hiding: `KEYBOARD_LAYOUT` is hidden too.
 */
const SECRET_NAME = /TOKEN|SECRET|PASSWORD|PASSWD|KEY|CREDENTIAL|AUTH|COOKIE|PRIVATE|CERT/i;

/** The environment as ECHO_ENV=true shows it: every variable except secret-looking ones, sorted by name. */
export function echoableEnv(env: Env): Record<string, string> {
  const shown: Record<string, string> = {};
  for (const name of Object.keys(env).sort()) {
    const value = env[name];
    if (value !== undefined && !SECRET_NAME.test(name)) shown[name] = value;
  }
  return shown;
}
