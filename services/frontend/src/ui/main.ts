/**
 * The propagation explorer: wires the form to `GET /ui/api/send`, draws the
 * hop reports it answers with, and keeps the loop panel fresh from
 * `GET /ui/api/loop`. It shows the loop, never controls it: that is the
 * operator's `POST /loop`, on an admin listener no page can reach.
 * Every URL is relative, so the page works behind a port-forward or a path prefix.
 */

import { walkChain } from './chain.ts';
import { byId, h } from './dom.ts';
import { freshIds, headerText, namedIds, PRESETS, parseHeaderText, sentReport } from './presets.ts';
import { readJudged, renderChain } from './render-chain.ts';
import { type LoopStatus, renderLoopSummary, renderTicks } from './render-loop.ts';

/** How often the loop panel refreshes while the page is visible. */
const LOOP_REFRESH_MS = 2000;

let jaegerUiUrl = '';

function showError(target: HTMLElement, message: string): void {
  target.replaceChildren(h('p', { class: 'verdict broken', role: 'alert' }, message));
}

async function readJson(response: Response): Promise<unknown> {
  const type = response.headers.get('content-type') ?? '';
  return type.includes('json') ? response.json() : undefined;
}

function fillPreset(): void {
  const preset = PRESETS.find((candidate) => candidate.id === byId<HTMLSelectElement>('preset').value) ?? PRESETS[0];
  if (!preset) return;
  byId<HTMLTextAreaElement>('headers').value = headerText(preset.headers(freshIds()));
  byId('preset-help').textContent = preset.help;
}

async function send(event: SubmitEvent): Promise<void> {
  event.preventDefault();
  const result = byId('result');
  const button = byId<HTMLButtonElement>('send');
  const parsed = parseHeaderText(byId<HTMLTextAreaElement>('headers').value);
  if (!parsed.ok) return showError(result, parsed.reason);
  const query = new URLSearchParams();
  const delay = byId<HTMLInputElement>('delay').value.trim();
  const status = byId<HTMLInputElement>('status').value.trim();
  if (delay !== '') query.set('delay_ms', delay);
  if (status !== '') query.set('status', status);
  button.disabled = true;
  result.setAttribute('aria-busy', 'true');
  try {
    const response = await fetch(`api/send?${query}`, {
      headers: parsed.headers.map(([name, value]) => [name, value]),
      cache: 'no-store',
    });
    const body = await readJson(response);
    if (response.status === 400) {
      const reason = (body as { reason?: string } | undefined)?.reason ?? 'the frontend refused the request';
      return showError(result, reason);
    }
    const { traceIds, spanIds } = namedIds(parsed.headers);
    const chain = walkChain(body, {
      name: 'you',
      user: true,
      traceIds,
      spanIds,
      propagated: parsed.headers.length > 0,
      sent: sentReport(parsed.headers),
    });
    if (chain.hops.length === 0)
      return showError(result, `The frontend answered ${response.status} without a hop report.`);
    // The headers box keeps what was sent, as "you sent" shows it; New ids starts another trace.
    result.replaceChildren(renderChain(chain, readJudged(body), parsed.headers, jaegerUiUrl));
  } catch (error) {
    showError(result, `Could not reach the frontend: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    button.disabled = false;
    result.removeAttribute('aria-busy');
  }
}

let loopTimer: number | undefined;

async function refreshLoop(): Promise<void> {
  window.clearTimeout(loopTimer);
  try {
    const response = await fetch('api/loop', { cache: 'no-store' });
    const status = (await response.json()) as LoopStatus;
    byId('loop-summary').replaceChildren(renderLoopSummary(status));
    byId('loop-ticks').replaceChildren(renderTicks(status, jaegerUiUrl));
    const attached = status.state !== 'off';
    byId('loop-note').textContent = attached ? '' : 'The loop is off (LOOP_MODE=off): send requests above instead.';
  } catch {
    byId('loop-note').textContent = 'Could not read the loop status; retrying.';
  }
  if (!document.hidden) loopTimer = window.setTimeout(refreshLoop, LOOP_REFRESH_MS);
}

async function start(): Promise<void> {
  const select = byId<HTMLSelectElement>('preset');
  for (const preset of PRESETS) select.append(h('option', { value: preset.id }, preset.label));
  select.addEventListener('change', fillPreset);
  byId('new-ids').addEventListener('click', fillPreset);
  fillPreset();
  byId<HTMLFormElement>('send-form').addEventListener('submit', (event) => void send(event));
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) void refreshLoop();
  });
  try {
    const config = (await (await fetch('api/config', { cache: 'no-store' })).json()) as {
      jaeger_ui_url?: string;
      target_url?: string;
    };
    jaegerUiUrl = config.jaeger_ui_url ?? '';
    byId('target').textContent = config.target_url ?? '';
    byId('jaeger-note').textContent = jaegerUiUrl
      ? `Trace ids link to Jaeger at ${jaegerUiUrl}.`
      : 'Set JAEGER_UI_URL on the frontend to link trace ids to Jaeger.';
  } catch {
    // Without the config the page still works, without Jaeger links.
  }
  document.body.dataset.ready = 'true';
  await refreshLoop();
}

void start();
