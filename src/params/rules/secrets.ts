/** Rules for the `secrets` parameter, which every blueprint has. */
import { defineRule } from "./types.js";

/**
 * SOPS-encrypted Secrets are decrypted by Flux's kustomize-controller (`decryption.provider: sops`). Argo CD has no
 * such step: its documentation advises against decrypting in a config management plugin, whose generated manifests
 * Argo CD caches in plain text, and recommends secret management in the cluster (External Secrets) instead.
 * Every blueprint runs it (see ALWAYS in index.ts).
 */
export const sopsNeedsFlux = defineRule({
  name: "sops-needs-flux",
  description: "secrets=sops needs gitops=flux: Argo CD does not decrypt SOPS files",
  check(params) {
    if (params.secrets !== "sops" || params.gitops === "flux") return undefined;
    return {
      errors: [
        "secrets: sops needs gitops=flux: Flux decrypts SOPS files as it applies them, Argo CD does not, and its documentation advises against decrypting in a plugin (Argo CD caches the generated manifests, secrets included, in plain text); keep secrets=external-secrets with Argo CD, or use gitops=flux",
      ],
    };
  },
});

/**
 * External Secrets reads the store created with the cluster, in the cluster's cloud: a blueprint names the stores its
 * cloud has (blueprint.yaml `- secret-store-of-cloud: {kinds: [...]}`), each a pack of templates/packs/<kind>/.
 */
export const secretStoreOfCloud = defineRule<{ kinds: string[] }>({
  name: "secret-store-of-cloud",
  description: "secretStore.kind is a secret manager of the blueprint's cloud",
  options: {
    type: "object",
    additionalProperties: false,
    required: ["kinds"],
    properties: { kinds: { type: "array", minItems: 1, items: { type: "string" } } },
  },
  check(params, { kinds }) {
    const kind = (params.secretStore as { kind?: string } | undefined)?.kind;
    if (kind === undefined || kinds.includes(kind)) return undefined;
    return {
      errors: [
        `secretStore.kind: ${kind} is not a secret manager of this blueprint's cloud, which has ${kinds.join(", ")}: External Secrets reads the store Terraform creates with the cluster, in the cluster's own cloud; set secretStore.kind=${kinds[0]} (or leave it out)`,
      ],
    };
  },
});

export const secretsRules = [sopsNeedsFlux, secretStoreOfCloud];
