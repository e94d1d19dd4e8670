/**
 * The links of a Markdown page, and the anchors its headings make, as GitHub
 * renders them: what test/docs.test.ts follows so that no page points at a
 * file or section that moved.
 */

export interface MarkdownLink {
  /** 1-based line. */
  readonly line: number;
  /** The target as written: a path, a path with `#anchor`, or `#anchor`. */
  readonly target: string;
}

/** Lines outside fenced code blocks, with inline code blanked (a link shown as code is not a link). */
function proseLines(markdown: string): Array<[number, string]> {
  let fenced = false;
  const lines: Array<[number, string]> = [];
  markdown.split('\n').forEach((text, i) => {
    if (/^\s*```/.test(text)) fenced = !fenced;
    else if (!fenced) lines.push([i + 1, text.replace(/`[^`]*`/g, '``')]);
  });
  return lines;
}

/** Relative links: `[text](target)`, and `src`/`href` of HTML tags. Web and mail addresses are left out. */
export function relativeLinks(markdown: string): MarkdownLink[] {
  const links: MarkdownLink[] = [];
  for (const [line, text] of proseLines(markdown))
    for (const match of text.matchAll(/\]\(([^)\s]+)\)|\b(?:src|href)="([^"]+)"/g)) {
      const target = match[1] ?? match[2] ?? '';
      if (!/^[a-z]+:/i.test(target)) links.push({ line, target });
    }
  return links;
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  for (const [, text] of proseLines(markdown.replace(/`([^`]*)`/g, '$1'))) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(text)?.[1];
    if (heading === undefined) continue;
    const base = heading
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}_\- ]/gu, '')
      .replaceAll(' ', '-');
    let anchor = base;
    for (let n = 1; anchors.has(anchor); n++) anchor = `${base}-${n}`;
    anchors.add(anchor);
  }
  return anchors;
}
