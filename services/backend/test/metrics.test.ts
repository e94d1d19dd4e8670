import { startService, startZipkinReceiver } from '@meshtrace/harness';
import { OWN_STATUSES } from '@meshtrace/service-kit';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../../../test/helpers/eventually.ts';
import { listenBackend, type RunningBackend } from './helpers.ts';

/** /metrics in Prometheus text format, and metrics that move as requests flow. */

let backends: RunningBackend[] = [];
afterEach(async () => {
  await Promise.all(backends.map((backend) => backend.close()));
  backends = [];
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

async function scrape(url: string): Promise<string> {
  const response = await fetch(`${url}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return response.text();
}

describe('backend /metrics', () => {
  it('counts echo requests by route, method and status, and times them, but not probes', async () => {
    const backend = await listenBackend();
    backends.push(backend);
    const ok = { route: '/*', method: 'GET', status_code: '200' };
    // 418 is neither the service's own status nor a configured one: counted by class (statusLabels()).
    const teapot = { route: '/*', method: 'POST', status_code: '4xx' };
    const before = await scrape(backend.url);
    expect(sample(before, 'http_requests_total', ok)).toBe(0);
    for (let i = 0; i < 3; i++) await fetch(`${backend.url}/any/${i}`);
    await fetch(`${backend.url}/?status=418`, { method: 'POST' });
    await fetch(`${backend.url}/healthz`);
    await fetch(`${backend.url}/readyz`);
    const after = await scrape(backend.url);
    expect(sample(after, 'http_requests_total', ok)).toBe(3);
    expect(sample(after, 'http_requests_total', teapot)).toBe(1);
    expect(sample(after, 'http_request_duration_seconds_count', ok)).toBe(3);
    expect(after).not.toMatch(/route="\/(healthz|readyz|metrics)"/);
  });

  it('keeps the series count flat whatever statuses callers inject: 500 more add no series after the first few', async () => {
    const backend = await listenBackend({ ECHO_STATUS_CODE: '201', ERROR_CODE: '503' });
    backends.push(backend);
    const series = async () => (await scrape(backend.url)).split('\n').filter((line) => /^http_/.test(line)).length;
    // undici's request, not fetch: fetch turns a 407 into a network error, as the Fetch spec says.
    const inject = async (statuses: readonly number[]) => {
      for (const status of statuses) await (await request(`${backend.url}/?status=${status}`)).body.dump();
    };
    // The first few: each status labelled exactly (the service's own, the configured ones), one of each class.
    const first = [...OWN_STATUSES, 201, 299, 307, 418, 599];
    await inject(first);
    const afterFirst = await series();
    // Then 500 requests injecting every status from 200 to 599 (400 distinct), the 2xx ones twice.
    const more = Array.from({ length: 500 }, (_, i) => 200 + (i % 400));
    await inject(more);
    expect(await series()).toBe(afterFirst);

    const text = await scrape(backend.url);
    const counted = [...text.matchAll(/^http_requests_total\{.*status_code="([^"]+)".*\} (\d+)$/gm)];
    expect(new Set(counted.map((m) => m[1]))).toEqual(
      new Set([...OWN_STATUSES.map(String), '201', '2xx', '3xx', '4xx', '5xx']),
    );
    // Every request is still counted, each under its status or its class.
    expect(counted.reduce((sum, m) => sum + Number(m[2]), 0)).toBe(first.length + more.length);
  });

  it('times each downstream call by URL and outcome', async () => {
    const next = await listenBackend({}, ['-status-code=503']);
    backends.push(next);
    const backend = await listenBackend({ DOWNSTREAM_URLS: `${next.url}/next` });
    backends.push(backend);
    await fetch(backend.url);
    await fetch(backend.url);
    const text = await scrape(backend.url);
    expect(sample(text, 'downstream_request_duration_seconds_count', { url: `${next.url}/next`, outcome: '503' })).toBe(
      2,
    );
  });

  it('counts spans exported to the collector', async () => {
    const zipkin = await startZipkinReceiver();
    const service = await startService('backend', {
      env: { OTEL_EXPORTER_ZIPKIN_ENDPOINT: zipkin.url, OTEL_BSP_SCHEDULE_DELAY: '20' },
    });
    try {
      expect(sample(await scrape(service.url), 'spans_exported_total')).toBe(0);
      for (let i = 0; i < 4; i++) await fetch(`${service.url}/`);
      await zipkin.waitFor((spans) => spans.length >= 4);
      // The collector's 2xx reaches the counter a moment after the spans reach the collector.
      await eventually(async () => sample(await scrape(service.url), 'spans_exported_total') >= 4, 'spans exported');
      const text = await scrape(service.url);
      expect(sample(text, 'spans_exported_total')).toBe(4);
      expect(sample(text, 'spans_export_failed_total')).toBe(0);
      expect(sample(text, 'spans_dropped_total')).toBe(0);
    } finally {
      await service.stop();
      await zipkin.close();
    }
  });
});
