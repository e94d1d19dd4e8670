import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './helpers/repo.ts';

const run = promisify(execFile);

/**
 * `./pnpmw` on a first install says what it is doing: one line per phase with its time; before
 * the tests it names the browser, manifest renderer and curl they will use, or stops. The
 * copy below is the repository's files as a clone has them (no node_modules, no dist); only
 * .toolchain is linked from this checkout, so the test needs no Node download.
 */

let copy: string | undefined;
afterAll(() => {
  if (copy) rmSync(copy, { recursive: true, force: true });
});

describe('./pnpmw on a fresh clone', () => {
  it('prints one line per phase (Node, pnpm, dependencies, build) with how long it took', async () => {
    copy = mkdtempSync(join(tmpdir(), 'meshtrace-clone-'));
    const { stdout: files } = await run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
      cwd: REPO_ROOT,
      maxBuffer: 16 * 1024 * 1024,
    });
    for (const file of files.split('\0').filter(Boolean)) {
      try {
        cpSync(join(REPO_ROOT, file), join(copy, file), { recursive: true });
      } catch {
        // A file deleted but not yet committed: a clone would not have it either.
      }
    }
    symlinkSync(join(REPO_ROOT, '.toolchain'), join(copy, '.toolchain'));

    const { stderr } = await run(join(copy, 'pnpmw'), ['install'], { cwd: copy, maxBuffer: 16 * 1024 * 1024 });
    const lines = stderr.trimEnd().split('\n');
    const phase = (name: string) => new RegExp(`^pnpmw: ${name}: .+, \\d+\\.\\d s$`);
    expect(lines.filter((line) => /^pnpmw: \w+: .+, \d+\.\d s$/.test(line))).toHaveLength(4);
    expect(lines.find((line) => phase('Node').test(line))).toMatch(/^pnpmw: Node: v\d+\.\d+\.\d+ found/);
    expect(lines.find((line) => phase('pnpm').test(line))).toBeDefined();
    expect(lines.find((line) => phase('dependencies').test(line))).toBeDefined();
    expect(lines.find((line) => phase('build').test(line))).toBeDefined();
    expect(lines.at(-1)).toBe(
      'pnpmw: ready: start a service with ./pnpmw --silent --dir services/<name> start, or run ./pnpmw demo',
    );

    // Once installed, a command's output is its own: no phase lines.
    const again = await run(join(copy, 'pnpmw'), ['--silent', 'exec', 'node', '-e', ''], { cwd: copy });
    expect(again.stderr).toBe('');

    // The tools the tests need, found (this machine has them) and announced one line each.
    const tools = await run(join(copy, 'pnpmw'), ['test-tools'], { cwd: copy });
    expect(tools.stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(/^pnpmw: browser: \/\S+ (found|from CHROMIUM_PATH), \d+\.\d s$/),
      expect.stringMatching(/^pnpmw: manifests: \/\S+\/(kubectl|kustomize) found, \d+\.\d s$/),
      expect.stringMatching(/^pnpmw: curl: \/\S+\/curl found, \d+\.\d s$/),
    ]);
    // A browser named but not there: one line saying what to do, at once, before any test runs.
    const refused = await run(join(copy, 'pnpmw'), ['check'], {
      cwd: copy,
      env: { ...process.env, CHROMIUM_PATH: '/nowhere/chromium' },
    }).catch((error: { code: number; stderr: string; stdout: string }) => error);
    expect(refused).toMatchObject({
      code: 1,
      stdout: '',
      stderr:
        'pnpmw: CHROMIUM_PATH=/nowhere/chromium is not an executable file: point it at Chromium or Chrome, or unset it\n',
    });
  }, 240_000);
});
