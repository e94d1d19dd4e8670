/**
 * The benchmark's collector endpoint, in its own process so that receiving
 * spans does not share the load generator's event loop. Started by the
 * benchmarks (processes.ts) with an IPC channel: it sends
 * `{ url, otlpUrl }` once listening, and answers a `count` message with
 * `{ count }`, the spans received so far.
 *
 * It answers `POST /api/v2/spans` with 202 as Zipkin does, and counts spans by
 * their `"traceId":` keys instead of parsing the JSON; `POST /v1/traces`
 * (OTLP/HTTP protobuf) with 200 and an empty response, counting spans by
 * walking only the three message levels above them. The sink shares a core
 * with the load generator, and parsing thousands of spans a second would slow
 * the load for the tracing-on variants only. (Span content is checked by the
 * tests, against trace-tools' validating receiver.)
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

if (!process.send) throw new Error('span-sink.ts runs as a child of the benchmarks, with an IPC channel');

const SPANS_PATH = '/api/v2/spans';
const OTLP_PATH = '/v1/traces';
/** One per Zipkin v2 span (`parentId` and `id` are other keys). */
const SPAN_MARKER = Buffer.from('"traceId":');

let count = 0;

function countMarkers(chunk: Buffer, carry: Buffer): Buffer {
  const text = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
  for (let at = text.indexOf(SPAN_MARKER); at !== -1; at = text.indexOf(SPAN_MARKER, at + SPAN_MARKER.length)) count++;
  // A marker may be split across chunks: keep the tail that could start one.
  return text.subarray(Math.max(0, text.length - SPAN_MARKER.length + 1));
}

/**
 * Length-delimited fields numbered `number` in one protobuf message (every other field skipped).
 * ExportTraceServiceRequest.resource_spans = 1, ResourceSpans.scope_spans = 2, ScopeSpans.spans = 2.
 */
function* messages(buf: Buffer, number: number): Generator<Buffer> {
  let at = 0;
  const varint = () => {
    let value = 0;
    for (let shift = 0; at < buf.length; shift += 7) {
      const byte = buf[at++] ?? 0;
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) break;
    }
    return value;
  };
  while (at < buf.length) {
    const key = varint();
    const wire = key & 7;
    if (wire === 0) varint();
    else if (wire === 1) at += 8;
    else if (wire === 5) at += 4;
    else if (wire === 2) {
      const length = varint();
      if (key >>> 3 === number) yield buf.subarray(at, at + length);
      at += length;
    } else return;
  }
}

function countOtlpSpans(body: Buffer): number {
  let spans = 0;
  for (const resource of messages(body, 1))
    for (const scope of messages(resource, 2)) for (const _ of messages(scope, 2)) spans++;
  return spans;
}

const server = createServer((req, res) => {
  const path = req.url?.split('?', 1)[0];
  if (req.method === 'POST' && path === OTLP_PATH) {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      count += countOtlpSpans(Buffer.concat(chunks));
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
    return;
  }
  if (req.method !== 'POST' || path !== SPANS_PATH) {
    res.writeHead(404).end();
    return;
  }
  let carry: Buffer = Buffer.alloc(0);
  req.on('data', (chunk: Buffer) => {
    carry = countMarkers(chunk, carry);
  });
  req.on('end', () => res.writeHead(202).end());
});

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.send?.({ url: `http://127.0.0.1:${port}${SPANS_PATH}`, otlpUrl: `http://127.0.0.1:${port}${OTLP_PATH}` });
});

process.on('message', (message: unknown) => {
  if (message === 'count') process.send?.({ count });
});
process.on('disconnect', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
