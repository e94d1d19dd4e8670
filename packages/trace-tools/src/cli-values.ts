import { parseArgs } from 'node:util';
import { InvalidSettingsError, readSettings, type SettingsOf, type SettingsSchema } from '@meshtrace/tracing/settings';

/**
 * The CLIs' flags, read with the same schema language as every variable in
 * this repository (@meshtrace/tracing's env-settings.ts): a CLI's schema names
 * each flag as the user types it (`--interval`), so every problem is reported
 * at once, one line each, in the words a variable's would be.
 */

/** A schema of flags: `--interval` and the like; booleans are switches (present: true). */
export type FlagSchema = SettingsSchema;

/** What was read: the settings, and which flags were given at all (for rules between flags). */
export interface ReadFlags<S extends FlagSchema> {
  readonly help: boolean;
  readonly flags: SettingsOf<S>;
  readonly given: ReadonlySet<string>;
  /** Lines about flags that contradict each other; the caller adds its own, then calls done(). */
  readonly problems: string[];
  readonly issues: ReturnType<typeof readSettings>['issues'];
}

/** Reads argv against `schema`. Never throws: unknown flags and missing values are problems to report. */
export function readFlags<S extends FlagSchema>(argv: readonly string[], schema: S): ReadFlags<S> {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
    help: { type: 'boolean', short: 'h' },
  };
  for (const setting of Object.values(schema))
    options[setting.env.slice(2)] = { type: setting.type === 'boolean' ? 'boolean' : 'string' };
  const { values, positionals } = parseArgs({ args: [...argv], options, strict: false, allowPositionals: true });
  const problems: string[] = positionals.map((arg) => `invalid argument ${JSON.stringify(arg)}: expected flags only`);
  const raw: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) {
    const setting = Object.values(schema).find((s) => s.env === `--${name}`);
    if (name === 'help') continue;
    if (!setting) problems.push(`invalid flag --${name}: unknown (see --help)`);
    else if (setting.type !== 'boolean' && typeof value !== 'string') problems.push(`invalid --${name}: missing value`);
    else raw[setting.env] = String(value);
  }
  const { settings, issues } = readSettings(schema, raw);
  return { help: values.help === true, flags: settings, given: new Set(Object.keys(raw)), problems, issues };
}

/** @throws {InvalidSettingsError} with every problem and rejected value, when there is any. */
export function checked<S extends FlagSchema>(read: ReadFlags<S>): SettingsOf<S> {
  if (read.issues.length > 0 || read.problems.length > 0) throw new InvalidSettingsError(read.issues, read.problems);
  return read.flags;
}

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/;

/** `500ms`, `30s`, `5m`, `2h`, or a bare number of seconds, in milliseconds; undefined when it is none. */
export function durationMs(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  const ms = match ? Number(match[1]) * (UNITS[match[2] ?? 's'] ?? 1000) : Number.NaN;
  return Number.isFinite(ms) && ms > 0 ? Math.round(ms) : undefined;
}

/** A flag that takes a duration, as a string setting with that format. */
export function durationFlag(flag: string, fallback: string, description: string) {
  return {
    env: flag,
    type: 'string',
    default: fallback,
    format: { accepts: 'a duration such as 30s, 5m or 1h', check: (text: string) => durationMs(text) !== undefined },
    description,
  } as const;
}

/** `a,b, c` as ['a', 'b', 'c']; empty items dropped. */
export function listOf(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
