/**
 * .github/workflows/images.yml, checked by a validator built for GitHub Actions
 * (@action-validator/cli, against GitHub's workflow schema, offline), then against
 * the repository: the smoke test it runs, the images it builds, what it pushes.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, test } from 'vitest';
import { parseDockerfile } from './helpers/dockerfile.ts';
import { readPackageJson, readRepoFile, readRepoYaml, repoPath } from './helpers/repo.ts';
import { SERVICES } from './helpers/services.ts';

const run = promisify(execFile);
const WORKFLOW = '.github/workflows/images.yml';
const scratch = mkdtempSync(join(tmpdir(), 'meshtrace-workflow-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Step {
  readonly uses?: string;
  readonly run?: string;
  readonly with?: Readonly<Record<string, string>>;
}
interface Job {
  readonly if?: string;
  readonly needs?: readonly string[];
  readonly permissions?: Readonly<Record<string, string>>;
  readonly strategy?: { readonly matrix: { readonly target: readonly string[] } };
  readonly steps: readonly Step[];
}
const workflow = readRepoYaml<{ on: Record<string, unknown>; jobs: Record<string, Job> }>(WORKFLOW);

async function validate(path: string): Promise<{ ok: boolean; output: string }> {
  try {
    await run(repoPath('node_modules/.bin/action-validator'), [path], { timeout: 30_000 });
    return { ok: true, output: '' };
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${stdout}${stderr}` };
  }
}

/** A GitHub Actions expression, `${{ ... }}`, as written in the workflow. */
const expression = (text: string) => `\${{ ${text} }}`;

function step(job: Job, action: string): Step {
  const found = job.steps.find((s) => s.uses?.startsWith(`${action}@`));
  if (!found) throw new Error(`no ${action} step`);
  return found;
}

describe('the workflow schema', () => {
  test(`${WORKFLOW} is a valid GitHub Actions workflow`, async () => {
    expect(await validate(repoPath(WORKFLOW))).toEqual({ ok: true, output: '' });
  });

  test('the validator rejects a misspelt key (the check is real)', async () => {
    const broken = join(scratch, 'broken.yml');
    writeFileSync(broken, readRepoFile(WORKFLOW).replace('runs-on:', 'runs_on:'));
    const result = await validate(broken);
    expect(result.ok).toBe(false);
    expect(result.output).toContain('runs_on');
  });
});

describe('what it runs', () => {
  test('every action is pinned by a full commit SHA, with the release tag it is in a comment', () => {
    const uses = readRepoFile(WORKFLOW)
      .split('\n')
      .filter((line) => /^\s*(?:- )?uses:/.test(line));
    expect(uses.length).toBeGreaterThanOrEqual(6);
    for (const line of uses) expect(line).toMatch(/uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
  });

  test('every push and pull request runs the checks and the Compose smoke test', () => {
    expect(Object.keys(workflow.on).sort()).toEqual(['pull_request', 'push']);
    expect(workflow.jobs.check?.steps.map((s) => s.run)).toContain('.ci/run');
    expect(workflow.jobs['compose-smoke']?.steps.map((s) => s.run)).toContain('./pnpmw compose:smoke');
  });

  test('pnpm compose:smoke builds, waits for health, verifies a joined trace in Jaeger, and tears down', () => {
    expect(readPackageJson('package.json').scripts?.['compose:smoke']).toBe('bash scripts/compose-smoke.sh');
    const script = readRepoFile('scripts/compose-smoke.sh');
    expect(script).toMatch(/up -d --build --wait\b/);
    expect(script).toContain('packages/trace-tools/src/verify-cli.ts');
    expect(script).toContain('--expect frontend,backend,backend-2');
    expect(script).toMatch(/trap teardown EXIT/);
    expect(script).toMatch(/down --volumes --remove-orphans/);
  });

  const publish = workflow.jobs.publish as Job;

  test('publishes only for a version tag, after the checks and the smoke test passed', () => {
    expect(publish.if).toBe("startsWith(github.ref, 'refs/tags/v')");
    expect([...(publish.needs ?? [])].sort()).toEqual(['check', 'compose-smoke']);
    expect(publish.permissions).toEqual({ contents: 'read', packages: 'write' });
  });

  test('one image per Dockerfile service target', () => {
    const stages = parseDockerfile(readRepoFile('Dockerfile')).stages.map((s) => s.name);
    const targets = publish.strategy?.matrix.target ?? [];
    expect([...targets].sort()).toEqual(SERVICES.map((s) => s.name).sort());
    for (const target of targets) expect(stages).toContain(target);
    expect(step(publish, 'docker/build-push-action').with?.target).toBe(expression('matrix.target'));
  });

  test('builds linux/amd64 and linux/arm64 with buildx, and pushes', () => {
    const build = step(publish, 'docker/build-push-action').with ?? {};
    expect(build.platforms?.split(',').sort()).toEqual(['linux/amd64', 'linux/arm64']);
    expect(String(build.push)).toBe('true');
    step(publish, 'docker/setup-buildx-action');
    step(publish, 'docker/setup-qemu-action');
  });

  test('to GHCR by default, with OCI labels for source, version, revision and licenses', () => {
    expect(readRepoFile(WORKFLOW)).toMatch(/REGISTRY: \$\{\{ vars\.REGISTRY \|\| 'ghcr\.io' \}\}/);
    const meta = step(publish, 'docker/metadata-action').with ?? {};
    // metadata-action writes org.opencontainers.image.{source,version,revision,created}; licenses is set here.
    const license = (JSON.parse(readRepoFile('package.json')) as { license: string }).license;
    expect(meta.labels).toContain(`org.opencontainers.image.licenses=${license}`);
    const build = step(publish, 'docker/build-push-action').with ?? {};
    expect(build.labels).toBe(expression('steps.meta.outputs.labels'));
    expect(build.tags).toBe(expression('steps.meta.outputs.tags'));
  });
});
