import { startService } from '@meshtrace/harness';
import { describe, expect, it } from 'vitest';

/**
 * What the backend loads before it listens. Start-up time is measured by
 * `./pnpmw bench --only startup`, not here; these tests pin the reasons it is short:
 * with OTEL_SDK_DISABLED=true nothing of the SDK is loaded, and without
 * DOWNSTREAM_URLS neither is undici (docs/benchmarks.md).
 */

/**
 * A module hook (node:module registerHooks, which sees both import and
 * require) that names every package the process resolves, one stderr line each.
 */
const PACKAGE_LOGGER = `data:text/javascript,${encodeURIComponent(`
import { registerHooks } from 'node:module';
registerHooks({
  resolve(specifier, context, next) {
    if (/^(@[^/]+\\/)?[a-z]/.test(specifier) && !specifier.startsWith('node:')) {
      const name = specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');
      process.stderr.write('[package] ' + name + '\\n');
    }
    return next(specifier, context);
  },
});`)}`;

/** Starts the backend as its image does, waits until it listens, stops it, and returns the packages it loaded. */
async function packagesLoadedBy(env: Record<string, string>): Promise<Set<string>> {
  const backend = await startService('backend', { nodeArgs: ['--import', PACKAGE_LOGGER], env });
  await backend.stop();
  expect(backend.logs.some((line) => String(line.msg).startsWith('Server listening at'))).toBe(true);
  return new Set([...backend.stderr().matchAll(/^\[package\] (.+)$/gm)].map((match) => match[1] ?? ''));
}

const isSdkPackage = (name: string) =>
  name.startsWith('@opentelemetry/') && name !== '@opentelemetry/api' && name !== '@opentelemetry/semantic-conventions';

describe('what the backend loads at start-up', () => {
  it('with OTEL_SDK_DISABLED=true and no downstream: no SDK package and no undici', async () => {
    const loaded = await packagesLoadedBy({ OTEL_SDK_DISABLED: 'true' });
    expect(loaded).toContain('fastify');
    expect(loaded).toContain('@opentelemetry/api');
    expect([...loaded].filter(isSdkPackage)).toEqual([]);
    expect(loaded).not.toContain('undici');
  });

  it('with DOWNSTREAM_URLS set: undici is loaded for the connection pool', async () => {
    const loaded = await packagesLoadedBy({ OTEL_SDK_DISABLED: 'true', DOWNSTREAM_URLS: 'http://127.0.0.1:9/' });
    expect(loaded).toContain('undici');
  });

  it('with tracing on: the SDK is loaded before the app starts', async () => {
    const loaded = await packagesLoadedBy({ OTEL_EXPORTER_ZIPKIN_ENDPOINT: 'http://127.0.0.1:9/api/v2/spans' });
    expect(loaded).toContain('@opentelemetry/sdk-node');
    expect(loaded).toContain('@opentelemetry/exporter-zipkin');
  });
});
