import { describe, expect, it } from 'vitest';
import { fromOtlp } from '../src/otlp-spans.ts';

const resource = (service: string) => ({ attributes: [{ key: 'service.name', value: { stringValue: service } }] });

describe('fromOtlp', () => {
  it('reads hex ids, numeric enums, nanosecond strings and the service from the resource', () => {
    const [span] = fromOtlp({
      resourceSpans: [
        {
          resource: resource('backend'),
          scopeSpans: [
            {
              spans: [
                {
                  traceId: '4BF92F3577B34DA6A3CE929D0E0E4736',
                  spanId: '00f067aa0ba902b7',
                  parentSpanId: '',
                  name: 'GET /*',
                  kind: 2,
                  startTimeUnixNano: '1795222349115000000',
                  endTimeUnixNano: '1795222349154016000',
                  status: { code: 2 },
                },
              ],
            },
          ],
        },
      ],
    });
    expect(span).toEqual({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      service: 'backend',
      name: 'GET /*',
      kind: 'SERVER',
      startUs: 1_795_222_349_115_000,
      durationUs: 39_016,
      status: 'error',
    });
  });

  it('reads SPAN_KIND_* names, base64 ids, 64-bit trace ids and a parent', () => {
    const [span] = fromOtlp({
      resourceSpans: [
        {
          resource: resource('backend.default'),
          scopeSpans: [
            {
              spans: [
                {
                  traceId: 'a3ce929d0e0e4736',
                  spanId: Buffer.from('00f067aa0ba902b7', 'hex').toString('base64'),
                  parentSpanId: 'e8ec16827d0ba7b2',
                  kind: 'SPAN_KIND_CLIENT',
                  status: { code: 'STATUS_CODE_OK' },
                },
              ],
            },
          ],
        },
      ],
    });
    expect(span).toMatchObject({
      traceId: '0000000000000000a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      parentId: 'e8ec16827d0ba7b2',
      kind: 'CLIENT',
      status: 'ok',
    });
  });

  it('never throws on a partial answer', () => {
    expect(fromOtlp(undefined)).toEqual([]);
    expect(fromOtlp({ resourceSpans: [{}] })).toEqual([]);
  });
});
