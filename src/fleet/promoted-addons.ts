/**
 * Which of the source environment's add-on entries (`addons.<name>`: switch, settings, values) a target cluster of
 * `promote` takes. An environment may mix blueprints and clusters of one blueprint may differ in what they have (a
 * GPU node group or not), so an add-on the source runs is not always one the target can run: the target's blueprint
 * may not offer it, or the target lacks a capability it needs (dcgm-exporter needs `gpu`), or it clashes with one the
 * target has. Such an entry is left out of that target, with the reason, so that the promotion carries everything
 * else instead of failing as a whole; the pull request names what was left out and why (src/fleet/promote.ts).
 */
import type { Blueprint } from "../blueprints/types.js";
import { selectAddons } from "../catalog/select.js";
import { deriveValues } from "../params/derived.js";
import { fillDefaults, type ClusterParams } from "../params/parse.js";

/** An add-on entry of the source the target does not take, and why (one line, without the advice to switch it off). */
export interface LeftOutAddon {
  name: string;
  reason: string;
}

export interface PromotedAddons {
  /** The target's `addons` once promoted: its own entries, with every source entry it can take. */
  addons: Record<string, unknown>;
  /** Source entries that would have changed the target but cannot run there, by name. */
  leftOut: LeftOutAddon[];
}

const isEnabled = (entry: unknown) => (entry as { enabled?: unknown } | undefined)?.enabled === true;
const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** "addons.x.enabled: x needs gpu, which this cluster does not have; set ..." -> "x needs gpu, which this cluster does not have" */
const reasonOf = (problem: string) => problem.replace(/^[^:]*: /, "").replace(/; [^;]*$/, "");

/**
 * The source's add-on entries a target takes: those its blueprint offers, then, until none is refused, without each
 * one the target's parameters (with those entries) refuse. Pure: reads the blueprint and the parameters only.
 * @param source the source environment's `addons` (one for all its clusters)
 * @param target the target's recorded parameters, `gitops` included
 */
export function promotedAddons(source: Record<string, unknown> | undefined, target: Record<string, unknown>, blueprint: Blueprint): PromotedAddons {
  const own = (target.addons ?? {}) as Record<string, unknown>;
  const taken: Record<string, unknown> = {};
  const leftOut: LeftOutAddon[] = [];
  const bound = new Map<string, string>();
  for (const [name, entry] of Object.entries(source ?? {})) {
    const offer = blueprint.offeredAddons.get(name);
    if (!offer) {
      if (isEnabled(entry)) leftOut.push({ name, reason: `blueprint ${blueprint.id} does not offer ${name}` });
    } else if (offer.when !== undefined) {
      // The target's blueprint binds it to its own parameters: no switch to carry, only its values and settings.
      const { enabled: _enabled, ...rest } = entry as Record<string, unknown>;
      if (Object.keys(rest).length > 0 || name in own) taken[name] = { ...(own[name] as object), ...rest };
      if (isEnabled(entry)) bound.set(name, [offer.when].flat().join(", "));
    } else taken[name] = entry;
  }
  for (;;) {
    const params = fillDefaults({ ...target, addons: { ...own, ...taken } }, blueprint) as ClusterParams;
    const { refused, enabled } = selectAddons(blueprint.offeredAddons, blueprint, { params, derived: deriveValues(blueprint.derived, params) });
    for (const [name, when] of bound) if (!enabled.has(name)) leftOut.push({ name, reason: `blueprint ${blueprint.id} installs ${name} where ${when}, which this cluster does not have` });
    bound.clear();
    // Only an entry the promotion changes is left out: what the target already had is its own (its plan's validation speaks of it).
    const dropped = [...refused].filter(([name]) => name in taken && !same(taken[name], own[name]));
    if (dropped.length === 0) break;
    for (const [name, problems] of dropped) {
      delete taken[name];
      leftOut.push({ name, reason: problems.map(reasonOf).join("; ") });
    }
  }
  return { addons: { ...own, ...taken }, leftOut: leftOut.sort((a, b) => a.name.localeCompare(b.name)) };
}
