import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { refusedUrl, startService } from '@meshtrace/harness';
import { renderConfigTable } from '@meshtrace/service-kit';
import { tracingSchema } from '@meshtrace/tracing/settings';
import { describe, expect, it } from 'vitest';
import { backendSchema } from '../services/backend/src/config.ts';
import { frontendSchema } from '../services/frontend/src/config.ts';
import { headingAnchors, relativeLinks } from './helpers/markdown-links.ts';
import { REPO_ROOT } from './helpers/repo.ts';

/**
 * Docs are part of the feature: each README's config table is the schema's, variable for variable,
 * the troubleshooting page shows what a service really prints, and no page links to a file or a
 * section that is not there. (test/readme-commands.test.ts runs the pages' commands.)
 */

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
  it('docs/troubleshooting.md shows a dead collector as the line a service really prints', async () => {
    const row = readme('docs/troubleshooting.md')
      .split('\n')
      .find((line) => line.startsWith('| No spans arrive at Zipkin/Jaeger'));
    const shown = /`(\{.*?\})`/.exec(row ?? '')?.[1] ?? '';
    expect(shown).not.toBe('');
    const backend = await startService('backend', {
      env: { OTEL_EXPORTER_ZIPKIN_ENDPOINT: await refusedUrl('/api/v2/spans'), OTEL_BSP_SCHEDULE_DELAY: '20' },
    });
    await fetch(`${backend.url}/`);
    await backend.stop();
    // Every part the page shows, in order, in one line of stderr (`…` stands for the rest).
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

/** The root README, every page in docs/, and each package's and service's README. */
const PAGES = [
  'README.md',
  ...readdirSync(join(REPO_ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
  ...['packages', 'services'].flatMap((dir) =>
    readdirSync(join(REPO_ROOT, dir))
      .map((name) => `${dir}/${name}/README.md`)
      .filter((file) => existsSync(join(REPO_ROOT, file))),
  ),
];

describe('links', () => {
  it.each(PAGES)('every relative link in %s reaches a file, and a heading where it names one', (page) => {
    const broken: string[] = [];
    for (const { line, target } of relativeLinks(readme(page))) {
      const [path = '', anchor] = target.split('#');
      const file = path === '' ? page : normalize(join(dirname(page), decodeURIComponent(path)));
      if (!existsSync(join(REPO_ROOT, file))) broken.push(`${page}:${line} ${target}: no ${file}`);
      else if (anchor !== undefined && file.endsWith('.md') && !headingAnchors(readme(file)).has(anchor))
        broken.push(`${page}:${line} ${target}: no heading #${anchor} in ${file}`);
    }
    expect(broken).toEqual([]);
  });
});
