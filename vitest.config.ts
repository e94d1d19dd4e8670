import { defineConfig } from 'vitest/config';

/**
 * One vitest run from the root over every workspace project (style.md #12).
 * The `source` condition resolves @meshtrace/* packages to their TypeScript
 * sources, so tests never run stale builds.
 */
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    projects: ['packages/*', 'services/*', { test: { name: 'deploy', include: ['test/**/*.test.ts'] } }],
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
