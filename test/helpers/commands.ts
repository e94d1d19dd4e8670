/**
 * Commands the Dockerfile runs and the tests run too, written once so the
 * image and the test that stands in for it cannot drift apart
 * (test/dockerfile.test.ts checks the Dockerfile uses exactly these).
 */

/** Compiles what the images ship: both services and the packages they reference. */
export const BUILD_COMMAND = ['pnpm', 'exec', 'tsc', '--build', 'services/backend', 'services/frontend'] as const;

/** The production install: the service with its production dependencies only, into `target`. */
export function deployCommand(serviceDir: string, target: string): string[] {
  return ['pnpm', '--filter', `./${serviceDir}`, 'deploy', '--prod', target];
}
