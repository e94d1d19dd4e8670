/**
 * The locked-down deployment: k8s/base with k8s/components/authz, rendered by
 * kubectl itself. The namespace enforces Pod Security `restricted`, every pod
 * spec meets that profile, and the authorization policies let only frontend
 * call backend and only backend call backend-2, with everything else denied.
 */
import { AuthorizationPolicy, PeerAuthentication } from '@kubernetes-models/istio/security.istio.io/v1';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import { describe, expect, it } from 'vitest';
import { validateObject } from './helpers/k8s-models.ts';
import { type K8sObject, kustomize, kustomizeCombination } from './helpers/kustomize.ts';

const APP_NAMESPACE = 'meshtrace';

/** The base plus the authz component, as a user would combine them. */
const rendered = kustomizeCombination({ resources: ['k8s/base'], components: ['k8s/components/authz'] });
const ofKind = (kind: string) => rendered.filter((object) => object.kind === kind);
const deployments = ofKind('Deployment') as unknown as (IDeployment & K8sObject)[];

interface Policy {
  metadata: { name: string; namespace?: string };
  spec?: {
    selector?: { matchLabels?: Record<string, string> };
    action?: string;
    rules?: { from?: { source?: { principals?: string[] } }[] }[];
  };
}
const policies = ofKind('AuthorizationPolicy') as unknown as Policy[];

/** The principal Istio gives a pod: its namespace and service account, in the default trust domain. */
function principalOf(app: string): string {
  const deployment = deployments.find((d) => d.metadata.name === app);
  const account = deployment?.spec?.template.spec?.serviceAccountName;
  if (!deployment || !account) throw new Error(`no Deployment ${app} with a service account`);
  return `cluster.local/ns/${deployment.metadata.namespace}/sa/${account}`;
}

/** The ALLOW policies that select `app`, and the principals they let in. */
function allowedCallers(app: string): string[] {
  return policies
    .filter((p) => (p.spec?.action ?? 'ALLOW') === 'ALLOW' && p.spec?.selector?.matchLabels?.app === app)
    .flatMap((p) => p.spec?.rules ?? [])
    .flatMap((rule) => rule.from ?? [])
    .flatMap((from) => from.source?.principals ?? []);
}

describe('authorization (k8s/components/authz)', () => {
  it('renders valid Istio objects, alone as well as with the base', () => {
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

  it('denies by default: one namespace-wide ALLOW policy with no rules', () => {
    const allowNothing = policies.filter((p) => p.spec?.selector === undefined);
    expect(allowNothing).toHaveLength(1);
    expect(allowNothing[0]?.spec).toEqual({ action: 'ALLOW' });
    expect(policies.every((p) => p.metadata.namespace === APP_NAMESPACE)).toBe(true);
    expect(policies.some((p) => p.spec?.action === 'DENY' || p.spec?.action === 'AUDIT')).toBe(false);
  });

  it("lets only frontend's service account call backend, and only backend's call backend-2", () => {
    expect(allowedCallers('backend')).toEqual([principalOf('frontend')]);
    expect(allowedCallers('backend-2')).toEqual([principalOf('backend')]);
    // Nothing may call the frontend: its loop starts every trace itself.
    expect(allowedCallers('frontend')).toEqual([]);
    expect(principalOf('frontend')).toBe('cluster.local/ns/meshtrace/sa/frontend');
    // Every rule names a principal: none allows by path, port or namespace alone.
    for (const policy of policies)
      for (const rule of policy.spec?.rules ?? []) {
        expect(rule.from?.length, policy.metadata.name).toBeGreaterThan(0);
        for (const from of rule.from ?? []) expect(Object.keys(from.source ?? {})).toEqual(['principals']);
      }
  });
});

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
