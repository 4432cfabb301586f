/** A Helm chart the blueprint installs; rendered as Flux HelmRepository/OCIRepository + HelmRelease or an Argo CD Application. */
export interface HelmReleaseSpec {
  /** Release name, DNS-1123. */
  name: string;
  namespace: string;
  /** `infrastructure` releases are reconciled before `apps`. */
  layer: "infrastructure" | "apps";
  repository: { name: string; url: string; type?: "default" | "oci" };
  chart: string;
  version: string;
  /** Path of a Handlebars template (relative to templates/) rendering the chart values as YAML. */
  values?: string;
  /** `params.x.enabled` (a truthy context path) or `params.gpuStack=gpu-operator` (equality); absent = always. */
  when?: string;
  /**
   * Pod Security Admission level of the release's namespace. Absent = restricted, as for every workload namespace;
   * drivers and operators that truly need more name the least level they need and say why.
   */
  podSecurity?: { level: "privileged" | "baseline" | "restricted"; reason: string };
}

/** The blueprint.yaml data. */
export interface BlueprintManifest {
  id: string;
  version: string;
  title: string;
  description: string;
  /** Template sets (folders under templates/) rendered, in order, into one tree. */
  templates: string[];
  helmReleases?: HelmReleaseSpec[];
  /** Cloud/provider shown in `blueprints` listings. */
  provider: string;
}

/** A loaded blueprint: manifest, merged parameters schema and the template sources it uses. */
export interface Blueprint extends BlueprintManifest {
  dir: string;
  paramsSchema: Record<string, unknown>;
  /** Template set name -> (relative path inside the set -> source). Read once at load time. */
  templateSources: Map<string, Map<string, string>>;
  /** Extra templates referenced by helm release `values`, keyed by path relative to templates/. */
  valuesTemplates: Map<string, string>;
}

export interface BlueprintSummary {
  id: string;
  version: string;
  title: string;
  description: string;
  provider: string;
}
