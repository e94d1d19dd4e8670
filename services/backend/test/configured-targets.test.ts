import { createServer, type IncomingMessage, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenBackend, type RunningBackend } from './helpers.ts';

/**
 * No request can make the backend call an address it was not configured
 * with: a Host header, an absolute-form target, a query parameter or a path
 * that looks like a URL all still reach DOWNSTREAM_URLS, and only it.
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
function raw(url: string, target: string, headers: Record<string, string>): Promise<number> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let text = '';
    const lines = [
      `GET ${target} HTTP/1.1`,
      ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
      'Connection: close',
    ];
    socket.on('connect', () => socket.write(`${lines.join('\r\n')}\r\n\r\n`));
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      text += chunk;
    });
    socket.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1])));
    socket.on('error', reject);
    socket.setTimeout(5000, () => socket.destroy(new Error('no answer within 5 s')));
  });
}

let configured: Capture;
let decoy: Capture;
let backend: RunningBackend;

beforeAll(async () => {
  configured = await capture();
  decoy = await capture();
  backend = await listenBackend({ DOWNSTREAM_URLS: `http://${configured.host}/next` });
});

afterAll(async () => {
  await backend?.close();
  for (const { server } of [configured, decoy]) {
    server?.closeAllConnections();
    server?.close();
  }
});

describe('the backend calls configured downstreams only', () => {
  it('whatever the request says about hosts or URLs', async () => {
    const evil = () => `http://${decoy.host}/steal`;
    const attempts: [string, Record<string, string>][] = [
      ['/', { Host: decoy.host }],
      [evil(), { Host: decoy.host }],
      [evil(), { Host: 'localhost' }],
      [`/?url=${encodeURIComponent(evil())}`, { Host: 'localhost' }],
      [`/?downstream=${encodeURIComponent(evil())}&target=${encodeURIComponent(evil())}`, { Host: 'localhost' }],
      [`//${decoy.host}/steal`, { Host: 'localhost' }],
      [`/@${decoy.host}/steal`, { Host: 'localhost' }],
      [`/${evil()}`, { Host: 'localhost' }],
      ['/', { Host: 'localhost', 'X-Forwarded-Host': decoy.host, Forwarded: `host=${decoy.host}` }],
      ['/', { Host: 'localhost', 'X-Original-URL': evil(), 'X-Rewrite-URL': evil() }],
    ];
    for (const [target, headers] of attempts) expect(await raw(backend.url, target, headers), target).toBe(200);

    expect(decoy.seen).toHaveLength(0);
    expect(configured.seen).toHaveLength(attempts.length);
    for (const req of configured.seen) {
      expect(req.url).toBe('/next');
      expect(req.headers.host).toBe(configured.host);
    }
  });
});
