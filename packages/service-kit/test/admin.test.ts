import { loadSettings } from '@meshtrace/tracing/settings';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildAdminApp } from '../src/admin.ts';
import { health } from '../src/health.ts';
import { createLogger } from '../src/logger.ts';
import { serviceSchema } from '../src/service-schema.ts';

/**
 * The admin listener takes commands from operators only: a request a web page could make to it
 * (a "simple" request needs no CORS preflight: no body type, or a form or text one; or any
 * request that carries `Origin`) changes nothing. Real HTTP on loopback: a traffic app with
 * `/readyz`, and the admin app that toggles it.
 */

const logger = createLogger({ level: 'silent', service: 'test', version: '0' });
const config = {
  ...loadSettings(serviceSchema({ port: 0 }), {}),
  serviceName: 'svc',
  serviceVersion: '1.2.3',
};

let apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.map((app) => app.close()));
  apps = [];
});

async function start(): Promise<{ traffic: string; admin: string }> {
  const traffic = Fastify();
  await traffic.register(health);
  const admin = await buildAdminApp({ logger, config, readiness: traffic.readiness });
  apps.push(traffic, admin);
  return {
    traffic: await traffic.listen({ host: '127.0.0.1', port: 0 }),
    admin: await admin.listen({ host: '127.0.0.1', port: 0 }),
  };
}

const readiness = async (traffic: string) => (await fetch(`${traffic}/readyz`)).status;

describe('the admin listener', () => {
  it('takes a JSON POST, with or without a body: readiness off, then on again', async () => {
    const { traffic, admin } = await start();
    const json = { 'content-type': 'application/json' };
    const off = await fetch(`${admin}/readyz/disable`, { method: 'POST', headers: json });
    expect(off.status).toBe(200);
    expect(await off.json()).toEqual({ status: 'not ready', reason: 'disabled by POST /readyz/disable' });
    expect(await readiness(traffic)).toBe(503);
    const on = await fetch(`${admin}/readyz/enable`, { method: 'POST', headers: json, body: '{}' });
    expect(on.status).toBe(200);
    expect(await readiness(traffic)).toBe(200);
  });

  it.each([
    ['no body and no content type', {}],
    ['a form', { 'content-type': 'application/x-www-form-urlencoded' }, 'a=1'],
    ['text', { 'content-type': 'text/plain' }, '{}'],
    ['a multipart form', { 'content-type': 'multipart/form-data; boundary=x' }, '--x--'],
  ] as const)(
    'refuses %s, what a page sends without asking first (415), and changes nothing',
    async (_name, headers, body?: string) => {
      const { traffic, admin } = await start();
      const response = await fetch(`${admin}/readyz/disable`, { method: 'POST', headers, ...(body ? { body } : {}) });
      expect(response.status).toBe(415);
      expect(await response.json()).toEqual({
        error: 'unsupported media type',
        reason: 'a state change needs content-type: application/json',
      });
      expect(await readiness(traffic)).toBe(200);
    },
  );

  it('refuses any request with Origin (every browser sends it on a POST; curl does not), even as JSON', async () => {
    const { traffic, admin } = await start();
    for (const origin of ['http://evil.example', admin, 'null']) {
      const response = await fetch(`${admin}/readyz/disable`, {
        method: 'POST',
        headers: { origin, 'content-type': 'application/json' },
      });
      expect(response.status).toBe(403);
    }
    expect(await readiness(traffic)).toBe(200);
  });

  it('grants no CORS preflight, so a page cannot send JSON cross-origin either', async () => {
    const { admin } = await start();
    const preflight = await fetch(`${admin}/readyz/disable`, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://evil.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    expect(preflight.headers.get('access-control-allow-methods')).toBeNull();
  });

  it('answers like the traffic port: who answered, and nosniff', async () => {
    const { admin } = await start();
    const response = await fetch(`${admin}/readyz/disable`, { method: 'POST' });
    expect(response.headers.get('x-app-name')).toBe('svc');
    expect(response.headers.get('x-app-version')).toBe('1.2.3');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });
});
