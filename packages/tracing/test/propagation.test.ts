import { defaultTextMapGetter, defaultTextMapSetter, ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { createPropagator, SAMPLING_DEFERRED } from '../src/propagation.ts';

/** Unit tests of the propagator alone; the backend tests check the same cases over HTTP. */

const TRACE = '463ac35c9f6413ad48485a3953bb6124';
const SPAN = 'a2fb4a1d1a96d312';
const W3C_TRACE = '0af7651916cd43dd8448eb211c80319c';
const W3C_SPAN = 'b7ad6b7169203331';

const propagator = createPropagator(['tracecontext', 'baggage', 'b3multi']);
const extract = (headers: Record<string, string>) => propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);

describe('extract', () => {
  it('prefers B3 over traceparent whichever way round they are listed', () => {
    const headers = {
      'x-b3-traceid': TRACE,
      'x-b3-spanid': SPAN,
      'x-b3-sampled': '1',
      traceparent: `00-${W3C_TRACE}-${W3C_SPAN}-01`,
    };
    for (const names of [
      ['tracecontext', 'b3multi'],
      ['b3multi', 'tracecontext'],
    ] as const) {
      const context = createPropagator(names).extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
      expect(trace.getSpanContext(context)).toMatchObject({ traceId: TRACE, spanId: SPAN, isRemote: true });
    }
  });

  it('treats B3 that is not whole-value lower-hex as no context, where the stock extractor would continue it', () => {
    for (const headers of [
      { b3: `junk${TRACE}-${SPAN}-1` },
      { b3: `${TRACE}-${SPAN}-1junk` },
      // Two b3 headers, as Node joins them.
      { b3: `${TRACE}-${SPAN}-1, ${W3C_TRACE}-${W3C_SPAN}-1` },
      { b3: `${TRACE.toUpperCase()}-${SPAN}-1` },
      { 'x-b3-traceid': TRACE.toUpperCase(), 'x-b3-spanid': SPAN, 'x-b3-sampled': '1' },
      { 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN.toUpperCase(), 'x-b3-sampled': '1' },
    ]) {
      expect(trace.getSpanContext(extract(headers)), JSON.stringify(headers)).toBeUndefined();
    }
    // Malformed B3 leaves a valid traceparent to decide.
    const fallback = extract({ b3: `junk${TRACE}-${SPAN}-1`, traceparent: `00-${W3C_TRACE}-${W3C_SPAN}-01` });
    expect(trace.getSpanContext(fallback)).toMatchObject({ traceId: W3C_TRACE, spanId: W3C_SPAN });
  });

  it('marks B3 without a sampling decision as deferred, and nothing else', () => {
    expect(extract({ 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN }).getValue(SAMPLING_DEFERRED)).toBe(true);
    expect(extract({ b3: `${TRACE}-${SPAN}` }).getValue(SAMPLING_DEFERRED)).toBe(true);
    expect(
      extract({ 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN, 'x-b3-sampled': '0' }).getValue(SAMPLING_DEFERRED),
    ).toBeUndefined();
    expect(extract({ b3: `${TRACE}-${SPAN}-0` }).getValue(SAMPLING_DEFERRED)).toBeUndefined();
    expect(
      extract({ 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN, 'x-b3-flags': '1' }).getValue(SAMPLING_DEFERRED),
    ).toBeUndefined();
    expect(extract({ traceparent: `00-${W3C_TRACE}-${W3C_SPAN}-00` }).getValue(SAMPLING_DEFERRED)).toBeUndefined();
  });

  it.each([
    [{ 'x-b3-traceid': 'xyz', 'x-b3-spanid': SPAN, 'x-b3-sampled': '1' }],
    [{ b3: '---' }],
    [{ traceparent: '00-00000000000000000000000000000000-b7ad6b7169203331-01' }],
    [{ traceparent: 'ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' }],
    [{ 'x-b3-traceid': TRACE }],
  ])('finds no context in malformed headers %o, without throwing', (headers) => {
    expect(trace.getSpanContext(extract(headers))).toBeUndefined();
  });
});

describe('inject', () => {
  const context = trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE, spanId: SPAN, traceFlags: TraceFlags.SAMPLED });

  it('writes B3 multi-headers (which Envoy reads) and traceparent by default, never the single b3 header', () => {
    const headers: Record<string, string> = {};
    propagator.inject(context, headers, defaultTextMapSetter);
    expect(headers).toEqual({
      'x-b3-traceid': TRACE,
      'x-b3-spanid': SPAN,
      'x-b3-sampled': '1',
      traceparent: `00-${TRACE}-${SPAN}-01`,
    });
  });

  it('writes only what OTEL_PROPAGATORS lists', () => {
    const headers: Record<string, string> = {};
    createPropagator(['b3']).inject(context, headers, defaultTextMapSetter);
    expect(headers).toEqual({ b3: `${TRACE}-${SPAN}-1` });
    const none: Record<string, string> = {};
    createPropagator(['none']).inject(context, none, defaultTextMapSetter);
    expect(none).toEqual({});
  });
});
