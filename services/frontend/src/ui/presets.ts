/**
 * What the page can put on its one request: each preset is a list of
 * headers, built with fresh random ids so every send is its own trace in
 * Jaeger. The user may edit the list before sending. DOM-free.
 */
import type { TraceFormat } from '@meshtrace/service-kit';
import type { Received } from './chain.ts';

export interface Preset {
  readonly id: string;
  readonly label: string;
  /** What it shows, in one line. */
  readonly help: string;
  readonly headers: (ids: Ids) => ReadonlyArray<readonly [string, string]>;
}

export interface Ids {
  readonly traceId: string;
  readonly spanId: string;
  /** A second trace, for the preset where B3 and traceparent disagree. */
  readonly otherTraceId: string;
  readonly otherSpanId: string;
  readonly requestId: string;
}

function hex(bytes: number): string {
  const values = crypto.getRandomValues(new Uint8Array(bytes));
  return Array.from(values, (value) => value.toString(16).padStart(2, '0')).join('');
}

export function freshIds(): Ids {
  return {
    traceId: hex(16),
    spanId: hex(8),
    otherTraceId: hex(16),
    otherSpanId: hex(8),
    requestId: crypto.randomUUID(),
  };
}

/** Carried by every preset but "nothing": Envoy's request id and one baggage entry, to watch them travel. */
const extras = (ids: Ids): Array<[string, string]> => [
  ['x-request-id', ids.requestId],
  ['baggage', 'tenant=blue'],
];

export const PRESETS: readonly Preset[] = [
  {
    id: 'b3-sampled',
    label: 'B3 multi-header, sampled',
    help: 'x-b3-traceid, x-b3-spanid and x-b3-sampled: 1, as Envoy sends them.',
    headers: (ids) => [
      ['x-b3-traceid', ids.traceId],
      ['x-b3-spanid', ids.spanId],
      ['x-b3-sampled', '1'],
      ...extras(ids),
    ],
  },
  {
    id: 'b3-not-sampled',
    label: 'B3 multi-header, not sampled',
    help: 'x-b3-sampled: 0: every hop continues the trace but records nothing.',
    headers: (ids) => [
      ['x-b3-traceid', ids.traceId],
      ['x-b3-spanid', ids.spanId],
      ['x-b3-sampled', '0'],
      ...extras(ids),
    ],
  },
  {
    id: 'b3-deferred',
    label: 'B3 multi-header, deferred',
    help: 'Ids without x-b3-sampled: the first hop makes the sampling decision.',
    headers: (ids) => [['x-b3-traceid', ids.traceId], ['x-b3-spanid', ids.spanId], ...extras(ids)],
  },
  {
    id: 'b3-debug',
    label: 'B3 multi-header, debug',
    help: 'x-b3-flags: 1 makes it a debug trace for the apps; Envoy never reads it, so x-b3-sampled: 1 goes too, or a sidecar sampling below 100% would drop its span.',
    headers: (ids) => [
      ['x-b3-traceid', ids.traceId],
      ['x-b3-spanid', ids.spanId],
      ['x-b3-sampled', '1'],
      ['x-b3-flags', '1'],
      ...extras(ids),
    ],
  },
  {
    id: 'b3-single',
    label: 'Single b3 header',
    help: 'b3: {trace}-{span}-1, the compact form; the frontend passes it on as x-b3-*. Never send it in a zipkin mesh: Envoy reads it first and never rewrites it.',
    headers: (ids) => [['b3', `${ids.traceId}-${ids.spanId}-1`], ...extras(ids)],
  },
  {
    id: 'traceparent',
    label: 'W3C traceparent + tracestate',
    help: 'traceparent 00-{trace}-{span}-01 and a vendor tracestate, which rides along unchanged.',
    headers: (ids) => [
      ['traceparent', `00-${ids.traceId}-${ids.spanId}-01`],
      ['tracestate', 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7'],
      ...extras(ids),
    ],
  },
  {
    id: 'conflict',
    label: 'B3 and traceparent naming different traces',
    help: "Which one wins? The later one in OTEL_PROPAGATORS: B3 by default (Istio's zipkin provider rewrites it), traceparent with baggage,b3multi,tracecontext (the opentelemetry provider).",
    headers: (ids) => [
      ['x-b3-traceid', ids.traceId],
      ['x-b3-spanid', ids.spanId],
      ['x-b3-sampled', '1'],
      ['traceparent', `00-${ids.otherTraceId}-${ids.otherSpanId}-01`],
      ...extras(ids),
    ],
  },
  {
    id: 'stale-b3',
    label: 'A b3 header next to x-b3-* naming another span',
    help: "x-b3-* win by default: a zipkin sidecar rewrites them and never b3, so a b3 beside them is stale (list b3 after b3multi for B3's own order).",
    headers: (ids) => [
      ['x-b3-traceid', ids.traceId],
      ['x-b3-spanid', ids.spanId],
      ['x-b3-sampled', '1'],
      ['b3', `${ids.traceId}-${ids.otherSpanId}-1`],
      ...extras(ids),
    ],
  },
  {
    id: 'deny',
    label: 'A deny without ids',
    help: 'x-b3-sampled: 0 alone: a valid B3 decision with no ids. A new trace starts, unsampled.',
    headers: (ids) => [['x-b3-sampled', '0'], ...extras(ids)],
  },
  {
    id: 'malformed',
    label: 'Malformed ids',
    help: 'Ids that are not lower-case hex of the right length: the frontend starts a new trace.',
    headers: (ids) => [
      ['x-b3-traceid', 'NOT-A-TRACE-ID'],
      ['x-b3-spanid', '12345'],
      ['traceparent', '00-zzzz-0000-01'],
      ...extras(ids),
    ],
  },
  {
    id: 'nothing',
    label: 'Nothing',
    help: "No headers at all, like the tutorial's curl: the frontend starts the trace.",
    headers: () => [],
  },
];

/** The header list as the textarea shows it. */
export function headerText(headers: ReadonlyArray<readonly [string, string]>): string {
  return headers.map(([name, value]) => `${name}: ${value}`).join('\n');
}

export type ParsedHeaders =
  | { readonly ok: true; readonly headers: ReadonlyArray<readonly [string, string]> }
  | { readonly ok: false; readonly reason: string };

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Reads the textarea back; blank lines are skipped, a line that is not `name: value` is refused. */
export function parseHeaderText(text: string): ParsedHeaders {
  const headers: Array<[string, string]> = [];
  for (const [index, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    const colon = line.indexOf(':');
    const name = colon === -1 ? '' : line.slice(0, colon).trim().toLowerCase();
    if (!TOKEN.test(name)) return { ok: false, reason: `line ${index + 1} is not "name: value": ${line}` };
    headers.push([name, line.slice(colon + 1).trim()]);
  }
  return { ok: true, headers };
}

/**
 * The trace and span ids the headers name, for the first hop's sentence: it
 * says which of them the frontend took. A 64-bit B3 trace id is left-padded,
 * as the propagator pads it.
 */
export function namedIds(headers: ReadonlyArray<readonly [string, string]>): { traceIds: string[]; spanIds: string[] } {
  const get = (name: string) => headers.find(([key]) => key === name)?.[1];
  const pad = (id: string | undefined) => (id && id.length === 16 ? id.padStart(32, '0') : id);
  const single = get('b3')?.split('-');
  const parent = get('traceparent')?.split('-');
  const traceIds = [pad(get('x-b3-traceid')), pad(single?.[0]), parent?.[1]];
  const spanIds = [get('x-b3-spanid'), single?.[1], parent?.[2]];
  const present = (ids: Array<string | undefined>) => [...new Set(ids.filter((id): id is string => !!id))];
  return { traceIds: present(traceIds), spanIds: present(spanIds) };
}

/** B3's and W3C's sampling words: `1`/`true`, `0`/`false`, `d` (debug); anything else decides nothing. */
function sampling(value: string | undefined): { sampled?: boolean; debug?: boolean } {
  if (value === '1' || value === 'true') return { sampled: true };
  if (value === '0' || value === 'false') return { sampled: false };
  if (value === 'd') return { sampled: true, debug: true };
  return {};
}

/**
 * What you sent, read as a hop's report reads what arrived (TraceReport in packages/tracing), so
 * the first hop's column can mark what changed since: the trace and parent you named, your
 * sampling decision, the formats. Malformed values are kept as sent: a hop that could not read
 * them shows its own, marked. B3 is read before traceparent, as the hops read them.
 */
export function sentReport(headers: ReadonlyArray<readonly [string, string]>): Received {
  const get = (name: string) => headers.find(([key]) => key === name)?.[1];
  const { traceIds, spanIds } = namedIds(headers);
  const single = get('b3')?.split('-');
  const parent = get('traceparent')?.split('-');
  const flags = parent?.[3] === undefined ? {} : sampling(String(Number.parseInt(parent[3], 16) & 1));
  const decided = [
    get('x-b3-flags') === '1' ? { sampled: true, debug: true } : sampling(get('x-b3-sampled')),
    sampling(single?.length === 1 ? single[0] : single?.[2]),
    flags,
  ].find((decision) => decision.sampled !== undefined);
  const formats: TraceFormat[] = [];
  if (get('x-b3-traceid') !== undefined || get('x-b3-spanid') !== undefined) formats.push('b3multi');
  if (single) formats.push('b3');
  if (parent) formats.push('traceparent');
  const optional = (key: keyof Received, header: string) => {
    const value = get(header);
    return value === undefined ? {} : { [key]: value };
  };
  return {
    enabled: true,
    debug: decided?.debug === true,
    continued: false,
    formats_received: formats,
    ...(decided?.sampled === undefined ? {} : { sampled: decided.sampled }),
    ...(traceIds[0] === undefined ? {} : { trace_id: traceIds[0] }),
    ...(spanIds[0] === undefined ? {} : { parent_span_id: spanIds[0] }),
    ...optional('x_request_id', 'x-request-id'),
    ...optional('tracestate', 'tracestate'),
    ...optional('baggage', 'baggage'),
  };
}
