/**
 * k8s/: what `kubectl apply -k k8s` installs, rendered by kubectl itself, checked
 * against the Kubernetes and Istio schemas, then against the apps and against
 * each other: ports, selectors, probes, DNS names and variables must all agree.
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
import { type K8sObject, kustomize, parseObjects } from './helpers/kustomize.ts';
import { readRepoFile, readRepoYaml, repoPath } from './helpers/repo.ts';
import { envProblems, listenPort, type ServiceInfo, serviceOfImage } from './helpers/services.ts';

const APP_NAMESPACE = 'meshtrace';
const APPS = ['frontend', 'backend', 'backend-2'] as const;

const rendered = kustomize('k8s');

function find<T>(kind: string, namespace: string | undefined, name: string): T {
  const object = rendered.find(
    (o) => o.kind === kind && o.metadata.namespace === namespace && o.metadata.name === name,
  );
  if (!object) throw new Error(`kubectl kustomize k8s renders no ${kind} ${namespace ?? '-'}/${name}`);
  return object as unknown as T;
}

const deployment = (namespace: string, name: string) => find<IDeployment>('Deployment', namespace, name);
const service = (namespace: string, name: string) => find<IService>('Service', namespace, name);

function containerOf(d: IDeployment): IContainer {
  const [container, ...others] = d.spec?.template.spec?.containers ?? [];
  if (!container || others.length > 0) throw new Error(`${d.metadata?.name} must have exactly one container`);
  return container;
}

function envOf(container: IContainer): Record<string, string> {
  const env: Record<string, string> = {};
  for (const variable of container.env ?? []) {
    if (variable.value === undefined) throw new Error(`${variable.name}: only literal values are checked`);
    env[variable.name] = variable.value;
  }
  return env;
}

function podLabels(d: IDeployment): Record<string, string> {
  return d.spec?.template.metadata?.labels ?? {};
}

function selects(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
  const pairs = Object.entries(selector ?? {});
  return pairs.length > 0 && pairs.every(([key, value]) => labels[key] === value);
}

/** The Deployments in the Service's namespace whose pods its selector picks. */
function backendsOf(s: IService): IDeployment[] {
  return rendered
    .filter((o) => o.kind === 'Deployment' && o.metadata.namespace === s.metadata?.namespace)
    .map((o) => o as unknown as IDeployment)
    .filter((d) => selects(s.spec?.selector, podLabels(d)));
}

/** The container port a Service port sends to (by name or number). */
function containerPortFor(port: IServicePort, container: IContainer): number | undefined {
  const target = port.targetPort ?? port.port;
  const match = container.ports?.find((p) =>
    typeof target === 'string' ? p.name === target : p.containerPort === target,
  );
  return match?.containerPort;
}

/**
 * The Service and port a URL reaches from a pod in `fromNamespace`, by cluster DNS:
 * `name`, `name.ns`, `name.ns.svc` or `name.ns.svc.cluster.local`.
 */
function resolveUrl(url: string, fromNamespace: string): { service: IService; port: IServicePort } {
  const parsed = new URL(url);
  const [name = '', namespace = fromNamespace, ...rest] = parsed.hostname.split('.');
  if (!['', 'svc', 'svc.cluster.local'].includes(rest.join('.'))) throw new Error(`${url} is no Service DNS name`);
  const s = service(namespace, name);
  const portNumber = Number(parsed.port || (parsed.protocol === 'https:' ? 443 : 80));
  const port = s.spec?.ports?.find((p) => p.port === portNumber);
  if (!port) throw new Error(`Service ${namespace}/${name} has no port ${portNumber} (${url})`);
  return { service: s, port };
}

/** Where a URL ends up: the single Deployment behind the Service, and the container port. */
function resolveToPod(url: string, fromNamespace: string): { deployment: IDeployment; containerPort: number } {
  const { service: s, port } = resolveUrl(url, fromNamespace);
  const [target, ...others] = backendsOf(s);
  if (!target || others.length > 0) throw new Error(`${url} must reach exactly one Deployment`);
  const containerPort = containerPortFor(port, containerOf(target));
  if (containerPort === undefined) throw new Error(`${url}: targetPort ${port.targetPort} is no container port`);
  return { deployment: target, containerPort };
}

function kustomizationFiles(dir: string): string[] {
  return readdirSync(repoPath(dir)).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(repoPath(path)).isDirectory()) return kustomizationFiles(path);
    return entry === 'kustomization.yaml' ? [path] : [];
  });
}

const identity = (o: K8sObject) => `${o.kind} ${o.metadata.namespace ?? '-'}/${o.metadata.name}`;

describe('schemas', () => {
  test.each(rendered.map((o) => [identity(o), o] as const))('%s is valid for its kind', (_, object) => {
    expect(() => validateObject(object)).not.toThrow();
  });

  test('a wrong field type fails validation (the check is real)', () => {
    const broken = structuredClone(deployment(APP_NAMESPACE, 'backend')) as unknown as K8sObject;
    (broken.spec as { replicas: unknown }).replicas = 'one';
    expect(() => validateObject(broken)).toThrow();
  });

  test.each(['k8s/istio/tracing-operator.yaml', 'k8s/istio/legacy-default-config-tracing.yaml'])(
    '%s is a valid IstioOperator',
    (file) => {
      const objects = parseObjects(readRepoFile(file));
      expect(objects.map((o) => o.kind)).toEqual(['IstioOperator']);
      for (const object of objects) expect(() => validateObject(object)).not.toThrow();
    },
  );
});

describe('layout', () => {
  test.each(kustomizationFiles('k8s'))('%s uses no deprecated kustomize fields', (file) => {
    const kustomization = readRepoYaml<Record<string, unknown>>(file);
    for (const field of ['commonLabels', 'patchesStrategicMerge', 'patchesJson6902', 'bases', 'vars'])
      expect(kustomization, field).not.toHaveProperty(field);
  });

  test('k8s is the base plus the components, each of which renders on its own', () => {
    const parts = ['k8s/base', 'k8s/components/jaeger', 'k8s/components/istio-tracing'].map(kustomize);
    for (const part of parts) expect(part.length).toBeGreaterThan(0);
    expect(parts.flat().map(identity).sort()).toEqual(rendered.map(identity).sort());
  });

  test('the demo namespace gets sidecars, and every app object lives in it', () => {
    const namespace = find<K8sObject>('Namespace', undefined, APP_NAMESPACE);
    expect(namespace.metadata.labels?.['istio-injection']).toBe('enabled');
    const namespaced = rendered.filter((o) => o.kind !== 'Namespace');
    expect(new Set(namespaced.map((o) => o.metadata.namespace))).toEqual(new Set([APP_NAMESPACE, 'istio-system']));
  });
});

describe.each(APPS)('%s', (name) => {
  const d = deployment(APP_NAMESPACE, name);
  const s = service(APP_NAMESPACE, name);
  const container = containerOf(d);
  const env = envOf(container);
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
    find<K8sObject>('ServiceAccount', APP_NAMESPACE, name);
    expect(d.spec?.template.spec?.serviceAccountName).toBe(name);
  });

  test('runs the image `pnpm images` tags, labelled with app and version', () => {
    expect(container.image).toBe(`${info.image}:${info.version}`);
    expect(podLabels(d)).toMatchObject({ app: name, version: info.version });
    expect(selects(d.spec?.selector.matchLabels, podLabels(d))).toBe(true);
  });

  test('its Service selects its pods (and only them) on a port named http', () => {
    expect(backendsOf(s).map((b) => b.metadata?.name)).toEqual([name]);
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

  test('every variable is one the app reads, with a value it accepts', () => {
    expect(envProblems(info, env)).toEqual([]);
  });

  test('reports under its own name', () => {
    expect(env.OTEL_SERVICE_NAME).toBe(name);
  });

  test("exports spans to the Jaeger collector Service's Zipkin receiver in istio-system", () => {
    const url = env.OTEL_EXPORTER_ZIPKIN_ENDPOINT ?? '';
    expect(new URL(url).pathname).toBe('/api/v2/spans');
    expect(resolveUrl(url, APP_NAMESPACE).service.metadata).toMatchObject({
      name: 'jaeger-collector',
      namespace: 'istio-system',
    });
    expect(resolveToPod(url, APP_NAMESPACE)).toMatchObject({
      deployment: { metadata: { name: 'jaeger' } },
      containerPort: zipkinReceiverPort(),
    });
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
    const env = envOf(containerOf(deployment(APP_NAMESPACE, 'frontend')));
    const { deployment: target, containerPort } = resolveToPod(env.TARGET_URL ?? '', APP_NAMESPACE);
    expect(target.metadata?.name).toBe('backend');
    expect(containerPort).toBe(listenPort(serviceOfImage(containerOf(target).image ?? ''), envOf(containerOf(target))));
    expect(env.LOOP_MODE).not.toBe('off');
  });

  test("the backend's DOWNSTREAM_URLS reach backend-2", () => {
    const env = envOf(containerOf(deployment(APP_NAMESPACE, 'backend')));
    const targets = (env.DOWNSTREAM_URLS ?? '').split(',').map((url) => resolveToPod(url, APP_NAMESPACE));
    expect(targets.map((t) => t.deployment.metadata?.name)).toEqual(['backend-2']);
  });
});

// --- Jaeger --------------------------------------------------------------------

const jaeger = deployment('istio-system', 'jaeger');
const jaegerContainer = containerOf(jaeger);

function jaegerConfig(): {
  extensions: { jaeger_query: { base_path?: string; grpc?: { endpoint: string } } };
  receivers: { zipkin: { endpoint: string } };
} {
  const volume = jaeger.spec?.template.spec?.volumes?.find((v) => v.configMap);
  const configMap = find<{ data: Record<string, string> }>('ConfigMap', 'istio-system', volume?.configMap?.name ?? '');
  return parse(configMap.data['config.yaml'] ?? '');
}

function zipkinReceiverPort(): number {
  return Number(jaegerConfig().receivers.zipkin.endpoint.split(':').at(-1));
}

describe('Jaeger', () => {
  test('is v2, pinned, the same version as in docker-compose.yml, with no sidecar', () => {
    expect(jaegerContainer.image).toMatch(/^jaegertracing\/jaeger:2\.\d+\.\d+$/);
    const compose = readRepoYaml<{ services: { jaeger: { image: string } } }>('docker-compose.yml');
    expect(jaegerContainer.image).toBe(compose.services.jaeger.image);
    expect(podLabels(jaeger)['sidecar.istio.io/inject']).toBe('false');
  });

  test('receives Zipkin on 9411 and serves the UI under /jaeger', () => {
    expect(zipkinReceiverPort()).toBe(9411);
    expect(jaegerConfig().extensions.jaeger_query.base_path).toBe('/jaeger');
  });

  test.each([
    ['tracing', 80, 16686],
    // Istio's addon has it, and Kiali's default tracing URL uses it.
    ['tracing', 16685, 16685],
    ['zipkin', 9411, 9411],
    ['jaeger-collector', 9411, 9411],
  ])('Service %s: port %i reaches container port %i', (name, port, containerPort) => {
    expect(resolveToPod(`http://${name}.istio-system.svc.cluster.local:${port}/`, APP_NAMESPACE)).toMatchObject({
      deployment: { metadata: { name: 'jaeger' } },
      containerPort,
    });
  });

  test("serves the gRPC query API on the port the tracing Service's grpc-query sends to", () => {
    const port = service('istio-system', 'tracing').spec?.ports?.find((p) => p.name === 'grpc-query');
    expect(port?.port).toBe(16685);
    expect(jaegerConfig().extensions.jaeger_query.grpc?.endpoint).toBe('0.0.0.0:16685');
  });

  test('probes a health port the container declares', () => {
    const port = jaegerContainer.readinessProbe?.httpGet?.port;
    expect(jaegerContainer.ports?.some((p) => p.name === port || p.containerPort === port)).toBe(true);
  });
});

// --- Istio ---------------------------------------------------------------------

interface ZipkinProvider {
  readonly name: string;
  readonly zipkin?: { readonly service: string; readonly port: number };
}

const operator = readRepoYaml<{
  spec: {
    meshConfig: {
      extensionProviders?: ZipkinProvider[];
      accessLogFormat?: string;
      defaultConfig?: { tracing?: unknown };
    };
  };
}>('k8s/istio/tracing-operator.yaml');

function operatorCni(): boolean | undefined {
  return readRepoYaml<{ spec: { components?: { cni?: { enabled?: boolean } } } }>('k8s/istio/tracing-operator.yaml')
    .spec.components?.cni?.enabled;
}

describe('Istio tracing', () => {
  const telemetry = find<ITelemetry>('Telemetry', 'istio-system', 'mesh-default');

  test('a mesh-wide Telemetry (telemetry.istio.io/v1) selects a provider at 100%', () => {
    expect(telemetry.apiVersion).toBe('telemetry.istio.io/v1');
    expect(telemetry.spec?.selector).toBeUndefined();
    expect(telemetry.spec?.tracing).toEqual([{ providers: [{ name: 'zipkin' }], randomSamplingPercentage: 100 }]);
  });

  test('the provider it names is a zipkin provider the IstioOperator registers', () => {
    const names = telemetry.spec?.tracing?.flatMap((t) => t.providers?.map((p) => p.name) ?? []) ?? [];
    for (const providerName of names) {
      const provider = operator.spec.meshConfig.extensionProviders?.find((p) => p.name === providerName);
      expect(provider?.zipkin, providerName).toBeDefined();
    }
  });

  test("the provider sends to Jaeger's Zipkin receiver", () => {
    const provider = operator.spec.meshConfig.extensionProviders?.find((p) => p.name === 'zipkin');
    const url = `http://${provider?.zipkin?.service}:${provider?.zipkin?.port}/`;
    expect(resolveToPod(url, 'istio-system')).toMatchObject({
      deployment: { metadata: { name: 'jaeger' } },
      containerPort: zipkinReceiverPort(),
    });
  });

  test('access logs carry the B3 trace and span ids; the legacy tracing block is not used', () => {
    const format = operator.spec.meshConfig.accessLogFormat ?? '';
    expect(format).toContain('traceID=%REQ(X-B3-TRACEID)%');
    expect(format).toContain('spanID=%REQ(X-B3-SPANID)%');
    expect(operator.spec.meshConfig.defaultConfig?.tracing).toBeUndefined();
  });

  test("the tutorial's legacy form is kept beside it, marked legacy", () => {
    const text = readRepoFile('k8s/istio/legacy-default-config-tracing.yaml');
    expect(text).toMatch(/^# LEGACY/);
    expect(parse(text).spec.meshConfig.defaultConfig.tracing.zipkin.address).toBe(
      'jaeger-collector.istio-system.svc.cluster.local:9411',
    );
  });

  test('istio-system is labelled privileged before Istio CNI installs, in a file kubectl delete -k never touches', () => {
    const [namespace, ...others] = parseObjects(readRepoFile('k8s/istio/istio-system-namespace.yaml'));
    expect(others).toEqual([]);
    expect(namespace).toMatchObject({
      kind: 'Namespace',
      metadata: { name: 'istio-system', labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } },
    });
    expect(operatorCni()).toBe(true);
    // In the kustomization, `kubectl delete -k k8s` would delete all of Istio with it.
    expect(rendered.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name)).toEqual([APP_NAMESPACE]);
  });

  test('no IstioOperator is in what kubectl applies (istioctl installs it)', () => {
    expect(rendered.filter((o) => o.kind === 'IstioOperator')).toEqual([]);
  });
});
