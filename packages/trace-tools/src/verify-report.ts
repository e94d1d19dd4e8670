import { type Palette, plain, stripAnsi } from './ansi.ts';
import type { VerifyReport } from './verify.ts';

function pad(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - stripAnsi(text).length));
}

/** The table a person reads: one row per trace, then a one-line result. Pure. */
export function renderVerifyTable(report: VerifyReport, palette: Palette = plain): string {
  const p = palette;
  const head = `${p.bold('verify')} ${report.jaeger} · service ${report.service} · expect ${report.expect.join(', ')}${
    report.mesh ? ` · mesh${report.provider ? ` (${report.provider})` : ''}` : ''
  } · ${report.window.start} to ${report.window.end}`;
  if (report.error) {
    return `${head}\n${p.red('error')} ${report.error.code}: ${report.error.message}\n${p.dim(`hint: ${report.error.hint}`)}`;
  }
  const rows = report.traces.map((t) => {
    const [first, ...more] = t.findings;
    const reason = first ? `${first.message}${more.length ? ` (+${more.length} more)` : ''}` : '';
    return [t.traceId, t.services.join(','), String(t.spans), t.verdict, reason];
  });
  const header = ['TRACE ID', 'SERVICES', 'SPANS', 'VERDICT', 'REASON'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[], style = (c: string, _i: number) => c) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? style(cell, i) : pad(style(cell, i), widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const verdictStyle = (cell: string, i: number) =>
    i === 3 ? (cell === 'joined' ? p.green(cell) : p.red(cell)) : i === 0 ? p.cyan(cell) : cell;
  const broken = report.traces.filter((t) => t.verdict === 'broken').length;
  const result = report.ok ? p.green('PASS') : p.red('FAIL');
  return [
    head,
    p.dim(line(header)),
    ...rows.map((r) => line(r, verdictStyle)),
    `${p.bold(result)}: ${report.traces.length} traces, ${report.traces.length - broken} joined, ${broken} broken`,
  ].join('\n');
}

/** The same report for machines: one JSON object (one line per round with --watch). */
export function renderVerifyJson(report: VerifyReport): string {
  return JSON.stringify({
    ...report,
    summary: {
      traces: report.traces.length,
      joined: report.traces.filter((t) => t.verdict === 'joined').length,
      broken: report.traces.filter((t) => t.verdict === 'broken').length,
    },
  });
}
