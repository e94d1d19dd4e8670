/**
 * What the images run, without Docker: the Dockerfile's build and
 * `pnpm deploy --prod` into a temporary folder, then each service started from
 * that folder with the image's ENTRYPOINT. Proves the deployed folder has everything
 * it needs at run time (and nothing from devDependencies), and that a real
 * request's spans reach a Zipkin endpoint.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import {
  type ServiceProcess,
  serviceOf,
  startService,
  startZipkinReceiver,
  type ZipkinReceiver,
  type ZipkinSpan,
} from '@meshtrace/harness';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BUILD_COMMAND, deployCommand } from './helpers/commands.ts';
import { parseDockerfile, stageNamed } from './helpers/dockerfile.ts';
import { eventually } from './helpers/eventually.ts';
import { REPO_ROOT, readRepoFile } from './helpers/repo.ts';
import { SERVICES } from './helpers/services.ts';

const run = promisify(execFile);

/** Packages that exist only for development; none may reach an image, at any depth. */
const DEV_ONLY = ['vitest', 'typescript', '@biomejs', '@types'] as const;
/** What nothing runs: the pruning RUN line in the Dockerfile removes these after `pnpm deploy`. */
const NOT_RUN = /(^|\/)(pnpm-lock\.yaml|pnpm-workspace\.yaml|lock\.yaml|\.modules\.yaml)$|\.d\.[cm]?ts$|\.map$/;

/** The Dockerfile's own pruning line (`RUN rm ... /deploy/... && find /deploy ...`), aimed at `dir` instead of /deploy. */
function pruneCommand(dir: string): string {
  const dockerfile = parseDockerfile(readRepoFile('Dockerfile'));
  const line = dockerfile.stages
    .flatMap((stage) => stage.instructions)
    .find((i) => i.keyword === 'RUN' && i.args.includes('find /deploy'));
  if (!line) throw new Error('the Dockerfile has no RUN line pruning /deploy');
  return line.args.replaceAll('/deploy', dir);
}

/** The RUN line of `{service}-compile-cache` that fills the image's compile cache, aimed at `cache`. */
function compileCacheCommand(service: string, cache: string): string {
  const stage = stageNamed(parseDockerfile(readRepoFile('Dockerfile')), `${service}-compile-cache`);
  const line = stage.instructions.find((i) => i.keyword === 'RUN');
  if (!line) throw new Error(`the ${service}-compile-cache stage has no RUN line`);
  return line.args.replaceAll('/tmp/compile-cache', cache);
}

function filesIn(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

async function pnpm(args: readonly string[]): Promise<void> {
  const [program = 'pnpm', ...rest] = args;
  try {
    await run(program, rest, { cwd: REPO_ROOT, timeout: 90_000 });
  } catch (error) {
    const { code, stderr, stdout } = error as { code?: string; stderr?: string; stdout?: string };
    if (code === 'ENOENT') throw new Error('pnpm is not on PATH: install the version in package.json packageManager');
    throw new Error(`\`${args.join(' ')}\` failed:\n${stdout ?? ''}${stderr ?? ''}`);
  }
}

/**
 * The image's ENTRYPOINT (test/dockerfile.test.ts pins it to the start script) run with this Node
 * in the deployed folder; SIGKILL if a stop takes over 5 s.
 */
const asTheImage = (dir: string) => ({ from: 'dist', cwd: dir, killAfterMs: 5_000 }) as const;

let workDir: string;
let receiver: ZipkinReceiver;
const running: ServiceProcess[] = [];
const deployed: Record<string, string> = {};

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'meshtrace-deploy-'));
  receiver = await startZipkinReceiver();
  await pnpm(BUILD_COMMAND);
  for (const service of SERVICES) {
    deployed[service.name] = join(workDir, service.name);
    await pnpm(deployCommand(service.dir, deployed[service.name] ?? ''));
  }
  await run('sh', ['-c', pruneCommand(workDir)]);
}, 120_000);

afterAll(async () => {
  await Promise.all(running.map((service) => service.stop()));
  await receiver?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
}, 20_000);

describe('pnpm deploy --prod, pruned as the Dockerfile prunes it', () => {
  test.each(SERVICES)('$name gets its built code and no development packages', (service) => {
    const dir = deployed[service.name] ?? '';
    expect(existsSync(join(dir, 'dist/server.js'))).toBe(true);
    for (const name of DEV_ONLY) expect(existsSync(join(dir, 'node_modules', name)), name).toBe(false);
    // @types/node used to arrive through protobufjs (pnpm-workspace.yaml overrides it away).
    const store = readdirSync(join(dir, 'node_modules/.pnpm'));
    for (const prefix of DEV_ONLY) {
      const flat = prefix.replace('/', '+');
      expect(
        store.filter((entry) => entry.startsWith(`${flat}@`) || entry.startsWith(`${flat}+`)),
        prefix,
      ).toEqual([]);
    }
  });

  test.each(SERVICES)('$name keeps no lockfile, workspace file, type definitions or source maps', (service) => {
    const dir = deployed[service.name] ?? '';
    expect(filesIn(dir).filter((file) => NOT_RUN.test(file))).toEqual([]);
    // Licences stay with the code they cover.
    expect(filesIn(join(dir, 'node_modules/.pnpm')).some((file) => /\/LICEN[CS]E/i.test(file))).toBe(true);
  });
});

describe('the deployed services, started as the image starts them', () => {
  let backend: ServiceProcess;
  let frontend: ServiceProcess;

  beforeAll(async () => {
    const tracing = {
      OTEL_EXPORTER_ZIPKIN_ENDPOINT: receiver.url,
      OTEL_BSP_SCHEDULE_DELAY: '100',
      HOST: '127.0.0.1',
      PORT: '0',
      ADMIN_PORT: '0',
    };
    backend = await startService('backend', { ...asTheImage(deployed.backend ?? ''), env: tracing });
    running.push(backend);
    frontend = await startService('frontend', {
      ...asTheImage(deployed.frontend ?? ''),
      env: { ...tracing, TARGET_URL: `${backend.url}/`, LOOP_MODE: 'off' },
    });
    running.push(frontend);
  }, 30_000);

  test('both answer /healthz', async () => {
    for (const service of [backend, frontend]) {
      const response = await request(`${service.url}/healthz`);
      expect(response.statusCode, service.output()).toBe(200);
      expect(await response.body.json()).toEqual({ status: 'ok' });
    }
  });

  test("the frontend's deployed folder serves the /ui/ page and every asset it loads", async () => {
    const page = await request(`${frontend.url}/ui/`);
    expect(page.statusCode, frontend.output()).toBe(200);
    const html = await page.body.text();
    const assets = [...html.matchAll(/(?:src|href)="([\w-]+\.(?:js|css))"/g)].map((match) => match[1]);
    expect(assets).toEqual(expect.arrayContaining(['style.css', 'main.js']));
    for (const asset of assets) {
      const response = await request(`${frontend.url}/ui/${asset}`);
      expect(response.statusCode, `${asset}\n${frontend.output()}`).toBe(200);
      const text = await response.body.text();
      // Every module main.js imports ships too.
      for (const [, imported] of text.matchAll(/from '\.\/([\w-]+\.js)'/g))
        expect((await request(`${frontend.url}/ui/${imported}`)).statusCode, imported).toBe(200);
    }
  });

  test('a request through both reports one trace to Zipkin, backend span under the frontend call', async () => {
    const response = await request(`${frontend.url}/`);
    expect(response.statusCode, frontend.output()).toBe(200);
    const { trace_id: traceId } = (await response.body.json()) as { trace_id: string };
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);

    const inTrace = (spans: readonly ZipkinSpan[]) => spans.filter((span) => span.traceId === traceId);
    const spans = inTrace(
      await receiver.waitFor((all) => {
        const mine = inTrace(all);
        return (
          mine.some((s) => serviceOf(s) === 'backend') && mine.filter((s) => serviceOf(s) === 'frontend').length >= 2
        );
      }, 10_000),
    );
    const frontendServer = spans.find((s) => serviceOf(s) === 'frontend' && s.kind === 'SERVER');
    const frontendClient = spans.find((s) => serviceOf(s) === 'frontend' && s.kind === 'CLIENT');
    const backendServer = spans.find((s) => serviceOf(s) === 'backend' && s.kind === 'SERVER');
    expect(frontendServer).toBeDefined();
    expect(frontendClient?.parentId).toBe(frontendServer?.id);
    expect(backendServer?.parentId).toBe(frontendClient?.id);
  });
});

describe("the images' compile cache, filled as the build fills it", () => {
  test.each(SERVICES)('$name starts from the code its build compiled', async (service) => {
    const dir = deployed[service.name] ?? '';
    const cache = join(workDir, `${service.name}-compile-cache`);
    // The build runs `node` from the image: here, this Node, whose version keys the cache.
    await run('sh', ['-c', compileCacheCommand(service.name, cache)], {
      cwd: dir,
      env: { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` },
      timeout: 30_000,
    });
    const started = await startService(service.name, {
      ...asTheImage(dir),
      env: {
        HOST: '127.0.0.1',
        PORT: '0',
        ADMIN_PORT: '0',
        TARGET_URL: 'http://127.0.0.1:9/',
        LOOP_MODE: 'off',
        NODE_COMPILE_CACHE: cache,
        // Node's own trace of what it read from the cache and whether V8 took it.
        NODE_DEBUG_NATIVE: 'COMPILE_CACHE',
      },
    });
    running.push(started);
    // Node's trace goes to stderr, "listening" to stdout: the two pipes are read in no fixed
    // order, so wait for the line about app.js (loaded before the service listens) to be read.
    await eventually(() => /dist\/app\.js was (accepted|rejected)/.test(started.output()), 'the trace of app.js');
    const log = started.output();
    expect(log).toMatch(/V8 code cache for ESM file:\/\/\S+\/dist\/app\.js was accepted/);
    expect(log).toMatch(/V8 code cache for ESM file:\/\/\S+\/@opentelemetry\/sdk-node\/\S+ was accepted/);
    expect(log).not.toMatch(/was rejected/);
  });
});
