import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ZipkinSpan } from '@meshtrace/harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitCodeOf, verifyTraces } from '../src/verify.ts';
import { type FakeJaeger, startFakeJaeger } from './helpers/fake-jaeger.ts';
import { recordChain, tracesWith } from './helpers/record-chain.ts';
import { runCli } from './helpers/run-cli.ts';

const EXPECT = ['frontend', 'backend', 'backend-2'];
const options = (jaeger: string, more: Partial<Parameters<typeof verifyTraces>[0]> = {}) => ({
  jaeger,
  service: 'frontend',
  expect: EXPECT,
  sinceMs: 5 * 60_000,
  limit: 20,
  mesh: false,
  timeoutMs: 2_000,
  ...more,
});

const loopTicks = (spans: readonly ZipkinSpan[]) => tracesWith(spans, (s) => s.name === 'loop tick').size;
const chain = { backends: 2, intervalMs: 200 } as const;

let joined: readonly ZipkinSpan[];
let propagationOff: readonly ZipkinSpan[];
let headerless: readonly ZipkinSpan[];

beforeAll(async () => {
  // Three real chains, recorded one after another: what each variant really exports. (At once,
  // nine Node processes starting together on a loaded 2-core machine overran the hook.)
  joined = await recordChain({ ...chain, mode: 'generate', propagationOff: false }, (s) => loopTicks(s) >= 2);
  propagationOff = await recordChain({ ...chain, mode: 'generate', propagationOff: true }, (s) => loopTicks(s) >= 2);
  headerless = await recordChain(
    { ...chain, mode: 'headerless', propagationOff: false },
    (s) => tracesWith(s, (span) => span.localEndpoint?.serviceName === 'backend-2').size >= 2,
  );
}, 120_000);

describe('verify against the Jaeger v3 API', () => {
  let jaeger: FakeJaeger | undefined;
  afterAll(() => jaeger?.close());

  it('passes joined chains, run as the CLI under a base path, exit 0', async () => {
    jaeger = await startFakeJaeger(joined, { basePath: '/jaeger' });
    const run = runCli('verify-cli.ts', ['--jaeger', jaeger.url, '--expect', EXPECT.join(',')]);
    const { code } = await run.exit;
    expect(run.stdout()).toMatch(/TRACE ID\s+SERVICES\s+SPANS\s+VERDICT\s+REASON/);
    expect(run.stdout()).toMatch(/[0-9a-f]{32}\s+frontend,backend,backend-2\s+5\s+joined/);
    expect(run.stdout()).toMatch(/PASS: \d+ traces, \d+ joined, 0 broken/);
    expect(code).toBe(0);
    const query = jaeger.queries[0];
    expect(query?.get('query.service_name')).toBe('frontend');
    expect(query?.get('query.start_time_min')).toMatch(/^\d{4}-\d{2}-\d{2}T.*Z$/);
  });

  it('reads SPAN_KIND_* names as well as numbers, and prints JSON for machines', async () => {
    const named = await startFakeJaeger(joined, { enums: 'name' });
    try {
      const run = runCli('verify-cli.ts', ['--jaeger', named.url, '--json']);
      const { code } = await run.exit;
      const report = JSON.parse(run.stdout());
      expect(code).toBe(0);
      expect(report.ok).toBe(true);
      expect(report.summary.broken).toBe(0);
      expect(report.traces[0]).toMatchObject({ services: EXPECT, spans: 5, verdict: 'joined', findings: [] });
    } finally {
      await named.close();
    }
  });

  it('fails a chain with PROPAGATION=off on the first backend', async () => {
    const fake = await startFakeJaeger(propagationOff);
    try {
      const report = await verifyTraces(options(fake.url));
      expect(report.ok).toBe(false);
      expect(exitCodeOf(report)).toBe(1);
      for (const trace of report.traces) {
        expect(trace.verdict).toBe('broken');
        expect(trace.findings.map((f) => f.code)).toEqual(['missing-service', 'not-continued']);
        expect(trace.findings[0]?.message).toBe('no span from backend-2');
      }
      // Seen from backend-2, the same requests are new traces that start mid-chain.
      const fromBackend2 = await verifyTraces(options(fake.url, { service: 'backend-2' }));
      expect(fromBackend2.traces[0]?.findings.map((f) => f.code)).toContain('new-trace');
    } finally {
      await fake.close();
    }
  });

  it('fails a headerless loop: the frontend reports nothing and traces start at the backend', async () => {
    const fake = await startFakeJaeger(headerless);
    try {
      const report = await verifyTraces(options(fake.url));
      expect(report.error?.code).toBe('MTR_ERR_NO_TRACES');
      expect(report.error?.message).toMatch(
        /^frontend has reported no spans to this Jaeger \(it knows backend, backend-2\)/,
      );
      const fromBackend = await verifyTraces(options(fake.url, { service: 'backend' }));
      expect(fromBackend.ok).toBe(false);
      for (const trace of fromBackend.traces) {
        expect(trace.services).toEqual(['backend', 'backend-2']);
        expect(trace.findings.map((f) => f.code)).toEqual(['missing-service', 'new-trace']);
        expect(trace.findings[1]?.message).toMatch(/starts at backend "GET \/\*" \(SERVER\), not at frontend/);
      }
    } finally {
      await fake.close();
    }
  });

  it('fails when an expected service is missing from every trace', async () => {
    const fake = await startFakeJaeger(joined);
    try {
      const report = await verifyTraces(options(fake.url, { expect: [...EXPECT, 'backend-3'] }));
      expect(report.ok).toBe(false);
      expect(report.traces.length).toBeGreaterThan(0);
      for (const trace of report.traces)
        expect(trace.findings).toEqual([{ code: 'missing-service', message: 'no span from backend-3' }]);
    } finally {
      await fake.close();
    }
  });

  it('fails --mesh checks on a local chain: there is no sidecar span', async () => {
    const fake = await startFakeJaeger(joined);
    try {
      const report = await verifyTraces(options(fake.url, { mesh: true }));
      expect(report.traces[0]?.findings.map((f) => f.code)).toEqual(['no-sidecar']);
    } finally {
      await fake.close();
    }
  });

  it('says when no trace started in the window, with the sampling hint', async () => {
    const fake = await startFakeJaeger(joined);
    try {
      const report = await verifyTraces(options(fake.url, { sinceMs: 1_000 }), new Date(Date.now() + 3_600_000));
      expect(report.error?.code).toBe('MTR_ERR_NO_TRACES');
      expect(report.error?.message).toMatch(/^no traces of frontend started between /);
      expect(report.error?.hint).toMatch(/sampling.*provider.*time window/is);
      expect(exitCodeOf(report)).toBe(1);
    } finally {
      await fake.close();
    }
  });
});

describe('verify when it cannot ask Jaeger', () => {
  it('reports an unreachable Jaeger, exit 2', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await new Promise((resolve) => closed.once('listening', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const run = runCli('verify-cli.ts', ['--jaeger', `http://127.0.0.1:${port}`]);
    const { code } = await run.exit;
    expect(code).toBe(2);
    expect(run.stdout()).toContain(
      `error MTR_ERR_JAEGER_UNREACHABLE: cannot reach Jaeger at http://127.0.0.1:${port}: ECONNREFUSED`,
    );
    expect(run.stdout()).toContain('port-forward svc/tracing 16686:80');
  });

  it('reports a wrong base path (404) and suggests /jaeger', async () => {
    const fake = await startFakeJaeger(joined, { basePath: '/jaeger' });
    try {
      const report = await verifyTraces(options(fake.origin));
      expect(report.error?.code).toBe('MTR_ERR_JAEGER_NOT_API');
      expect(report.error?.message).toMatch(/api\/v3\/services is not Jaeger's query API v3: it answered HTTP 404/);
      expect(report.error?.hint).toContain(`try --jaeger ${fake.origin}/jaeger`);
      expect(exitCodeOf(report)).toBe(2);
    } finally {
      await fake.close();
    }
  });

  it('reports an HTML page (a UI, not the API)', async () => {
    const html = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><html><body>UI</body></html>');
    });
    html.listen(0, '127.0.0.1');
    await new Promise((resolve) => html.once('listening', resolve));
    const { port } = html.address() as AddressInfo;
    try {
      const report = await verifyTraces(options(`http://127.0.0.1:${port}/jaeger`));
      expect(report.error?.code).toBe('MTR_ERR_JAEGER_NOT_API');
      expect(report.error?.message).toContain('it answered an HTML page (HTTP 200), not JSON');
      expect(report.error?.hint).toContain(`try --jaeger http://127.0.0.1:${port}.`);
      // The path given already is Istio's: the hint must not suggest the same URL again.
      expect(report.error?.hint).not.toContain(`http://127.0.0.1:${port}/jaeger`);
      expect(report.error?.hint).toContain('/jaeger is right: check that the port is forwarded to svc/tracing');
    } finally {
      html.closeAllConnections();
      await new Promise((resolve) => html.close(resolve));
    }
  });
});
