import { execFileSync } from 'node:child_process';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from './repo.ts';

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

/**
 * `kubectl kustomize <dir>`: what `kubectl apply -k <dir>` would send. kubectl is
 * required, not optional: without it these manifests are not checked at all.
 */
export function kustomize(dir: string): K8sObject[] {
  let output: string;
  try {
    output = execFileSync('kubectl', ['kustomize', dir], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 30_000 });
  } catch (error) {
    const { code, stderr } = error as { code?: string; stderr?: string };
    if (code === 'ENOENT') throw new Error('kubectl is not on PATH: install kubectl (1.27+) to render and check k8s/');
    throw new Error(`kubectl kustomize ${dir} failed:\n${stderr ?? String(error)}`);
  }
  return parseObjects(output);
}
