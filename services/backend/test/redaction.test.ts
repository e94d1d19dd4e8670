import { type ServiceProcess, startService } from '@meshtrace/harness';
import { afterEach, describe, expect, it } from 'vitest';
import { loadBackendConfig } from '../src/config.ts';
import { echoableEnv } from '../src/echo-env.ts';
import { listenBackend, type RunningBackend } from './helpers.ts';

/**
 * The JSON echo never shows credentials: built-in credential headers and
 * REDACT_HEADERS are redacted, and the environment is echoed only with
 * ECHO_ENV=true, without any variable whose name or value looks secret.
 * And no answer can be sniffed into another type by a browser.
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

  it('redacts what authenticating proxies add: oauth2-proxy, AWS ALB OIDC, Google IAP, Cloudflare Access, Azure', async () => {
    backend = await listenBackend();
    const added = {
      'x-forwarded-access-token': 'ya29.a0',
      'x-auth-request-access-token': 'ya29.a1',
      'x-amzn-oidc-accesstoken': 'eyJ.a.b',
      'x-amzn-oidc-data': 'eyJ.c.d',
      'x-amzn-oidc-identity': 'user-1',
      'x-goog-iap-jwt-assertion': 'eyJ.e.f',
      'cf-access-jwt-assertion': 'eyJ.g.h',
      'x-ms-token-aad-id-token': 'eyJ.i.j',
    };
    const { headers } = await echo(backend.url, added);
    for (const name of Object.keys(added)) expect([name, headers[name]]).toEqual([name, '[redacted]']);
  });

  it('rejects a REDACT_HEADERS entry that is not a header name', () => {
    expect(() => loadBackendConfig({ REDACT_HEADERS: 'x-ok, not a header' })).toThrow(
      expect.objectContaining({
        code: 'MTR_ERR_INVALID_SETTINGS',
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
    SMTP_PASS: 'pw-2',
    MYSQL_PWD: 'pw-3',
    // Names that say nothing, values that do.
    OTEL_EXPORTER_OTLP_HEADERS: 'api-key=otlp-1,x-tenant=blue',
    DATABASE_URL: 'postgres://app:pw-4@db:5432/app',
    UPSTREAM: 'https://tok-2@git.example.com/repo.git',
    OUTBOUND: 'Bearer tok-3-aaaaaaaaaaaa',
    CALLBACK_ASSERTION: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig-1',
    SIGNING_PEM: '-----BEGIN RSA PRIVATE KEY-----\npem-2\n-----END RSA PRIVATE KEY-----',
    CI_FETCH: 'ghp_abcdefghijklmnopqrstuvwxyz0123456789',
  };
  const SECRET_VALUES = ['tok-1', 'pw-1', 'sk-1', 'sk-2', 'gh-1', 'pem-1', 'pw-2', 'pw-3', 'otlp-1', 'pw-4'];
  const MORE_SECRET_VALUES = ['tok-2', 'tok-3', 'sig-1', 'pem-2', 'ghp_abcdefghijklmnopqrstuvwxyz0123456789'];

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
    for (const value of [...SECRET_VALUES, ...MORE_SECRET_VALUES]) expect(text).not.toContain(value);
    for (const name of Object.keys(ENV).filter((name) => name !== 'PLAIN_SETTING')) {
      expect(Object.keys(body.env ?? {})).not.toContain(name);
    }
  });

  it('filters by name, in any case', () => {
    expect(
      echoableEnv({ HOME: '/home/app', my_token: 'x', Secret_Thing: 'y', PASSWORD: 'z', KEY: 'k', UNSET: undefined }),
    ).toEqual({ HOME: '/home/app' });
  });

  it('filters by value: URLs with user info, HTTP credentials, key=value credentials, JWTs, PEM keys, issuer-prefixed tokens', () => {
    const shown = echoableEnv({
      DOWNSTREAM_URLS: 'http://backend-2:5678/',
      JAEGER: 'http://jaeger:16686/search?service=a',
      LOOP_BAGGAGE: 'tenant=blue',
      DATABASE_URL: 'mysql://root:pw@db/app',
      REPO: 'https://x-access-token:t@github.com/o/r',
      AUTH_LINE: 'Basic dXNlcjpwYXNz',
      EXTRA: 'authorization=Bearer%20abcdefghij',
      ID: 'eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.',
      SLACK: 'xoxb-123456789012-abcdef',
      STRIPE: 'sk_live_abcdefghijklmnop',
      AWS_ID: 'AKIAABCDEFGHIJKLMNOP',
    });
    expect(shown).toEqual({
      DOWNSTREAM_URLS: 'http://backend-2:5678/',
      JAEGER: 'http://jaeger:16686/search?service=a',
      LOOP_BAGGAGE: 'tenant=blue',
    });
  });
});

describe('nosniff', () => {
  it('is on every answer: text, JSON, padded, a 400, probes and metrics', async () => {
    backend = await listenBackend();
    for (const path of [
      '/',
      '/?format=json',
      '/?size=100',
      '/?delay_ms=soon',
      '/healthz',
      '/readyz',
      '/metrics',
      '/health',
    ]) {
      const response = await fetch(`${backend.url}${path}`);
      expect([path, response.headers.get('x-content-type-options')]).toEqual([path, 'nosniff']);
    }
  });
});
