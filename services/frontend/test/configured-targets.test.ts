import { createServer, type IncomingMessage, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { type ServiceProcess, startService } from '@meshtrace/harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * No request can make the frontend call an address it was not configured
 * with: `GET /` calls TARGET_URL whatever Host, absolute-form target, query or
 * path it carries, and `POST /loop` accepts no target.
 */

interface Capture {
  readonly server: Server;
  readonly host: string;
  readonly seen: IncomingMessage[];
}

async function capture(): Promise<Capture> {
  const seen: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    seen.push(req);
    req.resume();
    res.end('captured');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, host: `127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

/** One raw HTTP/1.1 request, so the request target and Host are exactly what an attacker would send. */
function raw(url: string, request: string): Promise<number> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let text = '';
    socket.on('connect', () => socket.write(request));
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      text += chunk;
    });
    socket.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1])));
    socket.on('error', reject);
    socket.setTimeout(5000, () => socket.destroy(new Error('no answer within 5 s')));
  });
}

const get = (target: string, headers: Record<string, string>) =>
  `${[`GET ${target} HTTP/1.1`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), 'Connection: close'].join('\r\n')}\r\n\r\n`;

let configured: Capture;
let decoy: Capture;
let frontend: ServiceProcess;

beforeAll(async () => {
  configured = await capture();
  decoy = await capture();
  frontend = await startService('frontend', {
    env: { TARGET_URL: `http://${configured.host}/api`, LOOP_MODE: 'off', OTEL_SDK_DISABLED: 'true' },
  });
});

afterAll(async () => {
  await frontend?.stop();
  for (const { server } of [configured, decoy]) {
    server?.closeAllConnections();
    server?.close();
  }
});

describe('the frontend calls TARGET_URL only', () => {
  it('whatever GET / says about hosts or URLs', async () => {
    const evil = `http://${decoy.host}/steal`;
    const attempts = [
      get('/', { Host: decoy.host }),
      get(`/?url=${encodeURIComponent(evil)}&target=${encodeURIComponent(evil)}`, { Host: 'localhost' }),
      get(`/?TARGET_URL=${encodeURIComponent(evil)}`, { Host: 'localhost' }),
      get('/', { Host: 'localhost', 'X-Forwarded-Host': decoy.host, Forwarded: `host=${decoy.host}` }),
      get('/', { Host: 'localhost', 'X-Original-URL': evil }),
    ];
    for (const request of attempts) expect(await raw(frontend.url, request), request).toBe(200);
    // Absolute form: Node and Fastify route on its path alone (`/steal`), which is no route here.
    expect(await raw(frontend.url, get(evil, { Host: decoy.host }))).toBe(404);
    expect(decoy.seen).toHaveLength(0);
    expect(configured.seen).toHaveLength(attempts.length);
    for (const req of configured.seen) {
      expect(req.url).toBe('/api');
      expect(req.headers.host).toBe(configured.host);
    }
  });

  it('and POST /loop takes no target', async () => {
    const body = JSON.stringify({ url: `http://${decoy.host}/steal`, target: `http://${decoy.host}/steal` });
    const response = await fetch(`${frontend.adminUrl}/loop`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(response.status).toBe(400);
    expect(decoy.seen).toHaveLength(0);
  });
});
