import { h, traceLink } from './dom.ts';

/**
 * `GET /ui/api/loop`'s answer (LoopStatus in ../loop-control.ts), as far as the
 * page reads it. Declared here, not imported: the page's tsc project shares no
 * source with the server's but chain.ts, so each compiles it into its own output.
 */
export interface LoopStatus {
  readonly mode: string;
  readonly state: string;
  readonly rate: number;
  readonly sent: number;
  readonly ok: number;
  readonly failed: number;
  readonly skipped: number;
  readonly latency_ms: { readonly p50: number | null; readonly p99: number | null };
  readonly recent_ticks: ReadonlyArray<{
    readonly at: string;
    readonly trace_id: string;
    readonly status: number | string;
    readonly duration_ms: number;
    readonly chain: string;
  }>;
}

const ms = (value: number | null) => (value === null ? '–' : `${value.toFixed(1)} ms`);

export function renderLoopSummary(status: LoopStatus): HTMLElement {
  const facts: Array<[string, string]> = [
    ['mode', status.mode],
    ['state', status.state],
    ['rate', `${status.rate}/s`],
    ['sent', String(status.sent)],
    ['ok', String(status.ok)],
    ['failed', String(status.failed)],
    ['skipped', String(status.skipped)],
    ['p50', ms(status.latency_ms.p50)],
    ['p99', ms(status.latency_ms.p99)],
  ];
  return h(
    'dl',
    { class: 'loop-facts' },
    ...facts.flatMap(([name, value]) => [h('dt', {}, name), h('dd', { 'data-fact': name }, value)]),
  );
}

export function renderTicks(status: LoopStatus, jaegerUiUrl: string): HTMLElement {
  const body = h('tbody');
  for (const tick of status.recent_ticks) {
    body.append(
      h(
        'tr',
        { class: tick.chain === 'broken' ? 'broken' : '' },
        h('td', {}, new Date(tick.at).toLocaleTimeString()),
        h('td', {}, traceLink(tick.trace_id, jaegerUiUrl)),
        h('td', {}, String(tick.status)),
        h('td', { class: 'num' }, ms(tick.duration_ms)),
        h('td', { class: `chain-${tick.chain}` }, tick.chain),
      ),
    );
  }
  return h(
    'div',
    { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': 'last ticks' },
    h(
      'table',
      { class: 'ticks' },
      h('caption', {}, `Last ${status.recent_ticks.length} ticks, newest first`),
      h(
        'thead',
        {},
        h('tr', {}, ...['time', 'trace', 'status', 'duration', 'chain'].map((name) => h('th', { scope: 'col' }, name))),
      ),
      body,
    ),
  );
}
