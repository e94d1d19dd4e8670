import * as gateways from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1';
import * as istioInstall from '@kubernetes-models/istio/install.istio.io/v1alpha1';
import * as istioSecurity from '@kubernetes-models/istio/security.istio.io/v1';
import * as istioTelemetry from '@kubernetes-models/istio/telemetry.istio.io/v1';
import * as apps from 'kubernetes-models/apps/v1';
import * as core from 'kubernetes-models/v1';
import type { K8sObject } from './kustomize.ts';

interface ModelClass {
  readonly apiVersion: string;
  readonly kind: string;
  new (data: object): { validate(): void };
}

function isModelClass(value: unknown): value is ModelClass {
  return (
    typeof value === 'function' &&
    typeof (value as Partial<ModelClass>).apiVersion === 'string' &&
    typeof (value as Partial<ModelClass>).kind === 'string'
  );
}

/** Every model class of the API groups these manifests use, by `apiVersion/kind`. */
const MODELS = new Map(
  [core, apps, istioTelemetry, istioSecurity, istioInstall, gateways]
    .flatMap((module) => Object.values(module))
    .filter(isModelClass)
    .map((model) => [`${model.apiVersion}/${model.kind}`, model] as const),
);

/**
 * Validates an object against the Kubernetes (or Istio CRD) JSON schema of its kind.
 * @throws when no schema is known for the kind, or the object does not match it.
 */
export function validateObject(object: K8sObject): void {
  const model = MODELS.get(`${object.apiVersion}/${object.kind}`);
  if (!model)
    throw new Error(`no schema for ${object.apiVersion} ${object.kind}: add its model to test/helpers/k8s-models.ts`);
  new model(object).validate();
}
