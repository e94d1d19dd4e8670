import { describe, expect, it } from 'vitest';
import { FORWARDED_HEADERS } from '../src/constants.ts';
import { pickForwardedHeaders } from '../src/forwarded-headers.ts';
import { carriesB3Debug, receivedFormats } from '../src/incoming-context.ts';

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

describe('receivedFormats and carriesB3Debug', () => {
  it('lists the formats that arrived, valid or not, and reads B3 debug by its own rules', () => {
    expect(receivedFormats({ 'x-b3-traceid': 'x', b3: 'y', traceparent: 'z' })).toEqual([
      'b3multi',
      'b3',
      'traceparent',
    ]);
    expect(receivedFormats({})).toEqual([]);
    expect(carriesB3Debug({ 'x-b3-flags': '1' })).toBe(true);
    expect(carriesB3Debug({ b3: '463ac35c9f6413ad48485a3953bb6124-a2fb4a1d1a96d312-d' })).toBe(true);
    expect(carriesB3Debug({ b3: 'd' })).toBe(true);
    // The first value wins, and a malformed b3 carries nothing.
    expect(carriesB3Debug({ 'x-b3-flags': '0, 1' })).toBe(false);
    expect(carriesB3Debug({ b3: 'a-b-d' })).toBe(false);
    expect(carriesB3Debug({})).toBe(false);
  });
});
