import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * The README's "A request's path" names each file a request crosses and the
 * function each step happens in: this keeps it true when code moves.
 */

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const section = readme.slice(readme.indexOf("## A request's path"), readme.indexOf('## Add it to your Fastify app'));
const source = (file: string) => readFileSync(new URL(`../${file}`, import.meta.url), 'utf8');

describe("the README's request path", () => {
  it('names files that exist, and every file of src/', () => {
    const named = new Set([...section.matchAll(/\]\((src\/[\w-]+\.ts)\)/g)].map((match) => match[1] ?? ''));
    for (const file of named) expect(existsSync(new URL(`../${file}`, import.meta.url)), file).toBe(true);
    const entries = ['src/index.ts'];
    const all = readdirTs().filter((file) => !entries.includes(file));
    expect([...named].sort()).toEqual(all.sort());
  });

  it('names functions that exist in the file it names for them', () => {
    const steps = [...section.matchAll(/`(\w+)\(\)`(?:[^`[()]|`[^`(]*`)*?in \[`(src\/[\w-]+\.ts)`\]/g)];
    expect(steps.length).toBeGreaterThan(8);
    for (const [, name = '', file = ''] of steps)
      expect(source(file), `${name}() in ${file}`).toMatch(
        new RegExp(`(function ${name}\\b|\\b${name}\\(|${name} = )`),
      );
  });
});

function readdirTs(): string[] {
  return readdirSync(new URL('../src/', import.meta.url))
    .filter((file) => file.endsWith('.ts'))
    .map((file) => `src/${file}`);
}
