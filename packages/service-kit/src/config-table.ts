import { accepts, type Setting, type SettingsSchema } from '@meshtrace/tracing/settings';

/**
 * Settings schemas (written in @meshtrace/tracing's schema language) as
 * documentation: the READMEs' configuration tables, which a test keeps in step,
 * and the variables a schema reads, for the tests that check compose and k8s files.
 */

/** The default as the README shows it. */
export function describeDefault(setting: Setting): string {
  if (setting.type === 'url-list' || setting.type === 'enum-list') {
    return setting.default.length === 0 ? '(none)' : setting.default.join(',');
  }
  const text = String(setting.default);
  return text === '' ? '(empty)' : text;
}

/** The variables a schema reads. */
export function variablesOf(schema: SettingsSchema): string[] {
  return Object.values(schema).map((setting) => setting.env);
}

/** A Markdown table of every variable, its default and meaning: a README's config table. */
export function renderConfigTable(schema: SettingsSchema): string {
  const rows = Object.values(schema).map(
    (setting) =>
      `| \`${setting.env}\` | \`${describeDefault(setting)}\` | ${accepts(setting)} | ${setting.description} |`,
  );
  return ['| Variable | Default | Accepts | What it does |', '|---|---|---|---|', ...rows].join('\n');
}
