import { readFileSync } from 'node:fs';
import { renderConfigTable } from '@meshtrace/service-kit';
import { tracingSchema } from '@meshtrace/tracing';
import { describe, expect, it } from 'vitest';
import { backendSchema } from '../services/backend/src/config.ts';
import { frontendSchema } from '../services/frontend/src/config.ts';

/** Docs are part of the feature: each README's config table is the schema's, variable for variable. */

const readme = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');

describe('configuration tables', () => {
  it.each([
    ['services/backend/README.md', backendSchema],
    ['services/frontend/README.md', frontendSchema],
    ['packages/tracing/README.md', tracingSchema],
  ] as const)('%s lists every variable with its current default', (path, schema) => {
    expect(readme(path)).toContain(renderConfigTable(schema));
  });
});
