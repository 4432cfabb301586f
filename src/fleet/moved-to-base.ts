/**
 * A conflict on a file of a fleet cluster whose lines moved to an add-on's shared base (src/fleet/shared-bases.ts):
 * the cluster's `apps/<add-on>.yaml` (Argo CD) or `helmrelease.yaml` (Flux) became a patch of the base, its
 * `helmrepository.yaml` (Flux) left for the base, and its `namespace.yaml` (both engines) for the Namespace base. A team's edit of such a line (the sync policy,
 * the release's interval) then meets a render that no longer has the line, and the plain "your edits and the new
 * render change the same lines" hides where the line went. This names the base file and how to carry the edit over.
 */
import { AFTER_SECRETS_ROOT } from "../catalog/secret-order.js";
import type { Catalog } from "../catalog/types.js";
import type { RenderContext } from "../generator/context.js";
import type { MergeOutcome } from "../update/merge.js";
import { argoBaseDirOf, baseDirOf, basesOf, namespaceBaseDirOf, usesSharedBases } from "./shared-bases.js";

/** A cluster file whose generated lines (some or all) now live in a shared base file. */
export interface MovedToBase {
  addon: string;
  /** The base file, from the repository's root. */
  base: string;
  /** The base file as the catalog renders it: the lines that moved are in it. */
  baseText: string;
  /** The cluster's file is now a patch of the base (it stays); otherwise the render removed it. */
  patch: boolean;
}

/**
 * The cluster files of this render (their paths in the repository) whose lines moved to a shared base, each with its
 * base. Empty outside a fleet. The paths follow listSharedBases and listArgoSharedBases, and relocateTree's move
 * under `root` (clusters/<name>/ stays where it is).
 */
export function filesMovedToBases(context: RenderContext, catalog: Catalog, root: string): Map<string, MovedToBase> {
  const moved = new Map<string, MovedToBase>();
  if (!usesSharedBases(context)) return moved;
  const clusterPath = context.gitops.clusterPath;
  const inRepository = (path: string) => (root === "" || path.startsWith(`${clusterPath}/`) ? path : root + path);
  const bases = new Map(basesOf(context, catalog));
  const add = (path: string, addon: string, base: string, patch: boolean) => {
    const baseText = bases.get(base);
    if (baseText !== undefined) moved.set(inRepository(path), { addon, base, baseText, patch });
  };
  for (const addon of context.addonList) {
    if (!addon.chart) continue;
    if (context.gitops.flux) {
      const dir = `${addon.layer}/${addon.name}`;
      const releaseDir = context.secretOrder?.readers.includes(addon.name) ? `${AFTER_SECRETS_ROOT}/${addon.name}` : dir;
      add(`${dir}/namespace.yaml`, addon.name, `${namespaceBaseDirOf(addon.name)}/namespace.yaml`, false);
      add(`${dir}/helmrepository.yaml`, addon.name, `${baseDirOf(addon.name)}/helmrepository.yaml`, false);
      add(`${releaseDir}/helmrelease.yaml`, addon.name, `${baseDirOf(addon.name)}/release/helmrelease.yaml`, true);
    } else {
      add(`${clusterPath}/argocd/apps/${addon.name}.yaml`, addon.name, `${argoBaseDirOf(addon.name)}/application.yaml`, true);
      add(`${addon.layer}/${addon.name}/namespace.yaml`, addon.name, `${namespaceBaseDirOf(addon.name)}/namespace.yaml`, false);
    }
  }
  return moved;
}

const trimmed = (lines: string[]) => lines.map((line) => line.trim()).filter((line) => line !== "" && !line.startsWith("#"));

/**
 * The conflict with its reason saying where the lines went, when the team's edit is of lines the render moved to a
 * shared base: a removed file that moved, or a hunk whose generated-before lines the new render dropped and the base
 * holds. Any other outcome is returned as it is.
 */
export function explainMoveToBase(outcome: MergeOutcome, moved: ReadonlyMap<string, MovedToBase>): MergeOutcome {
  if (outcome.action !== "conflict") return outcome;
  const to = moved.get(outcome.path);
  if (!to) return outcome;
  // The Namespace base serves both engines; the others one engine each.
  const engine = to.base.includes("/namespace/") ? "" : to.base.includes("/argocd/") ? "Argo CD " : "Flux ";
  const section = engine === "" ? "One Namespace base for both engines" : "Shared add-on bases";
  const shared = `${to.base}, the shared base every ${engine}cluster of the fleet that runs ${to.addon} lists (docs/FLEETS.md, "${section}")`;
  if (!to.patch) {
    const folder = outcome.path.slice(0, outcome.path.lastIndexOf("/") + 1);
    return {
      ...outcome,
      reason:
        `you edited a file the new render removes: in a fleet it comes from ${shared}. To keep your edit for this cluster only, ` +
        `write it as a patch file in ${folder} listed under patches: in ${folder}kustomization.yaml (for every cluster, edit the base instead), then delete this file and run update again`,
    };
  }
  // The lines of "generated before" the new render dropped and the base holds: they moved. Of those, the ones the team
  // changed (gone from its copy) are named; an edit that only adds lines among them names none.
  const baseLines = new Set(trimmed(to.baseText.split("\n")));
  const movedLines = outcome.hunks.flatMap((hunk) => trimmed(hunk.base).filter((line) => baseLines.has(line) && !trimmed(hunk.ours).includes(line)).map((line) => ({ line, edited: !trimmed(hunk.theirs).includes(line) })));
  if (movedLines.length === 0) return outcome;
  const edited = movedLines.filter((moved) => moved.edited).map((moved) => `\`${moved.line}\``);
  const which = edited.length > 0 ? `the lines you edited (${edited.slice(0, 3).join(", ")}${edited.length > 3 ? ", ..." : ""})` : "the lines around your edit";
  return {
    ...outcome,
    reason:
      `${outcome.reason}: ${which} now live in ${shared}, and this file is a patch of it. ` +
      `To keep your edit for this cluster only, run update with --conflict markers and resolve on the branch: keep the new patch and ` +
      `add the keys you changed to it under the same parents (a patch's keys win over the base's); to change it for every cluster, edit the base`,
  };
}
