import type { InvalidSetting } from './errors.ts';

/**
 * The little schema language the OTEL_* settings are written in: each setting
 * names its variable, type, default and description. The same objects validate
 * the environment and render the README's table. Deliberately small: it covers
 * the types the OpenTelemetry environment specification uses, nothing more.
 */

interface Base {
  /** The environment variable that sets it. */
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
export type Setting = BooleanSetting | StringSetting | UrlSetting | NumberSetting | EnumSetting | EnumListSetting;
export type SettingsSchema = Readonly<Record<string, Setting>>;

type ValueOf<S extends Setting> = S extends BooleanSetting
  ? boolean
  : S extends NumberSetting
    ? number
    : S extends EnumSetting<infer V>
      ? V
      : S extends EnumListSetting<infer V>
        ? readonly V[]
        : string;
export type SettingsOf<S extends SettingsSchema> = { readonly [K in keyof S]: ValueOf<S[K]> };

export type Environment = Readonly<Record<string, string | undefined>>;

/** What a setting accepts, in the words of the one-line error (and the README's "Accepts" column). */
export function accepts(setting: Setting): string {
  switch (setting.type) {
    case 'boolean':
      return 'true or false';
    case 'string':
      return setting.format?.accepts ?? (setting.allowEmpty ? 'any text' : 'non-empty text');
    case 'url':
      return 'an http:// or https:// URL';
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

/** One raw value, parsed; `undefined` means "not accepted". */
function parse(setting: Setting, raw: string): unknown {
  const text = raw.trim();
  switch (setting.type) {
    case 'boolean': {
      // The OpenTelemetry spec: case-insensitive "true"; anything else but "false" is an error here.
      const word = text.toLowerCase();
      return word === 'true' ? true : word === 'false' ? false : undefined;
    }
    case 'string':
      if (setting.format) return setting.format.check(raw) ? raw : undefined;
      return setting.allowEmpty || text !== '' ? raw : undefined;
    case 'url': {
      const url = URL.canParse(text) ? new URL(text) : undefined;
      return url && (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '' ? text : undefined;
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
      const items = text
        .toLowerCase()
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '');
      return items.every((item) => setting.values.includes(item)) ? items : undefined;
    }
  }
}

/**
 * Reads every setting of `schema` from `env`. An unset variable (or an empty
 * one, except for text) takes the default. Every rejected value is returned,
 * not just the first, so start-up can report them all at once.
 */
export function readSettings<S extends SettingsSchema>(
  schema: S,
  env: Environment,
): { readonly settings: SettingsOf<S>; readonly invalid: readonly InvalidSetting[] } {
  const settings: Record<string, unknown> = {};
  const invalid: InvalidSetting[] = [];
  for (const [key, setting] of Object.entries(schema)) {
    const raw = env[setting.env];
    if (raw === undefined || (setting.type !== 'string' && raw.trim() === '')) {
      settings[key] = setting.default;
      continue;
    }
    const value = parse(setting, raw);
    if (value === undefined) invalid.push({ variable: setting.env, value: raw, expected: accepts(setting) });
    settings[key] = value ?? setting.default;
  }
  return { settings: Object.freeze(settings) as SettingsOf<S>, invalid };
}
