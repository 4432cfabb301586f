/**
 * The fleet as its repository-wide CI sees it (src/generator/fleet-ci.ts): every cluster with a Terraform root, the
 * ones being removed included (their root stays until remove-cluster's last step). Null for a repository of one
 * cluster, whose CI renders as `create` wrote it.
 */
import { loadBlueprint } from "../blueprints/load.js";
import type { Blueprint } from "../blueprints/types.js";
import { buildRenderContext } from "../generator/context.js";
import { fleetCiOf, type FleetCi } from "../generator/fleet-ci.js";
import { parseParams } from "../params/parse.js";
import { readFleet, type Fleet, type FleetMember } from "./members.js";

/**
 * The add-ons with a chart a cluster runs, from its recorded answers as its render selects them; undefined where its
 * answers do not parse with the blueprint this release ships (then the first cluster's render keeps every base).
 */
function chartAddonsOf(member: Pick<FleetMember, "answers">, gitops: string, blueprint: Blueprint): string[] | undefined {
  const parsed = parseParams({ values: { ...member.answers.params, gitops } }, blueprint);
  if (parsed.errors || !parsed.params) return undefined;
  return buildRenderContext(parsed.params, blueprint, { toolVersion: "" }).addonList.filter((addon) => addon.chart).map((addon) => addon.name);
}

export function fleetCiFor(fleet: Pick<Fleet, "file" | "members">): FleetCi | null {
  if (!fleet.file) return null;
  // Each blueprint loaded once for the whole fleet, not twice per cluster: a load reads and checks the blueprint's
  // manifest, schemas and templates (the CLI reads templates once per process, the library each time), and a fresh
  // schema object is hashed again to find its validator. What is left per cluster is parsing its answers and
  // selecting its add-ons (about 2 ms).
  const blueprints = new Map<string, Blueprint>();
  const blueprintOf = (id: string) => blueprints.get(id) ?? blueprints.set(id, loadBlueprint(id)).get(id)!;
  return fleetCiOf(
    fleet.members.map((member) => {
      const gitops = member.answers.gitops ?? String(member.answers.params.gitops);
      const blueprint = blueprintOf(member.answers.blueprint);
      const addons = chartAddonsOf(member, gitops, blueprint);
      return { name: member.name, root: member.root, provider: blueprint.provider, params: member.answers.params, gitops, blueprint: member.answers.blueprint, ...(addons ? { addons } : {}) };
    }),
  );
}

/** The repository's repository-wide render input: only the first cluster's render (root "") writes those files. */
export const fleetCiForRoot = (dir: string, root: string): FleetCi | null => (root === "" ? fleetCiFor(readFleet(dir)) : null);
