/**
 * .dockerignore semantics (moby/patternmatcher): each pattern is matched
 * against the path and each of its parent folders, the last matching pattern
 * decides, and `!` re-includes.
 *
 * Builders agree on that per-file verdict but not on which folders they walk.
 * BuildKit (0.9+) evaluates every file. The classic builder, buildah/podman,
 * Compose v1 and Docker 20.10 skip an excluded folder unless some `!` pattern,
 * as written, starts with that folder's path: `!packages/*\/src/` lets the walk
 * into `packages/` but not into `packages/tracing/`, which `*` excludes.
 * `classicContext()` walks that way, so a test can require both to agree.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

export interface Rule {
  readonly exclude: boolean;
  /** The pattern as written, cleaned the way moby cleans it (no leading or trailing `/`). */
  readonly text: string;
  readonly pattern: RegExp;
}

function toRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i] ?? '';
    if (char === '*' && pattern[i + 1] === '*') {
      // `**` matches any number of folders, including none.
      source += pattern[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += pattern[i + 2] === '/' ? 2 : 1;
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

export function parseDockerignore(text: string): Rule[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const exclude = !line.startsWith('!');
      const cleaned = (exclude ? line : line.slice(1)).trim().replace(/^\/+/, '').replace(/\/+$/, '');
      return { exclude, text: cleaned, pattern: toRegExp(cleaned) };
    });
}

/** Whether a path (relative to the context, `/`-separated) is excluded, as every builder decides per path. */
export function isIgnored(rules: readonly Rule[], path: string): boolean {
  const parts = path.split('/');
  const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  let ignored = false;
  for (const rule of rules) {
    if (candidates.some((candidate) => rule.pattern.test(candidate))) ignored = rule.exclude;
  }
  return ignored;
}

/** Every file under `root` (relative, `/`-separated), entering a folder only when `enter(folder)` says so. */
function walk(root: string, enter: (dir: string) => boolean, dir = ''): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const path = dir === '' ? entry.name : `${dir}/${entry.name}`;
    if (entry.isDirectory()) {
      if (enter(path)) files.push(...walk(root, enter, path));
    } else files.push(path);
  }
  return files;
}

/** The build context as BuildKit sends it: every file whose own verdict is "included". */
export function perFileContext(rules: readonly Rule[], root: string, skip: (dir: string) => boolean): string[] {
  return walk(root, (dir) => !skip(dir)).filter((file) => !isIgnored(rules, file));
}

/**
 * The build context as the classic builder sends it (moby `pkg/archive`
 * TarWithOptions): an excluded folder is entered only if a `!` pattern's text
 * starts with `folder/`; inside, each file still gets its own verdict.
 */
export function classicContext(rules: readonly Rule[], root: string, skip: (dir: string) => boolean): string[] {
  const exceptions = rules.filter((rule) => !rule.exclude).map((rule) => `${rule.text}/`);
  const enter = (dir: string) =>
    !skip(dir) && (!isIgnored(rules, dir) || exceptions.some((text) => text.startsWith(`${dir}/`)));
  return walk(root, enter).filter((file) => !isIgnored(rules, file));
}
