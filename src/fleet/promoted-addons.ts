/**
 * Which of the source environment's add-on entries (`addons.<name>`: switch and settings) a target cluster of
 * `promote` takes. An environment may mix blueprints and clusters of one blueprint may differ in what they have (a
 * GPU node group or not), so an add-on the source runs is not always one the target can run: the target's blueprint
 * may not offer it, or the target lacks a capability it needs (dcgm-exporter needs `gpu`), or it clashes with one the
 * target has. Such an entry is left out of that target, with the reason, so that the promotion carries everything
 * else instead of failing as a whole; the pull request names what was left out and why (src/fleet/promote.ts). A
 * cluster's own values (`addons.<name>.values`) are never carried: they win over its environment's values
 * (src/fleet/values-layers.ts), so carrying them would make the source's choices the target's own, out of its
 * environment's reach.
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
/** JSON with every mapping's keys sorted: two entries that say the same in another order are the same. */
const canonical = (value: unknown): string =>
  JSON.stringify(value ?? null, (_key, inner: unknown) => (inner && typeof inner === "object" && !Array.isArray(inner) ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => a.localeCompare(b))) : inner));
const same = (a: unknown, b: unknown) => canonical(a) === canonical(b);

/** An add-on entry without its values: the cluster's own (docs/FLEETS.md), which promote never carries. */
function withoutValues(entry: unknown): Record<string, unknown> {
  const { values: _values, ...rest } = (entry ?? {}) as Record<string, unknown>;
  return rest;
}

/** One source cluster of a promotion: its add-on entries, and the chart version it runs of an add-on. */
export interface SourceCluster {
  name: string;
  addons: Record<string, unknown> | undefined;
  /** The chart version the cluster runs of an add-on (its environment's overlay's, else its render's); undefined where unknown. */
  versionOf: (addon: string) => string | undefined;
}

/** An add-on the source environment's clusters disagree on, and how: it is not promoted. */
export interface Disagreement {
  name: string;
  field: "switch" | "settings" | "version";
  /** Each cluster that has the add-on, with its value of the field. */
  clusters: Array<{ cluster: string; value: unknown }>;
}

export interface SourceAddons {
  /** The entries the clusters agree on (switch and settings; never values), by add-on. */
  addons: Record<string, unknown>;
  /** The add-ons they disagree on, by name. */
  disagreements: Disagreement[];
  /** Each cluster's own add-on values, which promote leaves where they are. */
  ownValues: Array<{ cluster: string; addon: string; values: unknown }>;
}

/**
 * The source environment's add-ons, merged per add-on over its clusters, which may be of different blueprints: an
 * add-on is promoted where every cluster that has an entry for it (whose blueprint offers it) agrees on its switch, its
 * settings and the chart version it runs; one they disagree on is named, not promoted, and the rest goes ahead. The
 * clusters' own values are no part of it: a cluster's values are its own (listed, to say so). Pure.
 */
export function sourceAddons(clusters: readonly SourceCluster[]): SourceAddons {
  const names = [...new Set(clusters.flatMap((cluster) => Object.keys(cluster.addons ?? {})))].sort((a, b) => a.localeCompare(b));
  const addons: Record<string, unknown> = {};
  const disagreements: Disagreement[] = [];
  for (const name of names) {
    const holders = clusters.filter((cluster) => cluster.addons !== undefined && Object.hasOwn(cluster.addons, name));
    const entry = (cluster: SourceCluster) => withoutValues(cluster.addons![name]);
    const fields: Array<[Disagreement["field"], Array<{ cluster: string; value: unknown }>]> = [
      ["switch", holders.map((cluster) => ({ cluster: cluster.name, value: entry(cluster).enabled }))],
      ["settings", holders.map((cluster) => ({ cluster: cluster.name, value: entry(cluster).settings }))],
      // Only where the add-on may run: a version the cluster does not run cannot disagree.
      ["version", holders.filter((cluster) => entry(cluster).enabled !== false).map((cluster) => ({ cluster: cluster.name, value: cluster.versionOf(name) })).filter(({ value }) => value !== undefined)],
    ];
    const split = fields.find(([, values]) => new Set(values.map(({ value }) => canonical(value))).size > 1);
    if (split) disagreements.push({ name, field: split[0], clusters: split[1] });
    else addons[name] = entry(holders[0]!);
  }
  const ownValues = clusters.flatMap((cluster) =>
    Object.entries(cluster.addons ?? {}).flatMap(([addon, entry]) => {
      const values = (entry as { values?: unknown } | undefined)?.values;
      return values !== undefined && !same(values, {}) ? [{ cluster: cluster.name, addon, values }] : [];
    }),
  );
  return { addons, disagreements, ownValues };
}

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
  for (const [name, sourceEntry] of Object.entries(source ?? {})) {
    const offer = blueprint.offeredAddons.get(name);
    // The target's own values stay its own: the source's switch and settings come over them.
    const entry = withoutValues(sourceEntry);
    const ownValues = (own[name] as { values?: unknown } | undefined)?.values;
    const keepingValues = (taken: Record<string, unknown>) => (ownValues !== undefined ? { ...taken, values: ownValues } : taken);
    if (!offer) {
      if (isEnabled(entry)) leftOut.push({ name, reason: `blueprint ${blueprint.id} does not offer ${name}` });
    } else if (offer.when !== undefined) {
      // The target's blueprint binds it to its own parameters: no switch to carry, only its settings.
      const { enabled: _enabled, ...rest } = entry;
      if (Object.keys(rest).length > 0) taken[name] = { ...(own[name] as object), ...rest };
      if (isEnabled(entry)) bound.set(name, [offer.when].flat().join(", "));
    } else taken[name] = keepingValues(entry);
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
