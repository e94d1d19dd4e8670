import { stripAnsi } from './ansi.ts';

/** Columns of a terminal, or 80 when the output is not one (a pipe, a file, CI's log). */
export function terminalColumns(stream: { readonly columns?: number | undefined }): number {
  return stream.columns && stream.columns > 0 ? stream.columns : 80;
}

/** Visible width of a string: ANSI styles take no column. */
export function visibleWidth(text: string): number {
  return stripAnsi(text).length;
}

/** Cuts plain text to `width` columns, marking the cut with `…`. */
export function truncate(text: string, width: number): string {
  if (text.length <= width) return text;
  return width <= 1 ? '…'.slice(0, width) : `${text.slice(0, width - 1)}…`;
}

/**
 * Wraps `text` to `width` columns at spaces. The first line starts with `first`, the next
 * ones with `rest` (the same indent as the text on the first line). A word longer than a
 * whole line is cut, so no line is ever wider than `width`. Styled words keep their styles.
 */
export function wrapWords(text: string, width: number, first: string, rest: string = first): string {
  const lines: string[] = [];
  let line = first;
  let lineWidth = visibleWidth(first);
  let empty = true;
  for (const word of text.split(' ')) {
    const wordWidth = visibleWidth(word);
    if (!empty && lineWidth + 1 + wordWidth > width) {
      lines.push(line);
      line = rest;
      lineWidth = visibleWidth(rest);
      empty = true;
    }
    let piece = word;
    const room = Math.max(1, width - lineWidth - (empty ? 0 : 1));
    if (wordWidth > room && piece === stripAnsi(piece)) piece = truncate(piece, room);
    line += (empty ? '' : ' ') + piece;
    lineWidth += (empty ? 0 : 1) + visibleWidth(piece);
    empty = false;
  }
  lines.push(line);
  return lines.join('\n');
}
