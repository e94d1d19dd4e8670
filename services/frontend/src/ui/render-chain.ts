import { type Chain, FIELDS, type Field, type Hop, short } from './chain.ts';
import { h, traceLink } from './dom.ts';

/** What each compared field is called on the page. */
const LABELS: Readonly<Record<Field, string>> = {
  trace_id: 'trace id',
  parent_span_id: 'parent span',
  span_id: 'own span',
  sampled: 'sampled',
  debug: 'debug',
  formats_received: 'formats',
  x_request_id: 'x-request-id',
  tracestate: 'tracestate',
  baggage: 'baggage',
};

function value(hop: Hop, field: Field, jaegerUiUrl: string): Node {
  const received = hop.received;
  if (field === 'trace_id') return received.trace_id ? traceLink(received.trace_id, jaegerUiUrl) : h('span', {}, '–');
  const raw = received[field];
  if (Array.isArray(raw)) return h('span', {}, raw.length === 0 ? 'none' : raw.join(', '));
  if (raw === undefined) return h('span', { class: 'muted' }, field === 'parent_span_id' ? 'none (a root)' : '–');
  return h('code', {}, String(raw));
}

/** The headers as they arrived at this hop; a value that differs from the previous hop's is marked. */
function fields(hop: Hop, jaegerUiUrl: string): HTMLElement {
  const list = h('dl', { class: 'fields' });
  for (const field of FIELDS) {
    const changed = hop.changed.includes(field);
    const shown = value(hop, field, jaegerUiUrl);
    list.append(
      h('dt', {}, LABELS[field]),
      h(
        'dd',
        { 'data-field': field, ...(changed ? { class: 'changed' } : {}) },
        changed ? h('mark', { title: 'changed from the previous hop' }, shown) : shown,
      ),
    );
  }
  return list;
}

/**
 * What each simulated sidecar on the way to this hop did to the trace headers: every header it
 * changed, before → after, and the ones it passed on as they were. Nothing when no sidecar was
 * passed. A list, not a table: it reads in the hop's narrow column.
 */
function sidecarPasses(hop: Hop): HTMLElement | false {
  const [first] = hop.sidecars;
  if (!first) return false;
  const value = (text: string | undefined) =>
    text === undefined ? h('span', { class: 'muted' }, 'none') : h('code', {}, text === '' ? '""' : text);
  const passes = hop.sidecars.map((pass) => {
    const names = [...new Set([...Object.keys(pass.before), ...Object.keys(pass.after)])];
    const changed = names.filter((name) => pass.before[name] !== pass.after[name]);
    const kept = names.filter((name) => !changed.includes(name));
    const span = pass.span_id ? `${pass.kind} span ${short(pass.span_id)}` : 'no span: headers it could not read';
    return h(
      'li',
      {},
      h('p', {}, h('strong', {}, pass.sidecar), ` (${span}${pass.sampled ? '' : ', not sampled: not reported'})`),
      changed.length === 0
        ? h('p', { class: 'muted' }, 'changed nothing')
        : h(
            'dl',
            { class: 'fields' },
            ...changed.flatMap((name) => [
              h('dt', {}, name),
              h('dd', {}, value(pass.before[name]), ' → ', h('mark', {}, value(pass.after[name]))),
            ]),
          ),
      kept.length === 0 ? false : h('p', { class: 'muted' }, `passed on unchanged: ${kept.join(', ')}`),
    );
  });
  return h(
    'div',
    { class: 'sidecars' },
    h('p', { class: 'arrow-label' }, `through the sidecars (simulated Envoy, ${first.tracer} tracer)`),
    h('ol', {}, ...passes),
  );
}

function callSummary(hop: Hop): HTMLElement | undefined {
  const call = hop.call;
  if (!call) return undefined;
  const outcome = call.error ?? (call.status === undefined ? '' : `status ${call.status}`);
  return h(
    'p',
    { class: call.ok ? 'call' : 'call failed' },
    `called ${call.url}: ${outcome}, ${call.duration_ms} ms`,
    call.span_id ? h('br') : false,
    call.span_id ? `CLIENT span ${call.span_id}${call.propagated ? '' : ', sent without trace headers'}` : false,
  );
}

function hopItem(hop: Hop, index: number, from: string, jaegerUiUrl: string): HTMLElement {
  return h(
    'li',
    { class: hop.broken ? 'hop broken' : 'hop', 'data-service': hop.service },
    h(
      'div',
      { class: 'arrow' },
      sidecarPasses(hop),
      h('p', { class: 'arrow-label' }, `${from} → ${hop.service}: received`),
      fields(hop, jaegerUiUrl),
      h('p', { class: 'story' }, hop.broken ? h('strong', {}, 'Broken: ') : false, hop.story),
    ),
    h(
      'div',
      { class: 'service' },
      h('h3', {}, h('span', { class: 'step' }, `${index + 1}`), hop.service),
      hop.hostname ? h('p', { class: 'muted' }, hop.hostname) : false,
      hop.received.span_id ? h('p', {}, `SERVER span ${short(hop.received.span_id)}`) : false,
      callSummary(hop),
    ),
  );
}

/** A bar per hop, placed by when its caller called it and as long as the call took. */
function waterfall(chain: Chain): HTMLElement {
  const total = Math.max(...chain.hops.map((hop) => hop.offset_ms + hop.duration_ms), 0.01);
  const rows = chain.hops.map((hop) => {
    const left = (hop.offset_ms / total) * 100;
    const width = Math.max((hop.duration_ms / total) * 100, 0.5);
    const bar = h('span', { class: hop.broken ? 'wf-bar broken' : 'wf-bar' });
    // Through the CSSOM, not a style attribute: the page's CSP allows no inline styles.
    bar.style.marginLeft = `${left.toFixed(2)}%`;
    bar.style.width = `${width.toFixed(2)}%`;
    return h(
      'div',
      { class: 'wf-row' },
      h('span', { class: 'wf-name' }, hop.service),
      h('span', { class: 'wf-track' }, bar),
      h('span', { class: 'wf-ms' }, `${hop.duration_ms.toFixed(1)} ms`),
    );
  });
  return h(
    'figure',
    { class: 'waterfall' },
    h(
      'figcaption',
      {},
      'Timing: each hop from when its caller called it, for as long as the call took (measured by the caller).',
    ),
    ...rows,
  );
}

/** A finding or a note: `code` to match on, `message` for people. */
interface Reason {
  readonly code: string;
  readonly message: string;
}

/**
 * `verdict` in `GET /ui/api/send`'s answer (ChainVerdict in ../chain-verdict.ts), as far as the
 * page reads it. Declared here, not imported: the page's tsc project shares no source with the
 * server's but chain.ts.
 */
export interface Judged {
  readonly verdict: 'joined' | 'broken' | 'unsampled';
  readonly traces: ReadonlyArray<{
    readonly trace_id: string;
    readonly summary: string;
    readonly findings: readonly Reason[];
    readonly notes: readonly Reason[];
  }>;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;
const reasons = (value: unknown): Reason[] =>
  Array.isArray(value)
    ? value.filter(isObject).map((r) => ({ code: String(r.code ?? ''), message: String(r.message ?? '') }))
    : [];

/** The answer's `verdict`, whatever shape arrived; undefined when there is none to show. */
export function readJudged(body: unknown): Judged | undefined {
  const judged = isObject(body) ? body.verdict : undefined;
  if (!isObject(judged) || !['joined', 'broken', 'unsampled'].includes(String(judged.verdict))) return undefined;
  const traces = Array.isArray(judged.traces) ? judged.traces.filter(isObject) : [];
  return {
    verdict: judged.verdict as Judged['verdict'],
    traces: traces.map((trace) => ({
      trace_id: String(trace.trace_id ?? ''),
      summary: String(trace.summary ?? ''),
      findings: reasons(trace.findings),
      notes: reasons(trace.notes),
    })),
  };
}

/**
 * The shared analysis' verdict (the terminal view's and verify's, in their words): a summary line
 * per trace the hops' spans form, each finding under it, and notes that explain without blaming.
 */
function verdict(chain: Chain, judged: Judged | undefined): HTMLElement {
  if (!judged || judged.verdict === 'unsampled') {
    const traceId = chain.hops[0]?.received.trace_id;
    const text = judged
      ? `○ not sampled · trace ${short(traceId)} · no hop recorded a span, so nothing of it reaches Jaeger and there is nothing to judge; each hop passed the decision on`
      : '○ the frontend gave no verdict';
    return h('div', { class: 'verdict unsampled', role: 'status' }, h('p', { class: 'summary' }, text));
  }
  const attributes =
    judged.verdict === 'joined'
      ? { class: 'verdict joined', role: 'status' }
      : { class: 'verdict broken', role: 'alert' };
  return h(
    'div',
    attributes,
    ...judged.traces.flatMap(
      (trace): Array<HTMLElement | false> => [
        h('p', { class: 'summary', 'data-trace': trace.trace_id }, trace.summary),
        trace.findings.length + trace.notes.length === 0
          ? false
          : h(
              'ul',
              { class: 'reasons' },
              ...trace.findings.map((f) => h('li', { class: 'finding', 'data-code': f.code }, f.message)),
              ...trace.notes.map((n) => h('li', { class: 'note', 'data-code': n.code }, `note: ${n.message}`)),
            ),
      ],
    ),
  );
}

/** The first column: exactly what the page put on the request. */
function sentItem(sent: ReadonlyArray<readonly [string, string]>): HTMLElement {
  const lines = sent.map(([name, value]) => `${name}: ${value}`).join('\n');
  return h(
    'li',
    { class: 'hop origin' },
    h(
      'div',
      { class: 'arrow' },
      h('p', { class: 'arrow-label' }, 'you sent'),
      sent.length === 0 ? h('p', { class: 'muted' }, 'no headers') : h('pre', { class: 'sent' }, lines),
    ),
  );
}

/** The whole answer to one send: the shared verdict, one column per hop, the waterfall. */
export function renderChain(
  chain: Chain,
  judged: Judged | undefined,
  sent: ReadonlyArray<readonly [string, string]>,
  jaegerUiUrl: string,
): HTMLElement {
  const list = h('ol', { class: 'hops', 'aria-label': 'hops, in call order' }, sentItem(sent));
  let from = 'you';
  for (const [index, hop] of chain.hops.entries()) {
    list.append(hopItem(hop, index, from, jaegerUiUrl));
    from = hop.service;
  }
  return h(
    'div',
    { class: 'chain' },
    verdict(chain, judged),
    h('p', { class: 'hop-count' }, `${chain.hops.length} ${chain.hops.length === 1 ? 'hop' : 'hops'}`),
    list,
    chain.stopped ? h('p', { class: 'verdict broken' }, `The walk stopped: ${chain.stopped}.`) : false,
    waterfall(chain),
  );
}
