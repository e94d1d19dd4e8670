/**
 * docker-compose.yml: valid Compose, and consistent with the services it runs.
 * A typo in a variable, a wrong port or a health check on a missing route fails here,
 * not at `docker compose up`.
 */
import { readFileSync } from 'node:fs';
import { Script } from 'node:vm';
import { Ajv } from 'ajv';
import draft07 from 'ajv/dist/refs/json-schema-draft-07.json' with { type: 'json' };
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type BuiltApps, buildApps } from './helpers/apps.ts';
import { readRepoFile, readRepoYaml } from './helpers/repo.ts';
import { envProblems, listenPort, type ServiceInfo, serviceOfImage } from './helpers/services.ts';

interface ComposeService {
  readonly image?: string;
  readonly build?: { readonly context?: string; readonly target?: string };
  readonly environment?: Readonly<Record<string, string | number | boolean>>;
  readonly ports?: readonly string[];
  readonly healthcheck?: { readonly test?: readonly string[] };
  readonly depends_on?: Readonly<Record<string, { readonly condition?: string }>>;
  readonly restart?: string;
  readonly labels?: Readonly<Record<string, string>>;
}

const compose = readRepoYaml<{ services: Record<string, ComposeService> }>('docker-compose.yml');
const services = compose.services;
const appNames = Object.keys(services).filter((name) => services[name]?.image?.startsWith('meshtrace/'));

function service(name: string): ComposeService {
  const found = services[name];
  if (!found) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
}

/**
 * A service's environment as Compose would pass it, given the variables of the shell that runs
 * `docker compose`: `${NAME:-default}` takes NAME when set and non-empty, else the default.
 */
function envOf(name: string, shell: Readonly<Record<string, string>> = {}): Record<string, string> {
  const interpolate = (value: string) =>
    value.replace(/\$\{(\w+):-([^}]*)\}/g, (_, variable: string, fallback: string) => shell[variable] || fallback);
  return Object.fromEntries(
    Object.entries(service(name).environment ?? {}).map(([key, value]) => [key, interpolate(String(value))]),
  );
}

function infoOf(name: string): ServiceInfo {
  return serviceOfImage(service(name).image ?? '');
}

/** The container port of each `host:container` mapping. */
function containerPorts(name: string): number[] {
  return (service(name).ports ?? []).map((mapping) => Number(mapping.split(':').at(-1)));
}

/** A compose service reached at `url`, and the port it is reached on. */
function target(url: string): { readonly name: string; readonly port: number } {
  const parsed = new URL(url);
  return { name: parsed.hostname, port: Number(parsed.port || (parsed.protocol === 'https:' ? 443 : 80)) };
}

describe('the Compose Specification', () => {
  // The vendored upstream schema (see test/fixtures/README.md for why not the npm package's copy).
  const schema = JSON.parse(readFileSync(new URL('./fixtures/compose-spec.json', import.meta.url), 'utf8'));

  test('docker-compose.yml validates against it', () => {
    // strictTypes off: the upstream schema is written for any draft-07 validator, not Ajv's extra rules.
    const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false });
    addFormats.default(ajv);
    ajv.addMetaSchema({ ...draft07, $id: schema.$schema });
    const validate = ajv.compile(schema);
    expect(validate(compose) ? [] : validate.errors).toEqual([]);
  });

  test('the schema rejects what Compose rejects (it is not a no-op)', () => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats.default(ajv);
    ajv.addMetaSchema({ ...draft07, $id: schema.$schema });
    const validate = ajv.compile(schema);
    const typo = { services: { backend: { ...service('backend'), helthcheck: {} } } };
    expect(validate(typo)).toBe(false);
  });
});

describe('the services', () => {
  test('are Jaeger, the frontend loop and a chain of two backends', () => {
    expect(Object.keys(services).sort()).toEqual(['backend', 'backend-2', 'frontend', 'jaeger']);
    expect(appNames.sort()).toEqual(['backend', 'backend-2', 'frontend']);
  });

  test('Jaeger is v2, pinned, with its UI published', () => {
    expect(service('jaeger').image).toMatch(/^jaegertracing\/jaeger:2\.\d+\.\d+$/);
    expect(service('jaeger').ports).toContain('127.0.0.1:16686:16686');
  });

  test("every published port is bound to the host's 127.0.0.1, none to all interfaces", () => {
    const published = Object.entries(services).flatMap(([name, s]) => (s.ports ?? []).map((p) => [name, p]));
    expect(published.length).toBeGreaterThan(0);
    for (const [name, mapping] of published) expect(mapping, name).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
  });

  test('no admin listener is published or moved off loopback', () => {
    for (const name of appNames) {
      expect(envOf(name).ADMIN_HOST, name).toBeUndefined();
      expect(containerPorts(name), name).not.toContain(infoOf(name).schema.adminPort?.default);
    }
  });

  test.each(appNames)('%s builds the Dockerfile target and tag of its image', (name) => {
    const info = infoOf(name);
    expect(service(name).build).toEqual({ context: '.', target: info.name });
    expect(service(name).image).toBe(`${info.image}:${info.version}`);
  });

  test.each(appNames)('%s: every variable is one the service reads, with a value it accepts', (name) => {
    expect(envProblems(infoOf(name), envOf(name))).toEqual([]);
  });

  test('a misspelt variable would be caught', () => {
    expect(envProblems(infoOf('backend'), { DOWNSTREAM_URL: 'http://backend-2:5678/' })).toEqual([
      'DOWNSTREAM_URL is not read by backend',
    ]);
    expect(envProblems(infoOf('frontend'), { LOOP_MODE: 'sometimes' })).toHaveLength(1);
  });

  test.each(appNames)("%s sends spans to Jaeger's Zipkin receiver", (name) => {
    expect(envOf(name).OTEL_TRACES_EXPORTER).toBe('zipkin');
    const endpoint = new URL(envOf(name).OTEL_EXPORTER_ZIPKIN_ENDPOINT ?? '');
    expect(endpoint.hostname).toBe('jaeger');
    expect(endpoint.port).toBe('9411');
    expect(endpoint.pathname).toBe('/api/v2/spans');
  });

  test.each(appNames)("%s sends OTLP/HTTP to Jaeger's 4318 with OTEL_TRACES_EXPORTER=otlp in the shell", (name) => {
    const env = envOf(name, { OTEL_TRACES_EXPORTER: 'otlp' });
    expect(envProblems(infoOf(name), env)).toEqual([]);
    expect(env.OTEL_TRACES_EXPORTER).toBe('otlp');
    const endpoint = new URL(env.OTEL_EXPORTER_OTLP_ENDPOINT ?? '');
    expect([endpoint.hostname, endpoint.port]).toEqual(['jaeger', '4318']);
  });

  test('each app is labelled for Prometheus to scrape /metrics on the port it listens on', () => {
    for (const name of appNames) {
      const labels = service(name).labels ?? {};
      expect(labels, name).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/path': '/metrics' });
      expect(Number(labels['prometheus.io/port']), name).toBe(listenPort(infoOf(name), envOf(name)));
    }
  });

  test('each service reports under its own name, backend-2 included', () => {
    for (const name of appNames) expect(envOf(name).OTEL_SERVICE_NAME).toBe(name);
  });

  test('the chain is frontend -> backend -> backend-2, on the ports they listen on', () => {
    const frontend = envOf('frontend');
    expect(frontend.LOOP_MODE).not.toBe('off');
    const first = target(frontend.TARGET_URL ?? '');
    expect(first).toEqual({ name: 'backend', port: listenPort(infoOf('backend'), envOf('backend')) });
    const downstream = (envOf('backend').DOWNSTREAM_URLS ?? '').split(',').map(target);
    expect(downstream).toEqual([{ name: 'backend-2', port: listenPort(infoOf('backend-2'), envOf('backend-2')) }]);
  });

  test.each(appNames)('%s publishes only the port it listens on', (name) => {
    for (const port of containerPorts(name)) expect(port).toBe(listenPort(infoOf(name), envOf(name)));
  });

  test('everything waits for what it depends on to be healthy, and restarts', () => {
    for (const [name, definition] of Object.entries(services)) {
      expect(definition.restart, name).toMatch(/^(always|unless-stopped|on-failure)/);
      for (const [dependency, { condition }] of Object.entries(definition.depends_on ?? {})) {
        expect(condition, `${name} -> ${dependency}`).toBe('service_healthy');
        expect(service(dependency).healthcheck?.test, dependency).toBeDefined();
      }
    }
    expect(Object.keys(service('frontend').depends_on ?? {}).sort()).toEqual(['backend', 'jaeger']);
    expect(Object.keys(service('backend').depends_on ?? {}).sort()).toEqual(['backend-2', 'jaeger']);
  });
});

describe('health checks', () => {
  let apps: BuiltApps;
  beforeAll(async () => {
    apps = await buildApps();
  });
  afterAll(async () => {
    await apps.close();
  });

  test.each(appNames)('%s probes a route of its own, on its port, with what the image has (node)', async (name) => {
    const check = service(name).healthcheck?.test ?? [];
    // The runtime image has no shell, curl or wget: only node.
    expect(check.slice(0, 3)).toEqual(['CMD', 'node', '-e']);
    const script = check[3] ?? '';
    expect(() => new Script(script)).not.toThrow();
    const [url] = /http:\/\/[^'"`]+/.exec(script) ?? [];
    const probe = new URL(url ?? 'http://invalid');
    expect(probe.hostname).toBe('127.0.0.1');
    expect(Number(probe.port)).toBe(listenPort(infoOf(name), envOf(name)));
    expect(await apps.probe(infoOf(name), probe.pathname)).toEqual({ route: true, status: 200 });
  });

  test('Jaeger is probed on its health endpoint with a tool its image has', () => {
    expect(service('jaeger').healthcheck?.test).toEqual([
      'CMD',
      'wget',
      '-q',
      '-O',
      '/dev/null',
      'http://127.0.0.1:13133/status',
    ]);
  });
});

test('the README tells how to run it', () => {
  expect(readRepoFile('README.md')).toMatch(/docker compose up/);
});
