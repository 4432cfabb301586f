/**
 * The fleet as its repository-wide CI sees it (src/generator/fleet-ci.ts): every cluster with a Terraform root, the
 * ones being removed included (their root stays until remove-cluster's last step). Null for a repository of one
 * cluster, whose CI renders as `create` wrote it.
 */
import { loadBlueprint } from "../blueprints/load.js";
import { fleetCiOf, type FleetCi } from "../generator/fleet-ci.js";
import { readFleet, type Fleet } from "./members.js";

export function fleetCiFor(fleet: Pick<Fleet, "file" | "members">): FleetCi | null {
  if (!fleet.file) return null;
  return fleetCiOf(fleet.members.map((member) => ({ name: member.name, root: member.root, provider: loadBlueprint(member.answers.blueprint).provider, params: member.answers.params, gitops: member.answers.gitops ?? String(member.answers.params.gitops) })));
}

/** The repository's repository-wide render input: only the first cluster's render (root "") writes those files. */
export const fleetCiForRoot = (dir: string, root: string): FleetCi | null => (root === "" ? fleetCiFor(readFleet(dir)) : null);
