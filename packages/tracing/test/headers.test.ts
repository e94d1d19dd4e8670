import { describe, expect, it } from 'vitest';
import { FORWARDED_HEADERS } from '../src/headers.ts';
import { pickForwardedHeaders } from '../src/traced-request.ts';

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
