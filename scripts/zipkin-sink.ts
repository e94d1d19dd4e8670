/**
 * The benchmark's Zipkin endpoint, in its own process so that receiving and
 * parsing spans does not share the load generator's event loop. Forked by
 * scripts/bench.ts: it sends `{ url }` once listening, and answers a `count`
 * message with `{ count }`, the number of spans received so far.
 */

import { startZipkinReceiver } from '../packages/trace-tools/src/zipkin-receiver.ts';
import type { ZipkinSpan } from '../packages/trace-tools/src/zipkin-span.ts';

if (!process.send) throw new Error('zipkin-sink.ts runs as a forked child of scripts/bench.ts');

const receiver = await startZipkinReceiver({ host: '127.0.0.1' });
let count = 0;
receiver.onSpans((batch) => {
  count += batch.length;
  // Keep the count, not the spans: one bench run sends hundreds of thousands.
  (receiver.spans as ZipkinSpan[]).length = 0;
});

process.on('message', (message: unknown) => {
  if (message === 'count') process.send?.({ count });
});
process.on('disconnect', () => {
  void receiver.close().then(() => process.exit(0));
});
process.send({ url: receiver.url });
