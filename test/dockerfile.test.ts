/**
 * The Dockerfile, read and checked against the repository: no engine is needed.
 * What it would build is exercised for real by production-install.test.ts.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { BUILD_COMMAND, deployCommand } from './helpers/commands.ts';
import {
  baseImageOf,
  copySources,
  effectiveInstructions,
  parseDockerfile,
  stageChain,
  stageNamed,
} from './helpers/dockerfile.ts';
import { classicContext, isIgnored, parseDockerignore, perFileContext } from './helpers/dockerignore.ts';
import { readPackageJson, readRepoFile, repoFileExists, repoPath } from './helpers/repo.ts';
import { SERVICES, type ServiceInfo } from './helpers/services.ts';

const dockerfile = parseDockerfile(readRepoFile('Dockerfile'));
const ignoreRules = parseDockerignore(readRepoFile('.dockerignore'));
const stageNames = new Set(dockerfile.stages.map((stage) => stage.name));
// Installed and local folders are never walked (the verdicts on them are checked below).
const unwalked = (dir: string) => /(^|\/)(node_modules|\.git|\.toolchain)$/.test(dir);
const perFile = perFileContext(ignoreRules, repoPath('.'), unwalked).sort();
/** The context a classic builder (Docker 20.10, buildah, Compose v1) sends. */
const classic = classicContext(ignoreRules, repoPath('.'), unwalked).sort();
const runLines = dockerfile.stages.flatMap((stage) => stage.instructions.filter((i) => i.keyword === 'RUN'));

/** Every file under `dir` (relative to the repo), skipping installed and built output. */
function filesUnder(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(repoPath(dir))) {
    if (entry === 'node_modules' || entry === 'dist' || entry === '.git') continue;
    const path = join(dir, entry);
    if (statSync(repoPath(path)).isDirectory()) files.push(...filesUnder(path));
    else files.push(path);
  }
  return files;
}

/** The start command the service's README documents, else its package.json `start` script. */
function documentedStartCommand(service: ServiceInfo): string {
  const readme = `${service.dir}/README.md`;
  if (!repoFileExists(readme)) return service.startScript;
  const line = readRepoFile(readme)
    .split('\n')
    .map((text) => text.trim().replace(/^\$\s+/, ''))
    .find((text) => text.startsWith('node --import '));
  if (!line) throw new Error(`${readme} documents no \`node --import ...\` start command`);
  return line;
}

function execForm(args: string): string[] {
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((word) => typeof word === 'string'))
    throw new Error(`expected an exec-form JSON array, got ${args}`);
  return parsed;
}

describe('base images', () => {
  // `scratch` is the empty image, not something pulled.
  const external = [...new Set(dockerfile.stages.map((stage) => stage.from))].filter(
    (from) => !stageNames.has(from) && from !== 'scratch',
  );

  test.each(external)('%s is pinned to a version, never latest', (image) => {
    expect(image).not.toMatch(/\$/);
    const [, tag = ''] = /^[^@]+:([^:/@]+)(@sha256:[0-9a-f]{64})?$/.exec(image) ?? [];
    expect(tag, `${image} has no tag`).not.toBe('');
    expect(tag).not.toMatch(/latest/);
    expect(tag).toMatch(/^\d+\.\d+\.\d+/);
  });

  test('build and runtime run the same Node 24', () => {
    expect(new Set(external)).toEqual(new Set([expect.stringMatching(/^node:24\.\d+\.\d+-[a-z]+-slim$/)]));
  });
});

describe('build stages', () => {
  test('no `# syntax=` line: BuildKit would pull a frontend image, and offline builds fail', () => {
    expect(readRepoFile('Dockerfile')).not.toMatch(/^#\s*syntax=/m);
  });

  test('pnpm comes from the npm registry at the packageManager version, not corepack', () => {
    const [, version] = /^pnpm@(.+)$/.exec(readPackageJson('package.json').packageManager ?? '') ?? [];
    expect(dockerfile.globalArgs.PNPM_VERSION).toBe(version);
    const install = runLines.find((i) => i.args.startsWith('npm install --global'))?.args ?? '';
    // `$` + `{PNPM_VERSION}`: the Dockerfile's own ARG, substituted by BuildKit, not by this test.
    expect(install.replace('$' + '{PNPM_VERSION}', version ?? '?')).toMatch(new RegExp(`"pnpm@${version}"$`));
    expect(runLines.some((i) => /\bcorepack\s+(enable|prepare|use|install)\b/.test(i.args))).toBe(false);
  });

  test('the dependency layer is fetched from the lockfile alone', () => {
    const instructions = effectiveInstructions(dockerfile, stageNamed(dockerfile, 'build'));
    const fetchAt = instructions.findIndex((i) => i.keyword === 'RUN' && i.args === 'pnpm fetch');
    expect(fetchAt).toBeGreaterThan(0);
    const copiedBefore = instructions
      .slice(0, fetchAt)
      .filter((i) => i.keyword === 'COPY')
      .flatMap((i) => copySources(i).sources);
    expect(copiedBefore.sort()).toEqual(['pnpm-lock.yaml', 'pnpm-workspace.yaml']);
  });

  test('it builds and deploys with the commands production-install.test.ts runs', () => {
    const runs = runLines.flatMap((i) => i.args.split(/\s*&&\s*/));
    expect(runs).toContain(BUILD_COMMAND.join(' '));
    for (const service of SERVICES)
      expect(runs).toContain(deployCommand(service.dir, `/deploy/${service.name}`).join(' '));
  });

  const copies = dockerfile.stages
    .flatMap((stage) => stage.instructions)
    .filter((i) => i.keyword === 'COPY')
    .map(copySources)
    .filter((copy) => copy.from === undefined)
    .flatMap((copy) => copy.sources);

  test.each(copies)('COPY %s exists in the repo and is in the build context', (source) => {
    expect(repoFileExists(source)).toBe(true);
    const files = statSync(repoPath(source)).isDirectory() ? filesUnder(source) : [source];
    expect(files.filter((file) => classic.includes(file)).length).toBeGreaterThan(0);
  });
});

describe('.dockerignore', () => {
  test('every builder sends the same context: the classic builder walks no differently from BuildKit', () => {
    // A `!` exception with a wildcard under an excluded folder passes BuildKit and leaves the
    // classic builder, buildah, Compose v1 and Docker 20.10 with empty folders.
    expect(classic).toEqual(perFile);
  });

  test('the old wildcard allow-list is what this catches', () => {
    const wildcard = parseDockerignore('*\n!package.json\n!packages/*/package.json\n!packages/*/src/\n');
    const file = 'packages/tracing/src/sdk.ts';
    expect(isIgnored(wildcard, file)).toBe(false);
    expect(perFileContext(wildcard, repoPath('.'), unwalked)).toContain(file);
    expect(classicContext(wildcard, repoPath('.'), unwalked)).not.toContain(file);
  });

  test('lets in every source file and config the build compiles, as the classic builder walks', () => {
    const sources = ['packages', 'services']
      .flatMap(filesUnder)
      .filter((file) => /\/src\/.*\.ts$/.test(file) && !file.endsWith('.test.ts'));
    expect(sources.length).toBeGreaterThan(0);
    expect(sources.filter((file) => !classic.includes(file))).toEqual([]);
    const configs = ['packages', 'services']
      .flatMap(filesUnder)
      .filter((file) => /^[^/]+\/[^/]+\/(package|tsconfig)\.json$/.test(file));
    expect(configs.filter((file) => !classic.includes(file))).toEqual([]);
    for (const file of ['package.json', 'pnpm-lock.yaml', 'pnpm-workspace.yaml', 'tsconfig.base.json'])
      expect(classic, file).toContain(file);
  });

  test.each([
    'node_modules/vitest/package.json',
    'services/backend/node_modules/fastify/package.json',
    'services/backend/dist/server.js',
    'services/backend/tsconfig.tsbuildinfo',
    'services/backend/test/echo.test.ts',
    'services/backend/vitest.config.ts',
    'services/backend/.env',
    'packages/tracing/src/propagation.test.ts',
    '.git/HEAD',
    '.toolchain/node/bin/node',
    '.env',
    '.npmrc',
    'k8s/base/backend.yaml',
    'docker-compose.yml',
    'test/dockerfile.test.ts',
  ])('keeps out %s', (file) => {
    expect(isIgnored(ignoreRules, file)).toBe(true);
  });
});

describe.each(SERVICES)('the $name image', (service) => {
  const stage = stageNamed(dockerfile, service.name);
  const instructions = effectiveInstructions(dockerfile, stage);
  const last = (keyword: string) => instructions.filter((i) => i.keyword === keyword).at(-1)?.args;

  test('is the Node image minus its package managers, in one layer: no whiteout hides bytes', () => {
    const chain = stageChain(dockerfile, stage);
    const root = chain.at(-1);
    // The runtime starts empty and copies a finished filesystem in: a later `rm` would only hide files.
    expect(root?.from).toBe('scratch');
    const [copy, ...others] = (root?.instructions ?? []).filter((i) => i.keyword === 'COPY').map(copySources);
    expect(others).toEqual([]);
    expect(copy?.sources).toEqual(['/']);
    const source = stageNamed(dockerfile, copy?.from ?? '');
    expect(baseImageOf(dockerfile, source)).toMatch(/^node:24\./);
    const removal = source.instructions.find((i) => i.keyword === 'RUN')?.args ?? '';
    for (const path of [
      '/usr/local/lib/node_modules',
      '/usr/local/bin/npm',
      '/usr/local/bin/corepack',
      '/usr/local/bin/yarn',
    ])
      expect(removal).toContain(path);
    // Nothing in the image's own stages runs a command, so nothing is removed after the fact.
    expect(chain.flatMap((s) => s.instructions).filter((i) => i.keyword === 'RUN')).toEqual([]);
  });

  test('copies only its deployed folder from the build, and the compile cache made from that folder', () => {
    const copies = stage.instructions.filter((i) => i.keyword === 'COPY').map(copySources);
    expect(copies).toEqual([
      { from: 'build', sources: [`/deploy/${service.name}`] },
      { from: `${service.name}-compile-cache`, sources: ['/tmp/compile-cache'] },
    ]);
  });

  test('fills its compile cache on the runtime image, at /app, as the user it runs as', () => {
    // Node keys the cache by its version, the user id and each file's path: all three must match.
    const cacheStage = stageNamed(dockerfile, `${service.name}-compile-cache`);
    expect(cacheStage.from).toBe(stageChain(dockerfile, stage)[1]?.name);
    expect(cacheStage.instructions.filter((i) => i.keyword === 'COPY').map(copySources)).toEqual([
      { from: 'build', sources: [`/deploy/${service.name}`] },
    ]);
    expect(cacheStage.instructions.some((i) => i.keyword === 'USER')).toBe(false);
    const run = cacheStage.instructions.find((i) => i.keyword === 'RUN')?.args ?? '';
    expect(run).toContain('NODE_COMPILE_CACHE=/tmp/compile-cache');
    expect(run).toContain('--import @meshtrace/tracing/register');
    expect(last('ENV')).toContain('NODE_COMPILE_CACHE=/app/.compile-cache');
  });

  test('runs as a numeric non-root user', () => {
    const user = last('USER') ?? 'root';
    expect(user).toMatch(/^\d+(:\d+)?$/);
    expect(user.split(':')[0]).not.toBe('0');
  });

  test("exposes the service's default port", () => {
    expect(last('EXPOSE')).toBe(String(service.defaultPort));
  });

  test('runs the start command the service documents as its ENTRYPOINT, so arguments are its flags', () => {
    // As http-echo: `docker run IMAGE -text=hi` and Kubernetes `args` reach the service, not `node`.
    const entrypoint = execForm(last('ENTRYPOINT') ?? '[]');
    expect(entrypoint.join(' ')).toBe(documentedStartCommand(service));
    expect(entrypoint.join(' ')).toBe(service.startScript);
    expect(last('CMD')).toBeUndefined();
  });

  test('`pnpm images` builds this target with the tag the manifests use', () => {
    const images = readPackageJson('package.json').scripts?.images ?? '';
    expect(images.split(/\s*&&\s*/)).toContain(
      `docker build --target ${service.name} -t ${service.image}:${service.version} .`,
    );
  });
});
