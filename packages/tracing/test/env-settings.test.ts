import { describe, expect, it } from 'vitest';
import { loadSettings } from '../src/env-settings.ts';
import { InvalidSettingsError } from '../src/errors.ts';
import { schema } from './helpers/sample-schema.ts';

describe('loadSettings', () => {
  it('takes defaults for unset and empty variables, and freezes the result', () => {
    const config = loadSettings(schema, { PORT: '', DEBUG: ' ' });
    expect(config).toEqual({ port: 8080, ratio: 0.5, debug: false, mode: 'a', url: 'http://x/', urls: [], name: 'n' });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('parses every type', () => {
    const config = loadSettings(schema, {
      PORT: '5678',
      RATIO: '0.25',
      DEBUG: 'true',
      MODE: 'B',
      URL: 'https://jaeger:9411/api/v2/spans',
      URLS: 'http://a/, http://b:1/x',
      NAME: 'backend-2',
    });
    expect(config).toEqual({
      port: 5678,
      ratio: 0.25,
      debug: true,
      mode: 'b',
      url: 'https://jaeger:9411/api/v2/spans',
      urls: ['http://a/', 'http://b:1/x'],
      name: 'backend-2',
    });
  });

  it.each([
    ['PORT', '65536', 'an integer from 0 to 65535'],
    ['PORT', '1.5', 'an integer from 0 to 65535'],
    ['PORT', '0x10', 'an integer from 0 to 65535'],
    ['RATIO', 'NaN', 'a number from 0 to 1'],
    ['DEBUG', 'maybe', 'true or false'],
    // Exactly the two words the docs name (in any case, as OpenTelemetry reads them): no twelve-factor synonyms.
    ['DEBUG', '1', 'true or false'],
    ['DEBUG', 'yes', 'true or false'],
    ['DEBUG', 'on', 'true or false'],
    ['MODE', 'c', 'one of a, b'],
    ['URL', 'ftp://x/', 'an http:// or https:// URL'],
    ['URLS', 'http://a/,nope', 'comma-separated http:// or https:// URLs'],
    ['NAME', '  ', 'non-empty text'],
  ])(
    'rejects %s=%s with an InvalidSettingsError naming variable, value and what is accepted',
    (variable, value, expected) => {
      let error: unknown;
      try {
        loadSettings(schema, { [variable]: value });
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(InvalidSettingsError);
      expect(error).toMatchObject({
        code: 'MTR_ERR_INVALID_SETTINGS',
        issues: [{ setting: variable, value, expected }],
      });
      expect((error as Error).message).toBe(`invalid ${variable}=${JSON.stringify(value)}: expected ${expected}`);
    },
  );
});

describe('every invalid setting at once', () => {
  it('lists each invalid variable on its own line, in schema order, not just the first', () => {
    expect(() => loadSettings(schema, { PORT: 'http', MODE: 'c', DEBUG: 'yes', NAME: 'ok' })).toThrow(
      [
        'invalid PORT="http": expected an integer from 0 to 65535',
        'invalid DEBUG="yes": expected true or false',
        'invalid MODE="c": expected one of a, b',
      ].join('\n'),
    );
  });

  it('names the flag the user typed when a flag set the variable', () => {
    expect(() => loadSettings(schema, { PORT: 'abc' }, { PORT: { setting: '-port' } })).toThrow(
      'invalid -port="abc": expected an integer from 0 to 65535',
    );
  });
});
