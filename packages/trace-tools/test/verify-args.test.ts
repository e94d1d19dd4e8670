import { describe, expect, it } from 'vitest';
import { parseVerifyArgs } from '../src/verify-args.ts';

describe('parseVerifyArgs', () => {
  it('defaults to compose Jaeger and the three-service chain', () => {
    expect(parseVerifyArgs([])).toEqual({
      kind: 'run',
      options: {
        jaeger: 'http://localhost:16686',
        service: 'frontend',
        expect: ['frontend', 'backend', 'backend-2'],
        sinceMs: 300_000,
        limit: 20,
        mesh: false,
        watch: false,
        intervalMs: 10_000,
        json: false,
        timeoutMs: 5000,
      },
    });
  });

  it('reads the mesh set-up: base path, expected services, window, watch', () => {
    const command = parseVerifyArgs([
      '--jaeger',
      'http://localhost:16686/jaeger',
      '--expect',
      'frontend, backend',
      '--since',
      '90s',
      '--mesh',
      '--watch',
      '--interval',
      '500ms',
      '--json',
    ]);
    expect(command).toMatchObject({
      kind: 'run',
      options: {
        jaeger: 'http://localhost:16686/jaeger',
        service: 'frontend',
        expect: ['frontend', 'backend'],
        sinceMs: 90_000,
        mesh: true,
        watch: true,
        intervalMs: 500,
        json: true,
      },
    });
  });

  it('takes the mesh provider, which implies --mesh', () => {
    expect(parseVerifyArgs(['--provider', 'opentelemetry'])).toMatchObject({
      options: { mesh: true, provider: 'opentelemetry' },
    });
    expect(() => parseVerifyArgs(['--provider', 'envoy'])).toThrow(
      expect.objectContaining({
        message: 'invalid --provider="envoy": expected one of zipkin, zipkin-w3c, opentelemetry',
      }),
    );
  });

  it('searches --service when given, whatever --expect says first', () => {
    expect(parseVerifyArgs(['--service', 'backend'])).toMatchObject({ options: { service: 'backend' } });
  });

  it.each([
    [['--jaeger', 'localhost:16686'], 'invalid --jaeger="localhost:16686": expected an http:// or https:// URL'],
    [['--since=-5m'], 'invalid --since="-5m": expected a duration such as 30s, 5m or 1h'],
    [['--expect', ','], 'invalid --expect: name at least one service, or pass --service'],
  ])('rejects %j', (args, message) => {
    expect(() => parseVerifyArgs(args)).toThrow(expect.objectContaining({ code: 'MTR_ERR_INVALID_SETTINGS', message }));
  });
});
