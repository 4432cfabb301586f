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

export const secretsRules = [sopsNeedsFlux];
