/**
 * The fleet as its repository-wide CI sees it (src/generator/fleet-ci.ts): every cluster with a Terraform root, the
 * ones being removed included (their root stays until remove-cluster's last step). Null for a repository of one
 * cluster, whose CI renders as `create` wrote it.
 */
import { loadBlueprint } from "../blueprints/load.js";
import { buildRenderContext } from "../generator/context.js";
import { fleetCiOf, type FleetCi } from "../generator/fleet-ci.js";
import { parseParams } from "../params/parse.js";
import { readFleet, type Fleet, type FleetMember } from "./members.js";

/**
 * The add-ons with a chart a cluster runs, from its recorded answers as its render selects them; undefined where its
 * answers do not parse with the blueprint this release ships (then the first cluster's render keeps every base).
 */
function chartAddonsOf(member: Pick<FleetMember, "answers">, gitops: string): string[] | undefined {
  const blueprint = loadBlueprint(member.answers.blueprint);
  const parsed = parseParams({ values: { ...member.answers.params, gitops } }, blueprint);
  if (parsed.errors || !parsed.params) return undefined;
  return buildRenderContext(parsed.params, blueprint, { toolVersion: "" }).addonList.filter((addon) => addon.chart).map((addon) => addon.name);
}

export function fleetCiFor(fleet: Pick<Fleet, "file" | "members">): FleetCi | null {
  if (!fleet.file) return null;
  return fleetCiOf(
    fleet.members.map((member) => {
      const gitops = member.answers.gitops ?? String(member.answers.params.gitops);
      const addons = chartAddonsOf(member, gitops);
      return { name: member.name, root: member.root, provider: loadBlueprint(member.answers.blueprint).provider, params: member.answers.params, gitops, blueprint: member.answers.blueprint, ...(addons ? { addons } : {}) };
    }),
  );
}

/** The repository's repository-wide render input: only the first cluster's render (root "") writes those files. */
export const fleetCiForRoot = (dir: string, root: string): FleetCi | null => (root === "" ? fleetCiFor(readFleet(dir)) : null);
