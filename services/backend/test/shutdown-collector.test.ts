import { blackHole, refusedUrl, type ServiceProcess, startService } from '@meshtrace/harness';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * `docker stop` and Kubernetes send SIGTERM; the exit code says whether the
 * service shut down cleanly. A collector is not the service: spans still queued
 * at SIGTERM that cannot be delivered are counted in one `warn` line, and the
 * exit code stays 0 (docs/hardening.md).
 */

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function backendWithPendingSpans(
  collectorUrl: string,
  env: Record<string, string> = {},
): Promise<ServiceProcess> {
  const backend = await startService('backend', {
    env: {
      OTEL_EXPORTER_ZIPKIN_ENDPOINT: collectorUrl,
      // No export on a timer: the spans below are all still queued when SIGTERM arrives.
      OTEL_BSP_SCHEDULE_DELAY: '600000',
      ...env,
    },
  });
  closers.push(async () => {
    await backend.stop('SIGKILL');
  });
  for (let i = 0; i < 5; i++) await (await fetch(`${backend.url}/pending-${i}`)).arrayBuffer();
  return backend;
}

type LogLine = { level?: string | number; msg?: string; detail?: string };

function lines(backend: ServiceProcess): LogLine[] {
  return `${backend.stderr()}\n${backend.logs.map((line) => JSON.stringify(line)).join('\n')}`
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);
}

const isError = (line: LogLine) => line.level === 'error' || line.level === 50 || line.level === 60;

/** Stops with SIGTERM, expects exit 0 and no error line, and returns the one loss line (a warn counting all 5 spans). */
async function stopCleanly(backend: ServiceProcess): Promise<{ all: LogLine[]; loss: LogLine | undefined }> {
  expect(await backend.stop('SIGTERM')).toBe(0);
  const all = lines(backend);
  expect(all.filter(isError)).toEqual([]);
  const losses = all.filter((line) => line.msg?.startsWith('span export losses'));
  expect(losses).toHaveLength(1);
  expect(losses[0]).toMatchObject({
    level: 'warn',
    msg: expect.stringMatching(/totals: 0 exported, 5 failed, 0 dropped/),
  });
  return { all, loss: losses[0] };
}

describe('SIGTERM with spans still queued', () => {
  it('collector refusing connections: exit 0, the 5 spans reported lost in one warn line', async () => {
    const backend = await backendWithPendingSpans(await refusedUrl('/api/v2/spans'));
    const { all } = await stopCleanly(backend);
    expect(all.some((line) => line.msg === 'shutdown complete')).toBe(true);
  });

  it('collector accepting and never answering, past the shutdown deadline: exit 0 at the deadline, spans counted', async () => {
    const hung = await blackHole('/api/v2/spans');
    closers.push(() => hung.close());
    // The POST would wait 10 s (OTEL_EXPORTER_ZIPKIN_TIMEOUT's default); shutdown has 1.5 s in all.
    const backend = await backendWithPendingSpans(hung.url, { SHUTDOWN_TIMEOUT_MS: '1500' });
    const { loss } = await stopCleanly(backend);
    expect(loss?.detail).toMatch(/shutdown deadline/);
  });

  it('OTLP endpoint accepting and never answering, past the shutdown deadline: exit 0 at the deadline, spans counted', async () => {
    const hung = await blackHole('/v1/traces');
    closers.push(() => hung.close());
    // OTEL_EXPORTER_OTLP_TIMEOUT's default (10 s) is longer than the 1.5 s shutdown.
    const backend = await backendWithPendingSpans('http://unused.invalid/', {
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: hung.url,
      SHUTDOWN_TIMEOUT_MS: '1500',
    });
    const { loss } = await stopCleanly(backend);
    expect(loss?.detail).toMatch(/shutdown deadline/);
  });

  it('OTLP endpoint refusing connections: exit 0, the 5 spans reported lost in one warn line', async () => {
    const backend = await backendWithPendingSpans('http://unused.invalid/', {
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: await refusedUrl('/v1/traces'),
      // Retries of a refused connection stay within this budget.
      OTEL_EXPORTER_OTLP_TIMEOUT: '1000',
    });
    await stopCleanly(backend);
  });
});
