import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { type ServiceProcess, serviceCommand, startService } from '../src/service-process.ts';

const run = promisify(execFile);

/** Command lines of every process on the machine that carries `marker`. */
async function processesWith(marker: string): Promise<string[]> {
  const { stdout } = await run('ps', ['-eo', 'args']);
  return stdout.split('\n').filter((line) => line.includes(marker) && !line.includes('ps -eo'));
}

let started: ServiceProcess | undefined;
afterEach(async () => {
  await started?.stop();
  started = undefined;
});

describe('serviceCommand', () => {
  it("runs the package.json script: `start` for dist, `dev` for the sources, Node's own options first", () => {
    expect(serviceCommand('backend', { from: 'dist', nodeArgs: ['--cpu-prof'] }).argv).toEqual([
      '--cpu-prof',
      '--import',
      '@meshtrace/tracing/register',
      'dist/server.js',
    ]);
    expect(serviceCommand('frontend').argv).toEqual([
      '--conditions=source',
      '--import',
      '@meshtrace/tracing/register',
      'src/server.ts',
    ]);
  });

  it('refuses a folder without the entry point', () => {
    expect(() => serviceCommand('backend', { from: 'dist', cwd: '/nowhere' })).toThrow(
      'cannot find /nowhere/dist/server.js',
    );
  });
});

describe('startService', () => {
  it('resolves once both listeners are up, on free loopback ports', async () => {
    started = await startService('backend');
    expect(started.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${started.url}/healthz`)).status).toBe(200);
    expect(started.adminUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await started.stop()).toBe(0);
  });

  it('a service that exits before listening: rejects with its exit code and last lines', async () => {
    await expect(startService('backend', { env: { PORT: '99999', OTEL_SERVICE_NAME: 'backend-2' } })).rejects.toThrow(
      /^backend-2 exited \(code 1\) before it became ready; its last lines:\n {2}invalid PORT="99999"/,
    );
  });

  it('a service that is not ready in time is killed before the start rejects: nothing is left running', async () => {
    const marker = `-text=${randomUUID()}`;
    await expect(startService('backend', { args: [marker], startTimeoutMs: 50 })).rejects.toThrow(
      /^backend did not become ready within 0\.05 s: it printed nothing yet/,
    );
    expect(await processesWith(marker)).toEqual([]);
  });

  it('keepLines keeps only the last lines of a long-running service', async () => {
    started = await startService('backend', { keepLines: 2 });
    for (let i = 0; i < 5; i++) await (await fetch(`${started.url}/request-${i}`)).arrayBuffer();
    await expect.poll(() => started?.logs.at(-1)?.url).toBe('/request-4');
    expect(started.logs).toHaveLength(2);
    expect(started.output().split('\n')).toHaveLength(2);
  });
});
