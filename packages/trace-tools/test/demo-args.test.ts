import { describe, expect, it } from 'vitest';
import { parseDemoArgs } from '../src/demo-args.ts';

describe('parseDemoArgs', () => {
  it('has defaults for a plain `pnpm demo`', () => {
    expect(parseDemoArgs([])).toEqual({
      kind: 'run',
      options: {
        intervalMs: 1000,
        mode: 'generate',
        backends: 2,
        propagationOff: false,
        exporter: 'zipkin',
        port: 0,
        quietMs: 600,
      },
    });
  });

  it('reads every flag', () => {
    const args = ['--interval', '250', '--mode', 'headerless', '--backends', '3', '--propagation-off'];
    args.push(
      '--forward',
      'http://localhost:9411/api/v2/spans',
      '--port',
      '9412',
      '--frontend-port',
      '8080',
      '--quiet',
      '900',
      '--duration',
      '20s',
    );
    expect(parseDemoArgs(args)).toEqual({
      kind: 'run',
      options: {
        intervalMs: 250,
        mode: 'headerless',
        backends: 3,
        propagationOff: true,
        exporter: 'zipkin',
        forwardUrl: 'http://localhost:9411/api/v2/spans',
        port: 9412,
        frontendPort: 8080,
        quietMs: 900,
        durationMs: 20_000,
      },
    });
  });

  it('puts simulated sidecars around every hop with --mesh, the documented OTEL_PROPAGATORS unless given', () => {
    expect(parseDemoArgs(['--mesh', 'opentelemetry'])).toMatchObject({
      options: { mesh: { provider: 'opentelemetry', samplingPercent: 100 } },
    });
    const args = ['--mesh', 'zipkin', '--sidecar-sampling', '10', '--propagators', 'baggage, b3multi,tracecontext'];
    expect(parseDemoArgs(args)).toMatchObject({
      options: { mesh: { provider: 'zipkin', samplingPercent: 10, propagators: 'baggage,b3multi,tracecontext' } },
    });
  });

  it('runs the chain with the OTLP exporter when asked', () => {
    expect(parseDemoArgs(['--exporter', 'otlp'])).toMatchObject({ kind: 'run', options: { exporter: 'otlp' } });
  });

  it('answers --help and -h', () => {
    expect(parseDemoArgs(['-h'])).toEqual({ kind: 'help' });
  });

  it.each([
    [['--interval', '5'], 'invalid --interval="5": expected an integer from 10 to 86400000'],
    [['--mode', 'loud'], 'invalid --mode="loud": expected one of generate, headerless, off'],
    [['--forward', 'localhost:9411'], 'invalid --forward="localhost:9411": expected an http:// or https:// URL'],
    [['--frontend-port', '0'], 'invalid --frontend-port="0": expected an integer from 1 to 65535'],
    [['--duration', 'soon'], 'invalid --duration="soon": expected a duration such as 30s, 5m or 1h'],
    [['--mesh', 'envoy'], 'invalid --mesh="envoy": expected one of zipkin, zipkin-w3c, opentelemetry'],
    [
      ['--mesh', 'zipkin', '--sidecar-sampling', '101'],
      'invalid --sidecar-sampling="101": expected an integer from 0 to 100',
    ],
    [['--sidecar-sampling', '5'], 'invalid --sidecar-sampling/--propagators: they need --mesh'],
    [
      ['--mesh', 'zipkin', '--propagators', 'w3c'],
      'invalid --propagators="w3c": expected a comma-separated list of tracecontext, baggage, b3, b3multi, none',
    ],
    [['--exporter', 'grpc'], 'invalid --exporter="grpc": expected one of zipkin, otlp'],
    [
      ['--exporter', 'otlp', '--forward', 'http://localhost:9411/api/v2/spans'],
      'invalid --forward: it re-posts Zipkin v2 batches, so it needs --exporter zipkin',
    ],
  ])('rejects %j with one line naming the flag', (args, message) => {
    expect(() => parseDemoArgs(args)).toThrow(expect.objectContaining({ code: 'MTR_ERR_INVALID_SETTINGS', message }));
  });

  it('rejects an unknown flag', () => {
    expect(() => parseDemoArgs(['--colour'])).toThrow(expect.objectContaining({ code: 'MTR_ERR_INVALID_SETTINGS' }));
  });
});
