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

function verdict(chain: Chain): HTMLElement {
  const services = chain.hops.map((hop) => hop.service).join(' → ');
  if (chain.verdict === 'joined') {
    const traceId = chain.hops[0]?.received.trace_id;
    return h(
      'p',
      { class: 'verdict joined', role: 'status' },
      `✔ One trace ${short(traceId)} across ${chain.hops.length} services: ${services}`,
    );
  }
  const where = chain.hops.find((hop) => hop.broken);
  const reason = where ? where.story : (chain.stopped ?? 'the chain stopped');
  return h('p', { class: 'verdict broken', role: 'alert' }, `✖ Broken chain (${services}): ${reason}`);
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

/** The whole answer to one send: the verdict, one column per hop, the waterfall. */
export function renderChain(
  chain: Chain,
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
    verdict(chain),
    h('p', { class: 'hop-count' }, `${chain.hops.length} ${chain.hops.length === 1 ? 'hop' : 'hops'}`),
    list,
    chain.stopped ? h('p', { class: 'verdict broken' }, `The walk stopped: ${chain.stopped}.`) : false,
    waterfall(chain),
  );
}
