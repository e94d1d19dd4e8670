import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { type ServiceProcess, startService } from '@meshtrace/harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ReadmeCommand, readmeCommands } from './helpers/readme-commands.ts';
import { REPO_ROOT, readRepoFile } from './helpers/repo.ts';

/**
 * Executable docs: every command a README or a page in docs/ tells a user to run is run here as written, from the
 * repository root through `./pnpmw` as a fresh clone would, or its block is marked
 * `<!-- not run by tests: reason -->` (Docker, a cluster). Two things differ from a user's
 * terminal, both on purpose: services started by a command listen on 127.0.0.1 and a free port
 * (HOST, PORT and ADMIN_PORT in the environment, as the brief asks of every test server), and a
 * command that calls `localhost:8080` (frontend), `localhost:9901` (its admin listener) or
 * `localhost:5678` (backend) calls the services this file started instead. Long-running commands are stopped, as Ctrl-C would, once they have
 * shown their first expected output.
 */

const DOCS = [
  'README.md',
  ...readdirSync(`${REPO_ROOT}docs`)
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
  ...['services', 'packages'].flatMap((dir) =>
    readdirSync(`${REPO_ROOT}${dir}`).map((name) => `${dir}/${name}/README.md`),
  ),
].filter((file) => {
  try {
    readRepoFile(file);
    return true;
  } catch {
    return false;
  }
});

const parsed = DOCS.map((file) => readmeCommands(file, readRepoFile(file)));
const commands = parsed.flatMap((p) => p.run);
const skipped = parsed.flatMap((p) => p.skipped);

// --- Running a command as written -------------------------------------------------------------

interface Shell {
  readonly child: ChildProcess;
  output(): string;
  waitFor(pattern: RegExp): Promise<RegExpExecArray>;
  /** Sends `signal` to the command's whole process group (bash, pnpm, node), as Ctrl-C does. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  readonly exit: Promise<number | null>;
}

const running = new Set<Shell>();

function shell(command: string, options: { cwd?: string; env?: Record<string, string> } = {}): Shell {
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
  delete env.FORCE_COLOR;
  const child = spawn('bash', ['-c', command], {
    cwd: options.cwd ?? REPO_ROOT,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    for (const listener of listeners) listener();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exit = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  let exited = false;
  void exit.then(() => {
    exited = true;
    for (const listener of listeners) listener();
  });
  const handle: Shell = {
    child,
    output: () => output,
    exit,
    waitFor(pattern) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(output);
          if (match) {
            listeners.delete(check);
            resolve(match);
          } else if (exited) {
            listeners.delete(check);
            reject(new Error(`${command} exited before ${pattern}:\n${output}`));
          }
        };
        listeners.add(check);
        check();
      });
    },
    async stop(signal = 'SIGINT') {
      if (!exited && child.pid) process.kill(-child.pid, signal);
      const code = await exit;
      running.delete(handle);
      return code;
    },
  };
  running.add(handle);
  return handle;
}

const LISTENING = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/;
const LOOPBACK = { HOST: '127.0.0.1', PORT: '0', ADMIN_PORT: '0' };

/**
 * Starts a service command, checks it answers, then stops it. Its exit code is not judged
 * here: lifecycle.test.ts owns shutdown, and with no collector at the default endpoint the
 * final span flush fails (see the report of issue 10).
 */
async function serves(command: ReadmeCommand, expectAnswer: (url: string) => Promise<void>, cwd?: string) {
  const run = shell(command.command, { ...(cwd ? { cwd } : {}), env: LOOPBACK });
  const [, url = ''] = await run.waitFor(LISTENING);
  await expectAnswer(url);
  await run.stop('SIGTERM');
}

/** A command that stops on its own, whose output must be exactly what the page shows. */
async function printsWhatIsShown(command: ReadmeCommand, code: number) {
  const run = shell(command.command);
  expect(await run.exit).toBe(code);
  expect(run.output().trimEnd()).toBe(command.shownOutput?.trimEnd());
}

// --- Services for the commands that call localhost:8080 and localhost:5678 -----------------------

let backend: ServiceProcess;
let frontend: ServiceProcess;

beforeAll(async () => {
  backend = await startService('backend');
  frontend = await startService('frontend', { env: { TARGET_URL: `${backend.url}/`, LOOP_INTERVAL_MS: '200' } });
});

afterAll(async () => {
  await Promise.all([...running].map((run) => run.stop('SIGKILL')));
  await frontend?.stop();
  await backend?.stop();
});

/**
 * `localhost:8080` and `localhost:5678` in a command become the services started above, and
 * `localhost:9901` (the admin port, which only the frontend's README calls) the frontend's admin listener.
 */
function withTestPorts(command: string): string {
  return command
    .replaceAll('localhost:8080', frontend.url.replace('http://', ''))
    .replaceAll('localhost:5678', backend.url.replace('http://', ''))
    .replaceAll('localhost:9901', (frontend.adminUrl ?? '').replace('http://', ''));
}

async function curlJson(command: ReadmeCommand): Promise<Record<string, unknown>> {
  const run = shell(withTestPorts(command.command));
  expect(await run.exit).toBe(0);
  return JSON.parse(run.output()) as Record<string, unknown>;
}

// --- What each command must do ------------------------------------------------------------------

type Check = (command: ReadmeCommand) => Promise<void>;

/** The demo stops cleanly on Ctrl-C after drawing a joined trace (`joined`: its summary line), its banner as shown. */
const stopsCleanlyAfter =
  (joined: RegExp): Check =>
  async (command) => {
    const run = shell(command.command);
    await run.waitFor(joined);
    if (command.shownOutput) {
      // The banner as shown (up to the first blank line), with this run's ports.
      const banner = command.shownOutput.split('\n\n')[0] ?? '';
      const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      const pattern = banner
        .split(/127\.0\.0\.1:\d+/)
        .map(literal)
        .join('127\\.0\\.0\\.1:\\d+');
      // Nothing before it: no line of pnpm's or npm's.
      expect(run.output()).toMatch(new RegExp(`^${pattern}`));
    }
    expect(await run.stop('SIGINT')).toBe(0);
    expect(run.output()).toMatch(/stopped: frontend exit 0, backend exit 0, backend-2 exit 0/);
    expect(run.output()).toMatch(/traces seen: (\d+) · joined \1 · broken 0/);
  };
const stopsCleanlyWithJoinedTraces = stopsCleanlyAfter(/✔ joined · services frontend, backend, backend-2 · 5 spans/);

const echoes = (text: string) => async (url: string) => {
  expect(await (await fetch(url)).text()).toBe(`${text}\n`);
};

const CHECKS: Readonly<Record<string, Check>> = {
  'README.md: ./pnpmw demo': stopsCleanlyWithJoinedTraces,
  'docs/demo.md: NO_COLOR=1 ./pnpmw demo --interval 1000': stopsCleanlyWithJoinedTraces,
  // The sidecar spans sit between the apps' spans: 9 spans, in call order.
  'docs/demo.md: NO_COLOR=1 ./pnpmw demo --mesh opentelemetry --interval 1000': stopsCleanlyAfter(
    /✔ joined · services frontend, frontend\.meshtrace, backend\.meshtrace, backend,\s+backend-2\.meshtrace, backend-2 · 9 spans/,
  ),
  'docs/configuration.md: PORT=http ./pnpmw --silent --dir services/backend start': (c) => printsWhatIsShown(c, 1),
  'docs/configuration.md: PORT=http LOOP_RATE=fast ./pnpmw --silent --dir services/frontend start': (c) =>
    printsWhatIsShown(c, 1),
  'docs/configuration.md: ./pnpmw --silent --dir services/backend start -status-code=abc': (c) =>
    printsWhatIsShown(c, 1),

  // The options each benchmark command takes, as it prints them (the commands themselves run for minutes).
  'docs/benchmarks.md: ./pnpmw --silent bench --help': (c) => printsWhatIsShown(c, 0),
  'docs/benchmarks.md: ./pnpmw --silent bench:profile --help': (c) => printsWhatIsShown(c, 0),

  'services/backend/README.md: ./pnpmw --silent --dir services/backend start -text="hello"': (c) =>
    serves(c, echoes('hello')),
  'services/backend/README.md: ECHO_TEXT=hello ./pnpmw --silent --dir services/backend start': (c) =>
    serves(c, echoes('hello')),
  'services/backend/README.md: node --import @meshtrace/tracing/register dist/server.js': (c) =>
    serves(c, echoes('hello from backend'), `${REPO_ROOT}services/backend`),

  'services/frontend/README.md: TARGET_URL=http://localhost:5678/ ./pnpmw --silent --dir services/frontend start': (
    c,
  ) =>
    serves({ ...c, command: withTestPorts(c.command) }, async (url) => {
      const answer = (await (await fetch(`${url}/`)).json()) as { target: { status: number } };
      expect(answer.target.status).toBe(200);
    }),
  'services/frontend/README.md: node --import @meshtrace/tracing/register dist/server.js': (c) =>
    serves(
      c,
      async (url) => {
        expect((await fetch(`${url}/healthz`)).status).toBe(200);
      },
      `${REPO_ROOT}services/frontend`,
    ),
  'services/frontend/README.md: curl -s localhost:8080/loop': async (c) => {
    expect(await curlJson(c)).toMatchObject({ mode: 'generate', state: 'running' });
  },
  "services/frontend/README.md: curl -s localhost:9901/loop -H 'content-type: application/json' -d '{\"rate\": 20}'":
    async (c) => {
      expect(await curlJson(c)).toMatchObject({ rate: 20 });
    },
  "services/frontend/README.md: curl -s localhost:8080/ -H 'x-b3-traceid: 463ac35c9f6413ad48485a3953bb6124' -H 'x-b3-spanid: a2fb4a1d1a96d312' -H 'x-b3-sampled: 1'":
    async (c) => {
      expect(await curlJson(c)).toMatchObject({
        trace_id: '463ac35c9f6413ad48485a3953bb6124',
        target: { status: 200 },
      });
    },

  // The tracing package's start line, run in a service's folder as its README means it.
};

const keyOf = (command: ReadmeCommand) => `${command.file}: ${command.command}`;

describe('documented commands', () => {
  it('every command is checked below, or its block says why tests cannot run it', () => {
    expect(commands.map(keyOf).sort()).toEqual(Object.keys(CHECKS).sort());
    for (const block of skipped) expect(block.reason, `${block.file}:${block.line}`).toMatch(/\w{3,}/);
  });

  it.each(commands.map((command) => [`${command.file}:${command.line} ${command.command}`, command] as const))(
    '%s',
    async (_name, command) => {
      const check = CHECKS[keyOf(command)];
      if (!check) throw new Error(`no check for ${keyOf(command)}`);
      await check(command);
    },
    90_000,
  );
});
