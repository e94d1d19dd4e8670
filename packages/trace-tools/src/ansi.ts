/**
 * A few ANSI styles, and the decision whether to use them. Rendering takes a
 * `Palette` so it stays pure: tests render plain text, the CLI picks colour
 * only for a terminal that wants it.
 */
export interface Palette {
  readonly bold: (text: string) => string;
  readonly dim: (text: string) => string;
  readonly red: (text: string) => string;
  readonly green: (text: string) => string;
  readonly yellow: (text: string) => string;
  readonly cyan: (text: string) => string;
  readonly magenta: (text: string) => string;
}

const style =
  (open: number, close: number) =>
  (text: string): string =>
    `\u001b[${open}m${text}\u001b[${close}m`;

export const colors: Palette = {
  bold: style(1, 22),
  dim: style(2, 22),
  red: style(31, 39),
  green: style(32, 39),
  yellow: style(33, 39),
  cyan: style(36, 39),
  magenta: style(35, 39),
};

const same = (text: string) => text;
export const plain: Palette = {
  bold: same,
  dim: same,
  red: same,
  green: same,
  yellow: same,
  cyan: same,
  magenta: same,
};

/** The subset of a stream the decision needs (a tty.WriteStream has both). */
export interface OutputStream {
  readonly isTTY?: boolean;
  hasColors?(): boolean;
}

/**
 * Colour only for a terminal: NO_COLOR (any non-empty value, no-color.org)
 * turns it off, FORCE_COLOR (non-empty, not "0") turns it on even when piped.
 */
export function wantsColor(stream: OutputStream, env: Readonly<Record<string, string | undefined>>): boolean {
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true && (stream.hasColors?.() ?? true);
}

/** Removes ANSI styles, to measure or compare what a person sees. */
export function stripAnsi(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI escapes is the point
  return text.replace(/\u001b\[[0-9;]*m/g, '');
}
