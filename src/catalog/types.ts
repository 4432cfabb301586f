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

/**
 * CRDs the cluster fetches from a project's Git repository at a tag, where the project publishes no chart (Gateway
 * API): a Flux GitRepository + Kustomization (or an Argo CD Application) reconciled before every add-on, so that
 * charts and custom resources that use them find them. The tool downloads nothing: the cluster does.
 */
export interface CrdSource {
  /** Name of the GitRepository/Kustomization (Application): a DNS-1123 label. */
  name: string;
  /** https:// URL of the Git repository. */
  url: string;
  /** Exact tag, for Renovate to bump. */
  tag: string;
  /** Folder of the repository holding the CRDs (a kustomization, or plain YAML files). */
  path: string;
}

/** addons/<name>/addon.yaml. */
export interface AddonManifest {
  /** One line, for `create-cluster-repo addons`. */
  description: string;
  /** `infrastructure` add-ons are reconciled before `apps`. */
  layer: "infrastructure" | "apps";
  /** Where its pods run; absent only for an add-on made of CRD sources alone (nothing runs). */
  namespace: string;
  /** The least Pod Security Admission level its pods need, and why (written above the namespace); absent = restricted. */
  podSecurity?: { level: PodSecurityLevel; reason: string };
  /** Absent for an add-on made of manifests only (manifests/). */
  chart?: ChartSource;
  /** The CRDs it installs, as `<group>/<Kind>`: add-ons that use them name it in `dependsOn`. */
  crds?: string[];
  /** CRDs fetched by the cluster from Git (see CrdSource), before every chart. */
  crdSources?: CrdSource[];
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
   * Argo CD's own ConfigMaps it writes (with Argo CD: `argocd-notifications-cm`): the Application that keeps Argo CD's
   * release manifests leaves them out, as it leaves argocd-cm, so that two Applications never fight over one object.
   */
  argocdConfigMaps?: string[];
  /**
   * Top-level keys of its values that its own templates read (configs/, manifests/: a queue's quota) and the chart
   * does not know: kept out of the chart's values, still checked by values.schema.json.
   */
  ownValues?: string[];
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
  /**
   * Parameters of the add-on itself rather than of its chart (addons/<name>/settings.schema.json): an e-mail address
   * for an ACME account, a host name. `addons.<name>.settings`; the schema's required ones are required when enabled.
   */
  settingsSchema?: Record<string, unknown>;
  /** The catalog's layer of values, a template rendering YAML (addons/<name>/values.yaml.hbs), if any. */
  valuesTemplate?: { path: string; source: string };
  /**
   * What the render's README says about it (addons/<name>/day1.md.hbs, if any): a step to take before the GitOps
   * engine starts (a Secret the repository never holds), how to reach it. Shown in Day 1, before the bootstrap.
   */
  day1Template?: { path: string; source: string };
  /** addons/<name>/README.md.hbs: what it does, how to use it, what to change; rendered to docs/addons/<name>.md. */
  readme?: { path: string; source: string };
  /** manifests/*.hbs (rendered under <layer>/<name>/) and configs/*.hbs (under infrastructure-configs/<name>/). */
  manifests: Map<string, string>;
  configs: Map<string, string>;
  /**
   * secret-store/*.hbs: what makes the Secrets other add-ons declare (External Secrets: its ClusterSecretStore and their
   * ExternalSecrets), rendered under infrastructure-secrets/<name>/ where an enabled add-on reads one, and applied
   * between the add-ons it needs and the add-ons that read them (src/catalog/secret-order.ts).
   */
  secretStore?: Map<string, string>;
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
  /** The blueprint's layer of the add-on's settings (settings.schema.json), under the cluster's: cloud facts such as
   * the annotations of the load balancer a Service of type LoadBalancer gets on this cloud. */
  settings?: Record<string, unknown>;
}
