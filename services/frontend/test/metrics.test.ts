import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ServiceProcess, startService } from '@meshtrace/harness';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from '../../../test/helpers/eventually.ts';

/** The frontend's /metrics: loop ticks and served requests, moving as traffic flows. */

let target: Server;
let targetUrl: string;
let frontend: ServiceProcess | undefined;

beforeEach(async () => {
  // Every third request fails, so ok and failed both move.
  let count = 0;
  target = createServer((_req, res) => {
    res.statusCode = ++count % 3 === 0 ? 503 : 200;
    res.end('ok\n');
  });
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}/`;
});

afterEach(async () => {
  await frontend?.stop();
  frontend = undefined;
  target.closeAllConnections();
  target.close();
});

/** The value of one sample, matched on its name and exactly these labels; 0 when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (JSON.stringify(Object.entries(found).sort()) === JSON.stringify(Object.entries(labels).sort()))
      return Number(match[3]);
  }
  return 0;
}

async function scrape(): Promise<string> {
  const response = await fetch(`${frontend?.url}/metrics`);
  expect(response.status).toBe(200);
  return response.text();
}

describe('frontend /metrics', () => {
  it('counts loop ticks sent, ok, failed and skipped, and the requests it serves', async () => {
    frontend = await startService('frontend', { env: { TARGET_URL: targetUrl, LOOP_RATE: '50', LOOP_COUNT: '6' } });
    let text = '';
    await eventually(async () => {
      text = await scrape();
      return sample(text, 'loop_ticks_ok_total') + sample(text, 'loop_ticks_failed_total') >= 6;
    }, 'six ticks finished');
    expect(sample(text, 'loop_ticks_sent_total')).toBe(6);
    expect(sample(text, 'loop_ticks_ok_total')).toBe(4);
    expect(sample(text, 'loop_ticks_failed_total')).toBe(2);
    // Present; whether a slot was skipped while the process was still starting up is not up to the test.
    expect(text).toMatch(/^loop_ticks_skipped_total \d+$/m);

    await fetch(`${frontend.url}/loop`);
    await fetch(`${frontend.url}/loop`);
    expect(sample(await scrape(), 'http_requests_total', { route: '/loop', method: 'GET', status_code: '200' })).toBe(
      2,
    );
  });
});
