/**
 * The benchmark's Zipkin endpoint, in its own process so that receiving spans
 * does not share the load generator's event loop. Started by the benchmarks
 * (scripts/bench-processes.ts) with an IPC channel: it sends `{ url }` once
 * listening, and answers a `count` message with `{ count }`, the spans
 * received so far.
 *
 * It answers `POST /api/v2/spans` with 202 as Zipkin does, and counts spans by
 * their `"traceId":` keys instead of parsing the JSON: the sink shares a core
 * with the load generator, and parsing thousands of spans a second would slow
 * the load for the tracing-on variants only. (Span content is checked by the
 * tests, against trace-tools' validating receiver.)
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

if (!process.send) throw new Error('zipkin-sink.ts runs as a child of the benchmarks, with an IPC channel');

const SPANS_PATH = '/api/v2/spans';
/** One per Zipkin v2 span (`parentId` and `id` are other keys). */
const SPAN_MARKER = Buffer.from('"traceId":');

let count = 0;

function countMarkers(chunk: Buffer, carry: Buffer): Buffer {
  const text = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
  for (let at = text.indexOf(SPAN_MARKER); at !== -1; at = text.indexOf(SPAN_MARKER, at + SPAN_MARKER.length)) count++;
  // A marker may be split across chunks: keep the tail that could start one.
  return text.subarray(Math.max(0, text.length - SPAN_MARKER.length + 1));
}

const server = createServer((req, res) => {
  if (req.method !== 'POST' || req.url?.split('?', 1)[0] !== SPANS_PATH) {
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
  process.send?.({ url: `http://127.0.0.1:${port}${SPANS_PATH}` });
});

process.on('message', (message: unknown) => {
  if (message === 'count') process.send?.({ count });
});
process.on('disconnect', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
