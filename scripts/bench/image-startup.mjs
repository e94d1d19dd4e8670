/**
 * Start-up inside the backend image, as it ships (its compile cache, its
 * NODE_ENV, its user): run by scripts/bench-image-startup.sh in a container,
 * never on the host. It starts the image's own entry point STARTS times with
 * tracing on and with OTEL_SDK_DISABLED=true, alternating, and times spawn →
 * the first 200 from /readyz, as the bench's startup part does from dist/.
 * It also times what loading @opentelemetry/sdk-node alone costs a bare Node.
 * Prints one JSON object.
 */
import { spawn, spawnSync } from 'node:child_process';
import { get } from 'node:http';

const STARTS = Number(process.env.STARTS ?? 10);
const ENTRY = ['--import', '@meshtrace/tracing/register', 'dist/server.js'];
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const status = (url) =>
  new Promise((resolve) => {
    get(url, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    }).once('error', () => resolve(0));
  });
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

async function startOnce(env, port) {
  const started = performance.now();
  const child = spawn(process.execPath, ENTRY, {
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', ADMIN_PORT: '0', LOG_LEVEL: 'info' },
    stdio: 'ignore',
  });
  while ((await status(`http://127.0.0.1:${port}/readyz`)) !== 200) await sleep(2);
  const readyMs = performance.now() - started;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
  return readyMs;
}

/** Wall-clock ms of `node --input-type=module -e CODE` from `cwd`, median of STARTS. */
function nodeEval(code, cwd) {
  const runs = [];
  for (let i = 0; i < STARTS; i++) {
    const started = performance.now();
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd, stdio: 'inherit' });
    if (result.status !== 0) throw new Error(`node -e failed: ${code}`);
    runs.push(performance.now() - started);
  }
  return median(runs);
}

const readyMs = { on: [], off: [] };
for (let i = 0; i < STARTS; i++) {
  const order = i % 2 === 0 ? ['on', 'off'] : ['off', 'on'];
  for (const kind of order) {
    const env = kind === 'off' ? { OTEL_SDK_DISABLED: 'true' } : {};
    readyMs[kind].push(await startOnce(env, 5700 + (i % 50) * 2 + (kind === 'on' ? 0 : 1)));
  }
}
// From the tracing package's folder, where @opentelemetry/sdk-node resolves (pnpm deploy keeps it there).
const tracingDir = '/app/node_modules/@meshtrace/tracing';
const bareNode = nodeEval('', tracingDir);
const sdkNode = nodeEval("await import('@opentelemetry/sdk-node')", tracingDir);
process.stdout.write(
  `${JSON.stringify({
    starts: STARTS,
    compileCache: process.env.NODE_COMPILE_CACHE ?? null,
    readyMs: { on: median(readyMs.on), off: median(readyMs.off) },
    runs: readyMs,
    nodeAloneMs: bareNode,
    sdkNodeImportMs: sdkNode - bareNode,
  })}\n`,
);
