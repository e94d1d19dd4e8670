import { startService } from '@meshtrace/harness';
import { afterEach, describe, expect, it } from 'vitest';
import { listenBackend, type RunningBackend } from './helpers.ts';

/** The parts of hashicorp/http-echo this backend is a drop-in for. */

let backend: RunningBackend | undefined;
afterEach(async () => {
  await backend?.close();
  backend = undefined;
});

describe('http-echo compatibility', () => {
  it('answers any path with the text and a newline', async () => {
    backend = await listenBackend({}, ['-text=hello world']);
    for (const path of ['/', '/any/path', '/x?y=1']) {
      const response = await fetch(`${backend.url}${path}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await response.text()).toBe('hello world\n');
    }
  });

  it('takes -text from ECHO_TEXT when no flag is given, and the flag wins over it', async () => {
    backend = await listenBackend({ ECHO_TEXT: 'from env' });
    expect(await (await fetch(backend.url)).text()).toBe('from env\n');
    await backend.close();
    backend = await listenBackend({ ECHO_TEXT: 'from env' }, ['-text', 'from flag']);
    expect(await (await fetch(backend.url)).text()).toBe('from flag\n');
  });

  it('answers with -status-code on echo routes, and 200 on health routes', async () => {
    backend = await listenBackend({}, ['-status-code=503']);
    expect((await fetch(`${backend.url}/`)).status).toBe(503);
    expect((await fetch(`${backend.url}/health`)).status).toBe(200);
    expect((await fetch(`${backend.url}/healthz`)).status).toBe(200);
  });

  it('answers /health with {"status":"ok"}', async () => {
    backend = await listenBackend();
    const response = await fetch(`${backend.url}/health`);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('sends X-App-Name and X-App-Version on every answer', async () => {
    backend = await listenBackend({ OTEL_SERVICE_NAME: 'backend-2', SERVICE_VERSION: '9.9.9' });
    for (const path of ['/', '/health', '/readyz']) {
      const response = await fetch(`${backend.url}${path}`);
      expect(response.headers.get('x-app-name')).toBe('backend-2');
      expect(response.headers.get('x-app-version')).toBe('9.9.9');
    }
  });

  it("listens where -listen says, in http-echo's [host]:port form, over PORT", async () => {
    const service = await startService('backend', {
      env: { PORT: '5' },
      args: ['-listen=127.0.0.1:0', '-text=flagged'],
    });
    try {
      expect(service.port).not.toBe(5);
      expect(await (await fetch(service.url)).text()).toBe('flagged\n');
    } finally {
      await service.stop();
    }
  });
});

describe('JSON echo', () => {
  it('answers JSON for Accept: application/json and for ?format=json', async () => {
    backend = await listenBackend();
    const byHeader = await fetch(`${backend.url}/a/b?x=1`, { headers: { accept: 'application/json' } });
    expect(byHeader.headers.get('content-type')).toMatch(/^application\/json/);
    const body = await byHeader.json();
    expect(body).toMatchObject({
      method: 'GET',
      path: '/a/b',
      query: { x: '1' },
      service: { name: 'backend' },
      hostname: expect.any(String),
    });
    const byQuery = await fetch(`${backend.url}/a?format=json`);
    expect(byQuery.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('echoes method and body of any request', async () => {
    backend = await listenBackend();
    const response = await fetch(`${backend.url}/orders?format=json`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-custom' },
      body: 'payload',
    });
    expect(await response.json()).toMatchObject({ method: 'POST', path: '/orders', body: 'payload' });
  });

  it('redacts credentials and keeps other headers', async () => {
    backend = await listenBackend();
    const response = await fetch(`${backend.url}/?format=json`, {
      headers: {
        authorization: 'Bearer secret-token',
        cookie: 'session=secret',
        'proxy-authorization': 'Basic c2VjcmV0',
        'x-api-key': 'secret-key',
        'x-custom': 'visible',
      },
    });
    const text = await response.text();
    expect(text).not.toContain('secret');
    const { headers } = JSON.parse(text) as { headers: Record<string, string> };
    expect(headers.authorization).toBe('[redacted]');
    expect(headers.cookie).toBe('[redacted]');
    expect(headers['proxy-authorization']).toBe('[redacted]');
    expect(headers['x-custom']).toBe('visible');
  });

  it('reports tracing as disabled when the SDK is off', async () => {
    backend = await listenBackend();
    const body = (await (await fetch(`${backend.url}/?format=json`)).json()) as { trace: { enabled: boolean } };
    expect(body.trace.enabled).toBe(false);
  });
});
