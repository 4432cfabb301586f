/**
 * `validate` of a fleet's environment overlays (src/fleet/environment-overlay.ts): each overlay reads back as the
 * tool writes it, the values an environment sets on a catalog add-on pass the add-on's values schema (the one
 * `addons.<name>.values` of an answers file passes), and a values entry that reaches no cluster of the environment
 * (none of them runs the add-on) is named: it changes nothing, and is most likely a typo or a leftover. A value of
 * another kind (mapping, list, scalar) than a cluster's own value of the same key is an error: kustomize refuses that
 * cluster's build (src/fleet/values-layers.ts, valuesPatchConflicts). Reads the
 * repository's files only; never throws for bad input.
 */
import { AFTER_SECRETS_ROOT } from "../catalog/secret-order.js";
import type { Catalog } from "../catalog/types.js";
import { defaults } from "../defaults.js";
import { formatSchemaErrors } from "../params/messages.js";
import { schemaValidator } from "../params/compiled-schemas.js";
import type { Problem, UnitResult } from "../validators/types.js";
import { loadYamlDocument } from "../yaml/load.js";
import { overlayPathOf, parseOverlayFile } from "./environment-overlay.js";
import { parseFleetFile, type FleetFile } from "./fleet-file.js";
import { FLEET_FILE, addedClusterRoot, answersPathOf } from "./layout.js";
import { patchDirectives, valuesPatchConflicts, withoutKeys } from "./values-layers.js";

const RULE = "environment-overlay";

/** The add-on folders and Argo CD Applications a cluster's files hold: the add-ons it runs. */
function runs(paths: readonly string[], cluster: string, root: string, addon: string): boolean {
  const folders = [`${root}infrastructure/${addon}/`, `${root}${AFTER_SECRETS_ROOT}/${addon}/`];
  return paths.some((path) => folders.some((folder) => path.startsWith(folder)) || path === `clusters/${cluster}/argocd/apps/${addon}.yaml`);
}

/** Each cluster of the fleet with its folder ("" for the first cluster, the one at the top). */
function clusterRoots(paths: readonly string[], fleet: FleetFile, read: (path: string) => string | undefined): Map<string, { root: string; environment: string }> {
  let first: unknown;
  try {
    first = (loadYamlDocument(read(answersPathOf("")) ?? "") as { params?: { clusterName?: unknown } } | null)?.params?.clusterName;
  } catch {
    first = undefined;
  }
  const roots = new Map<string, { root: string; environment: string }>();
  for (const [name, environment] of fleet.clusters) {
    if (paths.includes(answersPathOf(addedClusterRoot(name)))) roots.set(name, { root: addedClusterRoot(name), environment });
    else if (name === first) roots.set(name, { root: "", environment });
  }
  return roots;
}

/** A cluster's own values of an add-on, as its answers file records them ({} where it has none or cannot be read: other checks name that). */
function ownValuesOf(read: (path: string) => string | undefined, root: string, addon: string): Record<string, unknown> {
  try {
    const values = (loadYamlDocument(read(answersPathOf(root)) ?? "") as { params?: { addons?: Record<string, { values?: unknown }> } } | null)?.params?.addons?.[addon]?.values;
    return values && typeof values === "object" && !Array.isArray(values) ? (values as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/**
 * The overlays' results: one unit per overlay file (valid, or with its problems). `catalog` is loaded only where an
 * overlay sets values.
 */
export function validateEnvironmentOverlays(paths: readonly string[], read: (path: string) => string | undefined, catalog: () => Catalog): UnitResult[] {
  const fleetText = paths.includes(FLEET_FILE) ? read(FLEET_FILE) : undefined;
  if (fleetText === undefined) return [];
  let fleet: FleetFile;
  try {
    fleet = parseFleetFile(fleetText);
  } catch {
    return []; // every fleet command names what is wrong with fleet.yaml
  }
  const clusters = clusterRoots(paths, fleet, read);
  const results: UnitResult[] = [];
  for (const environment of fleet.environments) {
    const file = overlayPathOf(environment);
    const text = paths.includes(file) ? read(file) : undefined;
    if (text === undefined) continue;
    const problems: Problem[] = [];
    const problem = (message: string, severity: Problem["severity"] = "error") => problems.push({ file, rule: RULE, message, severity });
    try {
      const overlay = parseOverlayFile(text, file);
      for (const [name, values] of overlay.values) {
        const addon = catalog().addons.get(name);
        if (addon) {
          const { $schema: _schema, ...schema } = addon.valuesSchema as { $schema?: string };
          const validate = schemaValidator("params", schema);
          if (!validate(structuredClone(values))) {
            for (const line of formatSchemaErrors(validate.errors ?? [], schema, new Map())) problem(`values of ${name} for ${environment}: ${line} (add-on ${name}'s values schema: \`${defaults.toolName} addons show ${name}\`)`);
          }
        }
        const members = [...clusters].filter(([, cluster]) => cluster.environment === environment);
        for (const [cluster, { root }] of members) {
          const own = withoutKeys(ownValuesOf(read, root, name), addon?.ownValues ?? []);
          for (const path of valuesPatchConflicts(own, values)) {
            problem(`values of ${name} for ${environment} set ${path} to another kind of value (a mapping, a list or a scalar) than ${cluster}'s own addons.${name}.values.${path} (${answersPathOf(root)}): kustomize refuses ${cluster}'s build ("wrong node kind"); give both the same kind`);
          }
        }
        if (!members.some(([cluster, { root }]) => runs(paths, cluster, root, name))) {
          const who = members.length > 0 ? `none of its clusters (${members.map(([cluster]) => cluster).join(", ")}) runs ${name}` : `it has no cluster`;
          problem(`values of ${name} for ${environment} reach no cluster: ${who}${addon ? "" : `, and ${name} is not an add-on of the catalog`}; remove them, or enable the add-on in a cluster of ${environment}`, "warning");
        }
      }
    } catch (error) {
      problem((error as Error).message);
    }
    const errors = problems.some((p) => p.severity === "error");
    results.push({ file, validator: "gitops", status: errors ? "invalid" : "valid", label: `environment overlay ${environment}`, problems });
  }
  return [...results, ...patchDirectiveResults(clusters, read, catalog)];
}

/**
 * A cluster's own chart values that its patch cannot say (src/fleet/values-layers.ts, patchDirectives): a null or a
 * `$`-prefixed key. `update` and `add-cluster` refuse them; an answers file edited by hand is named here. A unit only
 * for an answers file with such a key.
 */
function patchDirectiveResults(clusters: Map<string, { root: string }>, read: (path: string) => string | undefined, catalog: () => Catalog): UnitResult[] {
  const results: UnitResult[] = [];
  for (const [cluster, { root }] of clusters) {
    const file = answersPathOf(root);
    let addons: Record<string, { values?: unknown } | null> | undefined;
    try {
      addons = (loadYamlDocument(read(file) ?? "") as { params?: { addons?: Record<string, { values?: unknown } | null> } } | null)?.params?.addons;
    } catch {
      continue; // other checks name an answers file that cannot be read
    }
    const problems: Problem[] = [];
    for (const [name, entry] of Object.entries(addons && typeof addons === "object" ? addons : {})) {
      const addon = entry?.values === undefined ? undefined : catalog().addons.get(name);
      if (!addon?.chart || !entry?.values || typeof entry.values !== "object" || Array.isArray(entry.values)) continue;
      for (const { path, kind } of patchDirectives(withoutKeys(entry.values as Record<string, unknown>, addon.ownValues ?? []))) {
        const why = kind === "null" ? "a null, which removes the key instead of giving it to Helm" : `a key starting with "$", a patch directive ($patch, $retainKeys, ...) rather than a value`;
        problems.push({ file, rule: RULE, severity: "error", message: `addons.${name}.values.${path} of ${cluster}: in a fleet its values are a kustomize patch, and this is ${why}; remove it (a null: set the value the chart should take)` });
      }
    }
    if (problems.length > 0) results.push({ file, validator: "gitops", status: "invalid", label: `own values of ${cluster}`, problems });
  }
  return results;
}
