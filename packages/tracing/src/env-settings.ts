import { InvalidSettingsError, type SettingIssue } from './errors.ts';

/**
 * The one schema language of this repository: each setting names its variable
 * (or, in a command-line tool's schema, its flag: `--interval`), type, default
 * and description. The same objects validate the input once at start-up and
 * render the READMEs' tables. Deliberately small: the types the OpenTelemetry
 * environment specification uses, plus lists of URLs. This package's OTEL_*
 * settings, the services' settings and the CLIs' flags are all written in it.
 */

interface Base {
  /** The environment variable that sets it; in a CLI's schema, the flag (`--interval`). */
  readonly env: string;
  readonly description: string;
}
export interface BooleanSetting extends Base {
  readonly type: 'boolean';
  readonly default: boolean;
}
export interface StringSetting extends Base {
  readonly type: 'string';
  readonly default: string;
  readonly allowEmpty?: boolean;
  /** A format the text must have, checked at start-up. */
  readonly format?: { readonly accepts: string; readonly check: (text: string) => boolean };
}
export interface UrlSetting extends Base {
  readonly type: 'url';
  readonly default: string;
}
export interface UrlListSetting extends Base {
  readonly type: 'url-list';
  readonly default: readonly string[];
}
export interface NumberSetting extends Base {
  readonly type: 'number' | 'integer';
  readonly default: number;
  readonly min: number;
  readonly max: number;
}
export interface EnumSetting<V extends string = string> extends Base {
  readonly type: 'enum';
  readonly values: readonly V[];
  readonly default: V;
}
export interface EnumListSetting<V extends string = string> extends Base {
  readonly type: 'enum-list';
  readonly values: readonly V[];
  readonly default: readonly V[];
}
export type Setting =
  | BooleanSetting
  | StringSetting
  | UrlSetting
  | UrlListSetting
  | NumberSetting
  | EnumSetting
  | EnumListSetting;
export type SettingsSchema = Readonly<Record<string, Setting>>;

type ValueOf<S extends Setting> = S extends BooleanSetting
  ? boolean
  : S extends NumberSetting
    ? number
    : S extends EnumSetting<infer V>
      ? V
      : S extends EnumListSetting<infer V>
        ? readonly V[]
        : S extends UrlListSetting
          ? readonly string[]
          : string;
export type SettingsOf<S extends SettingsSchema> = { readonly [K in keyof S]: ValueOf<S[K]> };

export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * Where a value came from when it was not the variable itself: a flag. Maps the variable to
 * what the user typed, so an error names `-status-code`, not `ECHO_STATUS_CODE`.
 */
export type SettingSources = Readonly<
  Record<string, { readonly setting: string; readonly value?: string; readonly expected?: string }>
>;

/** What a setting accepts, in the words of the one-line error (and the READMEs' "Accepts" column). */
export function accepts(setting: Setting): string {
  switch (setting.type) {
    case 'boolean':
      return 'true or false';
    case 'string':
      return setting.format?.accepts ?? (setting.allowEmpty ? 'any text' : 'non-empty text');
    case 'url':
      return 'an http:// or https:// URL';
    case 'url-list':
      return 'comma-separated http:// or https:// URLs';
    case 'integer':
      return `an integer from ${setting.min} to ${setting.max}`;
    case 'number':
      return `a number from ${setting.min} to ${setting.max}`;
    case 'enum':
      return `one of ${setting.values.join(', ')}`;
    case 'enum-list':
      return `a comma-separated list of ${setting.values.join(', ')}`;
  }
}

const NUMBER_FORMS = { integer: /^-?\d+$/, number: /^-?\d+(?:\.\d+)?$/ } as const;

function isHttpUrl(text: string): boolean {
  const url = URL.canParse(text) ? new URL(text) : undefined;
  return url !== undefined && (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
}

const listOf = (text: string) =>
  text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');

/** One raw value, parsed; `undefined` means "not accepted". */
export function parseSetting(setting: Setting, raw: string): unknown {
  const text = raw.trim();
  switch (setting.type) {
    case 'boolean': {
      // The OpenTelemetry spec reads a boolean case-insensitively ("true"); every other word,
      // `1`, `yes` or `on` included, is refused here rather than read as false.
      const word = text.toLowerCase();
      return word === 'true' ? true : word === 'false' ? false : undefined;
    }
    case 'string':
      if (setting.format) return setting.format.check(raw) ? raw : undefined;
      return setting.allowEmpty || text !== '' ? raw : undefined;
    case 'url':
      return isHttpUrl(text) ? text : undefined;
    case 'url-list': {
      const urls = listOf(text);
      return urls.every(isHttpUrl) ? urls : undefined;
    }
    case 'integer':
    case 'number': {
      // Plain decimals: Number() alone would also take `0x10`, `1e3` and `Infinity`.
      if (!NUMBER_FORMS[setting.type].test(text)) return undefined;
      const n = Number(text);
      return n >= setting.min && n <= setting.max ? n : undefined;
    }
    case 'enum':
      return setting.values.find((value) => value === text.toLowerCase());
    case 'enum-list': {
      const items = listOf(text.toLowerCase());
      return items.every((item) => setting.values.includes(item)) ? items : undefined;
    }
  }
}

/**
 * Reads every setting of `schema` from `env`. An unset variable (or an empty
 * one, except for text) takes the default, and so does a rejected one. Every
 * rejected value is returned, not just the first, so start-up can report them
 * all at once, each named as the user typed it (`sources`).
 */
export function readSettings<S extends SettingsSchema>(
  schema: S,
  env: Environment,
  sources: SettingSources = {},
): { readonly settings: SettingsOf<S>; readonly issues: readonly SettingIssue[] } {
  const settings: Record<string, unknown> = {};
  const issues: SettingIssue[] = [];
  for (const [key, setting] of Object.entries(schema)) {
    const raw = env[setting.env];
    const value =
      raw === undefined || (setting.type !== 'string' && raw.trim() === '')
        ? setting.default
        : parseSetting(setting, raw);
    if (value === undefined) {
      const source = sources[setting.env];
      issues.push({
        setting: source?.setting ?? setting.env,
        value: source?.value ?? String(raw),
        expected: source?.expected ?? accepts(setting),
      });
    }
    settings[key] = value ?? setting.default;
  }
  return { settings: Object.freeze(settings) as SettingsOf<S>, issues };
}

/**
 * The settings of `schema`, validated, typed and frozen.
 * @throws {InvalidSettingsError} listing every rejected value, one line each.
 */
export function loadSettings<S extends SettingsSchema>(
  schema: S,
  env: Environment,
  sources: SettingSources = {},
): SettingsOf<S> {
  const { settings, issues } = readSettings(schema, env, sources);
  if (issues.length > 0) throw new InvalidSettingsError(issues);
  return settings;
}
