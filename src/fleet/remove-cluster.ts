/**
 * `remove-cluster <name>`: takes a cluster of the fleet down in the safe order, one reviewed pull request per step,
 * each found from the repository's state so that running the same command again proposes the next step:
 *
 * 1. workloads: the cluster's GitOps layers leave `clusters/<name>/` (the engine itself stays: flux-system/, or Argo
 *    CD's own settings, project, root and self-managing Application), so the engine prunes what it applied while
 *    the cluster still runs; fleet.yaml marks the cluster `removing` (update --all and check leave it out).
 * 2. terraform: `prevent_destroy = true` lifted in the cluster's Terraform root, alone in its pull request, so the
 *    reviewers see exactly that; after the merge an admin runs `terraform destroy` there.
 * 3. forget: the cluster's folders and its fleet.yaml entry go. The Terraform state is never deleted by the tool:
 *    the pull request names the state key to delete by hand once the destroy is confirmed.
 *
 * Refused with exit 2, nothing written: an unknown cluster, the last cluster, and the repository's first cluster
 * (its folders are the repository's top level and it renders the CI every cluster uses).
 */
import { posix } from "node:path";
import { toYamlText } from "../generator/yaml-text.js";
import { loadYamlFile } from "../yaml/load.js";
import { defaults } from "../defaults.js";
import { InputError } from "../errors.js";
import { sortedTree } from "../file-tree.js";
import { gitAt } from "../git/client.js";
import { trackedFiles } from "../git/blobs.js";
import { currentBranch } from "../git/repo.js";
import { targetReader } from "../git/read-target.js";
import { codeSpan } from "../markdown.js";
import { renderFleetFile } from "./fleet-file.js";
import { BASES_DIR, FLEET_FILE, isSharedBasePath } from "./layout.js";
import { WORKLOAD_BASES_DIR, isWorkloadBasePath } from "./workload-bases.js";
import { fleetCiFor } from "./ci.js";
import { repositoryWideFor } from "./repository-wide.js";
import { readFleet } from "./members.js";
import { fromProposalBase, proposeChange, type ProposeResult, type PullRequestTarget } from "./propose.js";

export type RemovalStep = "workloads" | "terraform" | "forget";

export interface RemoveClusterResult {
  name: string;
  step: RemovalStep;
  writes: string[];
  deletes: string[];
  /** What to do once the step's pull request is merged. */
  next: string;
  /** The add-ons whose shared bases the last step removes, by engine, because no remaining cluster lists them. */
  basesGone?: { flux: string[]; argo: string[]; workloads?: string[] };
  proposal?: ProposeResult;
}

const PREVENT = /(prevent_destroy\s*=\s*)true\b/g;

/** The engine's own files in a cluster's GitOps entry point: kept until the last step, so the engine can prune. */
export function isEngineFile(path: string, clusterPath: string): boolean {
  const inside = path.slice(clusterPath.length + 1);
  // In a fleet, apps/kustomization.yaml lists what stays in apps/ (argocd.yaml) once the layers leave.
  return inside.startsWith("flux-system/") || (inside.startsWith("argocd/") && (!inside.startsWith("argocd/apps/") || ["argocd/apps/argocd.yaml", "argocd/apps/kustomization.yaml"].includes(inside)));
}

/**
 * A kustomization's text without the `resources` entries of deleted files and of the add-ons' shared bases (whose
 * Applications go with the cluster's patches of them), and without the patches of deleted files (its comment and other
 * fields kept).
 */
function withoutResources(text: string, path: string, deleted: Set<string>): string {
  const folder = path.slice(0, path.lastIndexOf("/") + 1);
  const data = loadYamlFile(text, path, "restore it from git history, then run remove-cluster again") as Record<string, unknown> | null;
  if (!data || typeof data !== "object" || !Array.isArray(data.resources)) return text;
  const gone = (entry: unknown) => typeof entry === "string" && (deleted.has(posix.normalize(folder + entry)) || isSharedBasePath(posix.normalize(folder + entry)));
  const resources = data.resources.filter((entry) => !gone(entry));
  const patches = Array.isArray(data.patches) ? data.patches.filter((patch) => !gone((patch as { path?: unknown } | null)?.path)) : undefined;
  const comment = text.match(/^(#.*\n)*/)![0];
  const { patches: _patches, ...rest } = data;
  return comment + toYamlText({ ...rest, resources, ...(patches?.length ? { patches } : {}) });
}

/** The add-ons whose shared bases the paths are, by engine (an Argo CD base is the `argocd/` folder of its add-on's). */
export function sharedBasesOf(paths: string[]): { flux: string[]; argo: string[]; workloads?: string[] } {
  const found = { flux: new Set<string>(), argo: new Set<string>(), workloads: new Set<string>() };
  for (const path of paths) {
    const [addon, sub, workload] = path.slice(BASES_DIR.length).split("/");
    // A workload base: `<blueprint>/<workload>`, gone with the fleet's last cluster of that blueprint.
    if (isWorkloadBasePath(path)) found.workloads.add(`${sub}/${workload}`);
    // An add-on's Namespace base serves both engines: it goes with the add-on's last base, which names it.
    else if (sub === "namespace") continue;
    else found[sub === "argocd" ? "argo" : "flux"].add(addon!);
  }
  return { flux: [...found.flux].sort(), argo: [...found.argo].sort(), ...(found.workloads.size ? { workloads: [...found.workloads].sort() } : {}) };
}

export async function removeCluster(dir: string, name: string, options: { dryRun?: boolean; pr?: PullRequestTarget } = {}): Promise<RemoveClusterResult> {
  return fromProposalBase(dir, "remove-cluster", () => nextStep(dir, name, options));
}

async function nextStep(dir: string, name: string, options: { dryRun?: boolean; pr?: PullRequestTarget }): Promise<RemoveClusterResult> {
  const fleet = readFleet(dir);
  const member = fleet.members.find((m) => m.name === name);
  if (!member) throw new InputError(`the fleet has no cluster ${JSON.stringify(name)} (it has ${fleet.members.map((m) => m.name).join(", ")}); nothing was written`);
  if (fleet.members.length === 1) throw new InputError(`${name} is the repository's last cluster; a repository without clusters is not one this tool keeps: archive the repository instead. Nothing was written`);
  if (member.root === "") {
    throw new InputError(
      `${name} is the repository's first cluster (${defaults.answersFile}, terraform/ at the top): its render owns the CI every cluster uses, so it cannot be removed from the fleet. Nothing was written`,
    );
  }
  const file = fleet.file!;
  const clusterPath = `clusters/${name}`;
  const tracked = await trackedFiles(dir);
  const read = await targetReader(dir);
  const entryPoint = tracked.filter((path) => path.startsWith(`${clusterPath}/`));
  const terraform = tracked.filter((path) => path.startsWith(`${member.root}terraform/`) && path.endsWith(".tf"));
  const guarded = new Map<string, string>();
  for (const path of terraform) {
    const text = (await read(path)) ?? "";
    if (PREVENT.test(text)) guarded.set(path, text.replace(PREVENT, "$1false"));
    PREVENT.lastIndex = 0;
  }
  const layers = entryPoint.filter((path) => !isEngineFile(path, clusterPath));
  const removing = file.removing.includes(name);
  const fleetText = (removingList: string[], clusters = file.clusters) => renderFleetFile({ ...file, clusters, removing: removingList });
  let step: RemovalStep;
  let writes = new Map<string, string>();
  let deletes: string[] = [];
  let next: string;
  let basesGone: string[] = [];
  if (!removing || layers.length > 0) {
    step = "workloads";
    deletes = layers;
    writes.set(FLEET_FILE, fleetText(removing ? file.removing : [...file.removing, name]));
    // An Argo CD root that builds its folder with kustomize (a fleet's) lists the files, and apps/ the add-ons' bases
    // and the cluster's patches of them: the deleted ones and the bases leave the lists.
    for (const kustomizationPath of [`${clusterPath}/argocd/kustomization.yaml`, `${clusterPath}/argocd/apps/kustomization.yaml`]) {
      const kustomization = entryPoint.includes(kustomizationPath) ? await read(kustomizationPath) : undefined;
      if (kustomization !== undefined) writes.set(kustomizationPath, withoutResources(kustomization, kustomizationPath, new Set(layers)));
    }
    next = `Merge, wait until the engine on ${name} has pruned its workloads (\`flux get kustomizations\` / \`argocd app list\` show none but the engine's), then run \`${defaults.toolName} remove-cluster ${name}\` again for the Terraform step.`;
  } else if (guarded.size > 0) {
    step = "terraform";
    writes = guarded;
    next = `Merge (the terraform plan of this pull request shows no change), then destroy the cluster: \`terraform -chdir=${member.root}terraform destroy\` as the README's apply identity (or the workflow's destroy run), and check that nothing is left. Then run \`${defaults.toolName} remove-cluster ${name}\` again to remove its folders.`;
  } else {
    step = "forget";
    deletes = tracked.filter((path) => path.startsWith(member.root) || path.startsWith(`${clusterPath}/`));
    const clusters = new Map([...file.clusters].filter(([cluster]) => cluster !== name));
    const left = { ...file, clusters, removing: file.removing.filter((cluster) => cluster !== name) };
    writes.set(FLEET_FILE, renderFleetFile(left));
    // The CI plans its Terraform root no more (src/fleet/repository-wide.ts).
    const first = fleet.members.find((m) => m.root === "")!;
    const wide = await repositoryWideFor(dir, first.name, fleetCiFor({ file: left, members: fleet.members.filter((m) => m.name !== name) })!);
    for (const [path, content] of wide.writes) writes.set(path, content);
    // The shared bases no remaining cluster lists (it was the last of its engine, or the last to run an add-on) go too.
    basesGone = wide.deletes.filter(isSharedBasePath);
    deletes.push(...wide.deletes);
    next = `Merge only once \`terraform destroy\` in ${member.root}terraform/ has finished: the state is not deleted by this change. Delete the state object (key in ${member.root}terraform/backend.tf) by hand when you no longer need it.`;
  }
  const result: RemoveClusterResult = { name, step, writes: [...writes.keys()], deletes, next, ...(basesGone.length ? { basesGone: sharedBasesOf(basesGone) } : {}) };
  if (options.dryRun) return result;
  const titles: Record<RemovalStep, string> = {
    workloads: `${name}: remove the cluster's workloads (remove-cluster step 1 of 3)`,
    terraform: `${name}: lift prevent_destroy before destroying the cluster (remove-cluster step 2 of 3)`,
    forget: `${name}: remove the destroyed cluster from the fleet (remove-cluster step 3 of 3)`,
  };
  const body = () =>
    [
      `${titles[step]}.`,
      "",
      ...(step === "terraform" ? ["> [!CAUTION]", `> After this merge, nothing stops \`terraform destroy\` in ${codeSpan(`${member.root}terraform/`)} from destroying cluster ${codeSpan(name)}.`, ""] : []),
      ...(result.basesGone
        ? [
            `Removes the shared bases (${codeSpan(BASES_DIR)}) no remaining cluster lists; the first cluster's render no longer holds them:`,
            ...(result.basesGone.flux.length ? [`- Flux: ${result.basesGone.flux.map(codeSpan).join(", ")}`] : []),
            ...(result.basesGone.argo.length ? [`- Argo CD (${codeSpan("<add-on>/argocd/")}): ${result.basesGone.argo.map(codeSpan).join(", ")}`] : []),
            ...(result.basesGone.workloads?.length ? [`- Workloads (${codeSpan(`${WORKLOAD_BASES_DIR}<blueprint>/<workload>/`)}, no remaining cluster of that blueprint): ${result.basesGone.workloads.map(codeSpan).join(", ")}`] : []),
            "",
          ]
        : []),
      ...(deletes.length ? [`Removes ${deletes.length} file(s):`, ...deletes.slice(0, 50).map((path) => `- ${codeSpan(path)}`), ...(deletes.length > 50 ? [`- … and ${deletes.length - 50} more`] : []), ""] : []),
      ...(step === "terraform" ? ["Changes:", ...[...writes.keys()].map((path) => `- ${codeSpan(path)}: \`prevent_destroy = false\``), ""] : []),
      `**Next:** ${next}`,
      "",
    ].join("\n");
  const proposal = await proposeChange(dir, { branch: `${defaults.branchPrefix}remove-cluster-${name}-${step}`, message: titles[step], writes: sortedTree(writes), deletes, body }, options.pr ? { pr: options.pr } : {});
  return { ...result, proposal };
}
