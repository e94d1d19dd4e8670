/**
 * The shell commands a README tells a user to run: every line of a ```sh block (a trailing
 * `\` joins the next line), and every `$ ` line of a plain ``` block (a command shown with its
 * output, which follows it up to the next `$ ` line). A block is left to humans when the line
 * before its fence is `<!-- not run by tests: <reason> -->`; the reason is required.
 */

export interface ReadmeCommand {
  readonly file: string;
  /** 1-based line of the command. */
  readonly line: number;
  /** The command as written (an indented list item's indentation removed). */
  readonly command: string;
  /** For a `$ ` line: the output shown under it. */
  readonly shownOutput?: string;
}

export interface SkippedBlock {
  readonly file: string;
  readonly line: number;
  readonly commands: readonly string[];
  readonly reason: string;
}

const FENCE = /^(\s*)```(\w*)\s*$/;
const SKIP = /^\s*<!-- not run by tests: (.*?) -->\s*$/;

function shellCommands(lines: readonly string[], start: number): { command: string; line: number }[] {
  const commands: { command: string; line: number }[] = [];
  let pending = '';
  let pendingLine = 0;
  lines.forEach((raw, i) => {
    const text = raw.trim();
    if (pending === '' && (text === '' || text.startsWith('#'))) return;
    if (pending === '') pendingLine = start + i;
    if (text.endsWith('\\')) {
      pending += `${text.slice(0, -1).trimEnd()} `;
      return;
    }
    commands.push({ command: pending + text, line: pendingLine });
    pending = '';
  });
  return commands;
}

function promptCommands(lines: readonly string[], start: number, file: string): ReadmeCommand[] {
  const commands: ReadmeCommand[] = [];
  lines.forEach((text, i) => {
    if (!text.startsWith('$ ')) return;
    const rest = lines.slice(i + 1);
    const end = rest.findIndex((next) => next.startsWith('$ '));
    const shownOutput = (end === -1 ? rest : rest.slice(0, end)).join('\n');
    commands.push({ file, line: start + i, command: text.slice(2), shownOutput });
  });
  return commands;
}

export function readmeCommands(file: string, markdown: string): { run: ReadmeCommand[]; skipped: SkippedBlock[] } {
  const lines = markdown.split('\n');
  const run: ReadmeCommand[] = [];
  const skipped: SkippedBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i] ?? '');
    if (!open) continue;
    const indent = open[1]?.length ?? 0;
    const lang = open[2] ?? '';
    let close = i + 1;
    while (close < lines.length && !/^\s*```\s*$/.test(lines[close] ?? '')) close++;
    const body = lines.slice(i + 1, close).map((line) => line.slice(Math.min(indent, line.search(/\S|$/))));
    const start = i + 2;
    let previous = i - 1;
    while (previous >= 0 && (lines[previous] ?? '').trim() === '') previous--;
    const skip = SKIP.exec(lines[previous] ?? '');
    i = close;
    const commands =
      lang === 'sh'
        ? shellCommands(body, start).map((c) => ({ file, ...c }))
        : lang === ''
          ? promptCommands(body, start, file)
          : [];
    if (commands.length === 0) continue;
    if (skip) skipped.push({ file, line: start - 1, commands: commands.map((c) => c.command), reason: skip[1] ?? '' });
    else run.push(...commands);
  }
  return { run, skipped };
}
