/**
 * What the repository-wide CI of a fleet needs to know about its clusters (docs/FLEETS.md, "CI of a fleet"): each
 * cluster's Terraform root and the GitHub environments holding its identities, grouped by the shape of their
 * credentials. A job's `env` lists variable names at render time, so clusters whose clouds read different variables
 * (a Kapsule staging, an AKS production) get a job of their own, each a matrix over its clusters. Pure: the answers
 * of every cluster in, data out; the first cluster's render puts it into the workflows (context `fleet`).
 */
import type { ClusterParams } from "../params/parse.js";
import { terraformPipelineFor, type CiCredential, type GitLabEnv, type TerraformPipeline } from "./terraform-pipeline.js";

/** One cluster of the fleet, as the render of the repository-wide files needs it. */
export interface FleetMemberInput {
  name: string;
  /** "" for the first cluster, `fleet/<name>/` for one added later. */
  root: string;
  /** The blueprint's cloud (`provider` of blueprint.yaml). */
  provider: string;
  /** Its recorded parameters: the state key and backend follow from them. */
  params: Record<string, unknown>;
  /** Its GitOps engine: a fleet with a Flux cluster has the add-ons' shared bases (src/fleet/shared-bases.ts). */
  gitops?: string;
  /** The add-ons with a chart it runs (their shared bases are written); undefined where unknown (then every base is). */
  addons?: string[];
  /** Its blueprint: the first cluster's render writes the workload bases of every blueprint of the fleet (src/fleet/workload-bases.ts). */
  blueprint?: string;
}

/** One cluster's row of the workflows' matrices. */
export interface FleetCiCluster {
  cluster: string;
  /** Its Terraform root, from the repository's root, without a trailing slash. */
  dir: string;
  /** Jobs of this shape of credentials (FleetCiGroup.id). */
  group: string;
  /** GitHub environment of its plan identity: no branch rule, as pull requests plan in it. */
  plan_environment: string;
  /** GitHub environment of its apply identity: deployment branch rule, the default branch only. */
  apply_environment: string;
  /** Key of the redacted state its pull request plans read (empty where the backend has none). */
  plan_state_key: string;
}

/** Clusters whose Terraform reads the same variables: one plan job and one apply job, each a matrix over them. */
export interface FleetCiGroup {
  id: string;
  /** The same in every cluster of the group. */
  credentials: CiCredential[];
  oidc: boolean;
  /** `-backend-config` values of the plan's init, with the cluster's key as `$PLAN_STATE_KEY`. */
  planBackendConfig: string[];
  publishBackendConfig: string[];
  publishCredentials: CiCredential[];
  clusters: FleetCiCluster[];
}

/**
 * One cluster's jobs in the fleet's GitLab pipeline (forge gitlab): GitLab CI has no matrix over environments, so
 * each cluster gets its own jobs, whose variables are written out here. They are the cluster's own, not its group's:
 * an OpenStack cluster with GitLab's state reads its redacted copy at an address named after it.
 */
export interface FleetGitLabCluster {
  cluster: string;
  /** Its Terraform root, without a trailing slash. */
  dir: string;
  /** Its group's id (FleetCiGroup.id): the hidden jobs its jobs extend. */
  group: string;
  /** Environment of its plan job (`action: prepare`): its `PLAN_*` variables are scoped there. */
  planEnvironment: string;
  /** Environment of its apply job: its protected `APPLY_*` variables are scoped there. */
  applyEnvironment: string;
  /** Key of its redacted state (`$PLAN_STATE_KEY` of its group's backend config); empty where the backend has none. */
  planStateKey: string;
  planEnv: GitLabEnv[];
  applyEnv: GitLabEnv[];
  /** publish-plan-state.sh: the assignments and `-backend-config` values that write this cluster's copy. */
  publishEnv: GitLabEnv[];
  publishBackendConfig: string[];
}

export interface FleetCi {
  clusters: FleetCiCluster[];
  groups: FleetCiGroup[];
  /** Each cluster's GitLab jobs, in the clusters' order; empty on GitHub. */
  gitlab: FleetGitLabCluster[];
  /** Some cluster of the fleet runs Flux: the first cluster's render writes the add-ons' shared bases (src/fleet/shared-bases.ts). */
  flux?: boolean;
  /** Some cluster of the fleet runs Argo CD: the first cluster's render writes the add-ons' base Applications. */
  argo?: boolean;
  /**
   * The add-ons with a chart some cluster of each engine runs: the bases the first cluster's render writes. Absent
   * where a cluster's add-ons are unknown (then it writes every catalog add-on's base, as before the list).
   */
  addons?: { flux: string[]; argo: string[] };
  /** The blueprints of the fleet's clusters, sorted: the workload bases the first cluster's render writes. */
  blueprints?: string[];
}

const KEY_VARIABLE = "$PLAN_STATE_KEY";

/** A backend-config list with the cluster's own key replaced by the variable the matrix sets. */
const keyed = (values: string[], key: string) => values.map((value) => (key ? value.split(key).join(KEY_VARIABLE) : value));

/** Renders as the group's id and as a job id: `openstack-s3` -> `openstack_s3`. */
const groupId = (pipeline: TerraformPipeline) => pipeline.family.replace(/-/g, "_");

/** The clusters of a fleet, in the order given (fleet.yaml's), grouped by their credentials' shape. */
export function fleetCiOf(members: FleetMemberInput[]): FleetCi {
  const groups = new Map<string, FleetCiGroup>();
  const gitlab: FleetGitLabCluster[] = [];
  const clusters = members.map((member): FleetCiCluster => {
    const pipeline = terraformPipelineFor(member.provider, { ...member.params, clusterName: member.name } as unknown as ClusterParams);
    const id = groupId(pipeline);
    const cluster: FleetCiCluster = {
      cluster: member.name,
      dir: `${member.root}terraform`,
      group: id,
      plan_environment: `${member.name}-plan`,
      apply_environment: pipeline.environment,
      plan_state_key: pipeline.planState.backendConfig.some((value) => value.includes(pipeline.planStateKey)) ? pipeline.planStateKey : "",
    };
    const shape: FleetCiGroup = {
      id,
      credentials: pipeline.credentials,
      oidc: pipeline.oidc,
      planBackendConfig: keyed(pipeline.planState.backendConfig, cluster.plan_state_key),
      publishBackendConfig: keyed(pipeline.planState.publishBackendConfig, cluster.plan_state_key),
      publishCredentials: pipeline.planState.publishCredentials,
      clusters: [],
    };
    const group = groups.get(id) ?? shape;
    // A family's credentials are names, not values: two clusters of one family cannot differ (the table is per cloud).
    if (JSON.stringify({ ...group, clusters: [] }) !== JSON.stringify(shape)) throw new Error(`clusters of ${id} read different CI variables: split the group in src/generator/fleet-ci.ts`);
    group.clusters.push(cluster);
    groups.set(id, group);
    if (pipeline.gitlab) {
      gitlab.push({
        cluster: member.name,
        dir: cluster.dir,
        group: id,
        planEnvironment: cluster.plan_environment,
        applyEnvironment: cluster.apply_environment,
        planStateKey: cluster.plan_state_key,
        planEnv: pipeline.gitlab.planEnv,
        applyEnv: pipeline.gitlab.applyEnv,
        publishEnv: pipeline.gitlab.publishEnv,
        publishBackendConfig: pipeline.planState.publishBackendConfig,
      });
    }
    return cluster;
  });
  const used = (engine: string) => [...new Set(members.filter((member) => member.gitops === engine).flatMap((member) => member.addons!))].sort();
  const addons = members.every((member) => member.addons !== undefined) ? { addons: { flux: used("flux"), argo: used("argo") } } : {};
  const blueprints = [...new Set(members.flatMap((member) => (member.blueprint ? [member.blueprint] : [])))].sort();
  return { clusters, groups: [...groups.values()], gitlab, ...(blueprints.length ? { blueprints } : {}), ...(members.some((member) => member.gitops === "flux") ? { flux: true } : {}), ...(members.some((member) => member.gitops === "argo") ? { argo: true } : {}), ...addons };
}
