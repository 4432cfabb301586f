import type { Blueprint, NodePlacement } from "../blueprints/types.js";
import { dependencyDepth, dependencyOrder } from "../catalog/load.js";
import { secretOrderOf, type SecretOrder } from "../catalog/secret-order.js";
import { selectAddons } from "../catalog/select.js";
import type { Addon, ChartSource, CrdSource } from "../catalog/types.js";
import { defaults, type GitopsEngine } from "../defaults.js";
import { forges, type ForgeKind } from "../forge/registry.js";
import { deriveValues } from "../params/derived.js";
import type { ClusterParams } from "../params/parse.js";
import { deepMerge } from "../params/merge.js";
import { conditionHolds, resolveData } from "./conditions.js";
import { argoSyncWavesFor, type ArgoSyncWaves } from "./gitops.js";
import { repoUrlFacts, type RepoUrlFacts } from "./repo-url.js";
import type { FleetCi } from "./fleet-ci.js";
import { terraformPipelineFor, type TerraformPipeline } from "./terraform-pipeline.js";
import { terraformSetupRange } from "./terraform-version.js";

/** Everything a template may read. Every optional field is set explicitly, as Handlebars runs in strict mode. */
export interface RenderContext {
  tool: { name: string; version: string };
  blueprint: { id: string; version: string; title: string; description: string; provider: string };
  /** The add-on catalog's version, recorded in the answers file. */
  catalog: { version: string };
  params: ClusterParams;
  /** The blueprint's derived values (blueprint.yaml `derived`), by name. */
  derived: Record<string, unknown>;
  cluster: { name: string };
  gitops: {
    engine: GitopsEngine;
    flux: boolean;
    argo: boolean;
    /** The `repoUrl` parameter, or while it is unset a placeholder that never resolves (see defaults.unsetRepoUrl). */
    repoUrl: string;
    /** False while `repoUrl` is unset: the README and the CLI say how to set it, `validate` and `check` fail. */
    repoUrlSet: boolean;
    /** Host, path, transport and GitHub owner/repository of `repoUrl`, for the publish and bootstrap steps. */
    repo: RepoUrlFacts;
    branch: string;
    /** Folder of the engine's own objects for this cluster, e.g. clusters/prod. */
    clusterPath: string;
    namespace: string;
    /** Pinned releases the README installs. */
    fluxVersion: string;
    argoCdVersion: string;
  };
  terraform: {
    /** `required_version` of versions.tf. */
    requiredVersion: string;
    /** The same range as hashicorp/setup-terraform's `terraform_version` takes it. */
    setupRange: string;
    /** The image of GitLab CI's Terraform jobs (one exact release in that range). */
    image: string;
  };
  /** Where the repository is hosted, which decides its CI (templates/forge/<kind>/) and the README's commands. */
  forge: {
    kind: ForgeKind;
    label: string;
    github: boolean;
    gitlab: boolean;
    /** "pull request" or "merge request". */
    changeRequest: string;
    /** The same at the start of a sentence. */
    changeRequestTitle: string;
    /** The README section that lists the CI's credentials. */
    credentialsSection: string;
    /** Where the CI's scripts are, e.g. `.gitlab/scripts`. */
    scriptsDir: string;
    /** A repoUrl on this forge, for the README's "set repoUrl" hint. */
    repoUrlExample: string;
    /** The forge's CLI, as the README's list of tools names it. */
    cliNeeded: string;
    /**
     * GitLab runner tags of the Terraform jobs, from `terraformRunsOn`: none for the default (the instance's
     * shared runners), else its labels without `self-hosted` (GitHub's mark of a runner of one's own).
     */
    runnerTags: string[];
    /** `--gitlab-url https://<host>` for a repository on a GitLab other than gitlab.com (`update --pr` needs it), else "". */
    urlFlag: string;
  };
  /** State backend, CI credentials and GitHub Environment of the terraform workflow. */
  terraformPipeline: TerraformPipeline;
  /** Sync-wave annotations of the Argo CD objects (see argoSyncWavesFor). */
  argoSyncWaves: ArgoSyncWaves;
  /** The blueprint's packs whose condition holds, by name (rendered from templates/packs/<name>/). */
  packs: string[];
  /** Where pods of each kind of node may run on this cloud (blueprint.yaml `nodes`), for the gpuNodePlacement partial. */
  nodes: { gpu: NodesContext };
  /** Every add-on of the catalog by name, enabled or not: templates test `addons.<name>.enabled`; `version`: its chart's ("" for manifests); `namespace`, `settings`. */
  addons: Record<string, { enabled: boolean; version: string; namespace: string; settings: Record<string, unknown> }>;
  /**
   * The enabled add-ons' names, sorted: a shared template tests one with `(includes enabledAddons "<name>")`, which
   * holds nothing for an add-on a catalog lacks (a test's fixture catalog), where `addons.<name>` is missing.
   */
  enabledAddons: string[];
  /** The capabilities this render has (the blueprint's, and each enabled add-on's name), true or false by name. */
  capabilities: Record<string, boolean>;
  /** The enabled add-ons, dependencies first, as src/catalog/render.ts writes them. */
  addonList: ResolvedAddon[];
  /** The charts of the enabled add-ons (the Argo CD project allows their repositories). */
  addonCharts: ChartSource[];
  /** CRDs the cluster fetches from Git for the enabled add-ons (the Argo CD project allows their repositories). */
  addonCrdSources: CrdSource[];
  /** Some enabled add-on configures custom resources (infrastructure-configs/, applied once the CRDs exist). */
  addonConfigs: boolean;
  /** Argo CD's own ConfigMaps an enabled add-on writes: the argocd Application leaves them out. */
  argocdConfigMaps: string[];
  /**
   * The CRDs the enabled add-ons install (`<group>/<Kind>`, addon.yaml `crds`): a template writes a custom resource
   * of an add-on that may be off only where its CRD is there, `{{#if (includes crds "monitoring.coreos.com/ServiceMonitor")}}`.
   */
  crds: string[];
  /**
   * Where this cluster's own folders are in the repository: "" for a repository's first cluster (terraform/,
   * infrastructure/, apps/ at the top), `fleet/<name>/` for a cluster added to a fleet (docs/FLEETS.md).
   */
  layout: { root: string; environment?: string };
  /**
   * Where the add-ons that read a declared Secret wait for it (src/catalog/secret-order.ts); null where none does, and
   * the render is laid out as before.
   */
  secretOrder: SecretOrder | null;
  /**
   * The fleet's clusters, for the repository-wide files (CI), which the first cluster's render owns; null in a
   * repository of one cluster (no fleet.yaml), whose files render as they always did.
   */
  fleet: FleetCi | null;
  /** The Secrets the enabled add-ons declare (addon.yaml `secrets`), each with its namespace: an ExternalSecret each. */
  addonSecrets: Array<{ addon: string; name: string; namespace: string; keys: string[] }>;
}

/** An enabled add-on as the render writes it. */
export interface ResolvedAddon extends Omit<Addon, "dependsOn"> {
  /** The enabled add-ons it depends on. */
  dependsOn: string[];
  /** Argo CD sync wave of its Application: after those of the add-ons it depends on. */
  wave: string;
  /** The blueprint's layer of values, its references resolved. */
  blueprintValues: Record<string, unknown>;
  /** The answers file's `addons.<name>.values`. */
  clusterValues: Record<string, unknown>;
  /** The answers file's `addons.<name>.settings` (settings.schema.json), {} when the add-on has none. */
  settings: Record<string, unknown>;
}

export interface ContextOptions {
  toolVersion: string;
  /** The cluster's folder in a fleet (see RenderContext.layout). @default "" */
  root?: string;
  /** The cluster's environment in a fleet (fleet.yaml): a Flux cluster's add-ons take their chart versions from its overlay. */
  environment?: string;
  /** The fleet's clusters (see RenderContext.fleet). @default null */
  fleet?: FleetCi | null;
}

/** A kind of node as templates read it (`nodes.gpu`): every field set, as Handlebars runs in strict mode. */
export interface NodesContext {
  why: string;
  nodeSelector: Record<string, string> | null;
  matchExpressions: Array<Record<string, unknown>>;
  tolerations: Array<Record<string, unknown>>;
  tolerationsWhy: string;
}

/** blueprint.yaml's `nodes.<kind>` with its conditions and references resolved against the context. */
function nodesContext(placement: NodePlacement | undefined, context: object): NodesContext {
  const resolved = (placement ? resolveData(placement, context) : {}) as Partial<NodePlacement>;
  // terraformLabels/terraformPools describe the Terraform for the tests; templates do not read them.
  return {
    why: resolved.why ?? "",
    nodeSelector: resolved.nodeSelector ?? null,
    matchExpressions: resolved.matchExpressions ?? [],
    tolerations: resolved.tolerations ?? [],
    tolerationsWhy: resolved.tolerationsWhy ?? "",
  };
}

/** Pure: validated parameters + blueprint -> the data templates see. */
export function buildRenderContext(params: ClusterParams, blueprint: Blueprint, options: ContextOptions): RenderContext {
  const engine = params.gitops;
  const repoUrl = params.repoUrl || defaults.unsetRepoUrl(params.clusterName);
  const base = {
    tool: { name: defaults.toolName, version: options.toolVersion },
    blueprint: {
      id: blueprint.id,
      version: blueprint.version,
      title: blueprint.title,
      description: blueprint.description,
      provider: blueprint.provider,
    },
    catalog: { version: blueprint.catalog.version },
    params,
    derived: deriveValues(blueprint.derived, params),
    cluster: { name: params.clusterName },
    gitops: {
      engine,
      flux: engine === "flux",
      argo: engine === "argo",
      repoUrl,
      repoUrlSet: Boolean(params.repoUrl),
      repo: repoUrlFacts(repoUrl, params.forge),
      branch: params.branch,
      clusterPath: `clusters/${params.clusterName}`,
      namespace: engine === "flux" ? defaults.fluxNamespace : defaults.argoNamespace,
      fluxVersion: defaults.fluxVersion,
      argoCdVersion: defaults.argoCdVersion,
    },
    terraform: { requiredVersion: defaults.terraformRequiredVersion, setupRange: terraformSetupRange(defaults.terraformRequiredVersion), image: defaults.terraformImage },
    forge: forgeFacts(params.forge, params.terraformRunsOn, repoUrlFacts(repoUrl, params.forge)),
    terraformPipeline: terraformPipelineFor(blueprint.provider, params),
    layout: { root: options.root ?? "", ...(options.environment ? { environment: options.environment } : {}) },
    fleet: options.fleet ?? null,
  };
  const packs = blueprint.packs.filter((pack) => !pack.when || conditionHolds(base, pack.when)).map((pack) => pack.name);
  const addons = addonsContext(blueprint, base);
  return { ...base, packs, nodes: { gpu: nodesContext(blueprint.nodes?.gpu, base) }, ...addons };
}

/** The add-ons of this render: which are enabled, with what, in which order and Argo CD wave. */
function addonsContext(blueprint: Blueprint, base: { params: ClusterParams; derived: Record<string, unknown> }) {
  const selection = selectAddons(blueprint.offeredAddons, blueprint, { params: base.params, derived: base.derived });
  const enabled = new Map([...selection.enabled].map((name) => [name, blueprint.catalog.addons.get(name)!]));
  const secretOrder = secretOrderOf(dependencyOrder([...enabled.values()]), { sops: base.params.secrets === "sops", flux: base.params.gitops === "flux" });
  // Readers of Secrets get waves of their own after the Secrets' (src/catalog/secret-order.ts): depths count within each group.
  const readers = new Set(secretOrder?.readers ?? []);
  const groupOf = (name: string) => new Map([...enabled].filter(([other]) => readers.has(other) === readers.has(name)));
  const depths = new Map([...enabled.values()].map((addon) => [addon.name, dependencyDepth(addon, groupOf(addon.name))]));
  const maxDepth = (reading: boolean) => Math.max(0, ...[...depths].filter(([name]) => readers.has(name) === reading).map(([, depth]) => depth));
  const addonCrdSources = dependencyOrder([...enabled.values()]).flatMap((addon) => addon.crdSources ?? []);
  const argoSyncWaves = argoSyncWavesFor(maxDepth(false), addonCrdSources.length > 0, secretOrder ? maxDepth(true) : undefined);
  const given = (base.params.addons ?? {}) as Record<string, { values?: Record<string, unknown>; settings?: Record<string, unknown> }>;
  const addonList: ResolvedAddon[] = dependencyOrder([...enabled.values()]).map((addon) => ({
    ...addon,
    dependsOn: (addon.dependsOn ?? []).filter((name) => enabled.has(name)),
    wave: String((readers.has(addon.name) ? Number(argoSyncWaves.secrets) + 1 : Number(argoSyncWaves.helmInfrastructure)) + depths.get(addon.name)!),
    blueprintValues: resolveData(blueprint.offeredAddons.get(addon.name)!.values, base) as Record<string, unknown>,
    clusterValues: given[addon.name]?.values ?? {},
    settings: deepMerge(resolveData(blueprint.offeredAddons.get(addon.name)!.settings, base) as Record<string, unknown>, given[addon.name]?.settings ?? {}),
  }));
  const declared = [...Object.keys(blueprint.capabilities ?? {}), ...blueprint.catalog.addons.keys()];
  return {
    argoSyncWaves,
    secretOrder,
    addons: Object.fromEntries([...blueprint.catalog.addons.values()].map((addon) => [addon.name, { enabled: enabled.has(addon.name), version: addon.chart?.version ?? "", namespace: addon.namespace ?? "", settings: addonList.find((one) => one.name === addon.name)?.settings ?? {} }])),
    capabilities: Object.fromEntries(declared.sort().map((name) => [name, selection.capabilities.has(name)])),
    addonList,
    enabledAddons: [...enabled.keys()].sort(),
    addonCharts: addonList.flatMap((addon) => (addon.chart ? [addon.chart] : [])),
    addonCrdSources,
    addonConfigs: addonList.some((addon) => addon.configs.size > 0),
    argocdConfigMaps: [...new Set(addonList.flatMap((addon) => addon.argocdConfigMaps ?? []))].sort(),
    crds: [...new Set(addonList.flatMap((addon) => addon.crds ?? []))].sort(),
    addonSecrets: addonList.flatMap((addon) => (addon.secrets ?? []).map((secret) => ({ addon: addon.name, name: secret.name, namespace: secret.namespace ?? addon.namespace, keys: secret.keys }))),
  };
}

/** README wording per forge: an example repoUrl, and the CLI its commands use. */
const FORGE_README: Record<ForgeKind, { repoUrlExample: string; cliNeeded: string; credentialsSection: string }> = {
  github: {
    repoUrlExample: "https://github.com/<owner>/<repository>.git",
    cliNeeded: "the [GitHub CLI](https://cli.github.com/) `gh` where this repository lives on GitHub",
    credentialsSection: "Credentials of the terraform workflow",
  },
  gitlab: {
    repoUrlExample: "https://gitlab.com/<group>/<project>.git",
    cliNeeded: "the [GitLab CLI](https://gitlab.com/gitlab-org/cli) `glab` (logged in to your GitLab: `glab auth login`)",
    credentialsSection: "Credentials of the terraform pipeline",
  },
};

function forgeFacts(kind: ForgeKind, runsOn: unknown, repo: RepoUrlFacts): RenderContext["forge"] {
  const definition = forges[kind];
  const labels = Array.isArray(runsOn) ? runsOn.map(String) : [];
  const runnerTags = labels.length === 1 && labels[0] === "ubuntu-latest" ? [] : labels.filter((label) => label !== "self-hosted");
  // An https repoUrl names the instance; over ssh the web host is assumed to be the same host name.
  const urlFlag = repo.gitlab && !repo.gitlab.onGitlabCom ? `--gitlab-url https://${repo.transport === "ssh" ? repo.gitlab.hostname : repo.host}` : "";
  return { kind, label: definition.label, github: kind === "github", gitlab: kind === "gitlab", changeRequest: definition.changeRequest, changeRequestTitle: `${definition.changeRequest[0]!.toUpperCase()}${definition.changeRequest.slice(1)}`, scriptsDir: definition.ciScriptsDir, ...FORGE_README[kind], runnerTags, urlFlag };
}
