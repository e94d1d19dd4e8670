import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadTracingSettings } from '../src/settings.ts';

const backendMain = fileURLToPath(new URL('../../../services/backend/dist/server.js', import.meta.url));

describe('tracing settings', () => {
  it('defaults to the spec Zipkin endpoint, parent-based sampling, and tracecontext + baggage + B3 multi', () => {
    const settings = loadTracingSettings({}, backendMain);
    expect(settings).toMatchObject({
      disabled: false,
      zipkinEndpoint: 'http://localhost:9411/api/v2/spans',
      sampler: 'parentbased_always_on',
      propagators: ['tracecontext', 'baggage', 'b3multi'],
    });
  });

  it("names the service after the main script's package unless OTEL_SERVICE_NAME is set", () => {
    expect(loadTracingSettings({}, backendMain).serviceName).toBe('backend');
    expect(loadTracingSettings({ OTEL_SERVICE_NAME: 'backend-2' }, backendMain).serviceName).toBe('backend-2');
  });

  it.each([
    [{ OTEL_TRACES_SAMPLER: 'sometimes' }, 'invalid OTEL_TRACES_SAMPLER="sometimes"'],
    [{ OTEL_TRACES_SAMPLER_ARG: '1.5' }, 'invalid OTEL_TRACES_SAMPLER_ARG="1.5": expected a number from 0 to 1'],
    [
      { OTEL_PROPAGATORS: 'tracecontext,jaeger' },
      'invalid OTEL_PROPAGATORS="tracecontext,jaeger": expected a comma-separated list of',
    ],
    [
      { OTEL_EXPORTER_ZIPKIN_ENDPOINT: 'jaeger:9411' },
      'invalid OTEL_EXPORTER_ZIPKIN_ENDPOINT="jaeger:9411": expected an http:// or https:// URL',
    ],
    [{ OTEL_SDK_DISABLED: 'maybe' }, 'invalid OTEL_SDK_DISABLED="maybe": expected true or false'],
  ])('rejects %o with one line naming the variable', (env, message) => {
    expect(() => loadTracingSettings(env, backendMain)).toThrow(message);
  });
});
