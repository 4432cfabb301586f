/**
 * The precedence of an add-on's chart values in a cluster of a fleet (docs/FLEETS.md, "Values a cluster keeps over its
 * environment's"), as gitops-bridge layers values files `default -> environments/<env> -> clusters/<name>`:
 *
 * 1. the defaults: the catalog's values, then the blueprint's;
 * 2. the environment's: what its overlay sets on the add-on (environments/<env>/addons), for every cluster of it;
 * 3. the cluster's own: `addons.<name>.values` of its answers file, which win for the keys they set.
 *
 * The engine builds it with kustomize: the cluster's own object holds the defaults with its own values (as a single
 * cluster's always did), its environment's overlay patches it, and in a fleet the cluster's kustomization patches it
 * again with its own values, after the overlay (kustomize runs a kustomization's own patches after its components).
 * Every writer and reader goes through this module: the render (the object, the patch), `plan` (what the cluster keeps
 * over its environment), `promote` and the tests, which check that kustomize builds what {@link layeredValues} says.
 * Pure: it knows values, not where the files that hold them live.
 */
import { deepMerge } from "../params/merge.js";

/** A mapping of Helm values. */
export type Values = Record<string, unknown>;

const isMapping = (value: unknown): value is Values => !!value && typeof value === "object" && !Array.isArray(value);

/**
 * kustomize's strategic merge of a values patch into an object's values, for these kinds (a HelmRelease's
 * `spec.values`, an Application's `spec.source.helm.valuesObject`: no merge keys), which is JSON Merge Patch (RFC 7396):
 * mappings merge key by key, a null removes the key, anything else (lists included) replaces; the tests hold it to
 * kustomize. Written here rather than taken from json-merge-patch, which assigns keys: as in deepMerge, a key named
 * `__proto__` (YAML allows it) must be defined as a plain key, not replace the merged object's prototype.
 */
export function mergeValuesPatch(base: Values, patch: Values): Values {
  const out: Values = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      delete out[key];
      continue;
    }
    const current = Object.hasOwn(out, key) ? out[key] : undefined;
    const merged = isMapping(value) ? mergeValuesPatch(isMapping(current) ? current : {}, value) : value;
    // Defined, not assigned: a key named __proto__ stays a plain key (as in deepMerge).
    Object.defineProperty(out, key, { value: merged, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** The kind of YAML node a value is, as kustomize tells them apart. */
const nodeKind = (value: unknown) => (isMapping(value) ? "mapping" : Array.isArray(value) ? "list" : "scalar");

/**
 * The keys where a values patch meets a value of another kind (a mapping, a list, a scalar) in the object: kustomize
 * refuses such a patch ("wrong node kind") and the whole build with it. A null on either side is no conflict (the
 * patch's removes the key, the object's is replaced). Dotted paths, in the patch's order.
 */
export function valuesPatchConflicts(base: Values, patch: Values, prefix = ""): string[] {
  return Object.entries(patch).flatMap(([key, value]) => {
    const current = Object.hasOwn(base, key) ? base[key] : undefined;
    if (value === null || current === null || current === undefined) return [];
    const path = prefix ? `${prefix}.${key}` : key;
    if (nodeKind(value) !== nodeKind(current)) return [path];
    return isMapping(value) ? valuesPatchConflicts(current as Values, value, path) : [];
  });
}

/**
 * The values of the cluster's own add-on object: its own values over the defaults, layered as Helm layers values files
 * (a null stays: Helm reads it as "drop the chart's default"). What a cluster outside a fleet runs.
 */
export function clusterObjectValues(defaults: Values, cluster: Values): Values {
  return deepMerge(defaults, cluster);
}

/** `values` without the keys of `keys` (an add-on's own values, which its templates read and the chart never sees). */
export function withoutKeys(values: Values, keys: readonly string[]): Values {
  return Object.fromEntries(Object.entries(values).filter(([key]) => !keys.includes(key)));
}

/**
 * The cluster's patch, applied after its environment's: its own values without their nulls, or undefined where that
 * leaves nothing to say. A null cannot be said in a kustomize patch (it removes the key): the cluster's object keeps
 * it, where the environment's value for the same key, if it sets one, wins.
 */
export function clusterPatchValues(cluster: Values): Values | undefined {
  const prune = (values: Values): Values =>
    Object.fromEntries(Object.entries(values).flatMap(([key, value]) => (value === null ? [] : [[key, isMapping(value) ? prune(value) : value]])));
  const patch = prune(cluster);
  return Object.keys(patch).length > 0 ? patch : undefined;
}

/** The layers of an add-on's values in one cluster. */
export interface ValueLayers {
  /** The catalog's values with the blueprint's over them. */
  defaults: Values;
  /** What the cluster's environment sets (absent: a repository of one cluster, or an environment that sets none). */
  environment?: Values;
  /** The cluster's own, `addons.<name>.values` of its answers file. */
  cluster?: Values;
  /** In a fleet, the cluster's patch follows its environment's (absent: one cluster, no overlay and no patch). */
  fleet?: boolean;
}

/** The values the engine hands Helm: defaults, then the environment's, then the cluster's own for the keys they set. */
export function layeredValues({ defaults, environment, cluster = {}, fleet = environment !== undefined }: ValueLayers): Values {
  const object = clusterObjectValues(defaults, cluster);
  if (!fleet) return object;
  const withEnvironment = environment === undefined ? object : mergeValuesPatch(object, environment);
  const patch = clusterPatchValues(cluster);
  return patch === undefined ? withEnvironment : mergeValuesPatch(withEnvironment, patch);
}

/** A value the cluster keeps over its environment's: where both set one and the cluster's differs. */
export interface KeptValue {
  /** Dotted path of the key in the add-on's values. */
  path: string;
  environment: unknown;
  cluster: unknown;
}

/** The keys the cluster's own values decide over its environment's (see {@link KeptValue}), in the values' order. */
export function keptOverEnvironment(environment: Values, cluster: Values): KeptValue[] {
  const walk = (env: Values, own: Values, prefix: string): KeptValue[] =>
    Object.entries(own).flatMap(([key, value]) => {
      if (value === null || !Object.hasOwn(env, key)) return [];
      const path = prefix ? `${prefix}.${key}` : key;
      const theirs = env[key];
      if (isMapping(value) && isMapping(theirs)) return walk(theirs, value, path);
      return JSON.stringify(theirs) === JSON.stringify(value) ? [] : [{ path, environment: theirs, cluster: value }];
    });
  const patch = clusterPatchValues(cluster);
  return patch === undefined ? [] : walk(environment, patch, "");
}

/** A key an add-on's values in one cluster keep over its environment's. */
export interface AddonKeptValue extends KeptValue {
  addon: string;
}

/**
 * What a cluster's own values keep over its environment's, add-on by add-on in the order given.
 * @param own each add-on's own chart values (the answers file's, without the add-on's own keys)
 * @param environment the values its environment's overlay sets, by add-on
 */
export function keptValues(own: ReadonlyArray<{ name: string; values: Values }>, environment: ReadonlyMap<string, Values>): AddonKeptValue[] {
  return own.flatMap(({ name, values }) => keptOverEnvironment(environment.get(name) ?? {}, values).map((kept) => ({ addon: name, ...kept })));
}

/** A key of a cluster's own values that kustomize would read as a patch directive, not as a value. */
export interface PatchDirective {
  /** Dotted path of the key in the add-on's values. */
  path: string;
  /** A null (kustomize: remove the key), or a key starting with `$` (kustomize: `$patch`, `$retainKeys`, ...). */
  kind: "null" | "directive";
}

/**
 * The keys of a cluster's own values a kustomize patch cannot say (src/fleet/shared-bases.ts: in a fleet the cluster's
 * add-on object is a patch of the shared base, which has no values): a null would remove the key rather than give Helm
 * a null, and a key starting with `$` is a strategic-merge directive. Walks mappings (lists are replaced whole, but a
 * mapping in a list is read the same way).
 */
export function patchDirectives(values: unknown, prefix = ""): PatchDirective[] {
  if (Array.isArray(values)) return values.flatMap((item, index) => patchDirectives(item, `${prefix}[${index}]`));
  if (!isMapping(values)) return [];
  return Object.entries(values).flatMap(([key, value]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    if (key.startsWith("$")) return [{ path, kind: "directive" as const }];
    if (value === null) return [{ path, kind: "null" as const }];
    return patchDirectives(value, path);
  });
}
