/**
 * `pnpm bench:footprint`: what a service costs before any load, and whether
 * the frontend holds a fixed rate. A benchmark, not a test: it prints figures
 * against the goals in docs/benchmarks.md and never fails on them.
 *
 *   start-up to ready   spawn → first 200 from /readyz, from dist/, median of 5
 *   idle RSS            VmRSS 2 s after ready, tracing on
 *   fixed rate          frontend LOOP_RATE against a backend for 10 s: sent / elapsed vs the rate
 */
import { readFileSync } from 'node:fs';
import { type ServiceName, type ServiceProcess, startService } from '../packages/trace-tools/src/index.ts';
import { startZipkinReceiver } from '../packages/trace-tools/src/zipkin-receiver.ts';

const RUNS = 5;
const RATE = Number(process.env.BENCH_RATE ?? 200);
const RATE_SECONDS = Number(process.env.BENCH_RATE_SECONDS ?? 10);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function rssMb(pid: number | undefined): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return Math.round((kb / 1024) * 10) / 10;
}

async function untilReady(url: string): Promise<void> {
  for (;;) {
    const status = await fetch(`${url}/readyz`).then(
      (response) => response.status,
      () => 0,
    );
    if (status === 200) return;
    await sleep(2);
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

async function footprint(service: ServiceName, zipkinUrl: string) {
  const startups: number[] = [];
  const rss: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const started = performance.now();
    const proc: ServiceProcess = await startService(service, {
      from: 'dist',
      env: { OTEL_EXPORTER_ZIPKIN_ENDPOINT: zipkinUrl, LOOP_MODE: 'off' },
    });
    await untilReady(proc.url);
    startups.push(performance.now() - started);
    await sleep(2000);
    rss.push(rssMb(proc.child.pid));
    await proc.stop();
  }
  return { startupMs: Math.round(median(startups)), rssMb: median(rss) };
}

async function fixedRate(zipkinUrl: string) {
  const env = { OTEL_EXPORTER_ZIPKIN_ENDPOINT: zipkinUrl };
  const backend = await startService('backend', { from: 'dist', env });
  const frontend = await startService('frontend', {
    from: 'dist',
    env: { ...env, TARGET_URL: `${backend.url}/`, LOOP_RATE: String(RATE), LOOP_CONCURRENCY: '64' },
  });
  try {
    const status = async () =>
      (await (await fetch(`${frontend.url}/loop`)).json()) as { sent: number; skipped: number };
    await sleep(1000);
    const first = await status();
    const started = performance.now();
    await sleep(RATE_SECONDS * 1000);
    const last = await status();
    const seconds = (performance.now() - started) / 1000;
    const achieved = (last.sent - first.sent) / seconds;
    return { target: RATE, achieved: Math.round(achieved * 10) / 10, skipped: last.skipped - first.skipped };
  } finally {
    await Promise.all([frontend.stop(), backend.stop()]);
  }
}

const zipkin = await startZipkinReceiver();
try {
  const rows = [];
  for (const service of ['backend', 'frontend'] as const)
    rows.push({ service, ...(await footprint(service, zipkin.url)) });
  const rate = await fixedRate(zipkin.url);
  process.stdout.write('service   start-up to ready (median of 5)   idle RSS\n');
  for (const row of rows) {
    const startup = `${row.startupMs} ms ${row.startupMs <= 500 ? '(goal ≤ 500: met)' : '(goal ≤ 500: NOT met)'}`;
    const rss = `${row.rssMb} MB ${row.rssMb <= 80 ? '(goal ≤ 80: met)' : '(goal ≤ 80: NOT met)'}`;
    process.stdout.write(`${row.service.padEnd(10)}${startup.padEnd(34)}${rss}\n`);
  }
  const error = Math.abs(rate.achieved - rate.target) / rate.target;
  process.stdout.write(
    `frontend fixed rate: ${rate.achieved}/s for a target of ${rate.target}/s over ${RATE_SECONDS} s, ` +
      `${(error * 100).toFixed(2)}% off (goal ≤ 2%: ${error <= 0.02 ? 'met' : 'NOT met'}), ${rate.skipped} ticks skipped\n`,
  );
} finally {
  await zipkin.close();
}
