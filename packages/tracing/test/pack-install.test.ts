import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startZipkinReceiver, type ZipkinReceiver } from '@meshtrace/harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The package as a user gets it: built, packed with `pnpm pack`, installed
 * from the tarball into an app in a temporary folder outside this repository
 * (so only its declared dependencies are there), and started with
 * `node --import @meshtrace/tracing/register`, as the README says.
 */

const run = promisify(execFile);
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const repo = join(packageDir, '..', '..');
/** The pinned Node and pnpm that ./pnpmw installs; pnpm reuses the store the repository installed from. */
const toolchainPath = [join(repo, '.toolchain', 'pnpm', 'node_modules', '.bin'), join(repo, 'node_modules', '.bin')]
  .concat(process.env.PATH ?? '')
  .join(delimiter);
const env = { ...process.env, PATH: toolchainPath };

/** The README's example, calling a loopback server instead of `backend:5678`. */
const APP = `
import Fastify from 'fastify';
import { pickForwardedHeaders, tracedRequest, tracing } from '@meshtrace/tracing';

const app = Fastify();
await app.register(tracing, { ignore: (request) => request.url === '/healthz' });
app.get('/', async (request) => {
  const answer = await tracedRequest(process.env.TARGET_URL, { headers: pickForwardedHeaders(request.headers), timeoutMs: 2000 });
  return answer.ok ? answer.body : { error: answer.failure };
});
console.log(await app.listen({ host: '127.0.0.1', port: 0 }));
`;

let appDir: string;
let zipkin: ZipkinReceiver;
let target: Server;
let child: ChildProcess | undefined;
let appUrl: string;

beforeAll(async () => {
  zipkin = await startZipkinReceiver();
  target = createServer((_req, res) => res.end('hello from the target'));
  target.listen(0, '127.0.0.1');
  await once(target, 'listening');

  // Fresh dist, then the tarball exactly as `pnpm publish` would make it (catalog: versions resolved).
  await run('tsc', ['--build', packageDir], { env });
  appDir = await mkdtemp(join(tmpdir(), 'meshtrace-pack-'));
  const { stdout } = await run('pnpm', ['pack', '--pack-destination', appDir, '--json'], { cwd: packageDir, env });
  const tarball = (JSON.parse(stdout) as { filename: string }).filename;
  const packed = JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8')) as { version: string };
  expect(tarball).toContain(`meshtrace-tracing-${packed.version}.tgz`);

  // fastify is a peer dependency: the app brings its own, at the version this repository tests.
  const { stdout: fastifyVersion } = await run('pnpm', ['list', 'fastify', '--json', '--depth', '0'], {
    cwd: packageDir,
    env,
  });
  const fastify = (JSON.parse(fastifyVersion) as [{ devDependencies: { fastify: { version: string } } }])[0]
    .devDependencies.fastify.version;
  await writeFile(
    join(appDir, 'package.json'),
    JSON.stringify({
      name: 'pack-install-app',
      version: '1.0.0',
      private: true,
      type: 'module',
      dependencies: { '@meshtrace/tracing': `file:${tarball}`, fastify },
    }),
  );
  await writeFile(join(appDir, 'app.js'), APP);
  // As in this repository: protobufjs (from sdk-node's OTLP exporters, unused) need not run its postinstall.
  await writeFile(join(appDir, 'pnpm-workspace.yaml'), 'allowBuilds:\n  protobufjs: false\n');
  await run('pnpm', ['install', '--prefer-offline', '--no-frozen-lockfile', '--reporter=silent'], { cwd: appDir, env });

  child = spawn(process.execPath, ['--import', '@meshtrace/tracing/register', 'app.js'], {
    cwd: appDir,
    env: {
      PATH: process.env.PATH,
      TARGET_URL: `http://127.0.0.1:${(target.address() as AddressInfo).port}/`,
      OTEL_EXPORTER_ZIPKIN_ENDPOINT: zipkin.url,
      OTEL_BSP_SCHEDULE_DELAY: '50',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // Fastify's listen() resolves with the address, which the app prints as its first line.
  const [firstOutput] = (await once(child.stdout as NodeJS.ReadableStream, 'data')) as [Buffer];
  appUrl = firstOutput.toString().trim();
}, 180_000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
  target?.close();
  await zipkin?.close();
  if (appDir) await rm(appDir, { recursive: true, force: true });
});

describe('@meshtrace/tracing installed from its tarball', () => {
  it('ships only what runs, with only its declared dependencies, and nothing from this repository', async () => {
    const installedDir = join(appDir, 'node_modules', '@meshtrace', 'tracing');
    expect((await readdir(installedDir)).sort()).toEqual(['README.md', 'dist', 'package.json']);
    const shipped = await readdir(join(installedDir, 'dist'));
    expect(shipped.filter((file) => !/\.(?:js|d\.ts)$/.test(file))).toEqual([]);
    const installed = JSON.parse(await readFile(join(installedDir, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      private?: boolean;
    };
    expect(installed.private).toBeUndefined();
    for (const [name, version] of Object.entries(installed.dependencies)) {
      expect(name).not.toMatch(/^@meshtrace\//);
      expect(version).toMatch(/^\d+\.\d+\.\d+$/);
    }
  });

  it('traces a tiny Fastify app: a joined SERVER/CLIENT pair arrives at a Zipkin endpoint', async () => {
    const response = await fetch(appUrl);
    expect(await response.text()).toBe('hello from the target');
    const traceId = String(response.headers.get('traceresponse')).split('-')[1];
    const spans = await zipkin.waitFor((all) => all.filter((span) => span.traceId === traceId).length >= 2);
    const server = spans.find((span) => span.traceId === traceId && span.kind === 'SERVER');
    const client = spans.find((span) => span.traceId === traceId && span.kind === 'CLIENT');
    expect(server?.name).toBe('GET /');
    expect(client?.parentId).toBe(server?.id);
    // Named after the app's own package.json, at its version; uploads carry b3: 0.
    expect(server?.localEndpoint?.serviceName).toBe('pack-install-app');
    expect(server?.tags?.['service.version']).toBe('1.0.0');
    expect(zipkin.uploads.every((headers) => headers.b3 === '0')).toBe(true);
  });
});
