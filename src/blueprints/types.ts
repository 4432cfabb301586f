import type { OfferedAddon } from "../catalog/select.js";
import type { BlueprintAddon, Catalog } from "../catalog/types.js";
import type { DerivedSpec } from "../params/derived.js";
import type { Rule, RuleEntry } from "../params/rules/index.js";

/** A pack of manifests (templates/packs/<name>/) a blueprint renders, when its condition holds. */
export interface PackEntry {
  name: string;
  /** A truthy context path (`derived.hasGpuNodeGroup`) or `path=value`; absent = always. */
  when?: string;
}

/**
 * Where pods of one kind of node may run on this cloud, for the packs' pod templates (the gpuNodePlacement partial):
 * the labels its node pool sets in Terraform, never one an operator adds later (so a pool at zero scales up), and the
 * taints to tolerate. List items may carry a `when` condition and values may be `{ from: <context path> }`.
 */
export interface NodePlacement {
  /** Why these labels, written as a comment above them. */
  why: string;
  nodeSelector?: Record<string, string>;
  /** Node affinity (required, one term): `{ key, operator, values }` expressions. */
  matchExpressions?: Array<Record<string, unknown>>;
  tolerations?: Array<Record<string, unknown>>;
  /** Why these tolerations, written as a comment above them. */
  tolerationsWhy?: string;
  /** Where the Terraform sets the labels of `nodeSelector` (a path into the parsed terraform/main.tf), for the tests. */
  terraformLabels?: string;
  /** Where the Terraform names the node pools whose names `matchExpressions` values are, for the tests. */
  terraformPools?: string;
}

/**
 * What keeps the cluster closed by default, as paths into the parsed terraform/main.tf (a path maps over lists):
 * test/secure-defaults.test.ts checks every render of the blueprint against it, so that a new cloud states its
 * guarantees as data instead of a branch in the test. Items may carry `when`, values `{ from: <context path> }`.
 */
export interface SecureDefaults {
  /** Where the ranges that may reach the API server are: they equal `apiAllowedCidrs` (or `whenEmpty` while it is empty). */
  apiAllowedCidrs: ApiCidrsPlace | ApiCidrsPlace[];
  /** Other values the Terraform must hold. */
  terraform?: Array<{ when?: string; path: string; equals: unknown }>;
  /** `<resource type>.<argument path>` the provider's table must know (and may be set). */
  arguments?: string[];
  /** A pattern no output's value may match (e.g. a kubeconfig on a cloud whose sign-in needs none). */
  outputsNotMatching?: string;
}

export interface ApiCidrsPlace {
  when?: string;
  path: string;
  /** The ranges are one string with this separator (a Magnum label). */
  separator?: string;
  /** What the place holds while apiAllowedCidrs is empty; absent: nothing. */
  whenEmpty?: string[];
}

/** The blueprint.yaml data. Templates are not listed: they are found by convention (see load.ts). */
export interface BlueprintManifest {
  id: string;
  version: string;
  title: string;
  description: string;
  /** Cloud/provider shown in `blueprints` listings. */
  provider: string;
  /** The cloud module: templates/clouds/<cloud>/ (its Terraform, README partials and manifests of its own). */
  cloud: string;
  /** Shared packs of manifests, by name or with a condition, rendered after the cloud module. */
  packs?: Array<string | PackEntry>;
  /** Where the packs' pods of each kind of node may run (`gpu`), read by templates as `nodes.<kind>`. */
  nodes?: { gpu?: NodePlacement };
  /** What keeps the cluster closed by default, for the tests (see SecureDefaults). */
  secureDefaults?: SecureDefaults;
  /** Cross-field rules from the rule library (src/params/rules/index.ts), by name, with options where they take some. */
  rules?: RuleEntry[];
  /** Values templates read as `derived.<name>` (src/params/derived.ts). */
  derived?: Record<string, DerivedSpec>;
  /**
   * What the cluster has, for the add-on catalog (each `true` or a condition on the parameters): `gpu`,
   * `platform-gpu-operator`, `managed-control-plane`, `cni-without-network-policies`... (see docs/ADDON-GUIDE.md).
   */
  capabilities?: Record<string, boolean | string | string[]>;
  /** Add-ons of the catalog this blueprint binds to its own parameters, or gives values of its own. */
  addons?: Record<string, BlueprintAddon>;
  /**
   * Defaults that depend on the forge the repository is on (`forge` parameter -> parameter -> value), for the
   * parameters nobody gave: e.g. GitLab's own Terraform state where the cloud has no better native one.
   */
  forgeDefaults?: Record<string, Record<string, unknown>>;
}

/** A loaded blueprint: manifest, merged parameters schema, bound rules and the template sources it uses. */
export interface Blueprint extends Omit<BlueprintManifest, "packs"> {
  /** The packs, each with its condition (if any). */
  packs: PackEntry[];
  dir: string;
  paramsSchema: Record<string, unknown>;
  /** The manifest's rules bound to their options, `no-credentials` first. */
  boundRules: Rule[];
  derived: Record<string, DerivedSpec>;
  /** Template sets (folders under templates/) rendered, in order, into one tree; the GitOps set comes last. */
  templateSets: string[];
  /** Template set name -> (relative path inside the set -> source). Read once at load time. */
  templateSources: Map<string, Map<string, string>>;
  /** The add-on catalog, and the add-ons this blueprint offers (bound to its parameters, or as switches). */
  catalog: Catalog;
  offeredAddons: Map<string, OfferedAddon>;
}

export interface BlueprintSummary {
  id: string;
  version: string;
  title: string;
  description: string;
  provider: string;
}
