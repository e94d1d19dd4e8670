/**
 * Walks a hop report (the frontend's `/ui/api/send` answer, or a backend's
 * JSON echo) into one entry per service: what arrived there, what changed
 * from the hop before, and one sentence saying what happened. Everything
 * comes from the hops' own reports (`trace`, `downstream[]`, nested in
 * `downstream[0].body`); nothing is re-derived from headers. Pure and
 * DOM-free: the page draws it, and the loop uses it to call a tick joined or
 * broken. Parsed JSON of any shape is accepted; the walk never throws.
 */
import type { DownstreamReport, TraceFormat, TraceReport } from '@meshtrace/service-kit';

/** A hop's `trace` report: what it received and continued (packages/tracing/src/hop-report.ts). */
export type Received = TraceReport;

/** The fields compared hop to hop, in the order the page shows them. */
export const FIELDS = [
  'trace_id',
  'parent_span_id',
  'span_id',
  'sampled',
  'debug',
  'formats_received',
  'x_request_id',
  'tracestate',
  'baggage',
] as const;
export type Field = (typeof FIELDS)[number];

/** The call a hop made to the next one: its `downstream[0]` report, the error in one line, the body walked on. */
export type Call = Omit<DownstreamReport, 'body' | 'error'> & { readonly error?: string };

/**
 * One simulated Envoy sidecar the request passed on its way to a hop, from the trail header the
 * local mesh's sidecars add (`./pnpmw demo --mesh`; harness envoy-sidecar.ts): the trace
 * headers as it received them and as it sent them on. A real mesh adds no such header.
 */
export interface SidecarPass {
  /** `<app>.<namespace>`, as its spans are reported. */
  readonly sidecar: string;
  /** CLIENT: the caller's outbound sidecar; SERVER: the callee's inbound one. */
  readonly kind: string;
  /** The Istio provider it simulates: zipkin, zipkin-w3c or opentelemetry. */
  readonly tracer: string;
  /** Its own span and that span's parent (absent when it could not parse the headers: Envoy's NullSpan). */
  readonly span_id?: string;
  readonly parent_id?: string;
  readonly trace_id?: string;
  /** Whether Envoy reports that span (only sampled ones are). */
  readonly sampled: boolean;
  readonly before: Readonly<Record<string, string>>;
  readonly after: Readonly<Record<string, string>>;
}

/** The trail header, as the backend's echo shows it under `headers`. */
export const SIDECAR_TRAIL = 'x-meshtrace-sidecar-trail';

export interface Hop {
  readonly service: string;
  readonly hostname?: string;
  /** The sidecars between the caller and this hop, in order (empty outside the local mesh). */
  readonly sidecars: readonly SidecarPass[];
  /** `GET /`: the request as the hop reports it (its echo's `method` and `path`). */
  readonly request?: string;
  readonly received: Received;
  /** Fields whose value differs from the previous hop's (for the first hop: from what the caller sent, if known). */
  readonly changed: readonly Field[];
  /** What happened here, in plain words. */
  readonly story: string;
  /** The chain breaks here: a service's call arrived without its trace. */
  readonly broken: boolean;
  readonly call?: Call;
  /** Where the hop sits on the waterfall, from the callers' measurements. */
  readonly offset_ms: number;
  readonly duration_ms: number;
}

/** Who called the first hop. */
export interface Caller {
  /** `you` for the page, or the calling service's name. */
  readonly name: string;
  /** true: the page, whose headers the user picked (a new trace at the first hop is no break). */
  readonly user: boolean;
  /** The ids the caller put in its headers, if any. */
  readonly traceIds: readonly string[];
  readonly spanIds: readonly string[];
  readonly propagated: boolean;
  /** What the caller sent, read as a report: the first hop's changes are marked against it. */
  readonly sent?: Received;
}

export interface Chain {
  readonly hops: readonly Hop[];
  readonly verdict: 'joined' | 'broken';
  /** Why the walk stopped early: a call failed or answered without an echo report. */
  readonly stopped?: string;
}

type Json = Record<string, unknown>;

const FORMATS: readonly unknown[] = ['b3multi', 'b3', 'traceparent'] satisfies readonly TraceFormat[];

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null;
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const number = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);
const bool = (value: unknown): boolean | undefined => (typeof value === 'boolean' ? value : undefined);

/** The first characters of an id: enough to tell ids apart in a sentence. */
export const short = (id: string | undefined): string => (id ? `${id.slice(0, 4)}…` : '?');

function readReceived(value: unknown): Received | undefined {
  if (!isObject(value) || typeof value.enabled !== 'boolean') return undefined;
  const formats = Array.isArray(value.formats_received)
    ? value.formats_received.filter((format): format is TraceFormat => FORMATS.includes(format))
    : [];
  const optional = (key: string) => {
    const found = text(value[key]);
    return found === undefined ? {} : { [key]: found };
  };
  const sampled = bool(value.sampled);
  return {
    enabled: value.enabled,
    debug: value.debug === true,
    continued: value.continued === true,
    formats_received: formats,
    ...(sampled === undefined ? {} : { sampled }),
    ...optional('trace_id'),
    ...optional('parent_span_id'),
    ...optional('span_id'),
    ...optional('x_request_id'),
    ...optional('tracestate'),
    ...optional('baggage'),
  };
}

const strings = (value: unknown): Record<string, string> =>
  isObject(value)
    ? Object.fromEntries(
        Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
      )
    : {};

/** The sidecar trail from a hop's echoed request headers; anything malformed is left out. */
function readSidecars(headers: unknown): SidecarPass[] {
  const raw = isObject(headers) ? text(headers[SIDECAR_TRAIL]) : undefined;
  let passes: unknown;
  try {
    passes = JSON.parse(raw ?? '[]');
  } catch {
    return [];
  }
  if (!Array.isArray(passes)) return [];
  return passes.filter(isObject).map((pass) => {
    const span = isObject(pass.span) ? strings(pass.span) : {};
    const ids = { span_id: span.span_id, parent_id: span.parent_id, trace_id: span.trace_id };
    return {
      sidecar: text(pass.sidecar) ?? '?',
      kind: text(pass.kind) ?? '?',
      tracer: text(pass.tracer) ?? '?',
      ...Object.fromEntries(Object.entries(ids).filter((entry) => entry[1] !== undefined)),
      sampled: pass.sampled === true,
      before: strings(pass.before),
      after: strings(pass.after),
    };
  });
}

function readCall(value: unknown): Call | undefined {
  if (!isObject(value)) return undefined;
  const error = isObject(value.error)
    ? `${text(value.error.code) ?? 'error'}: ${text(value.error.message) ?? ''}`
    : undefined;
  const spanId = text(value.span_id);
  return {
    url: text(value.url) ?? '?',
    ok: value.ok === true,
    ...(typeof value.status === 'number' ? { status: value.status } : {}),
    duration_ms: number(value.duration_ms),
    started_ms: number(value.started_ms),
    ...(spanId === undefined ? {} : { span_id: spanId }),
    propagated: value.propagated !== false,
    ...(error === undefined ? {} : { error }),
  };
}

function same(a: Received, b: Received, field: Field): boolean {
  const x = a[field];
  const y = b[field];
  if (Array.isArray(x) && Array.isArray(y)) return x.join(',') === y.join(',');
  return x === y;
}

function samplingNote(received: Received): string {
  if (received.debug) return ' Debug: sampled at every hop whatever the sampling rate.';
  if (received.sampled === false) return ' Not sampled: no hop exports spans for it.';
  return '';
}

/** What happened at one hop, and whether the chain breaks there. */
function tell(service: string, received: Received, caller: Caller): { story: string; broken: boolean } {
  if (!received.enabled)
    return { story: `${service} records no spans (OTEL_SDK_DISABLED=true), so it reports no ids.`, broken: false };
  const trace = received.trace_id;
  const parent = received.parent_span_id;
  const from = caller.user ? 'you' : caller.name;
  if (received.continued) {
    const sameTrace = caller.traceIds.length === 0 || caller.traceIds.includes(trace ?? '');
    if (!sameTrace && !caller.user)
      return {
        story: `${service} continued trace ${short(trace)}, not ${from}'s trace ${short(caller.traceIds[0])}: the chain is broken here.`,
        broken: true,
      };
    const dropped = caller.traceIds.filter((id) => id !== trace);
    const conflict = dropped.length > 0 ? ` It dropped the other trace you named, ${short(dropped[0])}.` : '';
    // The page invents the parent id, as the tutorial's curl did: no one reports that span.
    if (caller.user)
      return {
        story: `${service} continued trace ${short(trace)} as a child of span ${short(parent)} you sent.${conflict} No one reports that span, so Jaeger shows it as a missing parent.`,
        broken: false,
      };
    if (caller.spanIds.includes(parent ?? ''))
      return {
        story: `${service} continued trace ${short(trace)} as a child of ${from}'s CLIENT span ${short(parent)}.`,
        broken: false,
      };
    return {
      story: `${service} continued trace ${short(trace)} as a child of span ${short(parent)}, not ${from}'s CLIENT span ${short(caller.spanIds[0])}: a proxy in between (an Envoy sidecar) added its own span.`,
      broken: false,
    };
  }
  const broken = !caller.user;
  const breakNote = broken ? ' The chain is broken here.' : '';
  if (!caller.propagated && caller.user)
    return { story: `${service} started a new trace ${short(trace)}: no context arrived.`, broken };
  if (!caller.propagated)
    return {
      story: `${service} started a new trace ${short(trace)}: no context arrived (${from} called it without trace headers, PROPAGATION=off).${breakNote}`,
      broken,
    };
  if (received.formats_received.length > 0)
    return {
      story: `${service} started a new trace ${short(trace)}: the trace headers that arrived (${received.formats_received.join(', ')}) were not valid.${breakNote}`,
      broken,
    };
  return { story: `${service} started a new trace ${short(trace)}: no trace ids arrived.${breakNote}`, broken };
}

function callFailure(call: Call): string | undefined {
  if (call.error) return `the call to ${call.url} failed (${call.error})`;
  return undefined;
}

/** Walks `report` and each `downstream[0].body` below it; a fan-out's other calls are not followed. */
export function walkChain(report: unknown, caller: Caller): Chain {
  const hops: Hop[] = [];
  let current: unknown = report;
  let from = caller;
  let offset = 0;
  let duration = isObject(report) ? number(report.elapsed_ms) : 0;
  let stopped: string | undefined;
  // A chain longer than this is a loop in the configuration; stop rather than spin.
  for (let depth = 0; depth < 64; depth++) {
    if (!isObject(current)) break;
    const received = readReceived(current.trace);
    if (!received) {
      stopped = from.user ? 'the answer is not a hop report' : `${from.name}'s callee answered without an echo report`;
      break;
    }
    const service = (isObject(current.service) ? text(current.service.name) : undefined) ?? '?';
    const hostname = text(current.hostname);
    const method = text(current.method);
    const path = text(current.path);
    const previous = hops.length === 0 ? caller.sent : hops.at(-1)?.received;
    const changed = previous ? FIELDS.filter((field) => !same(previous, received, field)) : [];
    const told = tell(service, received, from);
    const call = Array.isArray(current.downstream) ? readCall(current.downstream[0]) : undefined;
    hops.push({
      service,
      ...(hostname === undefined ? {} : { hostname }),
      sidecars: readSidecars(current.headers),
      ...(method && path ? { request: `${method} ${path}` } : {}),
      received,
      changed,
      story: told.story + samplingNote(received),
      broken: told.broken,
      ...(call === undefined ? {} : { call }),
      offset_ms: offset,
      duration_ms: duration,
    });
    if (!call) break;
    const failure = callFailure(call);
    if (failure) {
      stopped = `${service}: ${failure}`;
      break;
    }
    offset += call.started_ms;
    duration = call.duration_ms;
    from = {
      name: service,
      user: false,
      traceIds: received.trace_id ? [received.trace_id] : [],
      spanIds: call.span_id ? [call.span_id] : [],
      propagated: call.propagated,
    };
    const next = (current.downstream as unknown[])[0];
    current = isObject(next) ? next.body : undefined;
  }
  const broken = hops.some((hop) => hop.broken) || stopped !== undefined;
  return { hops, verdict: broken ? 'broken' : 'joined', ...(stopped === undefined ? {} : { stopped }) };
}
