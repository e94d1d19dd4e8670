import { describe, expect, it } from 'vitest';
import { schema } from '../../tracing/test/helpers/sample-schema.ts';
import { renderConfigTable, variablesOf } from '../src/config-table.ts';

describe('schema as documentation', () => {
  it('lists its variables and renders a table row for each, with its default', () => {
    expect(variablesOf(schema)).toEqual(['PORT', 'RATIO', 'DEBUG', 'MODE', 'URL', 'URLS', 'NAME']);
    const table = renderConfigTable(schema);
    expect(table).toContain('| `PORT` | `8080` | an integer from 0 to 65535 | port |');
    expect(table).toContain('| `URLS` | `(none)` |');
  });
});
