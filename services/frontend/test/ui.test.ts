import {
  fromZipkin,
  type ServiceProcess,
  type Sidecar,
  startAll,
  startService,
  startSidecar,
  startZipkinReceiver,
  type ZipkinReceiver,
  type ZipkinSpan,
} from '@meshtrace/harness';
import { analyzeTrace, summaryLine } from '@meshtrace/trace-tools/analysis';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, launchBrowser } from './browser.ts';

/**
 * The propagation explorer at /ui/, clicked through in headless Chromium
 * against real chains on loopback: frontend → backend → backend-2, and the
 * same with PROPAGATION=off on the first backend. Assertions are what a user
 * reads on the page.
 */

const JAEGER = 'http://jaeger.example:16686/jaeger';

let zipkin: ZipkinReceiver;
let backend2: ServiceProcess;
let backend: ServiceProcess;
let frontend: ServiceProcess;
let backendOff: ServiceProcess;
let frontendOff: ServiceProcess;
let frontendMesh: ServiceProcess;
let frontendOtel: ServiceProcess;
let meshBackends: ServiceProcess[] = [];
let sidecars: Sidecar[] = [];
let browser: Browser;

beforeAll(async () => {
  zipkin = await startZipkinReceiver();
  const tracing = { OTEL_EXPORTER_ZIPKIN_ENDPOINT: zipkin.url, OTEL_BSP_SCHEDULE_DELAY: '50' };
  // startAll: if one start fails (no browser here), the others are stopped, not leaked.
  [backend2, browser] = await startAll([
    startService('backend', { env: { ...tracing, OTEL_SERVICE_NAME: 'backend-2' } }),
    launchBrowser(),
  ]);
  [backend, backendOff] = await startAll([
    startService('backend', { env: { ...tracing, DOWNSTREAM_URLS: backend2.url } }),
    startService('backend', { env: { ...tracing, DOWNSTREAM_URLS: backend2.url, PROPAGATION: 'off' } }),
  ]);
  // Two simulated meshes (harness envoy-sidecar.ts), each app behind its own sidecars.
  // zipkin: frontendMesh → backendMesh → backend2, with the default OTEL_PROPAGATORS (B3 last: right).
  // opentelemetry: frontendOtel → backendOtel, with the same default (wrong behind this tracer).
  const sidecar = (
    tracer: 'zipkin' | 'opentelemetry',
    app: string,
    direction: 'inbound' | 'outbound',
    upstreamApp: string,
    upstream: string,
  ) => startSidecar({ tracer, zipkinUrl: zipkin.url, app, direction, upstreamApp, upstream });
  const toBackend2 = await sidecar('zipkin', 'backend-2', 'inbound', 'backend-2', `${backend2.url}/`);
  const fromBackend = await sidecar('zipkin', 'backend', 'outbound', 'backend-2', toBackend2.url);
  const [backendMesh, backendOtel] = await startAll([
    startService('backend', { env: { ...tracing, DOWNSTREAM_URLS: fromBackend.url } }),
    startService('backend', { env: tracing }),
  ]);
  const toBackend = await sidecar('zipkin', 'backend', 'inbound', 'backend', `${backendMesh.url}/`);
  const fromFrontend = await sidecar('zipkin', 'frontend', 'outbound', 'backend', toBackend.url);
  const toBackendOtel = await sidecar('opentelemetry', 'backend', 'inbound', 'backend', `${backendOtel.url}/`);
  const fromFrontendOtel = await sidecar('opentelemetry', 'frontend', 'outbound', 'backend', toBackendOtel.url);
  sidecars = [toBackend2, fromBackend, toBackend, fromFrontend, toBackendOtel, fromFrontendOtel];
  meshBackends = [backendMesh, backendOtel];
  [frontend, frontendOff, frontendMesh, frontendOtel] = await startAll([
    startService('frontend', {
      env: { ...tracing, TARGET_URL: `${backend.url}/`, LOOP_INTERVAL_MS: '200', JAEGER_UI_URL: JAEGER },
    }),
    startService('frontend', { env: { ...tracing, TARGET_URL: `${backendOff.url}/`, LOOP_MODE: 'off' } }),
    startService('frontend', { env: { ...tracing, TARGET_URL: fromFrontend.url, LOOP_MODE: 'off' } }),
    startService('frontend', { env: { ...tracing, TARGET_URL: fromFrontendOtel.url, LOOP_MODE: 'off' } }),
  ]);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await Promise.all(
    [frontend, frontendOff, frontendMesh, frontendOtel, backend, backendOff, backend2, ...meshBackends].map((service) =>
      service?.stop(),
    ),
  );
  await Promise.all(sidecars.map((sidecar) => sidecar.close()));
  await zipkin?.close();
});

/** A page with its console watched: any console error or uncaught exception fails the test that opened it. */
async function openPage(url: string): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.context.newPage();
  // A missing element fails fast with its locator named, well inside the test's own timeout.
  page.setDefaultTimeout(5000);
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  await page.goto(`${url}/ui/`);
  await page.locator('body[data-ready]').waitFor();
  return { page, problems };
}

interface Sent {
  readonly headers: Record<string, string>;
  /** The headers box as it was sent. */
  readonly text: string;
}

/** Picks a preset, sends it, and waits for the hops; returns the headers the page showed it would send. */
async function sendPreset(page: Page, label: string, fault: { delay?: string; status?: string } = {}): Promise<Sent> {
  await page.getByLabel('What the request carries').selectOption({ label });
  if (fault.delay) await page.getByLabel('delay (ms)').fill(fault.delay);
  if (fault.status) await page.getByLabel('status').fill(fault.status);
  const text = await page.getByLabel(/Headers to send/).inputValue();
  const headers = Object.fromEntries(
    text
      .split('\n')
      .filter((line) => line.includes(':'))
      .map((line) => [line.slice(0, line.indexOf(':')).trim(), line.slice(line.indexOf(':') + 1).trim()]),
  );
  const previous = await page.locator('.chain').count();
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  if (previous > 0) await page.locator('.chain').first().waitFor({ state: 'detached' });
  await page.locator('.chain').waitFor();
  return { headers, text };
}

/** What the page shows on one hop's arrow and box, read in one go from the rendered DOM. */
async function arrow(page: Page, service: string) {
  const shown = await page.locator(`li.hop[data-service="${service}"]`).evaluate((hop) => {
    const cell = (name: string) => hop.querySelector(`dd[data-field="${name}"]`);
    const text = (name: string) => cell(name)?.textContent?.trim() ?? '';
    return {
      traceId: text('trace_id'),
      parent: text('parent_span_id'),
      own: text('span_id'),
      sampled: text('sampled'),
      debug: text('debug'),
      formats: text('formats_received'),
      requestId: text('x_request_id'),
      tracestate: text('tracestate'),
      baggage: text('baggage'),
      marked: [...hop.querySelectorAll('dd[data-field]:has(mark)')].map((dd) => dd.getAttribute('data-field') ?? ''),
      story: hop.querySelector('.story')?.textContent?.trim() ?? '',
      broken: hop.classList.contains('broken'),
      box: hop.querySelector('.service')?.textContent ?? '',
      link: cell('trace_id')?.querySelector('a')?.getAttribute('href') ?? null,
    };
  });
  return {
    ...shown,
    changed: async (name: string) => shown.marked.includes(name),
    clientSpan: /CLIENT span ([0-9a-f]{16})/.exec(shown.box)?.[1],
  };
}

async function hopServices(page: Page): Promise<string[]> {
  return page
    .locator('li.hop[data-service]')
    .evaluateAll((items) => items.map((item) => item.getAttribute('data-service') ?? ''));
}

/** The text as the user sees it, rendered (Playwright's Locator.innerText, not the DOM property). */
// biome-ignore lint/performance/useDomNodeTextContent: a Playwright Locator, whose innerText is the rendered text
const shown = (locator: Locator) => locator.innerText();

const pad = (id: string) => id.padStart(32, '0');

describe('send one request', () => {
  /**
   * One row per preset: which trace the frontend must continue (from which
   * header), and the sampling it must report. Every row then checks the
   * whole chain hop by hop.
   */
  it.each([
    {
      label: 'B3 multi-header, sampled',
      trace: 'x-b3-traceid',
      parent: 'x-b3-spanid',
      sampled: 'true',
      debug: 'false',
      verdict: 'orphan',
    },
    {
      label: 'B3 multi-header, not sampled',
      trace: 'x-b3-traceid',
      parent: 'x-b3-spanid',
      sampled: 'false',
      debug: 'false',
      verdict: 'unsampled',
    },
    {
      label: 'B3 multi-header, deferred',
      trace: 'x-b3-traceid',
      parent: 'x-b3-spanid',
      sampled: 'true',
      debug: 'false',
      verdict: 'orphan',
    },
    {
      label: 'B3 multi-header, debug',
      trace: 'x-b3-traceid',
      parent: 'x-b3-spanid',
      sampled: 'true',
      debug: 'true',
      verdict: 'orphan',
    },
    { label: 'Single b3 header', trace: 'b3', parent: 'b3', sampled: 'true', debug: 'false', verdict: 'orphan' },
    {
      label: 'W3C traceparent + tracestate',
      trace: 'traceparent',
      parent: 'traceparent',
      sampled: 'true',
      debug: 'false',
      verdict: 'orphan',
    },
    {
      label: 'A b3 header next to x-b3-* naming another span',
      trace: 'x-b3-traceid',
      parent: 'x-b3-spanid',
      sampled: 'true',
      debug: 'false',
      verdict: 'orphan',
    },
    {
      label: 'B3 and traceparent naming different traces',
      trace: 'x-b3-traceid',
      parent: 'x-b3-spanid',
      sampled: 'true',
      debug: 'false',
      verdict: 'orphan',
    },
    // B3: "It is also valid to send sampling state independently, such as a deny decision": new ids, not sampled.
    {
      label: 'A deny without ids',
      trace: undefined,
      parent: undefined,
      sampled: 'false',
      debug: 'false',
      verdict: 'unsampled',
    },
    {
      label: 'Malformed ids',
      trace: undefined,
      parent: undefined,
      sampled: 'true',
      debug: 'false',
      verdict: 'dropped',
    },
    { label: 'Nothing', trace: undefined, parent: undefined, sampled: 'true', debug: 'false', verdict: 'joined' },
  ])('$label: three hops, each continuing the one before', async (row) => {
    const { page, problems } = await openPage(frontend.url);
    const { headers, text } = await sendPreset(page, row.label);

    expect(await hopServices(page)).toEqual(['frontend', 'backend', 'backend-2']);
    // "you sent" and the headers box both keep what was sent.
    expect(await page.getByLabel(/Headers to send/).inputValue()).toBe(text);
    if (text) expect(await shown(page.locator('pre.sent'))).toBe(text);
    else expect(await shown(page.locator('li.origin'))).toContain('no headers');
    await expect.poll(() => shown(page.locator('.hop-count'))).toBe('3 hops');
    const first = await arrow(page, 'frontend');
    const second = await arrow(page, 'backend');
    const third = await arrow(page, 'backend-2');

    // The first hop: the trace and parent the headers named, or a new trace.
    const named = (name: string | undefined, index: number) => {
      if (name === undefined) return undefined;
      const value = headers[name] ?? '';
      return name === 'b3' || name === 'traceparent' ? value.split('-')[index] : value;
    };
    const traceId = named(row.trace, row.trace === 'traceparent' ? 1 : 0);
    if (traceId) {
      expect(first.traceId).toBe(pad(traceId));
      expect(first.parent).toBe(named(row.parent, row.parent === 'traceparent' ? 2 : 1));
      expect(first.story).toContain(`frontend continued trace ${traceId.slice(0, 4)}`);
    } else {
      expect(first.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(first.parent).toBe('none (a root)');
      expect(first.story).toContain('frontend started a new trace');
    }
    expect(first.sampled).toBe(row.sampled);
    expect(first.debug).toBe(row.debug);
    // Marked against what you sent: a new trace, and a sampling decision made here, not the ids kept.
    expect(await first.changed('trace_id')).toBe(traceId === undefined);
    expect(await first.changed('span_id')).toBe(true);
    if (traceId) expect(await first.changed('parent_span_id')).toBe(false);
    // Decided here: ids without a decision (deferred), or nothing at all.
    expect(await first.changed('sampled')).toBe(['B3 multi-header, deferred', 'Nothing'].includes(row.label));
    expect(await first.changed('x_request_id')).toBe(false);

    // Every later hop: the same trace, as a child of the caller's CLIENT span; the ids that changed are marked.
    for (const [caller, callee] of [
      [first, second],
      [second, third],
    ] as const) {
      expect(callee.traceId).toBe(first.traceId);
      expect(await callee.changed('trace_id')).toBe(false);
      expect(callee.parent).toBe(caller.clientSpan);
      expect(await callee.changed('parent_span_id')).toBe(true);
      expect(callee.sampled).toBe(first.sampled);
      expect(callee.debug).toBe(row.debug);
      expect(callee.requestId).toBe(headers['x-request-id'] ?? '–');
      expect(callee.baggage).toBe(headers.baggage ?? '–');
      expect(callee.broken).toBe(false);
    }
    expect(second.story).toMatch(
      /^backend continued trace [0-9a-f]{4}… as a child of frontend's CLIENT span [0-9a-f]{4}…/,
    );
    expect(third.story).toMatch(/^backend-2 continued trace [0-9a-f]{4}… as a child of backend's CLIENT span/);
    if (headers.tracestate) {
      expect(first.tracestate).toBe(headers.tracestate);
      expect(second.tracestate).toBe(headers.tracestate);
      // Each hop sends B3 and traceparent naming the same trace, so tracestate rides on unchanged.
      expect(third.tracestate).toBe(headers.tracestate);
      expect(await third.changed('tracestate')).toBe(false);
    }
    // The verdict: the shared analysis of the spans the hops recorded, as the terminal view gives it.
    const summary = await shown(page.locator('.verdict .summary').first());
    const findings = await page
      .locator('.verdict .finding')
      .evaluateAll((items) => items.map((item) => `${item.getAttribute('data-code')}: ${item.textContent}`));
    if (row.verdict === 'joined') {
      expect(summary).toMatch(/^✔ joined · services frontend, backend, backend-2 · 5 spans · [\d.]+ m?s$/);
      expect(findings).toEqual([]);
    } else if (row.verdict === 'orphan') {
      // The tutorial's flaw: the page invents the parent span, and no one reports it.
      expect(summary).toMatch(/^✘ broken · services frontend, backend, backend-2 · 5 spans · [\d.]+ m?s · 1 orphan$/);
      expect(findings).toEqual([
        `orphan: frontend "GET /ui/api/send" (SERVER) names parent ${first.parent} that no one reported`,
      ]);
    } else if (row.verdict === 'dropped') {
      expect(summary).toMatch(/^✘ broken · services frontend, backend, backend-2 · 5 spans/);
      expect(findings).toEqual([
        'context-dropped: frontend "GET /ui/api/send" (SERVER) started a new trace although its request carried ' +
          'b3multi, traceparent headers: they were not valid, so the trace they named ends before it',
      ]);
    } else {
      expect(summary).toMatch(/^○ not sampled · trace [0-9a-f]{4}… · no hop recorded a span/);
    }
    // Each trace id links to Jaeger's view of it.
    expect(third.link).toBe(`${JAEGER}/trace/${first.traceId}`);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('says which trace won when B3 and traceparent name different ones', async () => {
    const { page } = await openPage(frontend.url);
    const { headers } = await sendPreset(page, 'B3 and traceparent naming different traces');
    const dropped = headers.traceparent?.split('-')[1] ?? '';
    expect((await arrow(page, 'frontend')).story).toContain(
      `It dropped the other trace you named, ${dropped.slice(0, 4)}…`,
    );
    await page.close();
  });

  it('shows a broken chain unmistakably when the first backend runs with PROPAGATION=off', async () => {
    const { page, problems } = await openPage(frontendOff.url);
    await sendPreset(page, 'B3 multi-header, sampled');
    expect(await hopServices(page)).toEqual(['frontend', 'backend', 'backend-2']);
    const second = await arrow(page, 'backend');
    const third = await arrow(page, 'backend-2');
    expect(third.broken).toBe(true);
    expect(third.traceId).not.toBe(second.traceId);
    expect(await third.changed('trace_id')).toBe(true);
    expect(third.parent).toBe('none (a root)');
    expect(third.story).toMatch(
      /^Broken: backend-2 started a new trace [0-9a-f]{4}…: no context arrived \(backend called it without trace headers, PROPAGATION=off\)/,
    );
    // Two traces where there should be one, each broken, with the terminal view's reasons.
    const summaries = await page.locator('.verdict.broken .summary').allInnerTexts();
    expect(summaries).toEqual([
      expect.stringMatching(/^✘ broken · services frontend, backend · 4 spans/),
      expect.stringMatching(/^✘ broken · services backend-2 · 1 span/),
    ]);
    const reasons = await page.locator('.verdict.broken .finding').allInnerTexts();
    expect(reasons).toContain('no span from backend-2');
    expect(reasons).toContainEqual(expect.stringMatching(/^nothing continues backend "GET" \(CLIENT\) to http:/));
    expect(reasons).toContainEqual(
      expect.stringMatching(/^the trace starts at backend-2 "GET \/" \(SERVER\), not at frontend/),
    );
    // No JAEGER_UI_URL on this frontend: ids are shown, not linked.
    expect(third.link).toBeNull();
    expect(problems).toEqual([]);
    await page.close();
  });

  /** The verdict's findings, as `code: text`. */
  const findingsOf = (page: Page) =>
    page
      .locator('.verdict .finding')
      .evaluateAll((items) => items.map((item) => `${item.getAttribute('data-code')}: ${item.textContent}`));

  it('shows each trace header before and after each sidecar, and a joined trace through them', async () => {
    const { page, problems } = await openPage(frontendMesh.url);
    await sendPreset(page, 'Nothing');
    expect(await hopServices(page)).toEqual(['frontend', 'backend', 'backend-2']);
    const frontendHop = await arrow(page, 'frontend');
    const backendHop = await arrow(page, 'backend');
    const passes = page.locator('li.hop[data-service="backend"] .sidecars');
    expect(await shown(passes.locator('.arrow-label'))).toBe('through the sidecars (simulated Envoy, zipkin tracer)');
    const [outbound = '', inbound = ''] = await passes.locator('li').allInnerTexts();
    // Each sidecar rewrote x-b3-spanid to its own span: the frontend's CLIENT span, then its own, then the next.
    const rewritten = (text: string) => /x-b3-spanid\s+([0-9a-f]{16}) → ([0-9a-f]{16})/.exec(text)?.slice(1);
    const [sent, outboundSpan] = rewritten(outbound) ?? [];
    const [, inboundSpan] = rewritten(inbound) ?? [];
    expect(outbound).toMatch(/^frontend\.meshtrace \(CLIENT span [0-9a-f]{4}…\)/);
    expect(inbound).toMatch(/^backend\.meshtrace \(SERVER span [0-9a-f]{4}…\)/);
    expect(sent).toBe(frontendHop.clientSpan);
    expect(rewritten(inbound)?.[0]).toBe(outboundSpan);
    expect(backendHop.parent).toBe(inboundSpan);
    // The zipkin tracer passes traceparent on as it came.
    expect(outbound).toMatch(/passed on unchanged: .*traceparent/);
    expect(backendHop.story).toMatch(/a proxy in between \(an Envoy sidecar\) added its own span/);
    expect(await page.locator('li.hop[data-service="backend-2"] .sidecars li').count()).toBe(2);
    // The verdict judges the sidecars' spans with the hops': the trace the terminal view would draw.
    expect(await shown(page.locator('.verdict .summary').first())).toMatch(
      /^✔ joined · services frontend, frontend\.meshtrace, backend\.meshtrace, backend, backend-2\.meshtrace, backend-2 · 9 spans/,
    );
    expect(await findingsOf(page)).toEqual([]);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('names the setting to change when an app trusts a header its sidecars do not rewrite', async () => {
    // Behind the OpenTelemetry tracer only traceparent is rewritten; the backend trusts B3 (the default).
    const { page, problems } = await openPage(frontendOtel.url);
    await sendPreset(page, 'Nothing');
    const frontendHop = await arrow(page, 'frontend');
    const backendHop = await arrow(page, 'backend');
    const [outbound = ''] = await page.locator('li.hop[data-service="backend"] .sidecars li').allInnerTexts();
    expect(outbound).toMatch(/traceparent\s+00-/);
    expect(outbound).toMatch(/passed on unchanged: .*x-b3-spanid/);
    // The backend's parent is the frontend's CLIENT span: both sidecar spans are left beside it.
    expect(backendHop.parent).toBe(frontendHop.clientSpan);
    const findings = await findingsOf(page);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatch(
      /^wrong-header-trusted: backend "GET \/[^"]*" \(SERVER\) is a child of frontend "GET" \(CLIENT\), while its own sidecar's span backend\.meshtrace .* set OTEL_PROPAGATORS=baggage,b3multi,tracecontext on backend/,
    );
    expect(problems).toEqual([]);
    await page.close();
  });

  it('asks the backend for a fault and shows its answer and the delay on the waterfall', async () => {
    const { page, problems } = await openPage(frontend.url);
    await sendPreset(page, 'B3 multi-header, sampled', { delay: '120', status: '503' });
    const frontendBox = await shown(page.locator('li.hop[data-service="frontend"] .service'));
    expect(frontendBox).toMatch(/called http:\/\/127\.0\.0\.1:\d+\/: status 503/);
    expect(await hopServices(page)).toEqual(['frontend', 'backend', 'backend-2']);
    const backendMs = Number.parseFloat(await shown(page.locator('.wf-row').nth(1).locator('.wf-ms')));
    expect(backendMs).toBeGreaterThanOrEqual(120);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('refuses a bad fault: the form will not send it, and the frontend answers 400 with the reason', async () => {
    const { page } = await openPage(frontend.url);
    await page.getByLabel('delay (ms)').fill('99999999');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    expect(await page.locator('#delay:invalid').count()).toBe(1);
    expect(await page.locator('.chain').count()).toBe(0);
    await page.close();
    const refused = await fetch(`${frontend.url}/ui/api/send?delay_ms=soon`);
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ reason: 'delay_ms="soon": expected an integer from 0 to 60000' });
  });

  it('works from the keyboard alone', async () => {
    const { page } = await openPage(frontend.url);
    await page.locator('body').press('Tab');
    await expect.poll(() => page.locator(':focus').getAttribute('id')).toBe('preset');
    // Chromium's closed <select> changes its value with the arrow keys.
    await page.keyboard.press('ArrowDown');
    expect(await page.locator('#preset').inputValue()).toBe('b3-not-sampled');
    for (const id of ['headers', 'delay', 'status', 'send']) {
      await page.keyboard.press('Tab');
      await expect.poll(() => page.locator(':focus').getAttribute('id')).toBe(id);
    }
    await page.keyboard.press('Enter');
    await page.locator('.chain').waitFor();
    expect((await arrow(page, 'frontend')).sampled).toBe('false');
    await page.close();
  });

  it('fits a 360 px wide screen, light and dark', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      const { page, problems } = await openPage(frontend.url);
      await page.setViewportSize({ width: 360, height: 800 });
      await page.emulateMedia({ colorScheme });
      await sendPreset(page, 'W3C traceparent + tracestate');
      const overflow = await page.locator('html').evaluate((html) => html.scrollWidth - html.clientWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      const background = await page
        .locator('body')
        .evaluate((body) => body.ownerDocument.defaultView?.getComputedStyle(body).backgroundColor);
      expect(background).toBe(colorScheme === 'dark' ? 'rgb(21, 23, 26)' : 'rgb(251, 251, 250)');
      expect(problems).toEqual([]);
      await page.close();
    }
  });
});

describe('the page itself', () => {
  it('is served without tracing, while each send is one traced request through the chain', async () => {
    const { page } = await openPage(frontend.url);
    await sendPreset(page, 'B3 multi-header, sampled');
    const traceId = (await arrow(page, 'frontend')).traceId;
    const spans = await zipkin.waitFor((all) => all.filter((span) => span.traceId === traceId).length >= 5);
    const ours = spans
      .filter((span) => span.traceId === traceId)
      .map((span) => `${span.localEndpoint?.serviceName} ${span.kind} ${span.name}`);
    expect(ours).toContain('frontend SERVER GET /ui/api/send');
    // Assets, config and loop polling made no spans at all.
    expect(zipkin.spans.filter((span) => /\/ui\/(?!api\/send)/.test(span.name ?? ''))).toEqual([]);
    await page.close();
  });

  it.each([
    ['B3 multi-header, sampled', 'broken'],
    ['Nothing', 'joined'],
  ])(
    '%s: the page gives the verdict and reasons the terminal view gives the spans Zipkin received',
    async (label, verdict) => {
      const { page } = await openPage(frontend.url);
      await sendPreset(page, label);
      const traceId = (await arrow(page, 'frontend')).traceId;
      const ofTrace = (all: readonly ZipkinSpan[]) => all.filter((span) => span.traceId === traceId);
      const received = ofTrace(await zipkin.waitFor((all) => ofTrace(all).length >= 5));
      // What `./pnpmw demo` does with a completed trace.
      const terminal = analyzeTrace(received.map(fromZipkin), { expect: ['frontend', 'backend', 'backend-2'] });
      expect(terminal.verdict).toBe(verdict);
      expect(await page.locator('.verdict .finding').allInnerTexts()).toEqual(terminal.findings.map((f) => f.message));
      const summary = await shown(page.locator('.verdict .summary'));
      // The same words but the total time: the page's times are what each caller measured.
      const untimed = (line: string) => line.replace(/ · [\d.]+ m?s(?= ·|$)/, '');
      expect(untimed(summary)).toBe(untimed(summaryLine(terminal)));
      await page.close();
    },
  );

  it('lists the loop live: mode, counts and the last ticks, joined, and follows the operator pausing it', async () => {
    const { page, problems } = await openPage(frontend.url);
    await expect.poll(() => page.locator('.ticks tbody tr').count(), { timeout: 10_000 }).toBeGreaterThan(1);
    expect(await shown(page.locator('[data-fact="mode"]'))).toBe('generate');
    // The loop's own rate (LOOP_INTERVAL_MS=200: 5 ticks a second).
    expect(await shown(page.locator('[data-fact="rate"]'))).toBe('5/s');
    const firstRow = page.locator('.ticks tbody tr').first();
    expect(await shown(firstRow.locator('td').nth(4))).toBe('joined');
    const tickTrace = await shown(firstRow.locator('td a'));
    expect(await firstRow.locator('td a').getAttribute('href')).toBe(`${JAEGER}/trace/${tickTrace}`);

    // The page has no control of its own: changing the loop is POST /loop on the admin listener.
    expect(await page.getByRole('button', { name: /Pause|Resume|Set rate/ }).count()).toBe(0);
    const loop = (command: object) =>
      fetch(`${frontend.adminUrl}/loop`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(command),
      });
    // The page polls every 2 s.
    const refreshed = { timeout: 6000 };
    expect((await loop({ action: 'pause', rate: 4 })).status).toBe(200);
    await expect.poll(() => shown(page.locator('[data-fact="state"]')), refreshed).toBe('paused');
    expect(await shown(page.locator('[data-fact="rate"]'))).toBe('4/s');
    expect((await loop({ action: 'resume', rate: 5 })).status).toBe(200);
    await expect.poll(() => shown(page.locator('[data-fact="state"]')), refreshed).toBe('running');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('redirects /ui to /ui/ and serves none of the page sources', async () => {
    const redirect = await fetch(`${frontend.url}/ui`, { redirect: 'manual' });
    expect(redirect.status).toBe(301);
    expect(redirect.headers.get('location')).toBe('/ui/');
    for (const path of ['main.ts', 'tsconfig.json', 'main.d.ts', 'chain.ts']) {
      expect((await fetch(`${frontend.url}/ui/${path}`)).status).toBe(404);
    }
    const page = await fetch(`${frontend.url}/ui/`);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
  });
});
