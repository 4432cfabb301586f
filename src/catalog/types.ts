/**
 * The add-on catalog: `addons/<name>/` folders found by presence, each an add-on as data (see docs/ADDON-GUIDE.md).
 * One entry renders for both engines: a Flux HelmRepository/OCIRepository + HelmRelease, or an Argo CD Application
 * with a Helm source, plus the add-on's own manifests (manifests/) and the custom resources it configures once its
 * CRDs exist (configs/).
 */

export type PodSecurityLevel = "privileged" | "baseline" | "restricted";

/** A Helm chart: an HTTPS repository (`https://...`) or an OCI one (`oci://...`), at one exact version. */
export interface ChartSource {
  repository: { name: string; url: string };
  name: string;
  /** Exact, pinned: Renovate proposes the next one (see the render's renovate.json). */
  version: string;
}

/** addons/<name>/addon.yaml. */
export interface AddonManifest {
  /** One line, for `create-cluster-repo addons`. */
  description: string;
  /** `infrastructure` add-ons are reconciled before `apps`. */
  layer: "infrastructure" | "apps";
  namespace: string;
  /** The least Pod Security Admission level its pods need, and why (written above the namespace); absent = restricted. */
  podSecurity?: { level: PodSecurityLevel; reason: string };
  /** Absent for an add-on made of manifests only (manifests/). */
  chart?: ChartSource;
  /** The CRDs it installs, as `<group>/<Kind>`: add-ons that use them name it in `dependsOn`. */
  crds?: string[];
  /** Its CRDs are larger than client-side apply's 256 KiB annotation: Argo CD applies it server-side. */
  largeCrds?: boolean;
  /** Add-ons whose CRDs it (or its configs) use: reconciled first (Flux dependsOn, Argo CD sync waves). */
  dependsOn?: string[];
  /** Capabilities the cluster must have (blueprint.yaml `capabilities`, or an enabled add-on's name). */
  requires?: string[];
  /** Capabilities it must not run beside (another add-on doing the same job, or the platform's own). */
  excludes?: string[];
  /**
   * Enabled by default where one of these holds, each a list of capabilities that must all hold
   * (`[[gpu, engine=flux]]`); absent or `false`: off unless asked for; `true`: on wherever it may run.
   */
  enabledByDefault?: boolean | string[][];
  /** Images its manifests or values pin, for Renovate and `addons show`. */
  images?: string[];
  /**
   * The Secrets its pods read, whose values live in the cloud's secret manager: with External Secrets the render
   * writes an ExternalSecret for each (infrastructure-configs/external-secrets/), `keys` read from the store.
   */
  secrets?: AddonSecret[];
}

/** A Secret an add-on needs (addon.yaml `secrets`): its name, its keys, its namespace (the add-on's by default). */
export interface AddonSecret {
  name: string;
  keys: string[];
  namespace?: string;
}

/** A loaded add-on: its manifest and files. */
export interface Addon extends AddonManifest {
  name: string;
  /** addons/<name>/ relative to the package root, for messages. */
  dir: string;
  /** What users may set in `addons.<name>.values` (addons/<name>/values.schema.json). */
  valuesSchema: Record<string, unknown>;
  /** The catalog's layer of values, a template rendering YAML (addons/<name>/values.yaml.hbs), if any. */
  valuesTemplate?: { path: string; source: string };
  /** manifests/*.hbs (rendered under <layer>/<name>/) and configs/*.hbs (under infrastructure-configs/<name>/). */
  manifests: Map<string, string>;
  configs: Map<string, string>;
}

/** addons/catalog.yaml plus every add-on, by name (sorted). */
export interface Catalog {
  version: string;
  addons: Map<string, Addon>;
}

/** How a blueprint uses an add-on (blueprint.yaml `addons.<name>`). */
export interface BlueprintAddon {
  /**
   * The blueprint's own parameter decides (`params.gpuStack=gpu-operator`): the add-on has no `enabled` switch in
   * this blueprint's answers. Absent: `addons.<name>.enabled`, defaulting from the catalog's enabledByDefault.
   */
  when?: string | string[];
  /** The blueprint's layer of values, over the catalog's; `{ from: <context path> }` reads a parameter. */
  values?: Record<string, unknown>;
}
