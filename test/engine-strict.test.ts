/**
 * Installing on a Node that package.json's `engines` does not allow must fail,
 * not warn. pnpm 11+ reads only auth and registry settings from .npmrc, so
 * `engineStrict` has to be in pnpm-workspace.yaml; this installs a probe project
 * with the repository's own workspace file, telling pnpm it runs on an older Node.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, test } from 'vitest';
import { readRepoFile, repoPath } from './helpers/repo.ts';

const run = promisify(execFile);
const engines = (JSON.parse(readRepoFile('package.json')) as { engines: { node: string } }).engines;
const probes: string[] = [];

afterAll(() => {
  for (const dir of probes) rmSync(dir, { recursive: true, force: true });
});

/** `pnpm install` in a project with the repo's engines and workspace settings, as if on Node `nodeVersion`. */
async function installOn(nodeVersion: string, workspaceFile = repoPath('pnpm-workspace.yaml')) {
  const dir = mkdtempSync(join(tmpdir(), 'meshtrace-engines-'));
  probes.push(dir);
  copyFileSync(workspaceFile, join(dir, 'pnpm-workspace.yaml'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'engine-probe', private: true, engines }));
  try {
    // `node-version` is pnpm's own setting for "check engines as if this Node ran".
    await run('pnpm', ['install', '--offline', `--config.node-version=${nodeVersion}`], { cwd: dir, timeout: 60_000 });
    return { ok: true, output: '' };
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${stdout}${stderr}` };
  }
}

describe('engineStrict', () => {
  test('is set where pnpm 11+ reads it: pnpm-workspace.yaml, not .npmrc', () => {
    expect(readRepoFile('pnpm-workspace.yaml')).toMatch(/^engineStrict: true$/m);
  });

  test('an install on Node 22 fails with ERR_PNPM_UNSUPPORTED_ENGINE', async () => {
    expect(engines.node).toBe('>=24.0.0');
    const result = await installOn('22.22.0');
    expect(result.ok).toBe(false);
    expect(result.output).toContain('ERR_PNPM_UNSUPPORTED_ENGINE');
  });

  test('an install on the Node this runs on (24 or later) succeeds', async () => {
    expect((await installOn(process.versions.node)).ok).toBe(true);
  });

  test('without the setting the same install only warns (so the refusal above is the setting at work)', async () => {
    const loose = join(mkdtempSync(join(tmpdir(), 'meshtrace-loose-')), 'pnpm-workspace.yaml');
    probes.push(join(loose, '..'));
    writeFileSync(loose, readRepoFile('pnpm-workspace.yaml').replace(/^engineStrict: true$/m, ''));
    expect((await installOn('22.22.0', loose)).ok).toBe(true);
  });
});
