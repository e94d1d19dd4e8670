import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { InvalidSettingsError } from '../src/errors.ts';
import { loadServiceIdentity, loadTracingSettings } from '../src/settings.ts';

const backendMain = fileURLToPath(new URL('../../../services/backend/dist/server.js', import.meta.url));

describe('tracing settings', () => {
  it('defaults to the spec Zipkin endpoint, parent-based sampling, and tracecontext + baggage + B3 multi', () => {
    expect(loadTracingSettings({}, backendMain)).toMatchObject({
      disabled: false,
      zipkinEndpoint: 'http://localhost:9411/api/v2/spans',
      sampler: 'parentbased_always_on',
      propagators: ['tracecontext', 'baggage', 'b3multi'],
    });
  });

  it('reports every invalid variable at once, one line each, with a code to match on', () => {
    const bad = {
      OTEL_TRACES_SAMPLER: 'sometimes',
      OTEL_TRACES_SAMPLER_ARG: '1.5',
      OTEL_PROPAGATORS: 'tracecontext,jaeger',
      OTEL_EXPORTER_ZIPKIN_ENDPOINT: 'jaeger:9411',
      OTEL_SDK_DISABLED: 'maybe',
      OTEL_RESOURCE_ATTRIBUTES: 'novalue',
      OTEL_BSP_SCHEDULE_DELAY: '1e3',
    };
    let error: unknown;
    try {
      loadTracingSettings(bad, backendMain);
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(InvalidSettingsError);
    expect((error as InvalidSettingsError).code).toBe('MTR_ERR_INVALID_SETTINGS');
    expect((error as Error).message.split('\n')).toEqual([
      'invalid OTEL_SDK_DISABLED="maybe": expected true or false',
      'invalid OTEL_RESOURCE_ATTRIBUTES="novalue": expected comma-separated key=value pairs (values percent-encoded)',
      'invalid OTEL_EXPORTER_ZIPKIN_ENDPOINT="jaeger:9411": expected an http:// or https:// URL',
      'invalid OTEL_TRACES_SAMPLER="sometimes": expected one of parentbased_always_on, parentbased_always_off, parentbased_traceidratio, always_on, always_off, traceidratio',
      'invalid OTEL_TRACES_SAMPLER_ARG="1.5": expected a number from 0 to 1',
      'invalid OTEL_PROPAGATORS="tracecontext,jaeger": expected a comma-separated list of tracecontext, baggage, b3, b3multi, none',
      'invalid OTEL_BSP_SCHEDULE_DELAY="1e3": expected an integer from 0 to 600000',
    ]);
  });
});

describe('service identity', () => {
  const defaults = { name: 'backend', version: '0.1.0' };

  it("names the service after the main script's package, at its version, unless told otherwise", () => {
    expect(loadTracingSettings({}, backendMain).identity).toMatchObject({ name: 'backend', version: '0.1.0' });
    expect(loadServiceIdentity({}, defaults)).toMatchObject({ name: 'backend', version: '0.1.0' });
  });

  it('takes OTEL_SERVICE_NAME over service.name in OTEL_RESOURCE_ATTRIBUTES, and SERVICE_VERSION likewise', () => {
    const resource = 'service.name=from-resource,service.version=1.2.3,deployment.environment.name=dev';
    expect(loadServiceIdentity({ OTEL_RESOURCE_ATTRIBUTES: resource }, defaults)).toEqual({
      name: 'from-resource',
      version: '1.2.3',
      attributes: { 'service.name': 'from-resource', 'service.version': '1.2.3', 'deployment.environment.name': 'dev' },
    });
    const both = { OTEL_RESOURCE_ATTRIBUTES: resource, OTEL_SERVICE_NAME: 'backend-2', SERVICE_VERSION: '9.9.9' };
    expect(loadServiceIdentity(both, defaults)).toMatchObject({ name: 'backend-2', version: '9.9.9' });
  });

  it('gives the SDK and the service the same answer, also with OTEL_SDK_DISABLED=true', () => {
    const env = { OTEL_SDK_DISABLED: 'true', OTEL_RESOURCE_ATTRIBUTES: 'service.version=2.0.0,team=a%2Cb' };
    const fromSdk = loadTracingSettings(env, backendMain);
    expect(fromSdk.disabled).toBe(true);
    expect(fromSdk.identity).toEqual(loadServiceIdentity(env, defaults));
    expect(fromSdk.identity.attributes.team).toBe('a,b');
  });
});
