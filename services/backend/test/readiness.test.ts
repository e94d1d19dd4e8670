import { connect } from 'node:net';
import { type ServiceProcess, startService } from '@meshtrace/harness';
import { afterEach, describe, expect, it } from 'vitest';
import { listenBackend, type RunningBackend } from './helpers.ts';

/**
 * podinfo's readiness toggle, out of rotation and back without a restart, for operators only:
 * it is on the admin listener (loopback by default), never on the traffic port.
 */

let backend: RunningBackend | undefined;
let process_: ServiceProcess | undefined;
afterEach(async () => {
  await backend?.close();
  await process_?.stop();
  backend = undefined;
  process_ = undefined;
});

const command = { method: 'POST', headers: { 'content-type': 'application/json' } } as const;

/** Whether a TCP connection to `host:port` is accepted. */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, host);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('readiness toggle', () => {
  it('fails /readyz after POST /readyz/disable on the admin listener, and passes again after /readyz/enable', async () => {
    backend = await listenBackend();
    const admin = backend.adminUrl ?? '';
    expect((await fetch(`${admin}/readyz/disable`, command)).status).toBe(200);
    const disabled = await fetch(`${backend.url}/readyz`);
    expect(disabled.status).toBe(503);
    expect(await disabled.json()).toEqual({ status: 'not ready', reason: 'disabled by POST /readyz/disable' });
    // Liveness and echo routes still answer: only readiness changed.
    expect((await fetch(`${backend.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${backend.url}/`)).status).toBe(200);
    expect((await fetch(`${admin}/readyz/enable`, command)).status).toBe(200);
    expect((await fetch(`${backend.url}/readyz`)).status).toBe(200);
  });

  it('does not bring an instance that is shutting down back into rotation', async () => {
    backend = await listenBackend();
    backend.app.readiness.markNotReady('shutting down');
    const response = await fetch(`${backend.adminUrl}/readyz/enable`, command);
    expect(response.status).toBe(409);
    expect((await fetch(`${backend.url}/readyz`)).status).toBe(503);
  });

  it('on the traffic port the toggle paths are echoed like any other, and change nothing', async () => {
    backend = await listenBackend({ ECHO_TEXT: 'echoed' });
    for (const path of ['/readyz/disable', '/loop']) {
      const answer = await fetch(`${backend.url}${path}`, { ...command, body: '{"action":"pause"}' });
      expect(await answer.text()).toBe('echoed\n');
    }
    expect((await fetch(`${backend.url}/readyz`)).status).toBe(200);
  });

  it('CONTROL_ROUTES=off: no admin listener at all', async () => {
    backend = await listenBackend({ CONTROL_ROUTES: 'off' });
    expect(backend.adminUrl).toBeUndefined();
  });
});

describe('the admin listener of the real process', () => {
  it('listens on 127.0.0.1 only by default: the same port on another address is refused', async () => {
    process_ = await startService('backend', { env: { OTEL_SDK_DISABLED: 'true' } });
    const admin = new URL(process_.adminUrl ?? '');
    expect(admin.hostname).toBe('127.0.0.1');
    const port = Number(admin.port);
    expect(await accepts('127.0.0.1', port)).toBe(true);
    // 127.0.0.2 is this host too: a socket bound to 0.0.0.0 would accept it, one bound to 127.0.0.1 does not.
    expect(await accepts('127.0.0.2', port)).toBe(false);
    expect((await fetch(`${process_.adminUrl}/readyz/disable`, command)).status).toBe(200);
    expect((await fetch(`${process_.url}/readyz`)).status).toBe(503);
  });

  it('ADMIN_HOST moves it: then it answers there, and not on 127.0.0.1', async () => {
    process_ = await startService('backend', { env: { OTEL_SDK_DISABLED: 'true', ADMIN_HOST: '127.0.0.2' } });
    const port = Number(new URL(process_.adminUrl ?? '').port);
    expect(await accepts('127.0.0.2', port)).toBe(true);
    expect(await accepts('127.0.0.1', port)).toBe(false);
  });
});
