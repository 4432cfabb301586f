/**
 * What the Flux Operator changes in Flux's own schemas: when it installs Flux (a FluxInstance), it patches the
 * notification-controller CRDs so that an Alert's `spec.eventSources[].kind` and a Receiver's `spec.resources[].kind`
 * also take its kinds. Source: controlplaneio-fluxcd/flux-operator `internal/builder/templates.go`
 * (notificationPatchTmpl, JSON 6902 `add` operations to those enums, for every served version); facts only.
 */
import type { ErrorObject } from "ajv";

/** The kinds the operator adds to those enums. */
export const FLUX_OPERATOR_EVENT_KINDS: readonly string[] = ["FluxInstance", "ResourceSet", "ResourceSetInputProvider"];

/** The enum each patched kind widens, as the instance path of its errors. */
const WIDENED: Record<string, RegExp> = {
  Alert: /^\/spec\/eventSources\/\d+\/kind$/,
  Receiver: /^\/spec\/resources\/\d+\/kind$/,
};

export function isWidenedByFluxOperator(apiVersion: string, kind: string): boolean {
  return apiVersion.startsWith("notification.toolkit.fluxcd.io/") && kind in WIDENED;
}

/** The errors without the enum errors that the operator's widened enums take (`kind: FluxInstance` in an Alert). */
export function withoutWidenedEnums(errors: readonly ErrorObject[], object: Record<string, unknown>): ErrorObject[] {
  const path = WIDENED[String(object.kind)];
  if (!path) return [...errors];
  return errors.filter((error) => {
    if (error.keyword !== "enum" || !path.test(error.instancePath)) return true;
    const value = error.instancePath.slice(1).split("/").reduce<unknown>((node, key) => (typeof node === "object" && node !== null ? (node as Record<string, unknown>)[key] : undefined), object);
    return !(typeof value === "string" && FLUX_OPERATOR_EVENT_KINDS.includes(value));
  });
}
