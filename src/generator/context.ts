import type { Blueprint, HelmReleaseSpec, ManifestAddonSpec, NodePlacement } from "../blueprints/types.js";
import { defaults, type GitopsEngine } from "../defaults.js";
import { forges, type ForgeKind } from "../forge/registry.js";
import { deriveValues } from "../params/derived.js";
import type { ClusterParams } from "../params/parse.js";
import { conditionHolds, resolveData } from "./conditions.js";
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
  /** Sync-wave annotations of the Argo CD objects (see argoSyncWaves). */
  argoSyncWaves: typeof argoSyncWaves;
  /** The blueprint's packs whose condition holds, by name (rendered from templates/packs/<name>/). */
  packs: string[];
  /** Where pods of each kind of node may run on this cloud (blueprint.yaml `nodes`), for the gpuNodePlacement partial. */
  nodes: { gpu: NodesContext };
  /** Helm releases whose `when` condition holds. */
  helmReleases: HelmReleaseSpec[];
  /** Add-ons rendered from the blueprint's own manifests whose `when` condition holds. */
  manifestAddons: ManifestAddonSpec[];
}

export interface ContextOptions {
  toolVersion: string;
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
    argoSyncWaves,
    terraform: { requiredVersion: defaults.terraformRequiredVersion, setupRange: terraformSetupRange(defaults.terraformRequiredVersion), image: defaults.terraformImage },
    forge: forgeFacts(params.forge, params.terraformRunsOn, repoUrlFacts(repoUrl, params.forge)),
    terraformPipeline: terraformPipelineFor(blueprint.provider, params),
  };
  const helmReleases = (blueprint.helmReleases ?? []).filter((release) => !release.when || conditionHolds(base, release.when));
  const manifestAddons = (blueprint.manifestAddons ?? []).filter((addon) => !addon.when || conditionHolds(base, addon.when));
  const packs = blueprint.packs.filter((pack) => !pack.when || conditionHolds(base, pack.when)).map((pack) => pack.name);
  return { ...base, packs, nodes: { gpu: nodesContext(blueprint.nodes?.gpu, base) }, helmReleases, manifestAddons };
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
