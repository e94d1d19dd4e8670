import { ConfigError, type ConfigIssue } from './errors.ts';

/**
 * A tiny, dependency-free environment schema: each setting names its variable,
 * its type, its default and a description. The same object validates the
 * environment at start-up, renders the README tables, and lets tests check
 * that docker-compose.yml and k8s/ only set variables a service accepts.
 */

interface BaseField {
  /** The environment variable that sets it. */
  readonly env: string;
  readonly description: string;
}
export interface StringField extends BaseField {
  readonly type: 'string';
  readonly default: string;
  readonly allowEmpty?: boolean;
  /** A format the text must have (e.g. a delay distribution), checked at start-up. */
  readonly format?: { readonly accepts: string; readonly check: (text: string) => boolean };
}
export interface IntegerField extends BaseField {
  readonly type: 'integer';
  readonly default: number;
  readonly min: number;
  readonly max: number;
}
export interface NumberField extends BaseField {
  readonly type: 'number';
  readonly default: number;
  readonly min: number;
  readonly max: number;
}
export interface BooleanField extends BaseField {
  readonly type: 'boolean';
  readonly default: boolean;
}
export interface EnumField<V extends string = string> extends BaseField {
  readonly type: 'enum';
  readonly values: readonly V[];
  readonly default: V;
}
export interface UrlField extends BaseField {
  readonly type: 'url';
  readonly default: string;
}
export interface EnumListField<V extends string = string> extends BaseField {
  readonly type: 'enum-list';
  readonly values: readonly V[];
  readonly default: readonly V[];
}
export interface UrlListField extends BaseField {
  readonly type: 'url-list';
  readonly default: readonly string[];
}

export type Field =
  | StringField
  | IntegerField
  | NumberField
  | BooleanField
  | EnumField
  | EnumListField
  | UrlField
  | UrlListField;
export type EnvSchema = Readonly<Record<string, Field>>;

type ValueOf<F extends Field> = F extends IntegerField | NumberField
  ? number
  : F extends BooleanField
    ? boolean
    : F extends EnumField<infer V>
      ? V
      : F extends EnumListField<infer V>
        ? readonly V[]
        : F extends UrlListField
          ? readonly string[]
          : string;

export type ConfigOf<S extends EnvSchema> = { readonly [K in keyof S]: ValueOf<S[K]> };

export type Env = Readonly<Record<string, string | undefined>>;

/** What a field accepts, in the words the one-line error uses. */
export function describeExpected(field: Field): string {
  switch (field.type) {
    case 'string':
      if (field.format) return field.format.accepts;
      return field.allowEmpty ? 'any text' : 'non-empty text';
    case 'integer':
      return `an integer from ${field.min} to ${field.max}`;
    case 'number':
      return `a number from ${field.min} to ${field.max}`;
    case 'boolean':
      return 'true or false';
    case 'enum':
      return `one of ${field.values.join(', ')}`;
    case 'enum-list':
      return `a comma-separated list of ${field.values.join(', ')}`;
    case 'url':
      return 'an http:// or https:// URL';
    case 'url-list':
      return 'comma-separated http:// or https:// URLs';
  }
}

/** The default as the README shows it. */
export function describeDefault(field: Field): string {
  if (field.type === 'url-list' || field.type === 'enum-list') {
    return field.default.length === 0 ? '(none)' : field.default.join(',');
  }
  const text = String(field.default);
  return text === '' ? '(empty)' : text;
}

function isHttpUrl(text: string): boolean {
  if (!URL.canParse(text)) return false;
  const { protocol, hostname } = new URL(text);
  return (protocol === 'http:' || protocol === 'https:') && hostname !== '';
}

/** Plain decimals only: Number() alone would also take `0x10`, `1e3` and `Infinity`. */
const INTEGER = /^-?\d+$/;
const DECIMAL = /^-?\d+(\.\d+)?$/;

function parseNumber(field: IntegerField | NumberField, raw: string): number | undefined {
  const trimmed = raw.trim();
  if (!(field.type === 'integer' ? INTEGER : DECIMAL).test(trimmed)) return undefined;
  const n = Number(trimmed);
  return n < field.min || n > field.max ? undefined : n;
}

function splitList(raw: string): string[] {
  return raw
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

/** Parses one raw value; `undefined` means "not accepted". */
export function parseField(field: Field, raw: string): unknown {
  switch (field.type) {
    case 'string':
      if (field.format) return field.format.check(raw) ? raw : undefined;
      return field.allowEmpty || raw.trim() !== '' ? raw : undefined;
    case 'integer':
    case 'number':
      return parseNumber(field, raw);
    case 'boolean': {
      // Exactly what the docs and the error say, "true or false": a `1`, `yes` or `on` taken
      // silently here would be read differently by the next tool that reads the same variable.
      const word = raw.trim();
      if (word === 'true') return true;
      if (word === 'false') return false;
      return undefined;
    }
    case 'enum':
      return field.values.find((value) => value === raw.trim().toLowerCase());
    case 'url':
      return isHttpUrl(raw.trim()) ? raw.trim() : undefined;
    case 'enum-list': {
      const items = splitList(raw.toLowerCase());
      return items.every((item) => field.values.includes(item)) ? items : undefined;
    }
    case 'url-list': {
      const urls = splitList(raw);
      return urls.every(isHttpUrl) ? urls : undefined;
    }
  }
}

/**
 * Where a variable's value came from when it was not the environment: a flag. Maps the
 * variable to what the user typed, so an error names `-status-code`, not `ECHO_STATUS_CODE`.
 */
export type SettingSources = Readonly<
  Record<string, { readonly setting: string; readonly value?: string; readonly expected?: string }>
>;

/**
 * Validates `env` against `schema` and returns a frozen, typed config.
 * An unset (or, for non-string fields, empty) variable takes the default.
 * @throws {ConfigError} listing every setting whose value is not accepted, not just the first.
 */
export function loadConfig<S extends EnvSchema>(schema: S, env: Env, sources: SettingSources = {}): ConfigOf<S> {
  const config: Record<string, unknown> = {};
  const issues: ConfigIssue[] = [];
  for (const [key, field] of Object.entries(schema)) {
    const raw = env[field.env];
    const unset = raw === undefined || (field.type !== 'string' && raw.trim() === '');
    if (unset) {
      config[key] = field.default;
      continue;
    }
    const value = parseField(field, raw);
    if (value === undefined) {
      const source = sources[field.env];
      issues.push({
        setting: source?.setting ?? field.env,
        value: source?.value ?? raw,
        expected: source?.expected ?? describeExpected(field),
      });
    }
    config[key] = value;
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return Object.freeze(config) as ConfigOf<S>;
}

/** The variables a schema reads, for tests that check compose and k8s files. */
export function variablesOf(schema: EnvSchema): string[] {
  return Object.values(schema).map((field) => field.env);
}

/** A Markdown table of every variable, its default and meaning: the README's config table. */
export function renderConfigTable(schema: EnvSchema): string {
  const rows = Object.values(schema).map(
    (field) =>
      `| \`${field.env}\` | \`${describeDefault(field)}\` | ${describeExpected(field)} | ${field.description} |`,
  );
  return ['| Variable | Default | Accepts | What it does |', '|---|---|---|---|', ...rows].join('\n');
}
