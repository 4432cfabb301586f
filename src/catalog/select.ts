/**
 * Which add-ons a blueprint offers and which a render enables, from capabilities: what the cluster has, as the
 * blueprint declares it (`capabilities:` in blueprint.yaml, each `true` or a condition on its parameters), plus the
 * render's own facts (`engine=flux`, `cloud=azure-aks`, `provider=Azure`, `forge=github`, `secrets=external-secrets`) and the name of every
 * enabled add-on. An add-on is offered where its `requires` are capabilities the blueprint declares; it may run
 * where they hold and none of its `excludes` does, and every add-on it depends on is offered too; it is on by default
 * where one of its `enabledByDefault` sets holds.
 */
import { conditionHolds } from "../generator/conditions.js";
import type { Addon, BlueprintAddon, Catalog } from "./types.js";

/** What a blueprint says about add-ons: its capabilities and its own use of some add-ons. */
export interface CatalogUse {
  cloud: string;
  provider: string;
  capabilities?: Record<string, boolean | string | string[]>;
  addons?: Record<string, BlueprintAddon>;
}

/** How a blueprint offers an add-on: bound to its own parameter (`when`), or as an `addons.<name>.enabled` switch. */
export interface OfferedAddon {
  addon: Addon;
  /** The blueprint's condition; undefined: the user's switch decides. */
  when?: string | string[];
  /** The blueprint's layer of values. */
  values: Record<string, unknown>;
  /** The blueprint's layer of settings. */
  settings: Record<string, unknown>;
}

/**
 * The add-ons a blueprint offers, by name (sorted): those it binds, and those whose requirements it declares and
 * whose exclusions it does not always have (no device plugin where the platform always runs a GPU operator).
 */
export function offeredAddons(use: CatalogUse, catalog: Catalog): Map<string, OfferedAddon> {
  const declared = new Set([...Object.keys(use.capabilities ?? {}), ...catalog.addons.keys()]);
  const always = new Set(Object.entries(use.capabilities ?? {}).filter(([, condition]) => condition === true).map(([name]) => name));
  const offered = new Map<string, OfferedAddon>();
  for (const addon of catalog.addons.values()) {
    const own = use.addons?.[addon.name];
    const possible = (addon.requires ?? []).every((capability) => declared.has(capability) || isBuiltIn(capability)) && !(addon.excludes ?? []).some((capability) => always.has(capability));
    if (!own && !possible) continue;
    offered.set(addon.name, { addon, ...(own?.when !== undefined ? { when: own.when } : {}), values: own?.values ?? {}, settings: own?.settings ?? {} });
  }
  // An add-on that needs another one the blueprint cannot offer cannot run there either (envoy-gateway without the
  // Gateway API's CRDs): not offered, rather than a switch whose every use is refused. Until nothing more drops out.
  for (let dropped = true; dropped; ) {
    dropped = false;
    for (const [name, offer] of offered) {
      if (use.addons?.[name] || (offer.addon.dependsOn ?? []).every((dependency) => offered.has(dependency))) continue;
      offered.delete(name);
      dropped = true;
    }
  }
  return offered;
}

const BUILT_IN = /^(engine|cloud|provider|forge|secrets)=/;
const isBuiltIn = (capability: string) => BUILT_IN.test(capability);

/** The facts a condition may read: the validated parameters and the blueprint's derived values. */
export interface ConditionFacts {
  params: Record<string, any>;
  derived: Record<string, unknown>;
}

const holds = (facts: ConditionFacts, condition: boolean | string | string[]) =>
  typeof condition === "boolean" ? condition : [condition].flat().every((one) => conditionHolds(facts, one));

/** The capabilities that hold for these parameters, before any add-on is counted. */
export function baseCapabilities(use: CatalogUse, facts: ConditionFacts): Set<string> {
  const held = new Set([`engine=${facts.params.gitops}`, `forge=${facts.params.forge}`, `cloud=${use.cloud}`, `provider=${use.provider}`, `secrets=${facts.params.secrets}`]);
  for (const [name, condition] of Object.entries(use.capabilities ?? {})) if (holds(facts, condition)) held.add(name);
  return held;
}

export interface AddonSelection {
  /** Enabled add-ons, by name. */
  enabled: Set<string>;
  /** Every capability that holds, enabled add-ons included. */
  capabilities: Set<string>;
  /** `addons.<name>.enabled` of each switchable add-on, as the answers file records it (the default filled in). */
  switches: Record<string, boolean>;
  /** `addons.<name>.enabled: ...` lines for add-ons enabled where they may not run. */
  problems: string[];
  /** The same problems by add-on: each add-on enabled where it may not run, with its lines. */
  refused: Map<string, string[]>;
}

/**
 * The add-ons a render enables: the blueprint's bound ones where their condition holds, then each switch as the
 * parameters set it or, unset, as the catalog's default for these capabilities. Every enabled add-on is checked
 * against its requirements and exclusions; a problem names the parameter and says what to do.
 */
export function selectAddons(offered: Map<string, OfferedAddon>, use: CatalogUse, facts: ConditionFacts): AddonSelection {
  const base = baseCapabilities(use, facts);
  const enabled = new Set<string>();
  const switches: Record<string, boolean> = {};
  for (const [name, offer] of offered) if (offer.when !== undefined && holds(facts, offer.when)) enabled.add(name);
  const given = (facts.params.addons ?? {}) as Record<string, { enabled?: boolean }>;
  const withBound = new Set([...base, ...enabled]);
  for (const [name, offer] of offered) {
    if (offer.when !== undefined) continue;
    const value = given[name]?.enabled ?? enabledByDefault(offer.addon, withBound);
    switches[name] = value;
    if (value) enabled.add(name);
  }
  const capabilities = new Set([...base, ...enabled]);
  const problems: string[] = [];
  const refused = new Map<string, string[]>();
  const refuse = (name: string, problem: string) => {
    problems.push(problem);
    refused.set(name, [...(refused.get(name) ?? []), problem]);
  };
  for (const name of [...enabled].sort()) {
    const addon = offered.get(name)!.addon;
    const where = offered.get(name)!.when !== undefined ? `addon ${name} (enabled by the blueprint: ${[offered.get(name)!.when].flat().join(", ")})` : `addons.${name}.enabled`;
    const missing = (addon.requires ?? []).filter((capability) => !capabilities.has(capability));
    if (missing.length > 0) refuse(name, `${where}: ${name} needs ${missing.join(", ")}, which this cluster does not have; set addons.${name}.enabled=false`);
    const clashing = (addon.excludes ?? []).filter((capability) => capabilities.has(capability) && capability !== name);
    if (clashing.length > 0) refuse(name, `${where}: ${name} cannot run beside ${clashing.join(", ")} (the same job twice); turn one of them off`);
    const absent = (addon.dependsOn ?? []).filter((dependency) => !enabled.has(dependency));
    if (absent.length > 0) refuse(name, `${where}: ${name} uses the CRDs of ${absent.join(", ")}; enable ${absent.map((dependency) => `addons.${dependency}.enabled`).join(" and ")} too`);
  }
  return { enabled, capabilities, switches, problems, refused };
}

/** The catalog's default for an add-on's switch, given the capabilities that hold. */
function enabledByDefault(addon: Addon, capabilities: Set<string>): boolean {
  const rule = addon.enabledByDefault ?? false;
  if (typeof rule === "boolean") return rule && (addon.requires ?? []).every((capability) => capabilities.has(capability));
  return rule.some((set) => set.every((capability) => capabilities.has(capability)));
}
