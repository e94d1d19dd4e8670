import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT, repoPath } from './repo.ts';

/** A rendered Kubernetes object, as loosely typed as YAML gives it. */
export interface K8sObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string> };
  readonly [field: string]: unknown;
}

export function parseObjects(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((document) => document.toJS() as K8sObject | null)
    .filter((object): object is K8sObject => object !== null);
}

type Renderer = { command: string; args: (dir: string) => string[] };

/**
 * The renderer `./pnpmw check` found or installed (MESHTRACE_KUSTOMIZE: a kubectl or a kustomize),
 * else kubectl, then kustomize, on PATH. kubectl's `kustomize` and kustomize's `build` render
 * the same objects.
 */
function findRenderer(): Renderer {
  const forKubectl = (command: string) => ({ command, args: (dir: string) => ['kustomize', dir] });
  const chosen = process.env.MESHTRACE_KUSTOMIZE;
  if (chosen)
    return basename(chosen) === 'kustomize' ? { command: chosen, args: (dir) => ['build', dir] } : forKubectl(chosen);
  for (const candidate of ['kubectl', 'kustomize']) {
    try {
      execFileSync(candidate, candidate === 'kubectl' ? ['version', '--client'] : ['version'], { stdio: 'ignore' });
      return candidate === 'kubectl' ? forKubectl(candidate) : { command: candidate, args: (dir) => ['build', dir] };
    } catch {
      // not installed: try the next one
    }
  }
  const installed = `${REPO_ROOT}.toolchain/kubectl/kubectl`;
  return forKubectl(existsSync(installed) ? installed : 'kubectl');
}

let renderer: Renderer | undefined;

/**
 * `kubectl kustomize <dir>`: what `kubectl apply -k <dir>` would send. A renderer is
 * required, not optional: without one these manifests are not checked at all.
 */
export function kustomize(dir: string): K8sObject[] {
  renderer ??= findRenderer();
  const { command, args } = renderer;
  let output: string;
  try {
    output = execFileSync(command, args(dir), { cwd: REPO_ROOT, encoding: 'utf8', timeout: 30_000 });
  } catch (error) {
    const { code, stderr } = error as { code?: string; stderr?: string };
    if (code === 'ENOENT')
      throw new Error(
        'no kubectl or kustomize on PATH: run ./pnpmw test-tools, or install kubectl 1.27+ or kustomize 5+',
      );
    throw new Error(`${basename(command)} ${args(dir).join(' ')} failed:\n${stderr ?? String(error)}`);
  }
  return parseObjects(output);
}

/**
 * `kubectl kustomize` of a throwaway kustomization that combines repository folders as a user
 * would (`resources`, `components`, and any more YAML in `extra`, such as a patch).
 */
export function kustomizeCombination(parts: {
  readonly resources: readonly string[];
  readonly components?: readonly string[];
  readonly extra?: string;
}): K8sObject[] {
  const dir = mkdtempSync(join(tmpdir(), 'meshtrace-kustomize-'));
  try {
    // Relative paths: kustomize refuses absolute ones.
    const paths = (list: readonly string[] = []) => `[${list.map((p) => relative(dir, repoPath(p))).join(', ')}]`;
    writeFileSync(
      join(dir, 'kustomization.yaml'),
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n' +
        `resources: ${paths(parts.resources)}\ncomponents: ${paths(parts.components)}\n${parts.extra ?? ''}`,
    );
    return kustomize(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
