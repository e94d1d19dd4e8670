/** One setting of each type, for the schema language's tests (and service-kit's config-table test). */
export const schema = {
  port: { env: 'PORT', type: 'integer', min: 0, max: 65535, default: 8080, description: 'port' },
  ratio: { env: 'RATIO', type: 'number', min: 0, max: 1, default: 0.5, description: 'ratio' },
  debug: { env: 'DEBUG', type: 'boolean', default: false, description: 'debug' },
  mode: { env: 'MODE', type: 'enum', values: ['a', 'b'], default: 'a', description: 'mode' },
  url: { env: 'URL', type: 'url', default: 'http://x/', description: 'url' },
  urls: { env: 'URLS', type: 'url-list', default: [], description: 'urls' },
  name: { env: 'NAME', type: 'string', default: 'n', description: 'name' },
} as const;
