import { readFileSync } from 'node:fs';
import { refusedUrl, startService } from '@meshtrace/harness';
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

describe('troubleshooting', () => {
  it('shows a dead collector as the line a service really prints', async () => {
    const row = readme('README.md')
      .split('\n')
      .find((line) => line.startsWith('| No spans arrive at Zipkin/Jaeger'));
    const shown = /`(\{.*?\})`/.exec(row ?? '')?.[1] ?? '';
    expect(shown).not.toBe('');
    const backend = await startService('backend', {
      env: { OTEL_EXPORTER_ZIPKIN_ENDPOINT: await refusedUrl('/api/v2/spans'), OTEL_BSP_SCHEDULE_DELAY: '20' },
    });
    await fetch(`${backend.url}/`);
    await backend.stop();
    // Every part the README shows, in order, in one line of stderr (`…` stands for the rest).
    const parts = shown.split('…');
    const matching = backend
      .stderr()
      .split('\n')
      .filter((line) => {
        let from = 0;
        return parts.every((part) => {
          const at = line.indexOf(part, from);
          from = at + part.length;
          return at >= 0;
        });
      });
    expect(matching, backend.stderr()).toHaveLength(1);
  });
});
