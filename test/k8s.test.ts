/**
 * k8s/: the two targets, rendered by kubectl itself, checked against the Kubernetes,
 * Istio and Gateway API schemas, then against the apps and against each other: ports,
 * selectors, probes, DNS names and variables must agree, each Telemetry must name a
 * provider its paired mesh config registers, the apps must trust the header that
 * provider's tracer rewrites, and nothing may land outside the apps' namespace.
 *   - `k8s`: the whole demo (its own Jaeger, the `zipkin` provider of k8s/istio/tracing-operator.yaml);
 *   - `k8s/apps`: only the apps, into a mesh set up as Istio's Jaeger task does
 *     (the `opentelemetry` provider of k8s/istio/opentelemetry-provider.yaml, Istio's Jaeger add-on).
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ITelemetry } from '@kubernetes-models/istio/telemetry.istio.io/v1/Telemetry';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IService } from 'kubernetes-models/v1/Service';
import type { IServicePort } from 'kubernetes-models/v1/ServicePort';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { type BuiltApps, buildApps } from './helpers/apps.ts';
import { validateObject } from './helpers/k8s-models.ts';
import { type K8sObject, kustomize, kustomizeCombination, parseObjects } from './helpers/kustomize.ts';
import { readRepoFile, readRepoYaml, repoPath } from './helpers/repo.ts';
import { envProblems, listenPort, type ServiceInfo, serviceOfImage } from './helpers/services.ts';

const APP_NAMESPACE = 'meshtrace';
const APPS = ['frontend', 'backend', 'backend-2'] as const;

/**
 * Istio's Jaeger add-on (samples/addons/jaeger.yaml, Istio 1.29 to 1.31), which the apps-only
 * target's mesh runs: the Service its collector is reached by, and the ports that Service maps
 * to Jaeger's receivers. Not rendered here: it is the user's.
 */
const ISTIO_ADDON_COLLECTOR = {
  host: 'jaeger-collector.istio-system.svc.cluster.local',
  ports: { zipkin: 9411, otlpGrpc: 4317, otlpHttp: 4318 },
} as const;

/**
 * OTEL_PROPAGATORS for each kind of Istio provider: later entries win on extract, so the last
 * format named is the one the mesh's tracer rewrites. The zipkin tracer (also with
 * USE_B3_WITH_W3C_PROPAGATION, which still reads B3 first) rewrites x-b3-*; the OpenTelemetry
 * tracer rewrites only traceparent and leaves x-b3-* as the calling app sent them.
 */
const PROPAGATORS_FOR = {
  zipkin: 'tracecontext,baggage,b3multi',
  opentelemetry: 'baggage,b3multi,tracecontext',
} as const;

interface Provider {
  readonly name: string;
  readonly zipkin?: { readonly service: string; readonly port: number };
  readonly opentelemetry?: { readonly service: string; readonly port: number };
}
interface MeshConfig {
  readonly extensionProviders?: readonly Provider[];
  readonly accessLogFormat?: string;
  readonly defaultConfig?: { readonly tracing?: unknown };
}
const meshConfigOf = (file: string) => readRepoYaml<{ spec: { meshConfig: MeshConfig } }>(file).spec.meshConfig;

/** Lookups over one rendered target. */
function inspect(rendered: readonly K8sObject[]) {
  const find = <T>(kind: string, namespace: string | undefined, name: string): T => {
    const object = rendered.find(
      (o) => o.kind === kind && o.metadata.namespace === namespace && o.metadata.name === name,
    );
    if (!object) throw new Error(`no ${kind} ${namespace ?? '-'}/${name} rendered`);
    return object as unknown as T;
  };
  const deployment = (name: string) => find<IDeployment>('Deployment', APP_NAMESPACE, name);
  const service = (namespace: string, name: string) => find<IService>('Service', namespace, name);
  const podLabels = (d: IDeployment): Record<string, string> => d.spec?.template.metadata?.labels ?? {};

  /** The Deployments in the Service's namespace whose pods its selector picks. */
  const backendsOf = (s: IService): IDeployment[] =>
    rendered
      .filter((o) => o.kind === 'Deployment' && o.metadata.namespace === s.metadata?.namespace)
      .map((o) => o as unknown as IDeployment)
      .filter((d) => selects(s.spec?.selector, podLabels(d)));

  /**
   * The Service and port a URL reaches from a pod in `fromNamespace`, by cluster DNS:
   * `name`, `name.ns`, `name.ns.svc` or `name.ns.svc.cluster.local`.
   */
  const resolveUrl = (url: string, fromNamespace: string): { service: IService; port: IServicePort } => {
    const parsed = new URL(url);
    const [name = '', namespace = fromNamespace, ...rest] = parsed.hostname.split('.');
    if (!['', 'svc', 'svc.cluster.local'].includes(rest.join('.'))) throw new Error(`${url} is no Service DNS name`);
    const s = service(namespace, name);
    const portNumber = Number(parsed.port || (parsed.protocol === 'https:' ? 443 : 80));
    const port = s.spec?.ports?.find((p) => p.port === portNumber);
    if (!port) throw new Error(`Service ${namespace}/${name} has no port ${portNumber} (${url})`);
    return { service: s, port };
  };

  /** Where a URL ends up: the single Deployment behind the Service, and the container port. */
  const resolveToPod = (url: string, fromNamespace = APP_NAMESPACE) => {
    const { service: s, port } = resolveUrl(url, fromNamespace);
    const [target, ...others] = backendsOf(s);
    if (!target || others.length > 0) throw new Error(`${url} must reach exactly one Deployment`);
    const containerPort = containerPortFor(port, containerOf(target));
    if (containerPort === undefined) throw new Error(`${url}: targetPort ${port.targetPort} is no container port`);
    return { deployment: target, containerPort };
  };

  /** A container's environment: its own literal values over the ConfigMaps it reads with envFrom. */
  const envOf = (container: IContainer): Record<string, string> => {
    const env: Record<string, string> = {};
    for (const source of container.envFrom ?? []) {
      const name = source.configMapRef?.name;
      if (!name) throw new Error('only ConfigMap envFrom sources are checked');
      Object.assign(env, find<{ data?: Record<string, string> }>('ConfigMap', APP_NAMESPACE, name).data);
    }
    for (const variable of container.env ?? []) {
      if (variable.value === undefined) throw new Error(`${variable.name}: only literal values are checked`);
      env[variable.name] = variable.value;
    }
    return env;
  };

  /** The one Telemetry, which must be in the apps' namespace. */
  const telemetry = (): ITelemetry => {
    const found = rendered.filter((o) => o.kind === 'Telemetry');
    expect(found.map((o) => `${o.metadata.namespace}/${o.metadata.name}`)).toEqual([`${APP_NAMESPACE}/tracing`]);
    return found[0] as unknown as ITelemetry;
  };

  return { rendered, find, deployment, service, podLabels, backendsOf, resolveUrl, resolveToPod, envOf, telemetry };
}

function containerOf(d: IDeployment): IContainer {
  const [container, ...others] = d.spec?.template.spec?.containers ?? [];
  if (!container || others.length > 0) throw new Error(`${d.metadata?.name} must have exactly one container`);
  return container;
}

function selects(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
  const pairs = Object.entries(selector ?? {});
  return pairs.length > 0 && pairs.every(([key, value]) => labels[key] === value);
}

/** The container port a Service port sends to (by name or number). */
function containerPortFor(port: IServicePort, container: IContainer): number | undefined {
  const target = port.targetPort ?? port.port;
  const match = container.ports?.find((p) =>
    typeof target === 'string' ? p.name === target : p.containerPort === target,
  );
  return match?.containerPort;
}

function kustomizationFiles(dir: string): string[] {
  return readdirSync(repoPath(dir)).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(repoPath(path)).isDirectory()) return kustomizationFiles(path);
    return entry === 'kustomization.yaml' ? [path] : [];
  });
}

const identity = (o: K8sObject) => `${o.kind} ${o.metadata.namespace ?? '-'}/${o.metadata.name}`;

/** Where spans go by the apps' OTEL_* settings, as the exporter would compute it. */
function exportUrl(env: Record<string, string>): { exporter: string; url: URL } {
  const exporter = env.OTEL_TRACES_EXPORTER ?? 'zipkin';
  if (exporter === 'zipkin') return { exporter, url: new URL(env.OTEL_EXPORTER_ZIPKIN_ENDPOINT ?? '') };
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT ?? '';
  return { exporter, url: new URL(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? `${base.replace(/\/$/, '')}/v1/traces`) };
}

const TARGETS = {
  k8s: { meshConfig: 'k8s/istio/tracing-operator.yaml', providerType: 'zipkin' },
  'k8s/apps': { meshConfig: 'k8s/istio/opentelemetry-provider.yaml', providerType: 'opentelemetry' },
} as const;
type Target = keyof typeof TARGETS;
const rendered = Object.fromEntries(
  (Object.keys(TARGETS) as Target[]).map((dir) => [dir, inspect(kustomize(dir))]),
) as Record<Target, ReturnType<typeof inspect>>;
const demo = rendered.k8s;

describe('schemas', () => {
  const all = Object.entries(rendered).flatMap(([dir, r]) =>
    r.rendered.map((o) => [`${dir}: ${identity(o)}`, o] as const),
  );
  test.each(all)('%s is valid for its kind', (_, object) => {
    expect(() => validateObject(object)).not.toThrow();
  });

  test('a wrong field type fails validation (the check is real)', () => {
    const broken = structuredClone(demo.deployment('backend')) as unknown as K8sObject;
    (broken.spec as { replicas: unknown }).replicas = 'one';
    expect(() => validateObject(broken)).toThrow();
  });

  test.each([
    'k8s/istio/tracing-operator.yaml',
    'k8s/istio/opentelemetry-provider.yaml',
    'k8s/istio/legacy-default-config-tracing.yaml',
  ])('%s is a valid IstioOperator', (file) => {
    const objects = parseObjects(readRepoFile(file));
    expect(objects.map((o) => o.kind)).toEqual(['IstioOperator']);
    for (const object of objects) expect(() => validateObject(object)).not.toThrow();
  });
});

describe('layout', () => {
  test.each(kustomizationFiles('k8s'))('%s uses no deprecated kustomize fields', (file) => {
    const kustomization = readRepoYaml<Record<string, unknown>>(file);
    for (const field of ['commonLabels', 'patchesStrategicMerge', 'patchesJson6902', 'bases', 'vars'])
      expect(kustomization, field).not.toHaveProperty(field);
  });

  test.each(Object.keys(TARGETS) as Target[])(
    '%s renders nothing outside the apps namespace: no mesh-wide object, nothing of Istio or its add-on',
    (dir) => {
      const objects = rendered[dir].rendered;
      const clusterScoped = objects.filter((o) => o.metadata.namespace === undefined);
      expect(clusterScoped.map(identity)).toEqual([`Namespace -/${APP_NAMESPACE}`]);
      expect(new Set(objects.filter((o) => o.kind !== 'Namespace').map((o) => o.metadata.namespace))).toEqual(
        new Set([APP_NAMESPACE]),
      );
      // So `kubectl delete -k` deletes only what the target created.
      expect(objects.filter((o) => o.kind === 'IstioOperator')).toEqual([]);
    },
  );

  test('the whole demo is the apps-only layout plus Jaeger, with the zipkin provider instead', () => {
    const kinds = (dir: Target) =>
      rendered[dir].rendered
        .filter((o) => o.metadata.labels?.app !== 'jaeger')
        .map(identity)
        .map((id) => id.replace(/tracing-[a-z0-9]+$/, 'tracing'))
        .sort();
    expect(kinds('k8s')).toEqual(kinds('k8s/apps'));
    expect(
      demo.rendered
        .filter((o) => o.metadata.labels?.app === 'jaeger')
        .map(identity)
        .sort(),
    ).toEqual([
      expect.stringMatching(/^ConfigMap meshtrace\/jaeger-[a-z0-9]+$/),
      'Deployment meshtrace/jaeger',
      'Service meshtrace/jaeger',
    ]);
  });

  test('the demo namespace gets sidecars', () => {
    for (const r of Object.values(rendered))
      expect(r.find<K8sObject>('Namespace', undefined, APP_NAMESPACE).metadata.labels?.['istio-injection']).toBe(
        'enabled',
      );
  });
});

describe.each(Object.keys(TARGETS) as Target[])('%s', (dir) => {
  const r = rendered[dir];

  describe.each(APPS)('%s', (name) => {
    const d = r.deployment(name);
    const s = r.service(APP_NAMESPACE, name);
    const container = containerOf(d);
    const env = r.envOf(container);
    const info: ServiceInfo = serviceOfImage(container.image ?? '');
    let apps: BuiltApps;

    beforeAll(async () => {
      apps = await buildApps();
    });
    afterAll(async () => {
      await apps.close();
    });

    test('holds the app until istio-proxy is ready (Istio before 1.28 has no native sidecars)', () => {
      const config = d.spec?.template.metadata?.annotations?.['proxy.istio.io/config'] ?? '{}';
      expect(JSON.parse(config)).toMatchObject({ holdApplicationUntilProxyStarts: true });
    });

    test('has its own ServiceAccount', () => {
      r.find<K8sObject>('ServiceAccount', APP_NAMESPACE, name);
      expect(d.spec?.template.spec?.serviceAccountName).toBe(name);
    });

    test('runs the image `pnpm images` tags, labelled with app and version', () => {
      expect(container.image).toBe(`${info.image}:${info.version}`);
      expect(r.podLabels(d)).toMatchObject({ app: name, version: info.version });
      expect(selects(d.spec?.selector.matchLabels, r.podLabels(d))).toBe(true);
    });

    test('its Service selects its pods (and only them) on a port named http', () => {
      expect(r.backendsOf(s).map((b) => b.metadata?.name)).toEqual([name]);
      expect(s.spec?.ports?.map((p) => p.name)).toEqual(['http']);
    });

    test('Service targetPort, container port and the app PORT agree', () => {
      const [port] = s.spec?.ports ?? [];
      expect(port && containerPortFor(port, container)).toBe(listenPort(info, env));
      expect(container.ports?.find((p) => p.name === 'http')?.containerPort).toBe(listenPort(info, env));
    });

    test('probes /healthz (liveness) and /readyz (readiness), routes the app serves', async () => {
      const liveness = container.livenessProbe?.httpGet;
      const readiness = container.readinessProbe?.httpGet;
      expect(liveness).toMatchObject({ path: '/healthz', port: 'http' });
      expect(readiness).toMatchObject({ path: '/readyz', port: 'http' });
      for (const path of [liveness?.path ?? '', readiness?.path ?? ''])
        expect(await apps.probe(info, path), path).toEqual({ route: true, status: 200 });
    });

    test('sets resource requests and limits', () => {
      for (const bound of ['requests', 'limits'] as const)
        expect(Object.keys(container.resources?.[bound] ?? {}).sort(), bound).toEqual(['cpu', 'memory']);
    });

    test('runs restricted: non-root, no escalation, no capabilities, RuntimeDefault seccomp, read-only root', () => {
      expect(container.securityContext).toMatchObject({
        runAsNonRoot: true,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(container.securityContext?.runAsUser).toBeGreaterThan(0);
    });

    test('every variable, its own or from the tracing ConfigMap, is one the app reads, with a value it accepts', () => {
      expect(envProblems(info, env)).toEqual([]);
      expect(Object.keys(env)).toContain('OTEL_PROPAGATORS');
    });

    test('reports under its own name', () => {
      expect(env.OTEL_SERVICE_NAME).toBe(name);
    });

    test('its span exports bypass the sidecar: the exporter port is excluded from capture', () => {
      const excluded = (d.spec?.template.metadata?.annotations?.['traffic.sidecar.istio.io/excludeOutboundPorts'] ?? '')
        .split(',')
        .map(Number);
      const { url } = exportUrl(env);
      expect(excluded).toContain(Number(url.port));
      // Every port either exporter may use, so switching exporters needs no new annotation.
      expect(excluded).toEqual(expect.arrayContaining([9411, 4317, 4318]));
    });

    test('is annotated for Prometheus to scrape /metrics on its http port, a route the app serves', async () => {
      const annotations = d.spec?.template.metadata?.annotations ?? {};
      expect(annotations).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/path': '/metrics' });
      expect(Number(annotations['prometheus.io/port'])).toBe(listenPort(info, env));
      expect(await apps.probe(info, '/metrics')).toEqual({ route: true, status: 200 });
    });

    test("the pod's grace period outlasts the app's own shutdown deadline", () => {
      const timeoutMs = Number(env.SHUTDOWN_TIMEOUT_MS ?? info.schema.shutdownTimeoutMs?.default);
      const delayMs = Number(env.SHUTDOWN_DELAY_MS ?? 0);
      expect(delayMs).toBeLessThan(timeoutMs);
      expect((d.spec?.template.spec?.terminationGracePeriodSeconds ?? 30) * 1000).toBeGreaterThan(timeoutMs);
    });
  });

  describe('the call chain', () => {
    test("the frontend's TARGET_URL reaches the backend Service and the backend's port", () => {
      const env = r.envOf(containerOf(r.deployment('frontend')));
      const { deployment: target, containerPort } = r.resolveToPod(env.TARGET_URL ?? '');
      expect(target.metadata?.name).toBe('backend');
      const targetContainer = containerOf(target);
      expect(containerPort).toBe(listenPort(serviceOfImage(targetContainer.image ?? ''), r.envOf(targetContainer)));
      expect(env.LOOP_MODE).not.toBe('off');
    });

    test("the backend's DOWNSTREAM_URLS reach backend-2", () => {
      const env = r.envOf(containerOf(r.deployment('backend')));
      const targets = (env.DOWNSTREAM_URLS ?? '').split(',').map((url) => r.resolveToPod(url));
      expect(targets.map((t) => t.deployment.metadata?.name)).toEqual(['backend-2']);
    });
  });

  describe('mesh tracing', () => {
    const { meshConfig, providerType } = TARGETS[dir];
    const telemetry = r.telemetry();
    const providers = meshConfigOf(meshConfig).extensionProviders ?? [];
    const named = telemetry.spec?.tracing?.flatMap((t) => t.providers?.map((p) => p.name) ?? []) ?? [];

    test('one namespace-scoped Telemetry (telemetry.istio.io/v1) selects one provider at 100%', () => {
      expect(telemetry.apiVersion).toBe('telemetry.istio.io/v1');
      expect(telemetry.spec?.selector).toBeUndefined();
      expect(telemetry.spec?.tracing).toEqual([
        { providers: [{ name: expect.any(String) }], randomSamplingPercentage: 100 },
      ]);
    });

    test(`the provider it names is registered by ${meshConfig}, as a ${providerType} provider`, () => {
      expect(named).toHaveLength(1);
      for (const name of named) {
        const provider = providers.find((p) => p.name === name);
        expect(provider?.[providerType], `${name} in ${meshConfig}`).toBeDefined();
      }
    });

    test(`the apps trust the header the ${providerType} tracer rewrites: OTEL_PROPAGATORS=${PROPAGATORS_FOR[providerType]}`, () => {
      for (const name of APPS)
        expect(r.envOf(containerOf(r.deployment(name))).OTEL_PROPAGATORS, name).toBe(PROPAGATORS_FOR[providerType]);
    });
  });
});

// --- The whole demo: its own Jaeger -------------------------------------------------------

const jaeger = demo.deployment('jaeger');
const jaegerContainer = containerOf(jaeger);

function jaegerConfig(): {
  extensions: { jaeger_query: { base_path?: string; grpc?: { endpoint: string }; http?: { endpoint: string } } };
  receivers: {
    zipkin: { endpoint: string };
    otlp: { protocols: { grpc: { endpoint: string }; http: { endpoint: string } } };
  };
} {
  const volume = jaeger.spec?.template.spec?.volumes?.find((v) => v.configMap);
  const configMap = demo.find<{ data: Record<string, string> }>(
    'ConfigMap',
    APP_NAMESPACE,
    volume?.configMap?.name ?? '',
  );
  return parse(configMap.data['config.yaml'] ?? '');
}

const portOf = (endpoint: string) => Number(endpoint.split(':').at(-1));
/** The ports Jaeger's own config listens on, by what they receive. */
const jaegerPorts = () => {
  const config = jaegerConfig();
  return {
    zipkin: portOf(config.receivers.zipkin.endpoint),
    otlpGrpc: portOf(config.receivers.otlp.protocols.grpc.endpoint),
    otlpHttp: portOf(config.receivers.otlp.protocols.http.endpoint),
    ui: portOf(config.extensions.jaeger_query.http?.endpoint ?? ''),
    grpcQuery: portOf(config.extensions.jaeger_query.grpc?.endpoint ?? ''),
  };
};

describe('Jaeger (the whole demo)', () => {
  test('is v2, pinned by tag and digest, the same version as in docker-compose.yml, outside the mesh', () => {
    // The digest makes the tag a label only: a tag can be moved to another image, a digest cannot.
    expect(jaegerContainer.image).toMatch(/^jaegertracing\/jaeger:2\.\d+\.\d+@sha256:[0-9a-f]{64}$/);
    // Compose keeps the tag alone: a locally built stand-in (../shared/tools/container-lab) has no registry digest.
    const compose = readRepoYaml<{ services: { jaeger: { image: string } } }>('docker-compose.yml');
    expect(jaegerContainer.image?.split('@')[0]).toBe(compose.services.jaeger.image);
    expect(demo.podLabels(jaeger)).toMatchObject({
      'sidecar.istio.io/inject': 'false',
      'istio.io/dataplane-mode': 'none',
    });
    expect(demo.service(APP_NAMESPACE, 'jaeger').metadata?.labels?.['istio.io/use-waypoint']).toBe('none');
  });

  test("receives Zipkin on 9411 and OTLP on 4317/4318, as Jaeger's defaults and Istio's add-on do, UI under /jaeger", () => {
    expect(jaegerPorts()).toMatchObject({ zipkin: 9411, otlpGrpc: 4317, otlpHttp: 4318 });
    expect(jaegerConfig().extensions.jaeger_query.base_path).toBe('/jaeger');
  });

  test.each(['ui', 'grpcQuery', 'zipkin', 'otlpGrpc', 'otlpHttp'] as const)(
    'Service jaeger reaches the port Jaeger listens on for %s',
    (what) => {
      const port = jaegerPorts()[what];
      expect(demo.resolveToPod(`http://jaeger.meshtrace.svc.cluster.local:${port}/`)).toMatchObject({
        deployment: { metadata: { name: 'jaeger' } },
        containerPort: port,
      });
    },
  );

  test("the operator file's zipkin provider sends to Jaeger's Zipkin receiver", () => {
    const provider = meshConfigOf('k8s/istio/tracing-operator.yaml').extensionProviders?.find((p) => p.zipkin);
    const url = `http://${provider?.zipkin?.service}:${provider?.zipkin?.port}/`;
    expect(demo.resolveToPod(url, 'istio-system')).toMatchObject({
      deployment: { metadata: { name: 'jaeger' } },
      containerPort: jaegerPorts().zipkin,
    });
  });

  test.each(APPS)("%s exports to Jaeger's receiver for its exporter", (name) => {
    const { exporter, url } = exportUrl(demo.envOf(containerOf(demo.deployment(name))));
    expect(exporter).toBe('zipkin');
    expect(url.pathname).toBe('/api/v2/spans');
    expect(demo.resolveToPod(url.href)).toMatchObject({
      deployment: { metadata: { name: 'jaeger' } },
      containerPort: jaegerPorts().zipkin,
    });
  });

  test('probes a health port the container declares, and runs restricted', () => {
    const port = jaegerContainer.readinessProbe?.httpGet?.port;
    expect(jaegerContainer.ports?.some((p) => p.name === port || p.containerPort === port)).toBe(true);
    expect(jaegerContainer.securityContext).toMatchObject({
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
  });
});

describe('Istio install files', () => {
  const operator = meshConfigOf('k8s/istio/tracing-operator.yaml');

  test('access logs carry the B3 trace and span ids; the legacy tracing block is not used', () => {
    const format = operator.accessLogFormat ?? '';
    expect(format).toContain('traceID=%REQ(X-B3-TRACEID)%');
    expect(format).toContain('spanID=%REQ(X-B3-SPANID)%');
    expect(operator.defaultConfig?.tracing).toBeUndefined();
  });

  test("the tutorial's legacy form is kept beside it, marked legacy", () => {
    const text = readRepoFile('k8s/istio/legacy-default-config-tracing.yaml');
    expect(text).toMatch(/^# LEGACY/);
    expect(parse(text).spec.meshConfig.defaultConfig.tracing.zipkin.address).toBe(
      `${ISTIO_ADDON_COLLECTOR.host}:${ISTIO_ADDON_COLLECTOR.ports.zipkin}`,
    );
  });

  test('istio-system is labelled privileged before Istio CNI installs, in a file no kustomization applies', () => {
    const [namespace, ...others] = parseObjects(readRepoFile('k8s/istio/istio-system-namespace.yaml'));
    expect(others).toEqual([]);
    expect(namespace).toMatchObject({
      kind: 'Namespace',
      metadata: { name: 'istio-system', labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } },
    });
    const cni = readRepoYaml<{ spec: { components?: { cni?: { enabled?: boolean } } } }>(
      'k8s/istio/tracing-operator.yaml',
    ).spec.components?.cni?.enabled;
    expect(cni).toBe(true);
  });

  test("the opentelemetry entry is Istio's Jaeger task's: `jaeger`, OTLP/gRPC to the add-on's collector", () => {
    expect(meshConfigOf('k8s/istio/opentelemetry-provider.yaml').extensionProviders).toEqual([
      {
        name: 'jaeger',
        opentelemetry: { service: ISTIO_ADDON_COLLECTOR.host, port: ISTIO_ADDON_COLLECTOR.ports.otlpGrpc },
      },
    ]);
  });
});

// --- Only the apps, into a mesh that has tracing -----------------------------------------------

describe("k8s/apps in a mesh set up by Istio's Jaeger task", () => {
  const apps = rendered['k8s/apps'];

  test.each(APPS)("%s exports OTLP/HTTP to the add-on collector's OTLP/HTTP port", (name) => {
    const { exporter, url } = exportUrl(apps.envOf(containerOf(apps.deployment(name))));
    expect(exporter).toBe('otlp');
    expect(url.hostname).toBe(ISTIO_ADDON_COLLECTOR.host);
    expect(Number(url.port)).toBe(ISTIO_ADDON_COLLECTOR.ports.otlpHttp);
    expect(url.pathname).toBe('/v1/traces');
  });

  test('admits the injected istio-init (no Istio CNI): enforce privileged, audit and warn still restricted', () => {
    expect(apps.find<K8sObject>('Namespace', undefined, APP_NAMESPACE).metadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'privileged',
      'pod-security.kubernetes.io/audit': 'restricted',
      'pod-security.kubernetes.io/warn': 'restricted',
    });
    // The whole demo installs Istio with CNI (the operator file), so it enforces restricted.
    expect(demo.find<K8sObject>('Namespace', undefined, APP_NAMESPACE).metadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'restricted',
    });
  });

  test('the provider name is a one-line change, and a zipkin provider is a one-line component swap', () => {
    const kustomization = readRepoFile('k8s/apps/kustomization.yaml');
    const patchLine = kustomization.split('\n').find((line) => line.includes('/spec/tracing/0/providers/0/name'));
    expect(patchLine).toContain('"value": "jaeger"');
    const mine = kustomizeCombination({
      resources: ['k8s/apps'],
      extra: `patches:\n  - target: { kind: Telemetry, name: tracing }\n${patchLine?.replace('"jaeger"', '"my-otel"')}\n`,
    });
    const telemetry = inspect(mine).telemetry();
    expect(telemetry.spec?.tracing?.[0]?.providers).toEqual([{ name: 'my-otel' }]);

    const swapped = inspect(
      kustomizeCombination({
        resources: ['k8s/base'],
        components: ['k8s/components/zipkin-provider', 'k8s/components/without-cni'],
      }),
    );
    expect(swapped.telemetry().spec?.tracing?.[0]?.providers).toEqual([{ name: 'zipkin' }]);
    expect(swapped.envOf(containerOf(swapped.deployment('backend'))).OTEL_PROPAGATORS).toBe(PROPAGATORS_FOR.zipkin);
  });
});

// --- Ambient --------------------------------------------------------------------------------

describe.each([
  ['the whole demo', ['k8s'], []],
  ['the apps only', ['k8s/base'], ['k8s/components/opentelemetry-provider']],
] as const)('ambient mode with %s', (_, resources, components) => {
  const r = inspect(kustomizeCombination({ resources, components: [...components, 'k8s/components/ambient'] }));
  const namespace = r.find<K8sObject>('Namespace', undefined, APP_NAMESPACE);

  test('the namespace joins the ambient mesh through a waypoint, with no sidecar injection', () => {
    expect(namespace.metadata.labels).toMatchObject({
      'istio.io/dataplane-mode': 'ambient',
      'istio.io/use-waypoint': 'waypoint',
    });
    expect(namespace.metadata.labels).not.toHaveProperty('istio-injection');
  });

  test("a valid waypoint Gateway in the namespace, as istioctl's own", () => {
    const gateway = r.find<K8sObject & { spec: unknown }>('Gateway', APP_NAMESPACE, 'waypoint');
    expect(() => validateObject(gateway)).not.toThrow();
    expect(gateway.spec).toEqual({
      gatewayClassName: 'istio-waypoint',
      listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE' }],
    });
  });

  test('no istio-init to admit: Pod Security restricted is enforced', () => {
    expect(namespace.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  test('tracing stays namespace-scoped, so the waypoint in the namespace reports too; Jaeger stays out of the mesh', () => {
    expect(r.telemetry().spec?.selector).toBeUndefined();
    for (const o of r.rendered.filter((x) => x.metadata.labels?.app === 'jaeger' && x.kind === 'Deployment'))
      expect(r.podLabels(o as unknown as IDeployment)['istio.io/dataplane-mode']).toBe('none');
  });
});
