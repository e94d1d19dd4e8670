import { type ServiceProcess, startService } from '@meshtrace/trace-tools';
import { afterEach, describe, expect, it } from 'vitest';
import { loadBackendConfig } from '../src/config.ts';
import { echoableEnv } from '../src/echo-env.ts';
import { listenBackend, type RunningBackend } from './helpers.ts';

/**
 * The JSON echo never shows credentials: built-in credential headers and
 * REDACT_HEADERS are redacted, and the environment is echoed only with
 * ECHO_ENV=true, without any variable whose name looks secret.
 */

let backend: RunningBackend | undefined;
let process_: ServiceProcess | undefined;

afterEach(async () => {
  await backend?.close();
  await process_?.stop();
  backend = undefined;
  process_ = undefined;
});

interface Echo {
  headers: Record<string, string>;
  env?: Record<string, string>;
}

async function echo(url: string, headers: Record<string, string> = {}): Promise<Echo> {
  const response = await fetch(`${url}/?format=json`, { headers });
  expect(response.status).toBe(200);
  return (await response.json()) as Echo;
}

describe('header redaction', () => {
  it('adds REDACT_HEADERS to the built-in list, in any case, and keeps the defaults', async () => {
    backend = await listenBackend({ REDACT_HEADERS: 'X-Tenant-Secret, x-session ' });
    const { headers } = await echo(backend.url, {
      authorization: 'Bearer abc',
      'x-tenant-secret': 'hunter2',
      'X-Session': 's-1',
      'x-visible': 'shown',
    });
    expect(headers.authorization).toBe('[redacted]');
    expect(headers['x-tenant-secret']).toBe('[redacted]');
    expect(headers['x-session']).toBe('[redacted]');
    expect(headers['x-visible']).toBe('shown');
  });

  it('rejects a REDACT_HEADERS entry that is not a header name', () => {
    expect(() => loadBackendConfig({ REDACT_HEADERS: 'x-ok, not a header' })).toThrow(
      expect.objectContaining({
        code: 'ERR_CONFIG_INVALID',
        issues: [expect.objectContaining({ setting: 'REDACT_HEADERS' })],
      }),
    );
  });
});

describe('environment echo', () => {
  const ENV = {
    PLAIN_SETTING: 'visible',
    API_TOKEN: 'tok-1',
    DB_PASSWORD: 'pw-1',
    AWS_SECRET_ACCESS_KEY: 'sk-1',
    stripeApiKey: 'sk-2',
    GITHUB_AUTH: 'gh-1',
    TLS_PRIVATE_PEM: 'pem-1',
  };
  const SECRET_VALUES = ['tok-1', 'pw-1', 'sk-1', 'sk-2', 'gh-1', 'pem-1'];

  it('is off by default: no env section', async () => {
    process_ = await startService('backend', { env: { ...ENV, OTEL_SDK_DISABLED: 'true' } });
    const body = await echo(process_.url);
    expect(body.env).toBeUndefined();
    expect(JSON.stringify(body)).not.toContain('visible');
  });

  it('with ECHO_ENV=true shows variables, never secret-looking ones', async () => {
    process_ = await startService('backend', { env: { ...ENV, ECHO_ENV: 'true', OTEL_SDK_DISABLED: 'true' } });
    const body = await echo(process_.url);
    expect(body.env?.PLAIN_SETTING).toBe('visible');
    expect(body.env?.ECHO_ENV).toBe('true');
    const text = JSON.stringify(body);
    for (const value of SECRET_VALUES) expect(text).not.toContain(value);
    for (const name of Object.keys(ENV).filter((name) => name !== 'PLAIN_SETTING')) {
      expect(Object.keys(body.env ?? {})).not.toContain(name);
    }
  });

  it('filters by name, in any case', () => {
    expect(
      echoableEnv({ HOME: '/home/app', my_token: 'x', Secret_Thing: 'y', PASSWORD: 'z', KEY: 'k', UNSET: undefined }),
    ).toEqual({ HOME: '/home/app' });
  });
});
