import type { SpanStatus } from '@meshtrace/harness';
import { type Palette, plain, stripAnsi } from './ansi.ts';
import { truncate, wrapWords } from './fit-width.ts';
import type { TraceAnalysis } from './trace-analysis.ts';
import type { SpanNode } from './trace-tree.ts';

export interface RenderOptions {
  readonly palette?: Palette;
  /** Characters in the waterfall column at most (0: no waterfall). Default 24. */
  readonly timelineWidth?: number;
  /** The terminal's width: the view never draws a wider line. Default 80. */
  readonly columns?: number;
  /** A note after the trace id, e.g. "root never arrived". */
  readonly note?: string;
}

/** 0.8 ms, 12.3 ms, 245 ms, 1.27 s. */
export function formatDuration(us: number): string {
  const ms = us / 1000;
  if (ms < 100) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

function pad(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - stripAnsi(text).length));
}

function padStart(text: string, width: number): string {
  return ' '.repeat(Math.max(0, width - stripAnsi(text).length)) + text;
}

interface Row {
  readonly tree: string;
  readonly node: SpanNode;
}

/** Flattens the tree with box-drawing prefixes: `├─ `, `└─ `, and `│  ` under open branches. */
function rows(nodes: readonly SpanNode[], prefix = '', top = true): Row[] {
  return nodes.flatMap((node, index) => {
    const last = index === nodes.length - 1;
    const branch = top ? '' : last ? '└─ ' : '├─ ';
    const below = top ? '' : last ? '   ' : '│  ';
    return [{ tree: prefix + branch, node }, ...rows(node.children, prefix + below, false)];
  });
}

function statusText(status: SpanStatus, palette: Palette): string {
  // OpenTelemetry leaves most successful spans "unset"; Jaeger shows them as fine too.
  return status === 'error' ? palette.red('error') : palette.green('ok');
}

function timeline(node: SpanNode, startUs: number, totalUs: number, width: number): string {
  if (width === 0) return '';
  const scale = totalUs > 0 ? width / totalUs : 0;
  const offset = Math.min(width - 1, Math.floor((node.span.startUs - startUs) * scale));
  const length = Math.max(1, Math.min(width - offset, Math.round(node.span.durationUs * scale)));
  return `${' '.repeat(offset)}${'█'.repeat(length)}${' '.repeat(width - offset - length)}`;
}

/** Fewer name characters than this, and a deep row gives up its indentation instead. */
const MIN_VISIBLE_NAME = 6;

/**
 * The tree prefix and span name within `width`. A name too long is cut at its end; a row so
 * deep that little of its name would show keeps only `…` and its branch (`…└─ GET /*`).
 */
function fitLabel(prefix: string, name: string, width: number): [string, string] {
  if (prefix.length + name.length <= width) return [prefix, name];
  if (width - prefix.length >= Math.min(name.length, MIN_VISIBLE_NAME))
    return [prefix, truncate(name, width - prefix.length)];
  const shortPrefix = prefix === '' ? '' : `…${prefix.slice(-3)}`;
  return [shortPrefix, truncate(name, Math.max(1, width - shortPrefix.length))];
}

/** Columns every row takes besides the span name and service: indent, kind, duration, status, gaps. */
const FIXED_COLUMNS = 2 + 2 + 2 + 8 + 2 + 9 + 2 + 6;
/** Narrower than this, a waterfall says nothing: it is dropped instead. */
const MIN_TIMELINE = 8;
const MIN_NAME = 8;

interface Layout {
  readonly nameWidth: number;
  readonly serviceWidth: number;
  readonly timelineWidth: number;
}

/**
 * Fits the columns into the terminal: the timeline shrinks first (and goes below
 * MIN_TIMELINE), then names are cut with an ellipsis, then service names.
 */
function layout(names: number, services: number, maxTimeline: number, columns: number): Layout {
  const withoutTimeline = FIXED_COLUMNS + names + services;
  const timelineRoom = Math.min(maxTimeline, columns - withoutTimeline - 2);
  if (timelineRoom >= MIN_TIMELINE) return { nameWidth: names, serviceWidth: services, timelineWidth: timelineRoom };
  const nameWidth = Math.max(Math.min(names, MIN_NAME), Math.min(names, columns - FIXED_COLUMNS - services));
  const serviceWidth = Math.max(Math.min(services, 7), Math.min(services, columns - FIXED_COLUMNS - nameWidth));
  return { nameWidth, serviceWidth, timelineWidth: 0 };
}

/**
 * One trace as a tree with service, span name, kind, duration, status and a
 * waterfall, then its summary line, a line per finding and per note, all within
 * `columns`. Pure.
 */
export function renderTrace(analysis: TraceAnalysis, options: RenderOptions = {}): string {
  const p = options.palette ?? plain;
  const columns = options.columns ?? 80;
  const { tree } = analysis;
  const flat = rows(tree.tops);
  const startUs = Math.min(...tree.spans.map((s) => s.startUs));
  const naturalName = Math.max(
    4,
    ...flat.map((r) => r.tree.length + r.node.span.name.length + (r.node.orphan ? 2 : 0)),
  );
  const naturalService = Math.max(7, ...flat.map((r) => r.node.span.service.length));
  const {
    nameWidth,
    serviceWidth,
    timelineWidth: width,
  } = layout(naturalName, naturalService, options.timelineWidth ?? 24, columns);
  const note = options.note ? p.yellow(`(${options.note})`) : '';
  const lines = [
    wrapWords(`${p.bold('trace')} ${p.cyan(analysis.traceId)}${note ? ` ${note}` : ''}`, columns, '', '  '),
    p.dim(
      `  ${pad('span', nameWidth)}  ${pad('service', serviceWidth)}  ${pad('kind', 8)}  ${padStart('duration', 9)}  ${pad('status', 6)}${width ? `  timeline` : ''}`.trimEnd(),
    ),
  ];
  for (const { tree: prefix, node } of flat) {
    const { span } = node;
    const [shownPrefix, shownName] = fitLabel(prefix, node.orphan ? `⚠ ${span.name}` : span.name, nameWidth);
    // Styles go on after the cut, so an ellipsis never splits an escape sequence.
    const name = shownName.startsWith('⚠ ') ? `${p.yellow('⚠')}${shownName.slice(1)}` : shownName;
    const styledPrefix = p.dim(shownPrefix);
    const bar = timeline(node, startUs, analysis.durationUs, width).trimEnd();
    lines.push(
      `  ${pad(styledPrefix + name, nameWidth)}  ${pad(p.magenta(truncate(span.service, serviceWidth)), serviceWidth)}  ${pad(span.kind, 8)}  ${padStart(formatDuration(span.durationUs), 9)}  ${pad(statusText(span.status, p), 6)}${width ? `  ${p.dim(bar)}` : ''}`.trimEnd(),
    );
  }
  lines.push(wrapWords(summaryLine(analysis, p), columns, '  ', '    '));
  for (const finding of analysis.findings)
    lines.push(wrapWords(finding.message, columns, `    ${p.yellow('↳')} `, '      '));
  for (const note of analysis.notes) lines.push(wrapWords(note.message, columns, `    ${p.dim('note:')} `, '      '));
  return lines.join('\n');
}

/** `✔ joined · services frontend, backend · 4 spans · 40.1 ms` (plus orphans, if any). */
export function summaryLine(analysis: TraceAnalysis, palette: Palette = plain): string {
  const verdict = analysis.verdict === 'joined' ? palette.green('✔ joined') : palette.red('✘ broken');
  const orphans = analysis.tree.orphans.length;
  return [
    palette.bold(verdict),
    `services ${analysis.services.join(', ')}`,
    `${analysis.spanCount} span${analysis.spanCount === 1 ? '' : 's'}`,
    formatDuration(analysis.durationUs),
    ...(orphans > 0 ? [palette.yellow(`${orphans} orphan${orphans === 1 ? '' : 's'}`)] : []),
  ].join(' · ');
}

export interface DemoTotals {
  readonly traces: number;
  readonly joined: number;
  readonly broken: number;
}

/** The last line of the demo: how many traces, how many joined. */
export function renderTotals(totals: DemoTotals, palette: Palette = plain): string {
  return `${palette.bold('traces seen')}: ${totals.traces} · ${palette.green(`joined ${totals.joined}`)} · ${
    totals.broken > 0 ? palette.red(`broken ${totals.broken}`) : `broken ${totals.broken}`
  }`;
}
