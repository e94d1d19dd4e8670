import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: { name: 'harness', include: ['test/**/*.test.ts'], testTimeout: 20_000, hookTimeout: 20_000 },
});
