import { describe, expect, it } from 'vitest';
import { renderConfigTable, variablesOf } from '../src/config-table.ts';

const schema = {
  port: { env: 'PORT', type: 'integer', min: 0, max: 65535, default: 8080, description: 'port' },
  ratio: { env: 'RATIO', type: 'number', min: 0, max: 1, default: 0.5, description: 'ratio' },
  debug: { env: 'DEBUG', type: 'boolean', default: false, description: 'debug' },
  mode: { env: 'MODE', type: 'enum', values: ['a', 'b'], default: 'a', description: 'mode' },
  url: { env: 'URL', type: 'url', default: 'http://x/', description: 'url' },
  urls: { env: 'URLS', type: 'url-list', default: [], description: 'urls' },
  name: { env: 'NAME', type: 'string', default: 'n', description: 'name' },
} as const;

describe('schema as documentation', () => {
  it('lists its variables and renders a table row for each, with its default', () => {
    expect(variablesOf(schema)).toEqual(['PORT', 'RATIO', 'DEBUG', 'MODE', 'URL', 'URLS', 'NAME']);
    const table = renderConfigTable(schema);
    expect(table).toContain('| `PORT` | `8080` | an integer from 0 to 65535 | port |');
    expect(table).toContain('| `URLS` | `(none)` |');
  });
});
