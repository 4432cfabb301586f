import type { FileTree } from "../file-tree.js";
import { BASES_DIR, isSharedBasePath } from "../fleet/layout.js";
import { WORKLOAD_BASES_DIR, isWorkloadBasePath, sortedDocuments, workloadBuilds } from "../fleet/workload-bases.js";
import { parseDocuments } from "../validators/kubernetes/documents.js";
import { classifyTerraformChanges, type TerraformChange, type TerraformSummary } from "./terraform-changes.js";

export interface ChangeSet {
  added: string[];
  changed: string[];
  removed: string[];
}

export interface ChangeSummary {
  files: ChangeSet;
  /** `Kind namespace/name` keys. */
  kubernetes: ChangeSet;
  /** Terraform addresses (e.g. `scaleway_k8s_pool.gpu`): added, changed in place, replaced or destroyed. */
  terraform: TerraformSummary;
  /**
   * Add-ons whose Namespace and HelmRepository files left a cluster's folder for the fleet's shared bases (Flux), or
   * whose Application became a patch of its shared base Application (Argo CD).
   */
  movedToBases: string[];
  /**
   * Shared bases the change removes, as `<add-on>` (Flux) or `<add-on>/argocd` (Argo CD): no cluster of the fleet lists
   * them any more (src/fleet/shared-bases.ts). Absent when none.
   */
  basesRemoved?: string[];
  /**
   * The cluster's workload folders (`<root>apps/<workload>/`) that now list their blueprint's shared workload base
   * (src/fleet/workload-bases.ts), which held their own copies before. Absent when none.
   */
  workloadsMovedToBases?: string[];
}

const MOVABLE = /(?:^|\/)(?:infrastructure|infrastructure-after-secrets)\/([^/]+)\/(namespace|helmrepository)\.yaml$/;

/**
 * The files a change moves from clusters' add-on folders to the shared bases (src/fleet/shared-bases.ts): gone from
 * the folder, and the add-on's base has the same file after it. Their objects did not come or go: the folder lists them.
 */
function movedToBases(before: FileTree, after: FileTree): Map<string, string> {
  const moved = new Map<string, string>();
  for (const path of before.keys()) {
    const match = MOVABLE.exec(path);
    // A Namespace goes to the add-on's Namespace base (both engines), a HelmRepository to its Flux base.
    const target = match && (match[2] === "namespace" ? `${BASES_DIR}${match[1]}/namespace/namespace.yaml` : `${BASES_DIR}${match[1]}/helmrepository.yaml`);
    if (match && !after.has(path) && after.has(target!)) moved.set(path, match[1]!);
    // A Flux base made before the Namespace base had its own: it moves into the folder both engines list.
    const inBase = /^environments\/_bases\/([^/_][^/]*)\/namespace\.yaml$/.exec(path);
    if (inBase && !after.has(path) && after.has(`${BASES_DIR}${inBase[1]}/namespace/namespace.yaml`)) moved.set(path, inBase[1]!);
  }
  return moved;
}

const ARGO_APPLICATION = /^clusters\/[^/]+\/argocd\/apps\/([^/]+)\.yaml$/;

/** Does this text hold an Application with a chart source (a whole add-on Application, not a cluster's patch of its base)? */
const hasChartSource = (content: string | undefined) =>
  content !== undefined && objectsOf(content).some(([key, serialised]) => key.startsWith("Application ") && (JSON.parse(serialised) as { spec?: { source?: { chart?: unknown } } }).spec?.source?.chart !== undefined);

/**
 * The Argo CD add-on Applications a change makes patches of their shared base Applications (src/fleet/shared-bases.ts):
 * a whole Application before, one without its chart source after, and the add-on's base after. The object the
 * cluster's build gives is the same: path -> add-on.
 */
function patchedFromBases(before: FileTree, after: FileTree): Map<string, string> {
  const moved = new Map<string, string>();
  for (const [path, content] of before) {
    const match = ARGO_APPLICATION.exec(path);
    if (!match || !after.has(`${BASES_DIR}${match[1]}/argocd/application.yaml`) || after.get(path) === content) continue;
    if (after.has(path) && hasChartSource(content) && !hasChartSource(after.get(path))) moved.set(path, match[1]!);
  }
  return moved;
}

/** `<add-on>` for a Flux base's file, `<add-on>/argocd` for an Argo CD one's, `<add-on>/namespace` for its Namespace's, `_apps/<blueprint>/<workload>` for a workload's: each base once, sorted. */
function basesOfPaths(paths: string[]): string[] {
  return [...new Set(paths.map((path) => {
    const [addon, sub, workload] = path.slice(BASES_DIR.length).split("/");
    return isWorkloadBasePath(path) ? `${addon}/${sub}/${workload}` : sub === "argocd" || sub === "namespace" ? `${addon}/${sub}` : addon!;
  }))].sort();
}

/** The bases of `unlisted` paths none of whose files are left after (a file that moved inside its base removes nothing). */
function removedBases(unlisted: Set<string>, after: FileTree): string[] {
  const left = new Set(basesOfPaths([...after.keys()].filter(isSharedBasePath)));
  // An add-on's Namespace base goes with its last engine's base, which names it.
  return basesOfPaths([...unlisted]).filter((base) => !left.has(base) && !base.endsWith("/namespace"));
}

/**
 * A tree as its objects are applied, for comparing objects: a workload folder that lists its blueprint's base counts
 * as what it builds (the base's objects, patched, with its own), and the workload bases' own files as nothing (an
 * object there is applied only where a cluster lists it, and then as that cluster patches it).
 */
function asApplied(tree: FileTree): FileTree {
  const builds = workloadBuilds(tree);
  const out = new Map<string, string>();
  for (const [path, content] of tree) {
    if (isWorkloadBasePath(path) || [...builds.keys()].some((folder) => path.startsWith(folder))) continue;
    out.set(path, content);
  }
  for (const [folder, text] of builds) out.set(`${folder}(built).yaml`, text);
  return out;
}

function compare(before: Map<string, string>, after: Map<string, string>): ChangeSet {
  const set: ChangeSet = { added: [], changed: [], removed: [] };
  for (const [key, value] of after) {
    if (!before.has(key)) set.added.push(key);
    else if (before.get(key) !== value) set.changed.push(key);
  }
  for (const key of before.keys()) if (!after.has(key)) set.removed.push(key);
  for (const list of Object.values(set)) list.sort();
  return set;
}

/** A file's Kubernetes objects: `Kind namespace/name` and the object serialised for comparison. */
type FileObjects = Array<[key: string, serialised: string]>;

function objectsOf(content: string): FileObjects {
  const objects: FileObjects = [];
  // The repository's copies may be anything a pull request brought: read within the limits, broken documents left out.
  for (const document of parseDocuments(content, false)) {
    if (document.failure) continue;
    const object = document.data as { kind?: string; metadata?: { name?: string; namespace?: string } } | null;
    if (!object?.kind || object.kind === "Kustomization" && !object.metadata?.name) continue;
    const ns = object.metadata?.namespace ? `${object.metadata.namespace}/` : "";
    objects.push([`${object.kind} ${ns}${object.metadata?.name ?? "(unnamed)"}`, JSON.stringify(object)]);
  }
  return objects;
}

/**
 * Kubernetes objects by identity, serialised for comparison; unparsable files are left to validation. `read` holds
 * each content's objects: most files are the same before and after a change, and YAML is read once per content.
 */
function kubernetesObjects(tree: FileTree, read: Map<string, FileObjects>): Map<string, string> {
  const objects = new Map<string, string>();
  for (const [path, content] of tree) {
    if (!/\.ya?ml$/.test(path) || path.startsWith(".") || path === "cluster-repo.yaml") continue;
    let found = read.get(content);
    if (!found) read.set(content, (found = objectsOf(content)));
    for (const [key, serialised] of found) objects.set(key, serialised);
  }
  return objects;
}

/** What a change does, at the level reviewers think in: files, Kubernetes objects and Terraform addresses. */
export async function summarizeChanges(before: FileTree, after: FileTree): Promise<ChangeSummary> {
  const read = new Map<string, FileObjects>();
  // A base a change adds is applied only where a cluster's folder lists it, and the files it replaces moved there.
  const moved = movedToBases(before, after);
  // An Argo CD add-on's Application became a patch of its base: the same object, counted in neither list.
  const patched = patchedFromBases(before, after);
  // A base no cluster lists is applied nowhere: its removal takes no object out of a cluster.
  const unlisted = new Set([...before.keys()].filter((path) => isSharedBasePath(path) && !after.has(path)));
  const objectsBefore = new Map([...before].filter(([path]) => !moved.has(path) && !patched.has(path) && !unlisted.has(path)));
  const objectsAfter = new Map([...after].filter(([path]) => (!isSharedBasePath(path) || before.has(path) || isWorkloadBasePath(path)) && !patched.has(path)));
  // A workload folder that lists its base now and did not: its objects moved there (the same ones where its build is).
  const buildsBefore = workloadBuilds(before);
  const workloadsMoved = [...workloadBuilds(after).keys()].filter((folder) => !buildsBefore.has(folder) && [...before.keys()].some((path) => path.startsWith(folder)));
  // Both sides with the same view of workloads: a folder that lists its base is what it builds (sorted keys), and one
  // that still holds its copies is read the same way, so that a move alone changes no object.
  const sameView = (tree: FileTree, other: FileTree) => {
    const applied = asApplied(tree);
    const otherBuilds = workloadBuilds(other);
    for (const folder of otherBuilds.keys()) {
      const files = [...applied.keys()].filter((path) => path.startsWith(folder));
      if (files.length === 0 || applied.has(`${folder}(built).yaml`)) continue;
      const objects = files.flatMap((path) => objectsOf(applied.get(path)!).map(([, serialised]) => JSON.parse(serialised) as object));
      files.forEach((path) => applied.delete(path));
      applied.set(`${folder}(built).yaml`, sortedDocuments(objects));
    }
    return applied;
  };
  return {
    files: compare(before, after),
    kubernetes: compare(kubernetesObjects(sameView(objectsBefore, after), read), kubernetesObjects(sameView(objectsAfter, before), read)),
    terraform: await classifyTerraformChanges(before, after),
    movedToBases: [...new Set([...moved.values(), ...patched.values()])].sort(),
    ...(removedBases(unlisted, after).length ? { basesRemoved: removedBases(unlisted, after) } : {}),
    ...(workloadsMoved.length ? { workloadsMovedToBases: workloadsMoved.map((folder) => folder.replace(/\/$/, "")).sort() } : {}),
  };
}

const SYMBOL: Record<TerraformChange["action"], string> = { replace: "-/+", destroy: "-", add: "+", change: "~" };

/** One line per address, as `terraform plan` marks them, with why it is replaced or what changes. */
function terraformLine(change: TerraformChange): string {
  const why =
    change.action === "replace"
      ? `  replaced: ${change.reasons.join(", ")} ${change.reasons.length > 1 ? "force" : "forces"} a new resource`
      : change.action === "change"
        ? `  (${change.reasons.join(", ")}` +
          (change.mayReplace.length ? `; the provider replaces it for some values of: ${change.mayReplace.join(", ")}` : "") +
          (change.unknown.length ? `; not in the provider tables, replacement unknown: ${change.unknown.join(", ")}` : "") +
          ")"
        : "";
  const refused = change.preventDestroy ? `\n        prevent_destroy is set: Terraform refuses a plan that replaces it (see "Destroying or replacing the cluster" in the README)` : "";
  return `  ${SYMBOL[change.action]} ${change.address}${why}${refused}`;
}

/** Addresses changed in place whose change the provider turns into a replacement for some values. */
export const possiblyReplaced = (terraform: TerraformSummary) => terraform.changes.filter((c) => c.mayReplace.length > 0).map((c) => c.address);

/**
 * The warning that goes first wherever a change is described (plan, update, the PR body): what Terraform
 * destroys, replaced resources included, and what it may replace. Empty when nothing is destroyed.
 */
export function formatTerraformWarning(terraform: TerraformSummary): string {
  const { replaced, destroyed } = terraform;
  const possibly = possiblyReplaced(terraform);
  if (replaced.length + destroyed.length + possibly.length === 0) return "";
  const parts = [
    ...(replaced.length ? [`replaces ${replaced.length} (${replaced.join(", ")})`] : []),
    ...(destroyed.length ? [`destroys ${destroyed.length} (${destroyed.join(", ")})`] : []),
    ...(possibly.length ? [`may replace ${possibly.length} (${possibly.join(", ")}; terraform plan tells)`] : []),
  ];
  const blocked = terraform.changes.filter((c) => c.preventDestroy).map((c) => c.address);
  return (
    `WARNING: Terraform ${parts.join(" and ")} resource(s): they are destroyed (and replacements created again), with what runs on them.` +
    (blocked.length ? ` ${blocked.join(", ")} ${blocked.length > 1 ? "keep" : "keeps"} lifecycle.prevent_destroy, so terraform plan refuses the change until it is turned off on purpose.` : "") +
    "\n"
  );
}

export function formatSummary(summary: ChangeSummary): string {
  const section = (title: string, set: ChangeSet) => {
    const lines = [...set.added.map((x) => `  + ${x}`), ...set.changed.map((x) => `  ~ ${x}`), ...set.removed.map((x) => `  - ${x}`)];
    return lines.length ? `${title} (${set.added.length} added, ${set.changed.length} changed, ${set.removed.length} removed):\n${lines.join("\n")}\n` : "";
  };
  const { terraform } = summary;
  const counts = `${terraform.replaced.length} replaced, ${terraform.destroyed.length} destroyed, ${terraform.added.length} added, ${terraform.changed.length} changed in place`;
  const terraformSection = terraform.changes.length ? `Terraform resources (${counts}):\n${terraform.changes.map(terraformLine).join("\n")}\n` : "";
  const moved = summary.movedToBases.length
    ? `Moved to the fleet's shared add-on bases (${BASES_DIR}<add-on>/, one for the fleet's clusters of each engine; the cluster lists them and keeps its values): ${summary.movedToBases.join(", ")}\n`
    : "";
  const removedBases = summary.basesRemoved?.length
    ? `Removed from the fleet's shared add-on bases (${BASES_DIR}<add-on>/; no cluster of the fleet runs these add-ons with that engine any more): ${summary.basesRemoved.join(", ")}\n`
    : "";
  const movedWorkloads = summary.workloadsMovedToBases?.length
    ? `Moved to the fleet's shared workload bases (${WORKLOAD_BASES_DIR}<blueprint>/<workload>/, one for the fleet's clusters of each blueprint, both engines; the cluster lists them and keeps what it sets otherwise as patches): ${summary.workloadsMovedToBases.join(", ")}\n`
    : "";
  return terraformSection + section("Kubernetes resources", summary.kubernetes) + moved + movedWorkloads + removedBases + section("Files", summary.files) || "No changes.\n";
}
