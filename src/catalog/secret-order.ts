/**
 * When an add-on that reads a Secret (addon.yaml `secrets`: Grafana's admin login) may start: only once the Secret
 * exists, and the Secret only once what makes it runs. On a new cluster, in both engines:
 *
 * 1. the infrastructure layer: every add-on's namespace, and the charts of the add-ons that read no declared Secret
 *    (External Secrets among them, with its CRDs);
 * 2. the Secrets: the store add-on's secret-store/ under `infrastructure-secrets/` (External Secrets: the
 *    ClusterSecretStore and an ExternalSecret per declared Secret), or, with secrets=sops, Flux's `secrets`
 *    Kustomization, which decrypts what the user committed under team/secrets/; ready only when every declared Secret
 *    exists (ExternalSecrets Ready, or health checks of the Secrets);
 * 3. the readers' charts (and of the add-ons that depend on them): Flux applies their HelmReleases from
 *    `infrastructure-after-secrets/`, a Kustomization that depends on step 2; Argo CD syncs their Applications in
 *    waves after step 2's;
 * 4. the add-ons' configs (their CRDs installed), then the apps, as before.
 *
 * Installing a reader before its Secret would leave its pods waiting: Flux's HelmRelease install times out and
 * Argo CD's sync goes Degraded. A render where no enabled add-on reads a Secret is laid out as before.
 */
import type { Addon } from "./types.js";

/** The store add-on's secret-store/ files (step 2 with External Secrets). */
export const SECRETS_ROOT = "infrastructure-secrets";
/** Flux: the HelmReleases of step 3. */
export const AFTER_SECRETS_ROOT = "infrastructure-after-secrets";

export interface SecretOrder {
  /** Enabled add-ons whose chart starts after the Secrets: those that declare one, and those that depend on them. */
  readers: string[];
  /** The enabled add-on whose secret-store/ makes the Secrets (External Secrets); null: Flux decrypts them (sops). */
  store: string | null;
  /** The Flux Kustomization of step 2, whose readiness means every declared Secret exists. */
  fluxSecretsKustomization: string;
  /** The declared Secrets, by namespace and name (Flux health checks them where nothing else waits for them). */
  secrets: Array<{ name: string; namespace: string }>;
}

/**
 * The order of a render whose enabled add-ons (dependencies first) declare Secrets, or null where none does or nothing
 * can make them (secrets=sops with Argo CD is refused before this).
 */
export function secretOrderOf(addons: Addon[], options: { sops: boolean; flux: boolean }): SecretOrder | null {
  const declared = addons.flatMap((addon) => (addon.secrets ?? []).map((secret) => ({ name: secret.name, namespace: secret.namespace ?? addon.namespace })));
  if (declared.length === 0) return null;
  const store = addons.find((addon) => (addon.secretStore?.size ?? 0) > 0)?.name ?? null;
  if (store === null && !(options.sops && options.flux)) return null;
  // Dependencies come first, so one pass finds every add-on that depends, directly or not, on a reader.
  const readers = new Set<string>();
  for (const addon of addons) {
    if ((addon.secrets?.length ?? 0) > 0 || (addon.dependsOn ?? []).some((name) => readers.has(name))) readers.add(addon.name);
  }
  return { readers: [...readers], store, fluxSecretsKustomization: store === null ? "secrets" : SECRETS_ROOT, secrets: declared };
}
