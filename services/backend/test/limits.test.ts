import { connect, type Socket } from 'node:net';
import { startService } from '@meshtrace/harness';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../../../test/helpers/eventually.ts';
import { listenBackend, type RunningBackend } from './helpers.ts';

/**
 * Every request limit answers with a clear status (fastify-options.ts holds
 * them all): 431 for headers and long URLs, 413 for bodies, 408 or a closed
 * connection for a client too slow to send its headers.
 */

let backend: RunningBackend | undefined;
const sockets: Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await backend?.close();
  backend = undefined;
});

/**
 * Writes raw bytes, `gapMs` apart, and resolves with everything the server sent once it closed
 * the connection, and how many chunks were written by then. A safety timer (60 s) ends a
 * connection the server never closes; tests judge the outcome by events, not by elapsed time.
 */
function raw(url: string, chunks: readonly string[], gapMs = 0): Promise<{ text: string; written: number }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    sockets.push(socket);
    let text = '';
    let written = 0;
    const timer = setTimeout(() => socket.destroy(), 60_000);
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      text += chunk;
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text, written });
    });
    socket.on('error', () => {});
    const writeNext = () => {
      if (written >= chunks.length || socket.destroyed) return;
      socket.write(chunks[written++] as string);
      if (gapMs > 0) setTimeout(writeNext, gapMs);
      else writeNext();
    };
    socket.on('connect', writeNext);
  });
}

const statusOf = (text: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]);

describe('request limits', () => {
  it('answers 431 to headers over MAX_HEADER_BYTES', async () => {
    backend = await listenBackend({ MAX_HEADER_BYTES: '4096' });
    const ok = await fetch(`${backend.url}/`, { headers: { 'x-pad': 'a'.repeat(2000) } });
    expect(ok.status).toBe(200);
    const tooBig = await fetch(`${backend.url}/`, { headers: { 'x-pad': 'a'.repeat(5000) } });
    expect(tooBig.status).toBe(431);
  });

  it('answers 431 to a URL over MAX_HEADER_BYTES: Node counts the request line as part of the headers', async () => {
    backend = await listenBackend({ MAX_HEADER_BYTES: '4096' });
    expect((await fetch(`${backend.url}/${'a'.repeat(2000)}`)).status).toBe(200);
    expect((await fetch(`${backend.url}/${'a'.repeat(5000)}`)).status).toBe(431);
  });

  it('keeps the 16 KB default for headers', async () => {
    backend = await listenBackend();
    expect((await fetch(`${backend.url}/`, { headers: { 'x-pad': 'a'.repeat(15_000) } })).status).toBe(200);
    expect((await fetch(`${backend.url}/`, { headers: { 'x-pad': 'a'.repeat(17_000) } })).status).toBe(431);
  });

  it('answers 413 to a body over BODY_LIMIT_BYTES', async () => {
    backend = await listenBackend({ BODY_LIMIT_BYTES: '1000' });
    const ok = await fetch(`${backend.url}/`, { method: 'POST', body: 'a'.repeat(1000) });
    expect(ok.status).toBe(200);
    const tooBig = await fetch(`${backend.url}/`, { method: 'POST', body: 'a'.repeat(1001) });
    expect(tooBig.status).toBe(413);
  });

  it('answers 408 and closes the connection when headers arrive slower than INCOMING_HEADERS_TIMEOUT_MS', async () => {
    backend = await listenBackend({ INCOMING_HEADERS_TIMEOUT_MS: '500', INCOMING_REQUEST_TIMEOUT_MS: '1000' });
    // One header byte every 100 ms, for 30 s: never finishes on its own.
    const drip = ['GET / HTTP/1.1\r\nHost: x\r\nx-slow: ', ...'a'.repeat(300)];
    const { text, written } = await raw(backend.url, drip, 100);
    expect(statusOf(text)).toBe(408);
    // The server hung up mid-drip (the timeout plus Node's 1 s check interval), judged by the
    // drip itself rather than a clock, so a loaded machine slows both sides alike.
    expect(written).toBeLessThan(drip.length);
  });

  it('answers 408 when a body arrives slower than INCOMING_REQUEST_TIMEOUT_MS', async () => {
    backend = await listenBackend({ INCOMING_HEADERS_TIMEOUT_MS: '500', INCOMING_REQUEST_TIMEOUT_MS: '1000' });
    const drip = ['POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 300\r\n\r\n', ...'a'.repeat(300)];
    const { text, written } = await raw(backend.url, drip, 100);
    expect(statusOf(text)).toBe(408);
    expect(written).toBeLessThan(drip.length);
  });

  /** A 3 s socket timeout, answers up to 64 MiB. No delay, a 1 ms downstream bound: no request is quiet for 3 s. */
  const BIG_ANSWERS = {
    SOCKET_TIMEOUT_MS: '3000',
    MAX_DELAY_MS: '0',
    DOWNSTREAM_TIMEOUT_MS: '1',
    MAX_RESPONSE_SIZE: String(64 * 1024 * 1024),
  };

  it('drops a client that stops reading its answer after SOCKET_TIMEOUT_MS, and frees what it pinned', async () => {
    const size = 64 * 1024 * 1024;
    backend = await listenBackend(BIG_ANSWERS);
    const { hostname, port } = new URL(backend.url);
    const server = backend.app.server;
    const connections = () =>
      new Promise<number>((resolve, reject) =>
        server.getConnections((error, n) => (error ? reject(error) : resolve(n))),
      );
    // Asks for 64 MiB, then never reads: the kernel's buffers take a few MiB, the server holds the rest.
    const socket = connect(Number(port), hostname);
    sockets.push(socket);
    socket.pause();
    socket.write(`GET /?size=${size} HTTP/1.1\r\nHost: x\r\n\r\n`);
    await eventually(async () => (await connections()) === 1, 'connected');
    await eventually(async () => (await connections()) === 0, 'the server dropped the connection');
    // What is left to read is what the kernels had buffered, then the end: far from the whole answer.
    let received = 0;
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
    });
    socket.resume();
    await new Promise((resolve) => socket.once('close', resolve));
    expect(received).toBeGreaterThan(0);
    expect(received).toBeLessThan(size);
  });

  it('a client that reads gets a whole answer larger than the kernel buffers, with the same timeout', async () => {
    const size = 16 * 1024 * 1024;
    backend = await listenBackend(BIG_ANSWERS);
    const answer = await fetch(`${backend.url}/?size=${size}`);
    expect((await answer.arrayBuffer()).byteLength).toBe(size);
  });

  it('refuses a SOCKET_TIMEOUT_MS that would cut off a delayed request, naming it', async () => {
    await expect(listenBackend({ SOCKET_TIMEOUT_MS: '5000', MAX_DELAY_MS: '4000' })).rejects.toMatchObject({
      code: 'MTR_ERR_INVALID_SETTINGS',
      message:
        'invalid SOCKET_TIMEOUT_MS="5000": expected an integer above 6000, the longest a request may take (its delay, at most 4000, plus DOWNSTREAM_TIMEOUT_MS=2000)',
    });
  });

  it('rejects invalid limits at start-up, naming the variable', async () => {
    await expect(listenBackend({ BODY_LIMIT_BYTES: '0' })).rejects.toMatchObject({
      code: 'MTR_ERR_INVALID_SETTINGS',
      issues: [expect.objectContaining({ setting: 'BODY_LIMIT_BYTES' })],
    });
    await expect(listenBackend({ INCOMING_HEADERS_TIMEOUT_MS: 'soon' })).rejects.toMatchObject({
      issues: [expect.objectContaining({ setting: 'INCOMING_HEADERS_TIMEOUT_MS' })],
    });
  });

  it('logs a 413 as a client error: one info line with the code and reason, no stack', async () => {
    const service = await startService('backend', { env: { BODY_LIMIT_BYTES: '100', OTEL_SDK_DISABLED: 'true' } });
    try {
      const response = await fetch(`${service.url}/`, { method: 'POST', body: 'a'.repeat(101) });
      expect(response.status).toBe(413);
      await eventually(() => service.logs.some((line) => line.status === 413 && line.method === 'POST'), 'access line');
      const lines = service.logs.filter((line) => JSON.stringify(line).includes('413') || line.error !== undefined);
      expect(lines.find((line) => line.error !== undefined)).toMatchObject({
        level: 'info',
        status: 413,
        error: { code: 'FST_ERR_CTP_BODY_TOO_LARGE', message: 'Request body is too large' },
        msg: 'client error 413: Request body is too large',
      });
      expect(JSON.stringify(service.logs)).not.toContain('stack');
      expect(service.logs.every((line) => line.level !== 'error')).toBe(true);
    } finally {
      await service.stop();
    }
  });
});
