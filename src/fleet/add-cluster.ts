/**
 * `add-cluster <name> --blueprint <bp> [--env e]`: renders a blueprint as a new cluster of the repository, in
 * `fleet/<name>/` with its GitOps entry point at `clusters/<name>/` (src/fleet/layout.ts), lists it in fleet.yaml
 * (written on the first add: the repository's first cluster joins the fleet where it is, its files and state key
 * unchanged), validates the whole repository with it, and proposes it on its own branch (src/fleet/propose.ts).
 * Bad input (a name that is taken or not a name, an unknown environment, a repository this tool did not make)
 * exits 2 before anything is written.
 */
import { defaults } from "../defaults.js";
import { InputError, UsageError, ValidationFailedError } from "../errors.js";
import { sortedTree, type FileTree } from "../file-tree.js";
import { targetReader } from "../git/read-target.js";
import { assertKnownBlueprint } from "../blueprints/registry.js";
import { codeSpan } from "../markdown.js";
import type { RawParamsInput } from "../params/parse.js";
import { renderBlueprint, type Rendered } from "../render-blueprint.js";
import { repositoryWith } from "../update/plan.js";
import { validateResult, type ResultValidation } from "../update/validate-result.js";
import { DEFAULT_ENVIRONMENTS, NAME_HINT, isValidName, renderFleetFile, type FleetFile } from "./fleet-file.js";
import { BASES_DIR, FLEET_FILE, addedClusterRoot, knowsTheFleet, recordPathOf } from "./layout.js";
import { readFleet, type Fleet, type FleetMember } from "./members.js";
import { changesOf } from "../update/apply.js";
import { planUpdate } from "../update/plan.js";
import { OVERLAY_LAYERS, overlayPathOf, overlayTextAfterRender } from "./environment-overlay.js";
import { fleetCiFor } from "./ci.js";
import type { FleetCi } from "../generator/fleet-ci.js";
import { repositoryWideFor } from "./repository-wide.js";
import { basesOf, inAddonFolder, missingBases, usesSharedBases } from "./shared-bases.js";
import { renderWorkloadBases } from "./workload-bases.js";
import { loadCatalog } from "../catalog/load.js";
import { gitAt } from "../git/client.js";
import { currentBranch } from "../git/repo.js";
import { fromProposalBase, proposeChange, type ProposeResult, type PullRequestTarget } from "./propose.js";

/** Parameters that are facts of the repository, shared by every cluster in it: taken from the first cluster. */
export const REPOSITORY_PARAMS = ["repoUrl", "branch", "forge"] as const;

export interface AddClusterOptions {
  name: string;
  blueprint: string;
  /** fleet.yaml's environment for it. @default the first environment */
  environment?: string;
  params?: RawParamsInput;
  dryRun?: boolean;
  pr?: PullRequestTarget;
  toolVersion?: string;
}

export interface AddClusterResult {
  name: string;
  environment: string;
  root: string;
  rendered: Rendered;
  /** Files the change writes (the cluster's render and fleet.yaml). */
  writes: FileTree;
  /** Files it deletes: the first cluster's add-on files that move to the shared bases as it joins the fleet. */
  deletes: string[];
  validation: ResultValidation;
  /** Absent on a dry run. */
  proposal?: ProposeResult;
  /** Why the repository-wide CI was left as it was (see src/fleet/repository-wide.ts). */
  ciSkipped?: string;
}

/** The fleet once the cluster is in it, in readFleet's order (environments, then fleet.yaml's): the CI lists it so. */
function fleetAfterAdd(fleet: Fleet, file: FleetFile, added: { name: string; root: string; environment: string; answers: { blueprint: string; params: Record<string, unknown> } }): Pick<Fleet, "file" | "members"> {
  const members = [...fleet.members, added as Fleet["members"][number]];
  const rank = (name: string) => file.environments.indexOf(file.clusters.get(name)!);
  const listed = [...file.clusters.keys()];
  members.sort((a, b) => rank(a.name) - rank(b.name) || listed.indexOf(a.name) - listed.indexOf(b.name));
  return { file, members };
}

/** fleet.yaml once the cluster is in it: made on the first add, the first cluster in the last environment (the one it serves). */
export function fleetWith(fleet: Fleet, name: string, environment: string | undefined): { file: FleetFile; environment: string } {
  const file: FleetFile = fleet.file
    ? { ...fleet.file, clusters: new Map(fleet.file.clusters) }
    : { environments: [...DEFAULT_ENVIRONMENTS], promotable: [], clusters: new Map([[fleet.members[0]!.name, DEFAULT_ENVIRONMENTS.at(-1)!]]), removing: [] };
  const env = environment ?? file.environments[0]!;
  if (!file.environments.includes(env)) {
    throw new InputError(`environment ${JSON.stringify(env)} is not one of this fleet's (${file.environments.join(", ")}); add it to "environments" in ${FLEET_FILE} first (in promotion order), or use --env with one of these. Nothing was written`);
  }
  file.clusters.set(name, env);
  return { file, environment: env };
}

function assertNewName(fleet: Fleet, name: string, read: (path: string) => Promise<string | undefined>, rendered: FileTree): Promise<void> {
  if (!isValidName(name)) throw new InputError(`cluster name ${JSON.stringify(name)} is not valid: use ${NAME_HINT} (it names folders, state keys and branches). Nothing was written`);
  if (fleet.members.some((member) => member.name === name)) throw new InputError(`the fleet already has a cluster ${name}; choose another name. Nothing was written`);
  // Files the team put where the new cluster would write are theirs: never overwritten.
  return (async () => {
    const taken: string[] = [];
    for (const path of rendered.keys()) if ((await read(path)) !== undefined) taken.push(path);
    if (taken.length > 0) {
      throw new InputError(`${taken.length} file(s) already exist where cluster ${name} would be written (${taken.slice(0, 5).join(", ")}${taken.length > 5 ? ", ..." : ""}); move them or choose another name. Nothing was written`);
    }
  })();
}

/**
 * On the first add, the first cluster joins its environment's overlay (src/fleet/environment-overlay.ts): for Flux,
 * the `components:` line of its add-on layers' kustomizations; for Argo CD, the kustomization of its root's folder
 * and the root Application that builds it (the same objects at the same versions, so its files keep their meaning),
 * with the fleet's CI (src/fleet/ci.ts) and its README's credentials, its record, and the overlay, as its update in
 * the fleet would write them, so that `check` agrees with it from the merge on. Undefined where that plan would change
 * more (a render by an older release) or conflicts: the cluster then joins with that update, and only the CI is
 * brought here.
 */
async function firstClusterJoins(dir: string, first: FleetMember, file: FleetFile, ci: FleetCi, toolVersion?: string): Promise<{ writes: FileTree; deletes: string[] } | undefined> {
  const plan = await planUpdate(dir, {}, { root: first.root, fleetFile: file, fleet: ci, ...(toolVersion ? { toolVersion } : {}) });
  const { writes, deletes } = changesOf(plan);
  const argocd = `clusters/${first.name}/argocd/`;
  const wiring = first.answers.gitops === "flux" ? OVERLAY_LAYERS.map((layer) => `${first.root}${layer}/kustomization.yaml`) : [`${argocd}kustomization.yaml`, `${argocd}root.yaml`];
  const joins = new Set([...wiring, recordPathOf(first.root), overlayPathOf(file.clusters.get(first.name)!)]);
  // A first cluster lists the add-ons' shared bases (src/fleet/shared-bases.ts): the same objects, built from the base
  // and its own part.
  const catalog = loadCatalog();
  // An Argo CD first cluster's add-on Applications become patches of their shared bases, listed by apps/kustomization.yaml.
  const joining = (path: string) =>
    joins.has(path) || knowsTheFleet(path) || path.startsWith(`${first.root}apps/`) || inAddonFolder(path, first.root, catalog) || (first.answers.gitops !== "flux" && path.startsWith(`${argocd}apps/`));
  if (plan.conflicts.length > 0 || deletes.some((path) => !joining(path)) || [...writes.keys()].some((path) => !joining(path))) return undefined;
  return { writes, deletes };
}

export async function addCluster(dir: string, options: AddClusterOptions): Promise<AddClusterResult> {
  // Planned from the base branch, as update does: a re-run on the add-cluster branch finds its own commit there.
  return fromProposalBase(dir, "add-cluster", () => addClusterFromBase(dir, options));
}

async function addClusterFromBase(dir: string, options: AddClusterOptions): Promise<AddClusterResult> {
  const fleet = readFleet(dir);
  if (!isValidName(options.name)) throw new InputError(`cluster name ${JSON.stringify(options.name)} is not valid: use ${NAME_HINT} (it names folders, state keys and branches). Nothing was written`);
  if (fleet.members.some((member) => member.name === options.name)) throw new InputError(`the fleet already has a cluster ${options.name}; choose another name. Nothing was written`);
  assertKnownBlueprint(options.blueprint);
  const { file, environment } = fleetWith(fleet, options.name, options.environment);
  const first = fleet.members.find((member) => member.root === "")!;
  const params = options.params ?? {};
  const overridden = [...(params.sets ?? []).map((set) => String(set.path[0])), ...Object.keys(params.values ?? {})].filter((key) =>
    ["clusterName", ...REPOSITORY_PARAMS].includes(key),
  );
  if (overridden.length > 0) {
    throw new UsageError(`add-cluster sets ${overridden.join(", ")} itself: the cluster's name is <name>, and ${REPOSITORY_PARAMS.join(", ")} are the repository's (${defaults.answersFile} of the first cluster)`);
  }
  const shared = Object.fromEntries(REPOSITORY_PARAMS.filter((key) => first.answers.params[key] !== undefined).map((key) => [key, first.answers.params[key]]));
  const root = addedClusterRoot(options.name);
  const rendered = await renderBlueprint(
    options.blueprint,
    { values: { gitops: first.answers.gitops, ...(params.values ?? {}), ...shared, clusterName: options.name }, sets: params.sets },
    { toolVersion: options.toolVersion, root, environment },
  );
  const read = await targetReader(dir);
  await assertNewName(fleet, options.name, read, rendered.tree);
  const ci = fleetCiFor(fleetAfterAdd(fleet, file, { name: options.name, root, environment, answers: { blueprint: options.blueprint, params: rendered.params } }))!;
  // The first add: a Flux first cluster joins its environment (with the fleet's CI, in one plan of it); otherwise, or
  // where it cannot join here, the repository-wide files alone are brought to the fleet.
  const joining = fleet.file ? undefined : await firstClusterJoins(dir, first, file, ci, options.toolVersion);
  const wide = joining ? { writes: new Map<string, string>(), deletes: [], skipped: undefined } : await repositoryWideFor(dir, first.name, ci, file);
  // A Flux cluster runs its environment's chart versions: the overlay gains the entries of its add-ons it lacks.
  const overlayPath = overlayPathOf(environment);
  const overlayBefore = joining?.writes.get(overlayPath) ?? (await read(overlayPath));
  const overlay = overlayTextAfterRender(overlayBefore, file.environments, rendered.context);
  const overlayWrite: Array<[string, string]> = overlay !== undefined && overlay !== overlayBefore ? [[overlayPath, overlay]] : [];
  // The shared bases its add-ons list, where the repository lacks them (src/fleet/shared-bases.ts): the first
  // cluster's render has the same bytes, and records them where it joins or its CI is brought to the fleet.
  const bases = usesSharedBases(rendered.context) ? await missingBases(read, [...basesOf(rendered.context, loadCatalog()), ...renderWorkloadBases(options.blueprint)]) : [];
  const writes = sortedTree([...rendered.tree, [FLEET_FILE, renderFleetFile(file)], ...bases, ...(joining?.writes ?? []), ...wide.writes, ...overlayWrite]);
  const deletes = joining?.deletes ?? [];
  const deleted = deletes.map((path) => ({ path, action: "delete" as const }));
  const validation = await validateResult(await repositoryWith(dir, read, writes, deleted), () => repositoryWith(dir, read, new Map(), []), [rendered.context.gitops.repoUrl]);
  if (!validation.introduced.valid) throw new ValidationFailedError(validation.introduced);
  const result: AddClusterResult = { name: options.name, environment, root, rendered, writes, deletes, validation, ...(wide.skipped ? { ciSkipped: wide.skipped } : {}) };
  if (options.dryRun) return result;
  const message = `Add ${options.blueprint} cluster ${options.name} to the fleet (${environment})`;
  const proposal = await proposeChange(
    dir,
    { branch: `${defaults.branchPrefix}add-cluster-${options.name}`, message, writes, deletes, body: () => addClusterBody(result) },
    options.pr ? { pr: options.pr } : {},
  );
  return { ...result, proposal };
}

/** The pull request: what the cluster is, where its files are, and what to do before and after merging. */
export function addClusterBody(result: AddClusterResult): string {
  const { name, environment, root, rendered, validation } = result;
  const bp = rendered.blueprint;
  const files = [...result.writes.keys()];
  return [
    `Adds cluster ${codeSpan(name)} (blueprint ${codeSpan(bp.id)} ${codeSpan(bp.version)}, ${codeSpan(rendered.params.gitops)}) to environment ${codeSpan(environment)}.`,
    "",
    `- Terraform root: ${codeSpan(`${root}terraform/`)}, state key ${codeSpan(rendered.context.terraformPipeline.stateKey)} (a state of its own: its plans and applies never wait for another cluster's).`,
    `- GitOps entry point: ${codeSpan(rendered.context.gitops.clusterPath + "/")}; its layers under ${codeSpan(root)}.`,
    `- Answers file: ${codeSpan(`${root}${defaults.answersFile}`)}; ${codeSpan(FLEET_FILE)} lists it.`,
    `- Chart versions of its add-ons, and the values its environment sets on them: its environment's, in ${codeSpan(overlayPathOf(environment))} (what \`promote\` changes).`,
    `- ${files.length} files; validation: ${validation.report.summary.resources} resources, ${validation.report.valid ? "valid" : "failures the repository already had, see CI"}.`,
    "",
    ...(result.ciSkipped ? [`- CI: ${result.ciSkipped}.`, ""] : []),
    ...(result.deletes.length > 0 ? [`- Moves to the fleet's shared bases (${codeSpan(BASES_DIR)}: add-ons, their Namespaces and the blueprint's workloads, the same for every cluster that runs them): ${result.deletes.map(codeSpan).join(", ")}; the first cluster's folders list them, and build the same objects.`, ""] : []),
    `Merging creates nothing: follow ${codeSpan(`${root}README.md`)} (remote state, the first apply, then bootstrap on ${codeSpan(rendered.context.gitops.clusterPath)}).`,
    "",
  ].join("\n");
}
