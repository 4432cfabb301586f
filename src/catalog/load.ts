/**
 * Reads the add-on catalog: `addons/catalog.yaml` (its version) and every `addons/<name>/` folder, found by presence.
 * Each problem names the file to add or change; a catalog that does not load stops every render (exit 1), as a
 * broken blueprint does. Read once per process and root.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { isDirectory, listFilesRecursive, packageRoot } from "../_utils.js";
import { BlueprintError } from "../errors.js";
import { parseShippedYaml } from "../yaml/shipped-data.js";
import type { Addon, AddonManifest, Catalog } from "./types.js";

export const catalogRoot = join(packageRoot, "addons");

/** The files of an add-on folder, as the loader and the contract test name them. */
export const ADDON_FILES = { manifest: "addon.yaml", valuesSchema: "values.schema.json", settingsSchema: "settings.schema.json", readme: "README.md.hbs", day1: "day1.md.hbs", values: "values.yaml.hbs", manifests: "manifests", configs: "configs", secretStore: "secret-store" } as const;

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LEVELS = ["privileged", "baseline", "restricted"];
const KNOWN_KEYS = new Set(["description", "layer", "namespace", "podSecurity", "chart", "crds", "crdSources", "largeCrds", "dependsOn", "requires", "excludes", "enabledByDefault", "images", "argocdConfigMaps", "ownValues", "secrets"]);

/** Add-on names: the folders of addons/, sorted. */
export function addonNames(root: string = catalogRoot): string[] {
  if (!isDirectory(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith("_") && !entry.name.startsWith("."))
    .map((entry) => entry.name)
    .sort();
}

const isStringList = (value: unknown) => Array.isArray(value) && value.every((item) => typeof item === "string");

/** What is wrong with an addon.yaml, one line each. */
function manifestProblems(manifest: AddonManifest, file: string): string[] {
  const problems: string[] = [];
  const at = (key: string, what: string) => problems.push(`${file}: ${key}: ${what}`);
  for (const key of Object.keys(manifest)) if (!KNOWN_KEYS.has(key)) at(key, `not a field of an add-on (${[...KNOWN_KEYS].join(", ")})`);
  if (typeof manifest.description !== "string" || manifest.description.trim() === "" || manifest.description.includes("\n")) at("description", "one line saying what it brings");
  if (manifest.layer !== "infrastructure" && manifest.layer !== "apps") at("layer", "infrastructure or apps");
  // An add-on without a chart may run nothing (CRD sources, cluster-scoped admission policies): no namespace then.
  const runsNothing = manifest.chart === undefined;
  if (!(runsNothing && manifest.namespace === undefined) && (typeof manifest.namespace !== "string" || !NAME.test(manifest.namespace))) at("namespace", "a namespace name (DNS-1123 label)");
  if (manifest.podSecurity !== undefined) {
    if (!LEVELS.includes(manifest.podSecurity?.level)) at("podSecurity.level", `one of ${LEVELS.join(", ")}`);
    if (manifest.podSecurity?.level !== "restricted" && (typeof manifest.podSecurity?.reason !== "string" || !manifest.podSecurity.reason.startsWith(`${manifest.podSecurity.level}:`))) {
      at("podSecurity.reason", `say why, starting with "${manifest.podSecurity?.level}:" (written above the namespace)`);
    }
  }
  const chart = manifest.chart;
  if (chart !== undefined) {
    if (typeof chart?.repository?.name !== "string" || !NAME.test(chart.repository.name)) at("chart.repository.name", "a name for the HelmRepository/OCIRepository object");
    if (typeof chart?.repository?.url !== "string" || !/^(https|oci):\/\/[^\s]+$/.test(chart.repository.url)) at("chart.repository.url", "an https:// or oci:// URL");
    if (typeof chart?.name !== "string" || chart.name === "") at("chart.name", "the chart's name");
    if (typeof chart?.version !== "string" || !/^v?\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$/.test(chart.version)) at("chart.version", 'an exact version, quoted ("1.2.3" or "v1.2.3"): no range, so that Renovate proposes each update');
  }
  for (const key of ["crds", "dependsOn", "requires", "excludes", "images", "argocdConfigMaps", "ownValues"] as const) {
    if (manifest[key] !== undefined && !isStringList(manifest[key])) at(key, "a list of strings");
  }
  if (manifest.crdSources !== undefined && !Array.isArray(manifest.crdSources)) at("crdSources", "a list of { name, url, tag, path }");
  for (const [index, source] of (Array.isArray(manifest.crdSources) ? manifest.crdSources : []).entries()) {
    const where = `crdSources[${index}]`;
    if (typeof source?.name !== "string" || !NAME.test(source.name)) at(`${where}.name`, "a name for the GitRepository/Kustomization (Application), a DNS-1123 label");
    if (typeof source?.url !== "string" || !/^https:\/\/[^\s]+$/.test(source.url)) at(`${where}.url`, "the https:// URL of the Git repository");
    if (typeof source?.tag !== "string" || !/^v?\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$/.test(source.tag)) at(`${where}.tag`, 'an exact release tag, quoted ("v1.6.1")');
    if (typeof source?.path !== "string" || !/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(source.path) || source.path.split("/").includes("..")) at(`${where}.path`, "the folder of the CRDs in that repository (config/crd)");
  }
  for (const crd of manifest.crds ?? []) if (!/^[a-z0-9.-]+\/[A-Z][A-Za-z0-9]*$/.test(crd)) at("crds", `${crd}: write <group>/<Kind>`);
  for (const key of isStringList(manifest.ownValues) ? manifest.ownValues! : []) {
    if (!manifest.chart) at("ownValues", `${key}: only an add-on with a chart keeps values from it (all of a manifests-only add-on's values are its own)`);
  }
  if (manifest.secrets !== undefined) {
    if (!Array.isArray(manifest.secrets)) at("secrets", "a list of {name, keys, namespace}");
    // Its namespace must exist before its Secrets are made, and its chart starts only after them: the infrastructure
    // layer creates namespaces first (src/catalog/secret-order.ts); the apps layer is applied after every Secret.
    else if (manifest.layer === "apps") at("secrets", "only an add-on of the infrastructure layer declares Secrets (its namespace exists before them, its chart starts after them)");
    else {
      for (const [i, secret] of manifest.secrets.entries()) {
        // DNS-1123 labels throughout: the store's entry is named <cluster>-<namespace>-<name>-<key>, which every
        // cloud's secret manager accepts (Azure Key Vault: letters, digits and '-').
        if (typeof secret?.name !== "string" || !NAME.test(secret.name)) at(`secrets[${i}].name`, "the Secret's name, a DNS-1123 label");
        if (!isStringList(secret?.keys) || secret.keys.length === 0 || !secret.keys.every((key: string) => NAME.test(key))) at(`secrets[${i}].keys`, "its keys, a non-empty list of DNS-1123 labels (api-key, admin-password)");
        if (secret?.namespace !== undefined && (typeof secret.namespace !== "string" || !NAME.test(secret.namespace))) at(`secrets[${i}].namespace`, "a namespace name; leave it out for the add-on's own");
      }
    }
  }
  const byDefault = manifest.enabledByDefault;
  if (byDefault !== undefined && typeof byDefault !== "boolean" && !(Array.isArray(byDefault) && byDefault.every(isStringList))) {
    at("enabledByDefault", "true, false, or a list of capability lists ([[gpu, engine=flux]])");
  }
  return problems;
}

function templatesIn(dir: string): Map<string, string> {
  if (!isDirectory(dir)) return new Map();
  return new Map(listFilesRecursive(dir).map((path) => [path, readFileSync(join(dir, path), "utf8")]));
}

function loadAddon(root: string, name: string, problems: string[]): Addon | undefined {
  const dir = join(root, name);
  const rel = `addons/${name}`;
  if (!NAME.test(name)) problems.push(`${rel}/: an add-on's folder name is its name, a DNS-1123 label`);
  const manifestFile = join(dir, ADDON_FILES.manifest);
  if (!existsSync(manifestFile)) {
    problems.push(`${rel}/: add ${rel}/${ADDON_FILES.manifest} (see docs/ADDON-GUIDE.md)`);
    return undefined;
  }
  const manifest = (parseShippedYaml(readFileSync(manifestFile, "utf8")) ?? {}) as AddonManifest;
  problems.push(...manifestProblems(manifest, `${rel}/${ADDON_FILES.manifest}`));
  const schemaFile = join(dir, ADDON_FILES.valuesSchema);
  let valuesSchema: Record<string, unknown> = {};
  if (!existsSync(schemaFile)) problems.push(`${rel}/: add ${rel}/${ADDON_FILES.valuesSchema}, what users may set in addons.${name}.values`);
  else valuesSchema = JSON.parse(readFileSync(schemaFile, "utf8"));
  const settingsFile = join(dir, ADDON_FILES.settingsSchema);
  const settingsSchema = existsSync(settingsFile) ? (JSON.parse(readFileSync(settingsFile, "utf8")) as Record<string, unknown>) : undefined;
  if (settingsSchema && manifest.enabledByDefault !== undefined && manifest.enabledByDefault !== false && Array.isArray(settingsSchema.required) && settingsSchema.required.length > 0) {
    problems.push(`${rel}/${ADDON_FILES.manifest}: enabledByDefault: an add-on with required settings (${rel}/${ADDON_FILES.settingsSchema}) is enabled only by the user who gives them`);
  }
  const valuesFile = join(dir, ADDON_FILES.values);
  const day1File = join(dir, ADDON_FILES.day1);
  const manifests = templatesIn(join(dir, ADDON_FILES.manifests));
  const configs = templatesIn(join(dir, ADDON_FILES.configs));
  const secretStore = templatesIn(join(dir, ADDON_FILES.secretStore));
  if (!manifest.chart && manifests.size === 0 && (manifest.crdSources?.length ?? 0) === 0) problems.push(`${rel}/${ADDON_FILES.manifest}: give a chart or crdSources, or add its manifests under ${rel}/${ADDON_FILES.manifests}/`);
  return {
    ...manifest,
    name,
    dir: rel,
    valuesSchema,
    ...(settingsSchema ? { settingsSchema } : {}),
    ...(existsSync(valuesFile) ? { valuesTemplate: { path: `${rel}/${ADDON_FILES.values}`, source: readFileSync(valuesFile, "utf8") } } : {}),
    ...(existsSync(day1File) ? { day1Template: { path: `${rel}/${ADDON_FILES.day1}`, source: readFileSync(day1File, "utf8") } } : {}),
    ...(existsSync(join(dir, ADDON_FILES.readme)) ? { readme: { path: `${rel}/${ADDON_FILES.readme}`, source: readFileSync(join(dir, ADDON_FILES.readme), "utf8") } } : {}),
    manifests,
    configs,
    ...(secretStore.size > 0 ? { secretStore } : {}),
  };
}

/** Dependencies that are not add-ons, and cycles, named. */
function dependencyProblems(addons: Map<string, Addon>): string[] {
  const problems: string[] = [];
  for (const addon of addons.values()) {
    for (const dependency of addon.dependsOn ?? []) {
      if (!addons.has(dependency)) problems.push(`${addon.dir}/addon.yaml: dependsOn: ${dependency} is not an add-on of the catalog`);
    }
  }
  const visiting = new Set<string>();
  const done = new Set<string>();
  const visit = (name: string, path: string[]): void => {
    if (done.has(name) || !addons.has(name)) return;
    if (visiting.has(name)) {
      problems.push(`addons/${name}/addon.yaml: dependsOn makes a cycle (${[...path.slice(path.indexOf(name)), name].join(" -> ")})`);
      return;
    }
    visiting.add(name);
    for (const dependency of addons.get(name)!.dependsOn ?? []) visit(dependency, [...path, name]);
    visiting.delete(name);
    done.add(name);
  };
  for (const name of addons.keys()) visit(name, []);
  return problems;
}

const loaded = new Map<string, Catalog>();

/** The catalog under `root` (the package's addons/ by default), loaded once; a broken one throws a BlueprintError. */
export function loadCatalog(root: string = catalogRoot): Catalog {
  const cached = loaded.get(root);
  if (cached) return cached;
  const problems: string[] = [];
  const catalogFile = join(root, "catalog.yaml");
  const version = existsSync(catalogFile) ? (parseShippedYaml(readFileSync(catalogFile, "utf8")) as { version?: unknown })?.version : undefined;
  if (typeof version !== "string" || !/^\d+\.\d+\.\d+$/.test(version)) problems.push(`addons/catalog.yaml: version: the catalog's version, such as 1.0.0`);
  const addons = new Map<string, Addon>();
  for (const name of addonNames(root)) {
    const addon = loadAddon(root, name, problems);
    if (addon) addons.set(name, addon);
  }
  problems.push(...dependencyProblems(addons));
  if (problems.length > 0) throw new BlueprintError("addons/: the add-on catalog is not usable", problems);
  const catalog = { version: version as string, addons };
  loaded.set(root, catalog);
  return catalog;
}

/** Add-ons in dependency order (dependencies first), then by name. */
export function dependencyOrder(addons: Addon[]): Addon[] {
  const byName = new Map(addons.map((addon) => [addon.name, addon]));
  const out: Addon[] = [];
  const seen = new Set<string>();
  const visit = (addon: Addon) => {
    if (seen.has(addon.name)) return;
    seen.add(addon.name);
    for (const dependency of addon.dependsOn ?? []) if (byName.has(dependency)) visit(byName.get(dependency)!);
    out.push(addon);
  };
  // By code unit, not localeCompare: the same order for DNS-1123 labels (NAME), whatever the machine's locale, and no
  // ICU collator to load (about 65 M instructions, the first localeCompare of a run).
  for (const addon of [...addons].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) visit(addon);
  return out;
}

/** How many add-ons lead to this one through dependsOn (0: depends on none), among the given ones. */
export function dependencyDepth(addon: Addon, enabled: Map<string, Addon>): number {
  const deps = (addon.dependsOn ?? []).filter((name) => enabled.has(name));
  return deps.length === 0 ? 0 : 1 + Math.max(...deps.map((name) => dependencyDepth(enabled.get(name)!, enabled)));
}
