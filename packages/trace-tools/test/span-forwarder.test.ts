import { startZipkinReceiver, type ZipkinSpan } from '@meshtrace/harness';
import { describe, expect, it } from 'vitest';
import { createSpanForwarder, type ForwardState } from '../src/span-forwarder.ts';

const batch: ZipkinSpan[] = [
  {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    id: '00f067aa0ba902b7',
    name: 'loop tick',
    localEndpoint: { serviceName: 'frontend' },
  },
];

describe('span forwarder', () => {
  it('re-POSTs each batch to a real Zipkin endpoint', async () => {
    const target = await startZipkinReceiver();
    const states: ForwardState[] = [];
    const forwarder = createSpanForwarder(target.url, (s) => states.push(s));
    try {
      forwarder.forward(batch);
      forwarder.forward(batch);
      await forwarder.close();
      expect(target.spans).toEqual([...batch, ...batch]);
      expect(states).toEqual([{ ok: true }]);
      expect(forwarder.sent).toBe(2);
    } finally {
      await target.close();
    }
  });

  it('survives a dead target and reports it once, not per batch', async () => {
    const target = await startZipkinReceiver();
    const url = target.url;
    await target.close();
    const states: ForwardState[] = [];
    const forwarder = createSpanForwarder(url, (s) => states.push(s));
    forwarder.forward(batch);
    forwarder.forward(batch);
    await forwarder.close();
    expect(states).toEqual([{ ok: false, reason: 'ECONNREFUSED' }]);
    expect(forwarder.failed).toBe(2);
  });
});
