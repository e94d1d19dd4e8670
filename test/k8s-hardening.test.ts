/**
 * The locked-down deployment, rendered by kubectl itself. Both targets (`k8s`, `k8s/apps`) carry
 * k8s/components/authz by default: mutual TLS, and only frontend may call backend and only
 * backend call backend-2, each with GET on traffic paths, everything else denied. In ambient
 * mode the L7 rules move to the waypoint. The namespace enforces Pod Security `restricted`, and
 * every pod spec meets that profile. No admin listener is published anywhere.
 */
import { AuthorizationPolicy, PeerAuthentication } from '@kubernetes-models/istio/security.istio.io/v1';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BuiltApps, buildApps } from './helpers/apps.ts';
import { validateObject } from './helpers/k8s-models.ts';
import { type K8sObject, kustomize, kustomizeCombination } from './helpers/kustomize.ts';
import { serviceNamed } from './helpers/services.ts';

const APP_NAMESPACE = 'meshtrace';

interface Operation {
  methods?: string[];
  notPaths?: string[];
  paths?: string[];
}
interface Rule {
  from?: { source?: { principals?: string[] } }[];
  to?: { operation?: Operation }[];
}
interface Policy {
  metadata: { name: string; namespace?: string };
  spec?: {
    selector?: { matchLabels?: Record<string, string> };
    targetRefs?: { kind: string; group: string; name: string }[];
    action?: string;
    rules?: Rule[];
  };
}

/** Lookups over one rendered target. */
function inspect(rendered: readonly K8sObject[]) {
  const ofKind = (kind: string) => rendered.filter((object) => object.kind === kind);
  const deployments = ofKind('Deployment') as unknown as (IDeployment & K8sObject)[];
  const policies = ofKind('AuthorizationPolicy') as unknown as Policy[];
  /** The principal Istio gives a pod: its namespace and service account, in the default trust domain. */
  const principalOf = (app: string): string => {
    const deployment = deployments.find((d) => d.metadata.name === app);
    const account = deployment?.spec?.template.spec?.serviceAccountName;
    if (!deployment || !account) throw new Error(`no Deployment ${app} with a service account`);
    return `cluster.local/ns/${deployment.metadata.namespace}/sa/${account}`;
  };
  /** The ALLOW rules that apply to requests for `app`: by its pods' labels (sidecars) or its Service (a waypoint). */
  const rulesFor = (app: string): Rule[] =>
    policies
      .filter((p) => (p.spec?.action ?? 'ALLOW') === 'ALLOW')
      .filter(
        (p) =>
          p.spec?.selector?.matchLabels?.app === app ||
          (p.spec?.targetRefs ?? []).some((ref) => ref.kind === 'Service' && ref.group === '' && ref.name === app),
      )
      .flatMap((p) => p.spec?.rules ?? []);
  const callers = (app: string) =>
    rulesFor(app)
      .flatMap((rule) => rule.from ?? [])
      .flatMap((from) => from.source?.principals ?? []);
  return { rendered, ofKind, deployments, policies, principalOf, rulesFor, callers };
}

const TARGETS = { k8s: inspect(kustomize('k8s')), 'k8s/apps': inspect(kustomize('k8s/apps')) };
/** The routes of the backend that are not traffic: for the kubelet, Prometheus and http-echo's health check. */
const NOT_TRAFFIC = ['/healthz', '/readyz', '/health', '/metrics'];

let apps: BuiltApps;
beforeAll(async () => {
  apps = await buildApps();
});
afterAll(() => apps.close());

describe.each(Object.keys(TARGETS) as (keyof typeof TARGETS)[])('authorization in %s, on by default', (target) => {
  const { ofKind, policies, principalOf, rulesFor, callers, deployments } = TARGETS[target];

  it('renders valid Istio objects, and the component also renders alone', () => {
    for (const object of ofKind('AuthorizationPolicy')) new AuthorizationPolicy(object as never).validate();
    for (const object of ofKind('PeerAuthentication')) new PeerAuthentication(object as never).validate();
    expect(kustomize('k8s/components/authz').map((o) => o.kind)).toEqual([
      'AuthorizationPolicy',
      'AuthorizationPolicy',
      'AuthorizationPolicy',
      'PeerAuthentication',
    ]);
  });

  it('requires mutual TLS for the whole namespace', () => {
    const peers = ofKind('PeerAuthentication') as unknown as { metadata: K8sObject['metadata']; spec: unknown }[];
    expect(peers).toHaveLength(1);
    expect(peers[0]?.metadata.namespace).toBe(APP_NAMESPACE);
    expect(peers[0]?.spec).toEqual({ mtls: { mode: 'STRICT' } });
  });

  it('denies by default: one namespace-wide ALLOW policy with no rules, and no DENY to undo', () => {
    const allowNothing = policies.filter((p) => p.spec?.selector === undefined);
    expect(allowNothing).toHaveLength(1);
    expect(allowNothing[0]?.spec).toEqual({ action: 'ALLOW' });
    expect(policies.every((p) => p.metadata.namespace === APP_NAMESPACE)).toBe(true);
    expect(policies.some((p) => p.spec?.action === 'DENY' || p.spec?.action === 'AUDIT')).toBe(false);
  });

  it("lets only frontend's service account call backend, and only backend's call backend-2; nothing calls the frontend", () => {
    expect(callers('backend')).toEqual([principalOf('frontend')]);
    expect(callers('backend-2')).toEqual([principalOf('backend')]);
    // Nothing may call the frontend: its loop starts every trace itself.
    expect(callers('frontend')).toEqual([]);
    expect(principalOf('frontend')).toBe('cluster.local/ns/meshtrace/sa/frontend');
  });

  it('allows GET on traffic paths only: every route of the backend that is not traffic is excluded', async () => {
    const backend = serviceNamed('backend');
    for (const app of ['backend', 'backend-2']) {
      const rules = rulesFor(app);
      expect(rules.length, app).toBeGreaterThan(0);
      for (const rule of rules) {
        // Every rule names both who and what: none allows by principal alone, or by path alone.
        for (const from of rule.from ?? []) expect(Object.keys(from.source ?? {})).toEqual(['principals']);
        const operations = (rule.to ?? []).map((to) => to.operation ?? {});
        expect(operations, app).toHaveLength(1);
        const [operation] = operations as [Operation];
        expect(operation.methods).toEqual(['GET']);
        expect(operation.paths).toBeUndefined();
        expect(operation.notPaths).toEqual(expect.arrayContaining(NOT_TRAFFIC));
      }
    }
    // Each excluded path is a route the backend really serves, and the echo's own path is not excluded.
    for (const path of NOT_TRAFFIC) expect((await apps.probe(backend, path)).route, path).toBe(true);
    expect((await apps.probe(backend, '/')).route).toBe(false);
  });

  it('publishes no admin listener: no Service or container port for it, and it stays on loopback', () => {
    const adminPort = serviceNamed('backend').schema.adminPort?.default;
    expect(adminPort).toBe(9901);
    const services = ofKind('Service') as unknown as { spec?: { ports?: { port: number; targetPort?: unknown }[] } }[];
    for (const service of services)
      for (const port of service.spec?.ports ?? []) {
        expect(port.port).not.toBe(adminPort);
        expect(port.targetPort).not.toBe(adminPort);
      }
    for (const deployment of deployments)
      for (const container of deployment.spec?.template.spec?.containers ?? []) {
        expect((container.ports ?? []).map((p) => p.containerPort)).not.toContain(adminPort);
        expect((container.env ?? []).map((v) => v.name)).not.toContain('ADMIN_HOST');
        expect((container.env ?? []).map((v) => v.name)).not.toContain('ADMIN_PORT');
      }
  });
});

describe.each([
  ['the whole demo', 'k8s'],
  ['the apps only', 'k8s/apps'],
] as const)('authorization in ambient mode, with %s', (_, target) => {
  const ambient = inspect(kustomizeCombination({ resources: [target], components: ['k8s/components/ambient'] }));
  const waypoint = ambient.ofKind('Gateway').find((g) => g.metadata.name === 'waypoint');

  it('no policy with L7 rules is left for ztunnel, which would deny every connection to it', () => {
    for (const policy of ambient.policies) {
      const l7 = (policy.spec?.rules ?? []).some((rule) => (rule.to ?? []).length > 0);
      if (l7) {
        expect(policy.spec?.selector, policy.metadata.name).toBeUndefined();
        expect(policy.spec?.targetRefs?.length, policy.metadata.name).toBeGreaterThan(0);
      }
    }
  });

  it('the L7 rules are on the waypoint, against the caller: deny by default there, the same callers and operations as with sidecars', () => {
    const sidecars = TARGETS[target];
    for (const app of ['backend', 'backend-2', 'frontend']) {
      expect(ambient.callers(app), app).toEqual(sidecars.callers(app));
      expect(ambient.rulesFor(app), app).toEqual(sidecars.rulesFor(app));
    }
    const allowNothing = ambient.policies.find((p) => p.metadata.name === 'allow-nothing');
    expect(allowNothing?.spec).toEqual({
      action: 'ALLOW',
      targetRefs: [{ kind: 'Gateway', group: 'gateway.networking.k8s.io', name: waypoint?.metadata.name }],
    });
  });

  it("ztunnel lets in only the waypoint's identity: the service account Istio names after the Gateway", () => {
    const l4 = ambient.policies.filter((p) => p.spec?.selector === undefined && p.spec?.targetRefs === undefined);
    expect(l4.map((p) => p.spec)).toEqual([
      {
        action: 'ALLOW',
        rules: [
          { from: [{ source: { principals: [`cluster.local/ns/${APP_NAMESPACE}/sa/${waypoint?.metadata.name}`] } }] },
        ],
      },
    ]);
    for (const policy of ambient.ofKind('AuthorizationPolicy')) new AuthorizationPolicy(policy as never).validate();
  });
});

/** The base plus the authz component, as the targets combine them: what the Pod Security checks read. */
const rendered = kustomizeCombination({ resources: ['k8s/base'], components: ['k8s/components/authz'] });
const ofKind = (kind: string) => rendered.filter((object) => object.kind === kind);
const deployments = ofKind('Deployment') as unknown as (IDeployment & K8sObject)[];

describe('Pod Security restricted', () => {
  it('is enforced, audited and warned on the app namespace', () => {
    const namespace = ofKind('Namespace').find((n) => n.metadata.name === APP_NAMESPACE);
    expect(namespace?.metadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/audit': 'restricted',
      'pod-security.kubernetes.io/warn': 'restricted',
      'istio-injection': 'enabled',
    });
  });

  it('has a Deployment for each app, all in that namespace and schema-valid', () => {
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual(['backend', 'backend-2', 'frontend']);
    for (const deployment of deployments) {
      expect(deployment.metadata.namespace).toBe(APP_NAMESPACE);
      validateObject(deployment);
    }
  });

  /** Each rule of the `restricted` profile, for one container in its pod. */
  function restrictedProblems(pod: IPodSpec, container: IContainer): string[] {
    const problems: string[] = [];
    const own = container.securityContext ?? {};
    const podLevel = pod.securityContext ?? {};
    if (!(own.runAsNonRoot ?? podLevel.runAsNonRoot)) problems.push('runAsNonRoot is not true');
    if ((own.runAsUser ?? podLevel.runAsUser) === 0) problems.push('runs as uid 0');
    if (own.allowPrivilegeEscalation !== false) problems.push('allowPrivilegeEscalation is not false');
    if (own.privileged) problems.push('privileged');
    if (!own.capabilities?.drop?.includes('ALL')) problems.push('capabilities do not drop ALL');
    if ((own.capabilities?.add ?? []).some((capability) => capability !== 'NET_BIND_SERVICE'))
      problems.push(`adds capabilities ${own.capabilities?.add?.join(',')}`);
    const seccomp = own.seccompProfile?.type ?? podLevel.seccompProfile?.type;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') problems.push(`seccompProfile is ${seccomp}`);
    if (container.ports?.some((port) => port.hostPort !== undefined)) problems.push('hostPort');
    return problems;
  }

  it('every container of every pod meets the profile, and the pods take nothing from the host', () => {
    for (const deployment of deployments) {
      const pod = deployment.spec?.template.spec as IPodSpec;
      const name = deployment.metadata.name;
      expect(pod.hostNetwork ?? false, name).toBe(false);
      expect(pod.hostPID ?? false, name).toBe(false);
      expect(pod.hostIPC ?? false, name).toBe(false);
      expect(
        (pod.volumes ?? []).filter((volume) => volume.hostPath !== undefined),
        name,
      ).toEqual([]);
      // Set on the pod too, so the sidecar Istio injects inherits it.
      expect(pod.securityContext?.seccompProfile?.type, name).toBe('RuntimeDefault');
      for (const container of [...(pod.initContainers ?? []), ...pod.containers]) {
        expect(restrictedProblems(pod, container), `${name}/${container.name}`).toEqual([]);
      }
    }
  });

  it('every container has CPU and memory limits, and no pod mounts an API token', () => {
    const accounts = ofKind('ServiceAccount') as unknown as {
      metadata: { name: string };
      automountServiceAccountToken?: boolean;
    }[];
    for (const deployment of deployments) {
      const pod = deployment.spec?.template.spec as IPodSpec;
      for (const container of pod.containers) {
        expect(container.resources?.limits, `${deployment.metadata.name}/${container.name}`).toMatchObject({
          cpu: expect.any(String),
          memory: expect.any(String),
        });
        expect(container.resources?.requests, `${deployment.metadata.name}/${container.name}`).toBeDefined();
      }
      const account = accounts.find((a) => a.metadata.name === pod.serviceAccountName);
      expect(account?.automountServiceAccountToken, deployment.metadata.name).toBe(false);
      expect(pod.automountServiceAccountToken, deployment.metadata.name).toBe(false);
    }
  });
});
