import { describe, expect, it } from 'vitest';
import { decideFault, type FaultDefaults, padBody } from '../src/fault-request.ts';

const none: FaultDefaults = {
  delay: { kind: 'fixed', ms: 0 },
  errorRate: 0,
  errorCode: 500,
  maxDelayMs: 1000,
  maxResponseSize: 4096,
};
const never = () => 0.999;

describe('per-request faults', () => {
  it('injects nothing by default', () => {
    expect(decideFault(none, {}, {}, never)).toEqual({
      ok: true,
      fault: { delayMs: 0, status: undefined, size: undefined },
    });
  });

  it("reads http-https-echo's headers, and the query twins", () => {
    const headers = {
      'x-set-response-delay-ms': '25',
      'x-set-response-status-code': '418',
      'x-set-response-size': '64',
    };
    expect(decideFault(none, headers, {}, never)).toEqual({ ok: true, fault: { delayMs: 25, status: 418, size: 64 } });
    const query = { delay_ms: '30', status: '503', size: '10' };
    expect(decideFault(none, {}, query, never)).toEqual({ ok: true, fault: { delayMs: 30, status: 503, size: 10 } });
  });

  it('lets a header win over its query twin', () => {
    const decision = decideFault(none, { 'x-set-response-status-code': '404' }, { status: '500' }, never);
    expect(decision).toMatchObject({ ok: true, fault: { status: 404 } });
  });

  it.each([
    [{ 'x-set-response-delay-ms': '1001' }, {}, /x-set-response-delay-ms=1001 is out of bounds.*0 to 1000/],
    [{}, { delay_ms: 'soon' }, /\?delay_ms="soon": expected an integer/],
    [{ 'x-set-response-status-code': '99' }, {}, /out of bounds.*200 to 599/],
    [{}, { size: '4097' }, /\?size=4097 is out of bounds.*0 to 4096/],
  ])('refuses %j %j with a reason', (headers, query, reason) => {
    const decision = decideFault(none, headers, query, never);
    expect(decision.ok).toBe(false);
    if (!decision.ok) expect(decision.reason).toMatch(reason);
  });

  it('draws the DELAY distribution when no delay is asked for, and not when one is', () => {
    const defaults = { ...none, delay: { kind: 'uniform', min: 100, max: 200 } } as const;
    expect(decideFault(defaults, {}, {}, () => 0.5)).toMatchObject({ fault: { delayMs: 150 } });
    expect(decideFault(defaults, {}, { delay_ms: '0' }, () => 0.5)).toMatchObject({ fault: { delayMs: 0 } });
  });

  it('injects ERROR_CODE at ERROR_RATE, unless the request sets its own status', () => {
    const defaults = { ...none, errorRate: 0.25, errorCode: 503 };
    expect(decideFault(defaults, {}, {}, () => 0.2)).toMatchObject({ fault: { status: 503 } });
    expect(decideFault(defaults, {}, {}, () => 0.3)).toMatchObject({ fault: { status: undefined } });
    expect(decideFault(defaults, {}, { status: '200' }, () => 0.2)).toMatchObject({ fault: { status: 200 } });
  });
});

describe('response size', () => {
  it('pads with trailing spaces to the size, in bytes', () => {
    expect(padBody('é\n', 8)).toBe('é\n     ');
    expect(Buffer.byteLength(padBody('{"a":1}', 100))).toBe(100);
    expect(JSON.parse(padBody('{"a":1}', 100))).toEqual({ a: 1 });
  });

  it('sends a longer body whole, and an unset size unchanged', () => {
    expect(padBody('hello\n', 2)).toBe('hello\n');
    expect(padBody('hello\n', undefined)).toBe('hello\n');
  });
});
