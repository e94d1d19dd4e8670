import { runToExit } from '@meshtrace/harness';
import { describe, expect, it } from 'vitest';
import { loadBackendConfig, readFlags } from '../src/config.ts';

describe('backend config', () => {
  it('has http-echo-like defaults', () => {
    const config = loadBackendConfig({});
    expect(config).toMatchObject({
      host: '0.0.0.0',
      port: 5678,
      statusCode: 200,
      downstreamUrls: [],
      downstreamTimeoutMs: 2000,
      propagation: 'on',
      serviceName: 'backend',
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads http-echo flags in all their spellings', () => {
    expect(readFlags(['-text=a', '--status-code', '404', '-listen=:9000']).env).toEqual({
      ECHO_TEXT: 'a',
      ECHO_STATUS_CODE: '404',
      LISTEN: ':9000',
    });
    expect(loadBackendConfig({}, ['-listen=127.0.0.1:9000'])).toMatchObject({ host: '127.0.0.1', port: 9000 });
    expect(loadBackendConfig({ HOST: '::' }, ['-listen=:9001'])).toMatchObject({ host: '::', port: 9001 });
  });

  it('splits DOWNSTREAM_URLS on commas', () => {
    const config = loadBackendConfig({ DOWNSTREAM_URLS: 'http://a:1/x, http://b:2/' });
    expect(config.downstreamUrls).toEqual(['http://a:1/x', 'http://b:2/']);
  });

  it.each([
    [{ PORT: 'http' }, [], 'invalid PORT="http": expected an integer from 0 to 65535'],
    [
      { DOWNSTREAM_URLS: 'backend-2:5678' },
      [],
      'invalid DOWNSTREAM_URLS="backend-2:5678": expected comma-separated http:// or https:// URLs',
    ],
    [{ PROPAGATION: 'maybe' }, [], 'invalid PROPAGATION="maybe": expected one of on, off'],
    [{}, ['-status-code=999'], 'invalid -status-code="999": expected an integer from 200 to 599'],
    [
      { ECHO_STATUS_CODE: '404' },
      ['-status-code=abc'],
      'invalid -status-code="abc": expected an integer from 200 to 599',
    ],
    [{}, ['-listen=:99999'], 'invalid -listen=":99999": expected [host]:port with a port from 0 to 65535, e.g. :5678'],
    [{}, ['-listen=5678'], 'invalid -listen="5678": expected [host]:port with a port from 0 to 65535, e.g. :5678'],
    [{}, ['--', '-text=hi'], 'invalid flag --: expected one of -text, -listen, -status-code'],
    [{}, ['-colour=red'], 'invalid flag -colour=red: expected one of -text, -listen, -status-code'],
    [{}, ['-text'], 'invalid flag -text: missing value'],
    [
      { DELAY: '200-50' },
      [],
      'invalid DELAY="200-50": expected milliseconds (150), a range (50-200) or percentiles (p50=20,p99=300)',
    ],
    [{ DELAY: 'p50=20,p99=300', MAX_DELAY_MS: '100' }, [], 'invalid DELAY="p50=20,p99=300": expected milliseconds'],
    [{ ERROR_RATE: '1.5' }, [], 'invalid ERROR_RATE="1.5": expected a number from 0 to 1'],
    [{ ERROR_CODE: '200' }, [], 'invalid ERROR_CODE="200": expected an integer from 400 to 599'],
  ])('rejects %o %o with one line', (env, argv, message) => {
    expect(() => loadBackendConfig(env, argv)).toThrow(message);
  });

  it('reports every invalid setting and flag at once, one line each', () => {
    expect(() =>
      loadBackendConfig({ PORT: 'http', PROPAGATION: 'maybe', ECHO_STATUS_CODE: '404' }, [
        '-colour=red',
        '-status-code=abc',
      ]),
    ).toThrow(
      [
        'invalid flag -colour=red: expected one of -text, -listen, -status-code',
        'invalid PORT="http": expected an integer from 0 to 65535',
        'invalid -status-code="abc": expected an integer from 200 to 599',
        'invalid PROPAGATION="maybe": expected one of on, off',
      ].join('\n'),
    );
  });

  it('stops the process with one line naming the variable, and exit code 1', async () => {
    const { code, stderr, stdout } = await runToExit('backend', { env: { DOWNSTREAM_TIMEOUT_MS: '-5' } });
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([
      'invalid DOWNSTREAM_TIMEOUT_MS="-5": expected an integer from 1 to 600000',
    ]);
    expect(stdout).toBe('');
  });

  it('stops on invalid OTEL_* variables before the app loads, one line each, also with the SDK disabled', async () => {
    const { code, stderr } = await runToExit('backend', {
      env: { OTEL_TRACES_SAMPLER: 'sometimes', OTEL_RESOURCE_ATTRIBUTES: 'novalue', OTEL_SDK_DISABLED: 'true' },
    });
    expect(code).toBe(1);
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe(
      'invalid OTEL_RESOURCE_ATTRIBUTES="novalue": expected comma-separated key=value pairs (values percent-encoded)',
    );
    expect(lines[1]).toMatch(/^invalid OTEL_TRACES_SAMPLER="sometimes": expected one of parentbased_always_on,/);
  });
});
