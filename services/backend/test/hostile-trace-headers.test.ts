import { createServer, type IncomingHttpHeaders, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ServiceProcess, startService, startZipkinReceiver, type ZipkinReceiver } from '@meshtrace/harness';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Property-based: random, truncated, oversized, mixed-case, repeated and
 * non-ASCII trace headers, sent to the real backend over HTTP. Validity is
 * computed here from the specs (B3, W3C Trace Context), not from the code
 * under test: the backend must continue exactly the valid contexts, start a
 * fresh root otherwise, never answer 5xx or crash, and forward what it got
 * without altering or inventing anything.
 */

const RUNS = 150;

const TRACE_HEADERS = [
  'x-b3-traceid',
  'x-b3-spanid',
  'x-b3-parentspanid',
  'x-b3-sampled',
  'x-b3-flags',
  'b3',
  'traceparent',
  'tracestate',
  'baggage',
  'x-request-id',
] as const;
type TraceHeader = (typeof TRACE_HEADERS)[number];

// --- Generators: only values Node's HTTP client can send (tab, 0x20-0x7e, 0x80-0xff) --------------

const hex = (length: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: length, maxLength: length });
const upper = (arb: fc.Arbitrary<string>) => arb.map((value) => value.toUpperCase());
const sendableChar = fc.oneof(
  fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)),
  fc.integer({ min: 0x80, max: 0xff }).map((code) => String.fromCharCode(code)),
);
const junk = fc.string({ unit: sendableChar, maxLength: 80 });
const id128 = fc.oneof(hex(32), fc.constant('0'.repeat(32)));
const id64 = fc.oneof(hex(16), fc.constant('0'.repeat(16)));

/** Values shaped like the header's format, then damaged in one of the ways the brief lists. */
function damaged(valid: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: valid },
    { weight: 1, arbitrary: upper(valid) },
    { weight: 1, arbitrary: fc.tuple(valid, fc.nat()).map(([value, cut]) => value.slice(0, cut % (value.length + 1))) },
    // Oversized for the format, yet the whole request stays under Node's 16 KB header limit (limits.test.ts covers that).
    {
      weight: 1,
      arbitrary: fc.tuple(valid, fc.integer({ min: 2, max: 40 })).map(([v, n]) => v.repeat(n).slice(0, 500)),
    },
    { weight: 1, arbitrary: fc.tuple(valid, junk).map(([value, noise]) => value + noise) },
    { weight: 1, arbitrary: junk },
  );
}

const VALUES: Record<TraceHeader, fc.Arbitrary<string>> = {
  'x-b3-traceid': damaged(fc.oneof(id128, id64)),
  'x-b3-spanid': damaged(id64),
  'x-b3-parentspanid': damaged(id64),
  'x-b3-sampled': damaged(fc.constantFrom('1', '0', 'true', 'false', 'd')),
  'x-b3-flags': damaged(fc.constantFrom('1', '0')),
  b3: damaged(
    fc
      .tuple(fc.oneof(id128, id64), id64, fc.option(fc.constantFrom('1', '0', 'd')), fc.option(id64))
      .map(([trace, span, sampled, parent]) =>
        [trace, span, ...(sampled !== null ? [sampled] : []), ...(sampled !== null && parent ? [parent] : [])].join(
          '-',
        ),
      ),
  ),
  traceparent: damaged(
    fc
      .tuple(fc.constantFrom('00', '01', 'ff'), id128, id64, fc.constantFrom('00', '01', '03'))
      .map((parts) => parts.join('-')),
  ),
  tracestate: damaged(fc.constantFrom('congo=t61rcWkgMzE', 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE')),
  baggage: damaged(fc.constantFrom('user=alice', 'user=alice,tenant=blue;ttl=30')),
  'x-request-id': damaged(fc.uuid()),
};

/** Mixed-case names; one value, or the header repeated. */
const headerSets = fc.record(
  Object.fromEntries(
    TRACE_HEADERS.map((name) => [
      name,
      fc.option(
        fc.record({
          name: fc
            .array(fc.boolean(), { minLength: name.length, maxLength: name.length })
            .map((flips) => [...name].map((char, i) => (flips[i] ? char.toUpperCase() : char)).join('')),
          values: fc.array(VALUES[name], { minLength: 1, maxLength: 2 }),
        }),
        { freq: 2 },
      ),
    ]),
  ) as Record<TraceHeader, fc.Arbitrary<{ name: string; values: string[] } | null>>,
);
type HeaderSet = Record<TraceHeader, { name: string; values: string[] } | null>;

// --- The oracle: validity from the specs ------------------------------------------------------------

const HEX16 = /^[0-9a-f]{16}$/;
const TRACE_ID = /^(?:[0-9a-f]{16}|[0-9a-f]{32})$/;
const nonZero = (id: string) => /[1-9a-f]/.test(id);
const pad = (traceId: string) => traceId.padStart(32, '0');

/**
 * RFC 9110 §5.5: "a field value does not include leading or trailing whitespace", where that
 * whitespace is OWS = *( SP / HTAB ) (§5.6.3). Only those two: a trailing U+00A0 (byte 0xa0)
 * is part of the value, and JavaScript's trim() would wrongly strip it.
 */
const trimOws = (value: string) => value.replace(/^[ \t]+|[ \t]+$/g, '');

/** What the server sees: Node strips OWS from each value and joins repeated headers with ", ". */
function received(set: HeaderSet, name: TraceHeader): string | undefined {
  return set[name]?.values.map(trimOws).join(', ');
}

/**
 * B3: "When extracting state headers, the first value wins": the received value
 * up to its first comma (Node joins repeated headers with ", "); empty is absent.
 */
function first(set: HeaderSet, name: TraceHeader): string | undefined {
  return received(set, name)?.split(',')[0]?.trim() || undefined;
}

/** B3 multi-header ids the backend must continue, or undefined. */
function multiTraceId(set: HeaderSet): string | undefined {
  const traceId = first(set, 'x-b3-traceid') ?? '';
  const spanId = first(set, 'x-b3-spanid') ?? '';
  const sampled = first(set, 'x-b3-sampled');
  const decision =
    first(set, 'x-b3-flags') === '1' ||
    sampled === undefined ||
    ['1', '0', 'true', 'false', 'True', 'False'].includes(sampled);
  const valid = TRACE_ID.test(traceId) && nonZero(traceId) && HEX16.test(spanId) && nonZero(spanId) && decision;
  return valid ? pad(traceId) : undefined;
}

/** The single b3 header's ids, or undefined. */
function singleTraceId(set: HeaderSet): string | undefined {
  // https://github.com/openzipkin/b3-propagation: {traceId}-{spanId}[-{sampling}[-{parentSpanId}]]
  const match = /^([0-9a-f]{16}|[0-9a-f]{32})-([0-9a-f]{16})(?:-([01d])(?:-([0-9a-f]{16}))?)?$/.exec(
    first(set, 'b3') ?? '',
  );
  return match?.[1] && match[2] && nonZero(match[1]) && nonZero(match[2]) ? pad(match[1]) : undefined;
}

/** https://www.w3.org/TR/trace-context-2/#traceparent-header: version 00 is exactly 55 chars, ff is invalid. */
function traceparentTraceId(set: HeaderSet): string | undefined {
  const parent = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/.exec(
    received(set, 'traceparent') ?? '',
  );
  if (!parent?.[2] || !parent[3] || parent[1] === 'ff' || (parent[1] === '00' && parent[5] !== undefined)) {
    return undefined;
  }
  return nonZero(parent[2]) && nonZero(parent[3]) ? parent[2] : undefined;
}

/**
 * The trace id the backend must continue, or undefined when it must start a fresh root.
 * With the default OTEL_PROPAGATORS (tracecontext,baggage,b3multi) the last valid format
 * wins: x-b3-*, then a b3 header (ranked just below the listed b3multi), then traceparent.
 */
function expectedTraceId(set: HeaderSet): string | undefined {
  return multiTraceId(set) ?? singleTraceId(set) ?? traceparentTraceId(set);
}

// --- The system: backend → capture server, over real HTTP --------------------------------------------

interface Echo {
  trace: { trace_id: string; continued: boolean; parent_span_id?: string };
}

let zipkin: ZipkinReceiver;
let capture: Server;
let backend: ServiceProcess;
let lastDownstream: IncomingHttpHeaders | undefined;

beforeAll(async () => {
  zipkin = await startZipkinReceiver();
  capture = createServer((req, res) => {
    lastDownstream = req.headers;
    req.resume();
    res.end('ok');
  });
  await new Promise<void>((resolve) => capture.listen(0, '127.0.0.1', resolve));
  const captureUrl = `http://127.0.0.1:${(capture.address() as AddressInfo).port}/next`;
  backend = await startService('backend', {
    env: { OTEL_EXPORTER_ZIPKIN_ENDPOINT: zipkin.url, DOWNSTREAM_URLS: captureUrl, LOG_LEVEL: 'info' },
  });
});

afterAll(async () => {
  await backend?.stop();
  capture?.closeAllConnections();
  capture?.close();
  await zipkin?.close();
});

function send(set: HeaderSet): Promise<{ status: number; body: string }> {
  // A raw header list (the only way to repeat a header with a mixed-case name) gets no default Host.
  const headers: [string, string][] = [['host', `127.0.0.1:${backend.port}`]];
  for (const name of TRACE_HEADERS)
    for (const value of set[name]?.values ?? []) headers.push([set[name]?.name ?? name, value]);
  return new Promise((resolve, reject) => {
    const req = request(`${backend.url}/hostile?format=json`, { headers: headers.flat(), timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 5 s')));
    req.on('error', reject);
    req.end();
  });
}

/**
 * A case the property once found: a trailing U+00A0 is not HTTP whitespace, so the backend
 * receives and forwards it. Always run first, so an oracle that trims it fails every time.
 */
const noHeaders = Object.fromEntries(TRACE_HEADERS.map((name) => [name, null])) as HeaderSet;
const nbspExample: HeaderSet = {
  ...noHeaders,
  'x-request-id': { name: 'x-request-id', values: ['00000000-0000-1000-8000-000000000000\u00a0'] },
};

/** Another: a value that is only a space arrives as '' (Node strips OWS) and must be forwarded as ''. */
const spaceExample: HeaderSet = { ...noHeaders, 'x-request-id': { name: 'x-request-id', values: [' '] } };

describe('hostile trace headers', () => {
  it(`${RUNS} random header sets: no 5xx, context continued exactly when valid, nothing altered or invented`, async () => {
    await fc.assert(
      fc.asyncProperty(headerSets, async (set) => {
        lastDownstream = undefined;
        const { status, body } = await send(set);
        expect(status).toBe(200);
        const echo = JSON.parse(body) as Echo;
        const expected = expectedTraceId(set);
        if (expected) {
          expect(echo.trace.trace_id).toBe(expected);
          expect(echo.trace.continued).toBe(true);
        } else {
          expect(echo.trace.continued).toBe(false);
          expect(echo.trace.parent_span_id).toBeUndefined();
          expect(echo.trace.trace_id).toMatch(/^[0-9a-f]{32}$/);
          expect(nonZero(echo.trace.trace_id)).toBe(true);
        }

        // Downstream: our trace, in both formats, and every forwarded value as received.
        const down = lastDownstream as IncomingHttpHeaders | undefined;
        expect(down).toBeDefined();
        expect(down?.['x-b3-traceid']).toBe(echo.trace.trace_id);
        expect(String(down?.traceparent).split('-')[1]).toBe(echo.trace.trace_id);
        // Trimmed once more: a joined value can end in ", ", and the hop to downstream strips that OWS too.
        const requestId = received(set, 'x-request-id');
        expect(down?.['x-request-id']).toBe(requestId === undefined ? undefined : trimOws(requestId));
        if (received(set, 'tracestate') === undefined) expect(down?.tracestate).toBeUndefined();
        if (received(set, 'baggage') === undefined) expect(down?.baggage).toBeUndefined();
      }),
      { numRuns: RUNS, examples: [[nbspExample], [spaceExample]] },
    );
    // The process survived all of it.
    expect(backend.child.exitCode).toBeNull();
  }, 90_000);
});
