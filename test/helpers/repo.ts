import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/** The repository root, whatever the working directory. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export function repoPath(relative: string): string {
  return fileURLToPath(new URL(relative, new URL('../../', import.meta.url)));
}

export function readRepoFile(relative: string): string {
  return readFileSync(repoPath(relative), 'utf8');
}

export function repoFileExists(relative: string): boolean {
  return existsSync(repoPath(relative));
}

export function readRepoYaml<T = unknown>(relative: string): T {
  return parse(readRepoFile(relative)) as T;
}

export function readPackageJson(relative: string): {
  readonly version?: string;
  readonly packageManager?: string;
  readonly scripts?: Readonly<Record<string, string>>;
} {
  return JSON.parse(readRepoFile(relative));
}
