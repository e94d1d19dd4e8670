import type { LoopStatus } from '../loop-control.ts';
import { h, traceLink } from './dom.ts';

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
