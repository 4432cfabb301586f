import type { Blueprint, HelmReleaseSpec, ManifestAddonSpec } from "../blueprints/types.js";
import { defaults, type GitopsEngine } from "../defaults.js";
import { deriveValues } from "../params/derived.js";
import type { ClusterParams } from "../params/parse.js";
import { argoSyncWaves } from "./gitops.js";
import { repoUrlFacts, type RepoUrlFacts } from "./repo-url.js";
import { terraformPipelineFor, type TerraformPipeline } from "./terraform-pipeline.js";
import { terraformSetupRange } from "./terraform-version.js";

/** Everything a template may read. Every optional field is set explicitly, as Handlebars runs in strict mode. */
export interface RenderContext {
  tool: { name: string; version: string };
  blueprint: { id: string; version: string; title: string; description: string; provider: string };
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
  };
  /** State backend, CI credentials and GitHub Environment of the terraform workflow. */
  terraformPipeline: TerraformPipeline;
  /** Sync-wave annotations of the Argo CD objects (see argoSyncWaves). */
  argoSyncWaves: typeof argoSyncWaves;
  /** Helm releases whose `when` condition holds. */
  helmReleases: HelmReleaseSpec[];
  /** Add-ons rendered from the blueprint's own manifests whose `when` condition holds. */
  manifestAddons: ManifestAddonSpec[];
}

export interface ContextOptions {
  toolVersion: string;
}

function lookup(context: object, dotted: string): unknown {
  return dotted.split(".").reduce<any>((value, key) => (value == null ? undefined : value[key]), context);
}

/** `params.x.enabled` (truthy) or `params.gpuStack=gpu-operator` (string equality). */
function conditionHolds(context: object, condition: string): boolean {
  const eq = condition.indexOf("=");
  if (eq < 0) return Boolean(lookup(context, condition.trim()));
  return String(lookup(context, condition.slice(0, eq).trim())) === condition.slice(eq + 1).trim();
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
    params,
    derived: deriveValues(blueprint.derived, params),
    cluster: { name: params.clusterName },
    gitops: {
      engine,
      flux: engine === "flux",
      argo: engine === "argo",
      repoUrl,
      repoUrlSet: Boolean(params.repoUrl),
      repo: repoUrlFacts(repoUrl),
      branch: params.branch,
      clusterPath: `clusters/${params.clusterName}`,
      namespace: engine === "flux" ? defaults.fluxNamespace : defaults.argoNamespace,
      fluxVersion: defaults.fluxVersion,
      argoCdVersion: defaults.argoCdVersion,
    },
    argoSyncWaves,
    terraform: { requiredVersion: defaults.terraformRequiredVersion, setupRange: terraformSetupRange(defaults.terraformRequiredVersion) },
    terraformPipeline: terraformPipelineFor(blueprint.provider, params),
  };
  const helmReleases = (blueprint.helmReleases ?? []).filter((release) => !release.when || conditionHolds(base, release.when));
  const manifestAddons = (blueprint.manifestAddons ?? []).filter((addon) => !addon.when || conditionHolds(base, addon.when));
  return { ...base, helmReleases, manifestAddons };
}
