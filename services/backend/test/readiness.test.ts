import { afterEach, describe, expect, it } from 'vitest';
import { listenBackend, type RunningBackend } from './helpers.ts';

/** podinfo's readiness toggle: out of rotation and back, without a restart. */

let backend: RunningBackend | undefined;
afterEach(async () => {
  await backend?.close();
  backend = undefined;
});

describe('readiness toggle', () => {
  it('fails /readyz after POST /readyz/disable and passes again after POST /readyz/enable', async () => {
    backend = await listenBackend();
    expect((await fetch(`${backend.url}/readyz/disable`, { method: 'POST' })).status).toBe(200);
    const disabled = await fetch(`${backend.url}/readyz`);
    expect(disabled.status).toBe(503);
    expect(await disabled.json()).toEqual({ status: 'not ready', reason: 'disabled by POST /readyz/disable' });
    // Liveness and echo routes still answer: only readiness changed.
    expect((await fetch(`${backend.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${backend.url}/`)).status).toBe(200);
    expect((await fetch(`${backend.url}/readyz/enable`, { method: 'POST' })).status).toBe(200);
    expect((await fetch(`${backend.url}/readyz`)).status).toBe(200);
  });

  it('does not bring an instance that is shutting down back into rotation', async () => {
    backend = await listenBackend();
    backend.app.readiness.markNotReady('shutting down');
    const response = await fetch(`${backend.url}/readyz/enable`, { method: 'POST' });
    expect(response.status).toBe(409);
    expect((await fetch(`${backend.url}/readyz`)).status).toBe(503);
  });

  it('CONTROL_ROUTES=off removes the toggle: anyone who reaches the port could otherwise call it', async () => {
    backend = await listenBackend({ CONTROL_ROUTES: 'off', ECHO_TEXT: 'echoed' });
    // No toggle route: the path is echoed like any other, and readiness is untouched.
    const answer = await fetch(`${backend.url}/readyz/disable`, { method: 'POST' });
    expect(await answer.text()).toBe('echoed\n');
    expect((await fetch(`${backend.url}/readyz`)).status).toBe(200);
  });
});
