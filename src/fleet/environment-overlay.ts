/**
 * An environment's overlay (docs/FLEETS.md, "Environment overlays"): `environments/<env>/addons/kustomization.yaml`,
 * a kustomize Component that pins the chart version of each catalog add-on for every cluster of the environment, as
 * Flux's d2 reference pins chart versions in its staging and production overlays of a shared base, and merges the
 * values the environment sets on an add-on over each cluster's own (as gitops-bridge layers values per environment).
 * Each Flux cluster of a fleet lists it under `components:` of its add-on layers' kustomizations; each Argo CD
 * cluster's root builds `clusters/<name>/argocd/` with a kustomization that lists it. The wiring is part of the
 * cluster's render, so its update and check agree with it; the add-on's HelmRelease or Application in the cluster's
 * own files is the base, and the overlay's version and values are what the cluster runs.
 *
 * One owner, so that no two clusters' updates fight over it: the overlay belongs to the environment, not to any
 * cluster's render (it is in no render record). What writes it is deterministic:
 * - a render of a cluster in the environment (add-cluster, update) adds the version entries of its add-ons the overlay
 *   lacks, at the render's version, and the patches of its engine; an update that upgrades the add-on catalog (a new
 *   release of the tool) also sets its add-ons' entries to the new catalog's versions in the first environment, the
 *   one promotions start from (as d2's staging follows `latest`): two clusters of one environment at one release
 *   write the same entries; a render never changes values;
 * - `promote a b` gives b every add-on entry of a's overlay, version and values: a change of that one file;
 * - otherwise an entry stays as it is, a version (or a Flux semver range) or values the team wrote by hand included.
 *
 * A patch whose object a cluster does not have changes nothing there (a target that matches nothing is no error for
 * kustomize), so one overlay serves clusters of different blueprints, add-on sets and engines. Read back like every
 * other input: bounded, every field checked, an error names the file and the fix.
 */
import { AFTER_SECRETS_ROOT } from "../catalog/secret-order.js";
import { defaults } from "../defaults.js";
import { InputError } from "../errors.js";
import type { RenderContext } from "../generator/context.js";
import { toYamlText } from "../generator/yaml-text.js";
import { loadYamlFile } from "../yaml/load.js";

/** Add-on (HelmRelease or Application) name -> the chart version (or semver range) an environment runs. */
export type ChartVersions = Map<string, string>;

/** The engines whose objects an overlay patches: Flux's HelmReleases, Argo CD's Applications. */
export type OverlayEngine = "flux" | "argo";

/**
 * An environment's platform state as its overlay holds it: the chart version of each add-on, the values the
 * environment sets on some (merged over each cluster's own), and the engines of the environment's clusters (an
 * engine's patches are written once a cluster of it renders, so that a Flux environment's file stays as it was).
 */
export interface Overlay {
  versions: ChartVersions;
  /** Add-on name -> values (a mapping), merged over the cluster's values as kustomize merges a patch: maps deep, lists replaced. */
  values: Map<string, Record<string, unknown>>;
  engines: Set<OverlayEngine>;
}

export const ENVIRONMENTS_DIR = "environments/";
export const overlayDirOf = (environment: string) => `${ENVIRONMENTS_DIR}${environment}/addons`;
export const overlayPathOf = (environment: string) => `${overlayDirOf(environment)}/kustomization.yaml`;

/** What each engine's add-on object is, and where its version and its values are. */
const ENGINES: Record<OverlayEngine, { group: string; kind: string; apiVersion: string; versionPath: string; valuesPath: string[] }> = {
  flux: { group: "helm.toolkit.fluxcd.io", kind: "HelmRelease", apiVersion: "helm.toolkit.fluxcd.io/v2", versionPath: "/spec/chart/spec/version", valuesPath: ["spec", "values"] },
  argo: { group: "argoproj.io", kind: "Application", apiVersion: "argoproj.io/v1alpha1", versionPath: "/spec/source/targetRevision", valuesPath: ["spec", "source", "helm", "valuesObject"] },
};
const ENGINE_ORDER: OverlayEngine[] = ["flux", "argo"];
const VERSION_PATH = ENGINES.flux.versionPath;
/** A chart version or a Flux semver range: printable, one line, short. */
const VERSION = /^[\x21-\x7e]([\x20-\x7e]{0,98}[\x21-\x7e])?$/;
/** Keys kustomize's strategic merge reads as directives, not values: refused in an environment's values. */
const DIRECTIVE = /^\$(patch|retainKeys|setElementOrder|deleteFromPrimitiveList)\b/;

const header = (environment: string) => `# The chart version of each catalog add-on every Flux cluster of ${environment} runs: a kustomize Component that
# each cluster's infrastructure kustomization lists, patching its add-ons' HelmReleases. \`${defaults.toolName} promote\`
# copies these versions from the previous environment; edit a version (or a Flux semver range) here by pull request.
`;
const fullHeader = (environment: string) => `# The platform state of ${environment}: the chart version of each catalog add-on every cluster of ${environment} runs
# and the values ${environment} sets on it (merged over each cluster's own: maps merged, lists replaced), as a kustomize
# Component each cluster's add-on layers list, patching its HelmReleases (Flux) or Applications (Argo CD).
# \`${defaults.toolName} promote\` copies it from the previous environment; edit a version (or a Flux semver range) or a
# values patch here by pull request (the two engines' patches of one add-on must agree).
`;

const byName = <T>(map: Map<string, T>) => [...map].sort(([a], [b]) => a.localeCompare(b));
const setAtPath = (path: string[], value: unknown): Record<string, unknown> => path.reduceRight<unknown>((inner, key) => ({ [key]: inner }), value) as Record<string, unknown>;

/** A patch of a kustomization's `patches:`: its target, and the patch as text or as values to write as a block. */
type PatchEntry = { target: { group: string; kind: string; name: string }; patch: string } | { target: { group: string; kind: string; name: string }; values: Record<string, unknown>; engine: OverlayEngine };

/** The JSON 6902 patch of an add-on's chart version, for one engine. */
function versionPatch(engine: OverlayEngine, name: string, version: string): PatchEntry {
  const { group, kind, versionPath } = ENGINES[engine];
  // JSON (which YAML reads) on one line, built by JSON.stringify: no version can break out of its string.
  return { target: { group, kind, name }, patch: JSON.stringify([{ op: "replace", path: versionPath, value: version }]) };
}

/** The strategic merge of values into an add-on's object, for one engine. */
export function valuesPatch(engine: OverlayEngine, name: string, values: Record<string, unknown>): PatchEntry {
  const { group, kind } = ENGINES[engine];
  return { target: { group, kind, name }, values, engine };
}

/**
 * YAML of `data` (an object whose `patches` are entries as above), each values patch a block of YAML the team edits,
 * written by the tool's YAML writer (every string quoted where parsers differ).
 */
function yamlWithPatches(data: Record<string, unknown>, patches: PatchEntry[]): string {
  const blocks: string[] = [];
  const entries = patches.map((entry) => {
    if ("patch" in entry) return entry;
    const { apiVersion, kind, valuesPath } = ENGINES[entry.engine];
    // A target object each: the writer would otherwise write YAML anchors and aliases for a shared one.
    const patch = toYamlText({ apiVersion, kind, metadata: { name: entry.target.name }, ...setAtPath(valuesPath, entry.values) }, { yaml11Safe: true });
    return { target: { ...entry.target }, patch: `@@values-patch-${blocks.push(patch) - 1}@@` };
  });
  const text = toYamlText({ ...data, patches: entries });
  // A literal block keeps each line as written: the writer's lines are printable and the first is not indented.
  return text.replace(/^( *)patch: "?@@values-patch-(\d+)@@"?$/gm, (_line, indent: string, index: string) =>
    `${indent}patch: |\n${blocks[Number(index)]!.replace(/\n$/, "").split("\n").map((line) => `${indent}  ${line}`).join("\n")}`,
  );
}

/** The overlay's text: per add-on in name order, per engine, a JSON 6902 patch of the version, then a strategic merge of the values. */
export function renderOverlayFile(environment: string, overlay: Overlay): string {
  const engines = ENGINE_ORDER.filter((engine) => overlay.engines.has(engine));
  const names = [...new Set([...overlay.versions.keys(), ...overlay.values.keys()])].sort((a, b) => a.localeCompare(b));
  const patches = names.flatMap((name) =>
    engines.flatMap((engine) => {
      const version = overlay.versions.get(name);
      const values = overlay.values.get(name);
      return [...(version !== undefined ? [versionPatch(engine, name, version)] : []), ...(values !== undefined ? [valuesPatch(engine, name, values)] : [])];
    }),
  );
  const plain = overlay.values.size === 0 && engines.join() === "flux";
  return (plain ? header(environment) : fullHeader(environment)) + yamlWithPatches({ apiVersion: "kustomize.config.k8s.io/v1alpha1", kind: "Component" }, patches);
}

/** The Flux-only overlay of chart versions (what an environment of Flux clusters without values holds). */
export function renderOverlay(environment: string, versions: ChartVersions): string {
  return renderOverlayFile(environment, { versions, values: new Map(), engines: new Set(["flux"]) });
}

/** The chart versions of an overlay (see parseOverlayFile). */
export function parseOverlay(text: string, file: string): ChartVersions {
  return parseOverlayFile(text, file).versions;
}

const isMapping = (value: unknown): value is Record<string, unknown> => !!value && typeof value === "object" && !Array.isArray(value);

/** Keys a strategic merge would read as directives, anywhere in the values. */
function directiveKeys(value: unknown, path = ""): string[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => directiveKeys(item, `${path}[${index}]`));
  if (!isMapping(value)) return [];
  return Object.entries(value).flatMap(([key, inner]) => [...(DIRECTIVE.test(key) ? [`${path}${path ? "." : ""}${key}`] : []), ...directiveKeys(inner, `${path}${path ? "." : ""}${key}`)]);
}

/** The entries of an overlay as written by renderOverlayFile (a hand-edited version, range or values included). */
export function parseOverlayFile(text: string, file: string): Overlay {
  const fix = `give each patch of ${file} the form ${defaults.toolName} writes (see docs/FLEETS.md), or delete the file and run update for a cluster of the environment`;
  if (Buffer.byteLength(text) > defaults.maxParamsFileBytes) throw new InputError(`${file} is larger than an environment overlay holds (at most ${defaults.maxParamsFileBytes / 1024} KiB); ${fix}`);
  const data = loadYamlFile(text, file, fix) as Record<string, unknown> | null;
  if (!data || typeof data !== "object" || data.kind !== "Component") throw new InputError(`${file}: not a kustomize Component; ${fix}`);
  const patches = data.patches ?? [];
  if (!Array.isArray(patches)) throw new InputError(`${file}: "patches" must be a list; ${fix}`);
  const overlay: Overlay = { versions: new Map(), values: new Map(), engines: new Set() };
  const seen = new Set<string>();
  patches.forEach((entry, index) => {
    const where = `${file}: patches[${index}]`;
    const target = (entry as Record<string, any>)?.target;
    const name = target?.name;
    const engine = ENGINE_ORDER.find((key) => ENGINES[key].kind === target?.kind && ENGINES[key].group === target?.group);
    if (!engine || typeof name !== "string") throw new InputError(`${where} does not target a HelmRelease or an Application by name; ${fix}`);
    const { kind, apiVersion, versionPath, valuesPath } = ENGINES[engine];
    overlay.engines.add(engine);
    const patch = (entry as Record<string, unknown>).patch;
    const parsed = typeof patch === "string" ? loadYamlFile(patch, `${where}.patch`, fix) : undefined;
    const agree = (field: "versions" | "values", value: unknown) => {
      const key = `${engine} ${field} ${name}`;
      if (seen.has(key)) throw new InputError(`${where} ${field === "versions" ? "pins" : "sets values of"} ${name} a second time; ${fix}`);
      seen.add(key);
      const other = overlay[field].get(name);
      if (other !== undefined && JSON.stringify(other) !== JSON.stringify(value)) {
        throw new InputError(`${where}: the ${kind} patch of ${name} ${field === "versions" ? "pins another version" : "sets other values"} than the other engine's; make them the same (every cluster of the environment runs the same platform); ${fix}`);
      }
      (overlay[field] as Map<string, unknown>).set(name, value);
    };
    if (isMapping(parsed)) {
      const { apiVersion: patchApiVersion, kind: patchKind, metadata, ...rest } = parsed;
      const values = valuesPath.reduce<unknown>((node, key) => (isMapping(node) ? node[key] : undefined), rest);
      const expected = isMapping(values) ? JSON.stringify(setAtPath(valuesPath, values)) : undefined;
      if (patchApiVersion !== apiVersion || patchKind !== kind || JSON.stringify(metadata) !== JSON.stringify({ name }) || expected !== JSON.stringify(rest)) {
        throw new InputError(`${where}.patch must be a ${kind} ${name} (apiVersion ${apiVersion}) setting only ${valuesPath.join(".")} to a mapping of values; ${fix}`);
      }
      const directives = directiveKeys(values);
      if (directives.length > 0) throw new InputError(`${where}.patch: ${directives.join(", ")} would be read by kustomize as a merge directive, not a value; remove it; ${fix}`);
      agree("values", values);
      return;
    }
    const op = Array.isArray(parsed) && parsed.length === 1 ? (parsed[0] as Record<string, unknown>) : undefined;
    if (op?.op !== "replace" || op.path !== versionPath || typeof op.value !== "string" || !VERSION.test(op.value)) {
      throw new InputError(`${where}.patch must be one "replace" of ${versionPath} with a chart version; ${fix}`);
    }
    agree("versions", op.value);
  });
  return overlay;
}

/** The chart versions of a render's add-ons (a HelmRelease's chart version, an Application's targetRevision). */
export function chartVersionsOf(context: RenderContext): ChartVersions {
  return new Map(context.addonList.filter((addon) => addon.chart).map((addon) => [addon.name, addon.chart!.version]));
}

/** The overlay after a render of one of its clusters (see the module comment). */
export function overlayAfterRender(current: ChartVersions, rendered: ChartVersions, followsCatalog: boolean): ChartVersions {
  const next = new Map(current);
  for (const [name, version] of rendered) if (followsCatalog || !next.has(name)) next.set(name, version);
  return next;
}

/** The target environment's chart versions after `promote`: every entry of the source's wins. */
export function overlayAfterPromotion(target: ChartVersions, source: ChartVersions): ChartVersions {
  return new Map([...target, ...source]);
}

/**
 * The target environment's overlay after `promote`: every add-on the source's overlay names takes the source's
 * version and values (values the source does not set are removed from the target: its platform state is the
 * source's); an add-on only the target names keeps its entry. Patches are written for the target's engines.
 */
export function promoteOverlay(target: Overlay, source: Overlay): Overlay {
  const values = new Map(target.values);
  for (const name of new Set([...source.versions.keys(), ...source.values.keys()])) {
    if (source.values.has(name)) values.set(name, structuredClone(source.values.get(name)!));
    else values.delete(name);
  }
  // The target's engines: those of its clusters (their renders add theirs), not the source's.
  return { versions: overlayAfterPromotion(target.versions, source.versions), values, engines: new Set(target.engines) };
}

export const emptyOverlay = (): Overlay => ({ versions: new Map(), values: new Map(), engines: new Set() });

/** The render's kustomizations that can hold add-on HelmReleases: where the overlay is listed. */
export const OVERLAY_LAYERS = ["infrastructure", AFTER_SECRETS_ROOT];

/** An add-on's own values in a cluster of a fleet, and the layer whose kustomization holds its HelmRelease (Flux). */
export interface ClusterValuesPatch {
  name: string;
  layer: string;
  values: Record<string, unknown>;
}

const CLUSTER_VALUES_COMMENT = `# This cluster's own values of its add-ons (addons.<name>.values of its answers file), patched after its
# environment's overlay: they win over the environment's values for the keys they set (docs/FLEETS.md).
`;

/**
 * The patches of a cluster's own values (src/fleet/values-layers.ts), to append to the kustomization that lists its
 * environment's overlay: kustomize runs a kustomization's own patches after its components. "" where it has none.
 */
export function clusterValuesPatchesText(engine: OverlayEngine, patches: readonly ClusterValuesPatch[]): string {
  if (patches.length === 0) return "";
  const sorted = [...patches].sort((a, b) => a.name.localeCompare(b.name));
  return CLUSTER_VALUES_COMMENT + yamlWithPatches({}, sorted.map(({ name, values }) => valuesPatch(engine, name, values)));
}

/**
 * Lists the environment's overlay under `components:` of each render kustomization that holds add-on HelmReleases
 * (infrastructure/, and infrastructure-after-secrets/ where an add-on waits for a declared Secret), before the render
 * is moved into the cluster's folder `root`, so the relative path climbs out of it; then the patches of the cluster's
 * own values of the HelmReleases of that layer.
 */
export function wireEnvironmentOverlay(files: Map<string, string>, root: string, environment: string, own: readonly ClusterValuesPatch[] = []): void {
  const up = "../".repeat(1 + root.split("/").filter(Boolean).length);
  for (const layer of OVERLAY_LAYERS) {
    const path = `${layer}/kustomization.yaml`;
    const kustomization = files.get(path);
    if (kustomization === undefined) continue;
    // Appended, so the layer's own lines stay as rendered (the kustomization never has components of its own).
    const patches = clusterValuesPatchesText("flux", own.filter((patch) => patch.layer === layer));
    files.set(path, kustomization + toYamlText({ components: [`${up}${overlayDirOf(environment)}`] }) + patches);
  }
}

/** The root Application's source in a single-cluster render: the folder read as a plain directory. */
const ARGO_DIRECTORY_SOURCE = "    directory:\n      recurse: true\n";

/**
 * An Argo CD cluster of a fleet: its root Application builds `clusters/<name>/argocd/` with kustomize (a
 * kustomization.yaml listing the folder's files and the environment's overlay under `components:`) instead of reading
 * it as a plain directory, so that the overlay patches its add-on Applications (targetRevision, helm.valuesObject).
 * A single-cluster repository keeps the directory (this is only called with an environment).
 */
export function wireArgoEnvironmentOverlay(files: Map<string, string>, clusterPath: string, environment: string, own: readonly ClusterValuesPatch[] = []): void {
  const folder = `${clusterPath}/argocd/`;
  const root = `${folder}root.yaml`;
  const text = files.get(root);
  if (text === undefined || !text.includes(ARGO_DIRECTORY_SOURCE)) throw new Error(`${root} no longer reads ${folder} as a directory: update wireArgoEnvironmentOverlay with its template`);
  // Without `directory`, Argo CD builds a folder holding a kustomization.yaml with kustomize.
  files.set(root, text.replace(ARGO_DIRECTORY_SOURCE, ""));
  // A subfolder with a kustomization of its own (apps/, listing the add-ons' shared bases) is listed as one.
  const built = new Set([...files.keys()].filter((path) => path.startsWith(folder) && path.endsWith("/kustomization.yaml")).map((path) => path.slice(folder.length, -"/kustomization.yaml".length)));
  const entry = (file: string) => [...built].find((sub) => file.startsWith(`${sub}/`)) ?? file;
  const resources = [...new Set([...files.keys()].filter((path) => path.startsWith(folder) && /\.ya?ml$/.test(path)).map((path) => entry(path.slice(folder.length))))].sort();
  const up = "../".repeat(folder.split("/").filter(Boolean).length);
  const comment = built.size === 0
    ? `# Argo CD's root Application builds this folder with kustomize: every file of it is listed here (add a file you put
# in this folder too), and ${overlayDirOf(environment)}, the environment's overlay, sets the chart version and the
# environment's values of the add-on Applications in apps/.
`
    : `# Argo CD's root Application builds this folder with kustomize: every file of it is listed here, or in the
# kustomization.yaml of its subfolder (${[...built].sort().join(", ")}/; add a file you put in this folder too), and
# ${overlayDirOf(environment)}, the environment's overlay, sets the chart version and the environment's values of the
# add-on Applications in apps/ (patches of their shared bases, docs/FLEETS.md).
`;
  const kustomization = toYamlText({ apiVersion: "kustomize.config.k8s.io/v1beta1", kind: "Kustomization", resources, components: [`${up}${overlayDirOf(environment)}`] });
  files.set(`${folder}kustomization.yaml`, comment + kustomization + clusterValuesPatchesText("argo", own));
}

/**
 * The overlay text of `environment` once a render of one of its clusters is in (see the module comment); undefined
 * where the render has no overlay (no environment: a repository of one cluster).
 */
export function overlayTextAfterRender(current: string | undefined, environments: string[], context: RenderContext, catalogUpgraded = false): string | undefined {
  const environment = context.layout.environment;
  if (environment === undefined) return undefined;
  const engine: OverlayEngine = context.gitops.flux ? "flux" : "argo";
  const path = overlayPathOf(environment);
  const overlay = current === undefined ? emptyOverlay() : parseOverlayFile(current, path);
  const versions = overlayAfterRender(overlay.versions, chartVersionsOf(context), catalogUpgraded && environments[0] === environment);
  // The values are the team's (and promote's): a render never changes them.
  return renderOverlayFile(environment, { versions, values: overlay.values, engines: new Set([...overlay.engines, engine]) });
}
