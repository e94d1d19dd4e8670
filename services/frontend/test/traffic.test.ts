import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ServiceProcess, startService } from '@meshtrace/harness';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from '../../../test/helpers/eventually.ts';

/** Traffic shaping over real HTTP: targets, method, body, headers, baggage, forced sampling, bounds and /loop. */

interface Seen {
  readonly method: string | undefined;
  readonly url: string | undefined;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

let target: Server;
let targetUrl: string;
let seen: Seen[];
/** While true, the target reads each request and never answers. */
let hang: boolean;
let frontend: ServiceProcess | undefined;

beforeEach(async () => {
  seen = [];
  hang = false;
  target = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body });
      if (!hang) res.end('ok\n');
    });
  });
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
});

afterEach(async () => {
  // Connections first: a hung call then fails at once, so the loop's shutdown does not wait for it.
  target.closeAllConnections();
  await frontend?.stop();
  frontend = undefined;
  target.closeAllConnections();
  target.close();
});

async function loopStatus(): Promise<Record<string, unknown>> {
  return (await (await fetch(`${frontend?.url}/loop`)).json()) as Record<string, unknown>;
}

/** On the admin listener: the traffic port has no POST /loop. */
function postLoop(body: unknown): Promise<Response> {
  return fetch(`${frontend?.adminUrl}/loop`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

describe('what each tick sends', () => {
  it('sends the method, body, extra headers, baggage and x-b3-flags to weighted targets, and stops at LOOP_COUNT', async () => {
    frontend = await startService('frontend', {
      env: {
        TARGETS: `${targetUrl}/a=1,${targetUrl}/b=1`,
        LOOP_RATE: '50',
        LOOP_COUNT: '12',
        LOOP_METHOD: 'post',
        LOOP_BODY: 'hello',
        LOOP_HEADERS: 'end-user=jason,x-canary=1',
        LOOP_BAGGAGE: 'tenant=blue,plan=free',
        LOOP_FORCE_SAMPLING: 'debug',
      },
    });
    await eventually(async () => (await loopStatus()).ok === 12);
    const status = await loopStatus();
    expect(status).toMatchObject({ mode: 'generate', state: 'finished', rate: 50, sent: 12, ok: 12, failed: 0 });
    expect(seen).toHaveLength(12);
    for (const request of seen) {
      expect(request.method).toBe('POST');
      expect(request.body).toBe('hello');
      expect(request.headers).toMatchObject({
        'end-user': 'jason',
        'x-canary': '1',
        'x-b3-flags': '1',
        baggage: 'tenant=blue,plan=free',
      });
      // B3 says debug needs no X-B3-Sampled; Envoy reads only that, never x-b3-flags, so it goes too.
      expect(request.headers['x-b3-sampled']).toBe('1');
    }
    // Both targets get traffic (a 1:1 weight over 12 ticks misses one with chance 2^-11).
    expect(new Set(seen.map((request) => request.url))).toEqual(new Set(['/a', '/b']));
  });

  it('LOOP_FORCE_SAMPLING=sampled samples every tick, even under a 0 ratio, in both headers Envoy reads', async () => {
    frontend = await startService('frontend', {
      env: {
        TARGET_URL: `${targetUrl}/`,
        LOOP_RATE: '50',
        LOOP_COUNT: '2',
        LOOP_FORCE_SAMPLING: 'sampled',
        OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0',
      },
    });
    await eventually(() => seen.length === 2);
    for (const { headers } of seen) {
      expect(headers['x-b3-sampled']).toBe('1');
      expect(headers['x-b3-flags']).toBeUndefined();
      expect(headers.traceparent).toMatch(/-03$/);
    }
  });

  it('sends x-b3-sampled: 1 and x-b3-flags: 1 from a headerless loop with LOOP_FORCE_SAMPLING=debug', async () => {
    frontend = await startService('frontend', {
      env: {
        TARGET_URL: `${targetUrl}/`,
        LOOP_MODE: 'headerless',
        LOOP_RATE: '50',
        LOOP_COUNT: '1',
        LOOP_FORCE_SAMPLING: 'debug',
      },
    });
    await eventually(() => seen.length === 1);
    expect(seen[0]?.headers).toMatchObject({ 'x-b3-sampled': '1', 'x-b3-flags': '1' });
    expect(seen[0]?.headers['x-b3-traceid']).toBeUndefined();
  });

  it('sends a sampling-only x-b3-sampled: 1 from a headerless loop with LOOP_FORCE_SAMPLING=sampled', async () => {
    frontend = await startService('frontend', {
      env: {
        TARGET_URL: `${targetUrl}/`,
        LOOP_MODE: 'headerless',
        LOOP_RATE: '50',
        LOOP_COUNT: '2',
        LOOP_FORCE_SAMPLING: 'sampled',
      },
    });
    await eventually(() => seen.length === 2);
    expect(seen.map((request) => request.headers['x-b3-sampled'])).toEqual(['1', '1']);
    expect(seen[0]?.headers['x-b3-traceid']).toBeUndefined();
  });
});

describe('bounds', () => {
  it('holds LOOP_CONCURRENCY against a target that never answers, counting the rest as skipped', async () => {
    hang = true;
    frontend = await startService('frontend', {
      env: { TARGET_URL: `${targetUrl}/`, LOOP_RATE: '100', LOOP_CONCURRENCY: '3', REQUEST_TIMEOUT_MS: '600000' },
    });
    await eventually(async () => ((await loopStatus()).skipped as number) >= 20);
    const status = await loopStatus();
    expect(status).toMatchObject({ sent: 3, ok: 0, failed: 0, concurrency: 3 });
    expect(seen).toHaveLength(3);
  });
});

describe('GET and POST /loop', () => {
  it('pauses, changes the rate and resumes at run time', async () => {
    frontend = await startService('frontend', { env: { TARGET_URL: `${targetUrl}/`, LOOP_RATE: '20' } });
    await eventually(() => seen.length >= 2);
    const paused = await postLoop({ action: 'pause' });
    expect(paused.status).toBe(200);
    expect(await paused.json()).toMatchObject({ state: 'paused', rate: 20 });
    const sent = (await loopStatus()).sent as number;
    expect(await (await postLoop({ rate: 50 })).json()).toMatchObject({ state: 'paused', rate: 50 });
    expect(await (await postLoop({ action: 'resume' })).json()).toMatchObject({ state: 'running', rate: 50 });
    await eventually(async () => ((await loopStatus()).sent as number) >= sent + 3);
    const status = await loopStatus();
    expect(status).toMatchObject({ mode: 'generate', state: 'running', last_error: null });
    expect(status.latency_ms).toEqual({ p50: expect.any(Number), p99: expect.any(Number) });
  });

  it('answers 400 with the reason for a bad command, and 409 when there is no loop', async () => {
    frontend = await startService('frontend', { env: { TARGET_URL: `${targetUrl}/`, LOOP_MODE: 'off' } });
    const bad = await postLoop({ rate: -1 });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({
      error: 'invalid loop command',
      reason: 'rate=-1: expected a number above 0, at most 10000',
    });
    expect((await postLoop({ action: 'pause' })).status).toBe(409);
    expect(await loopStatus()).toMatchObject({ mode: 'off', state: 'off', sent: 0 });
  });
});
