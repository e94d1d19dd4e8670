import { once } from 'node:events';
import { type AddressInfo, createServer } from 'node:net';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { type CliRun, ensureStopped, runCli } from './helpers/run-cli.ts';

let run: CliRun | undefined;
afterEach(() => ensureStopped(run));

/** The frontend's URL from the demo's header line. */
function frontendUrl(output: string): string {
  const url = /frontend (http:\/\/127\.0\.0\.1:\d+\/)/.exec(output)?.[1];
  if (!url) throw new Error(`no frontend URL in:\n${output}`);
  return url;
}

async function refused(url: string): Promise<boolean> {
  try {
    const { body } = await request(url);
    await body.dump();
    return false;
  } catch (error) {
    return (error as { code?: string }).code === 'ECONNREFUSED';
  }
}

describe('pnpm demo', () => {
  it('draws a joined trace across frontend, backend and backend-2, and stops cleanly on SIGINT', async () => {
    // A dead forward target must not break the demo.
    run = runCli('demo-cli.ts', [
      '--interval',
      '200',
      '--quiet',
      '300',
      '--forward',
      'http://127.0.0.1:9/api/v2/spans',
    ]);
    await run.waitForOutput(/✔ joined · services frontend, backend, backend-2 · 5 spans/);
    const out = run.stdout();
    // Where to look: the page, on its own line under the banner.
    expect(out).toContain(`\nPropagation explorer: ${frontendUrl(out)}ui/\n`);
    expect(out).toMatch(/^trace [0-9a-f]{32}$/m);
    expect(out).toMatch(/^ {2}loop tick\s+frontend\s+INTERNAL\s+[\d.]+ m?s\s+ok/m);
    expect(out).toMatch(/^ {2}└─ GET\s+frontend\s+CLIENT/m);
    expect(out).toMatch(/^ {5}└─ GET \/\*\s+backend\s+SERVER/m);
    expect(out).toMatch(/^ {8}└─ GET\s+backend\s+CLIENT/m);
    expect(out).toMatch(/^ {11}└─ GET \/\*\s+backend-2\s+SERVER/m);
    expect(out).toMatch(/forward failed to http:\/\/127\.0\.0\.1:9\/api\/v2\/spans: ECONNREFUSED/);
    expect(out).not.toContain('\u001b[');

    run.child.kill('SIGINT');
    const { code } = await run.exit;
    const final = run.stdout();
    expect(final).toContain('SIGINT: stopping every process');
    expect(final).toContain('stopped: frontend exit 0, backend exit 0, backend-2 exit 0');
    expect(final).toMatch(/traces seen: (\d+) · joined \1 · broken 0\n$/);
    expect(code).toBe(0);
    expect(await refused(frontendUrl(final))).toBe(true);
  });

  it('draws the same joined trace with --exporter otlp: every service exports OTLP/HTTP to the built-in endpoint', async () => {
    run = runCli('demo-cli.ts', ['--interval', '200', '--quiet', '300', '--exporter', 'otlp']);
    await run.waitForOutput(/✔ joined · services frontend, backend, backend-2 · 5 spans/);
    expect(run.stdout()).toMatch(/OTLP endpoint\s+http:\/\/127\.0\.0\.1:\d+\/v1\/traces/);
    run.child.kill('SIGINT');
    const { code } = await run.exit;
    expect(run.stdout()).toMatch(/traces seen: (\d+) · joined \1 · broken 0\n$/);
    expect(code).toBe(0);
  });

  it('shows a broken trace with --propagation-off', async () => {
    run = runCli('demo-cli.ts', ['--interval', '200', '--quiet', '300', '--propagation-off']);
    await run.waitForOutput(/✘ broken · services frontend, backend · 4 spans[^\n]*\n\s+↳ no span from backend-2/);
    await run.waitForOutput(/✘ broken · services backend-2 · 1 span/);
    // The banner wraps at 80 columns (a pipe has no width), so the URL may start a new line.
    expect(run.stdout()).toMatch(/backend\s+http:\/\//);
    expect(run.stdout()).toContain('[PROPAGATION=off]');
    expect(run.stdout()).toMatch(/↳ nothing continues backend "GET" \(CLIENT\) to http:\/\/127\.0\.0\.1:\d+\//);
    expect(run.stdout()).toMatch(/↳ the trace starts at backend-2 "GET \/\*" \(SERVER\), not at frontend/);
    run.child.kill('SIGINT');
    const { code } = await run.exit;
    expect(run.stdout()).toMatch(/traces seen: \d+ · joined 0 · broken [1-9]\d*\n$/);
    expect(code).toBe(0);
  });

  it('puts the frontend on --frontend-port, and says why when it cannot start there', async () => {
    const taken = createServer();
    taken.listen(0, '127.0.0.1');
    await once(taken, 'listening');
    const { port } = taken.address() as AddressInfo;
    try {
      run = runCli('demo-cli.ts', ['--frontend-port', String(port)]);
      expect((await run.exit).code).toBe(1);
      // The service's own last lines say what went wrong: the port is taken.
      expect(run.stderr()).toMatch(
        /^demo could not start: frontend exited \(code 1\) before it became ready; its last lines:\n(.*\n)*.*EADDRINUSE/,
      );
      expect(run.stdout()).toBe('');
    } finally {
      taken.close();
    }
    run = runCli('demo-cli.ts', ['--frontend-port', String(port), '--interval', '200']);
    await run.waitForOutput(new RegExp(`Propagation explorer: http://127\\.0\\.0\\.1:${port}/ui/\n`));
    expect((await request(`http://127.0.0.1:${port}/ui/`)).statusCode).toBe(200);
    run.child.kill('SIGINT');
    expect((await run.exit).code).toBe(0);
  }, 40_000);

  it('prints --help naming the command the user ran, and rejects a bad flag with exit 2 and a one-line hint', async () => {
    run = runCli('demo-cli.ts', ['--help'], { MESHTRACE_RUNNER: './pnpmw' });
    expect((await run.exit).code).toBe(0);
    expect(run.stdout()).toMatch(/^Usage: \.\/pnpmw demo \[options\]\n/);
    expect(run.stdout()).toContain('--propagation-off');
    run = runCli('demo-cli.ts', ['--backends', '0'], { MESHTRACE_RUNNER: './pnpmw' });
    expect((await run.exit).code).toBe(2);
    expect(run.stderr()).toBe(
      'invalid --backends="0": expected an integer from 1 to 9\nRun ./pnpmw demo --help to see every option.\n',
    );
    expect(run.stdout()).toBe('');
    // Run through pnpm itself, the usage says so.
    run = runCli('demo-cli.ts', ['--help'], { MESHTRACE_RUNNER: '' });
    expect((await run.exit).code).toBe(0);
    expect(run.stdout()).toMatch(/^Usage: pnpm demo \[options\]\n/);
  });
});
