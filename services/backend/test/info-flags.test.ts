import { runToExit } from '@meshtrace/harness';
import { describe, expect, it } from 'vitest';
import { infoRequestOf } from '../src/info-flags.ts';

/** As http-echo: `-version` and `-h`/`--help` print on stdout and exit 0, without starting a server. */

/** The entry point as the image runs it, with `args` appended as `docker run IMAGE ...args` does. */
function backend(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  // A port nobody could bind: if the flag were ignored, start-up would fail rather than hang.
  return runToExit('backend', { args, env: { PORT: '99999' }, startTimeoutMs: 15_000 });
}

describe('informational flags', () => {
  it('-version prints the service name and version and exits 0', async () => {
    expect(await backend(['-version'])).toEqual({ code: 0, stdout: 'backend 0.1.0\n', stderr: '' });
  });

  it.each([['-h'], ['-help'], ['--help'], ['-text=hi', '--help']])(
    '%s prints the usage and exits 0',
    async (...args) => {
      const { code, stdout, stderr } = await backend(args);
      expect(stderr).toBe('');
      expect(code).toBe(0);
      expect(stdout).toMatch(/^Usage: backend \[flags\]/);
      for (const flag of ['-text=', '-listen=', '-status-code=', '-version', '-h, -help'])
        expect(stdout).toContain(flag);
    },
  );

  it('an unknown flag still stops start-up with exit 1, one line per problem', async () => {
    const { code, stdout, stderr } = await backend(['-verbose']);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    // The PORT=99999 every run here sets is invalid too: all problems are reported at once.
    expect(stderr.trim().split('\n')).toEqual([
      'invalid flag -verbose: expected one of -text, -listen, -status-code',
      'invalid PORT="99999": expected an integer from 0 to 65535',
    ]);
  });

  it('only whole flags count: a value that looks like one is not a request', () => {
    expect(infoRequestOf(['-text=-version'])).toBeUndefined();
    expect(infoRequestOf(['-versions'])).toBeUndefined();
    expect(infoRequestOf(['-text=hi', '-version'])).toBe('version');
  });
});
