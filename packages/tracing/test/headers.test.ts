import { describe, expect, it } from 'vitest';
import { FORWARDED_HEADERS } from '../src/constants.ts';
import { pickForwardedHeaders } from '../src/forwarded-headers.ts';
import { describeTraceHeaders } from '../src/incoming-context.ts';

describe('forwarded headers', () => {
  it('copies x-request-id first among the Istio headers, unchanged, and invents nothing', () => {
    expect(FORWARDED_HEADERS[0]).toBe('x-request-id');
    expect(pickForwardedHeaders({ 'x-request-id': ' Odd Value;1 ', 'x-datadog-trace-id': '42', host: 'x' })).toEqual({
      'x-request-id': ' Odd Value;1 ',
      'x-datadog-trace-id': '42',
    });
    expect(pickForwardedHeaders({})).toEqual({});
  });

  it('never forwards the trace headers themselves: the propagators rewrite those with our span', () => {
    expect(FORWARDED_HEADERS).not.toContain('x-b3-spanid');
    expect(FORWARDED_HEADERS).not.toContain('traceparent');
    expect(pickForwardedHeaders({ 'x-b3-spanid': 'a2fb4a1d1a96d312', traceparent: '00-x' })).toEqual({});
  });
});

describe('describeTraceHeaders', () => {
  it('lists the formats that arrived, valid or not, and the debug flag', () => {
    expect(describeTraceHeaders({ 'x-b3-traceid': 'x', b3: 'y', traceparent: 'z' })).toEqual({
      formats: ['b3multi', 'b3', 'traceparent'],
      debug: false,
    });
    expect(describeTraceHeaders({ 'x-b3-flags': '1' }).debug).toBe(true);
    expect(describeTraceHeaders({ b3: '463ac35c9f6413ad48485a3953bb6124-a2fb4a1d1a96d312-d' }).debug).toBe(true);
    expect(describeTraceHeaders({ b3: 'd' }).debug).toBe(true);
    // Read as extraction reads it: the first value wins, and a malformed b3 carries nothing.
    expect(describeTraceHeaders({ 'x-b3-flags': '0, 1' }).debug).toBe(false);
    expect(describeTraceHeaders({ b3: 'a-b-d' }).debug).toBe(false);
    expect(describeTraceHeaders({})).toEqual({ formats: [], debug: false });
  });
});
