/**
 * An environment's overlay (docs/FLEETS.md, "Environment overlays"): `environments/<env>/addons/kustomization.yaml`,
 * a kustomize Component that pins the chart version of each catalog add-on for every Flux cluster of the environment,
 * as Flux's d2 reference pins chart versions in its staging and production overlays of a shared base. Each Flux
 * cluster of a fleet lists it under `components:` of its infrastructure kustomization (the wiring is part of the
 * cluster's render, so its update and check agree with it); the add-on's HelmRelease in the cluster's own layer is the
 * base, and the overlay's version is the one the cluster runs.
 *
 * One owner, so that no two clusters' updates fight over it: the overlay belongs to the environment, not to any
 * cluster's render (it is in no render record). What writes it is deterministic:
 * - a render of a cluster in the environment (add-cluster, update) adds the entries of its add-ons the overlay lacks,
 *   at the render's version; an update that upgrades the add-on catalog (a new release of the tool) also sets its
 *   add-ons' entries to the new catalog's versions in the first environment, the one promotions start from (as d2's
 *   staging follows `latest`): two clusters of one environment at one release write the same entries;
 * - `promote a b` copies a's entries into b's overlay: promoting chart versions is a change of that one file;
 * - otherwise an entry stays as it is, a version (or a Flux semver range) the team wrote by hand included.
 *
 * A patch whose HelmRelease a cluster does not have changes nothing there (a target that matches nothing is no error
 * for kustomize), so one overlay serves clusters of different blueprints and add-on sets. Read back like every other
 * input: bounded, every field checked, an error names the file and the fix.
 */
import { AFTER_SECRETS_ROOT } from "../catalog/secret-order.js";
import { defaults } from "../defaults.js";
import { InputError } from "../errors.js";
import type { RenderContext } from "../generator/context.js";
import { toYamlText } from "../generator/yaml-text.js";
import { loadYamlFile } from "../yaml/load.js";

/** Add-on (HelmRelease) name -> the chart version (or semver range) an environment runs. */
export type ChartVersions = Map<string, string>;

export const ENVIRONMENTS_DIR = "environments/";
export const overlayDirOf = (environment: string) => `${ENVIRONMENTS_DIR}${environment}/addons`;
export const overlayPathOf = (environment: string) => `${overlayDirOf(environment)}/kustomization.yaml`;

const VERSION_PATH = "/spec/chart/spec/version";
const HELM_GROUP = "helm.toolkit.fluxcd.io";
/** A chart version or a Flux semver range: printable, one line, short. */
const VERSION = /^[\x21-\x7e]([\x20-\x7e]{0,98}[\x21-\x7e])?$/;

const header = (environment: string) => `# The chart version of each catalog add-on every Flux cluster of ${environment} runs: a kustomize Component that
# each cluster's infrastructure kustomization lists, patching its add-ons' HelmReleases. \`${defaults.toolName} promote\`
# copies these versions from the previous environment; edit a version (or a Flux semver range) here by pull request.
`;

/** The overlay's text: one JSON 6902 patch per add-on, in name order (so every writer renders the same bytes). */
export function renderOverlay(environment: string, versions: ChartVersions): string {
  const patches = [...versions].sort(([a], [b]) => a.localeCompare(b)).map(([name, version]) => ({
    target: { group: HELM_GROUP, kind: "HelmRelease", name },
    // JSON (which YAML reads) on one line, built by JSON.stringify: no version can break out of its string.
    patch: JSON.stringify([{ op: "replace", path: VERSION_PATH, value: version }]),
  }));
  return header(environment) + toYamlText({ apiVersion: "kustomize.config.k8s.io/v1alpha1", kind: "Component", patches });
}

/** The entries of an overlay as written by renderOverlay (a hand-edited version or range included). */
export function parseOverlay(text: string, file: string): ChartVersions {
  const fix = `give each patch of ${file} the form ${defaults.toolName} writes (see docs/FLEETS.md), or delete the file and run update for a cluster of the environment`;
  if (Buffer.byteLength(text) > defaults.maxParamsFileBytes) throw new InputError(`${file} is larger than an environment overlay holds (at most ${defaults.maxParamsFileBytes / 1024} KiB); ${fix}`);
  const data = loadYamlFile(text, file, fix) as Record<string, unknown> | null;
  if (!data || typeof data !== "object" || data.kind !== "Component") throw new InputError(`${file}: not a kustomize Component; ${fix}`);
  const patches = data.patches ?? [];
  if (!Array.isArray(patches)) throw new InputError(`${file}: "patches" must be a list; ${fix}`);
  const versions: ChartVersions = new Map();
  patches.forEach((entry, index) => {
    const where = `${file}: patches[${index}]`;
    const target = (entry as Record<string, any>)?.target;
    const name = target?.name;
    if (target?.kind !== "HelmRelease" || target?.group !== HELM_GROUP || typeof name !== "string") throw new InputError(`${where} does not target a HelmRelease by name; ${fix}`);
    const patch = (entry as Record<string, unknown>).patch;
    const ops = typeof patch === "string" ? loadYamlFile(patch, `${where}.patch`, fix) : undefined;
    const op = Array.isArray(ops) && ops.length === 1 ? (ops[0] as Record<string, unknown>) : undefined;
    if (op?.op !== "replace" || op.path !== VERSION_PATH || typeof op.value !== "string" || !VERSION.test(op.value)) {
      throw new InputError(`${where}.patch must be one "replace" of ${VERSION_PATH} with a chart version; ${fix}`);
    }
    if (versions.has(name)) throw new InputError(`${where} pins ${name} a second time; ${fix}`);
    versions.set(name, op.value);
  });
  return versions;
}

/** The chart versions of a Flux render's add-ons (an Argo CD render has no HelmRelease: none). */
export function chartVersionsOf(context: RenderContext): ChartVersions {
  if (!context.gitops.flux) return new Map();
  return new Map(context.addonList.filter((addon) => addon.chart).map((addon) => [addon.name, addon.chart!.version]));
}

/** The overlay after a render of one of its clusters (see the module comment). */
export function overlayAfterRender(current: ChartVersions, rendered: ChartVersions, followsCatalog: boolean): ChartVersions {
  const next = new Map(current);
  for (const [name, version] of rendered) if (followsCatalog || !next.has(name)) next.set(name, version);
  return next;
}

/** The target environment's overlay after `promote`: every entry of the source's wins. */
export function overlayAfterPromotion(target: ChartVersions, source: ChartVersions): ChartVersions {
  return new Map([...target, ...source]);
}

/** The render's kustomizations that can hold add-on HelmReleases: where the overlay is listed. */
export const OVERLAY_LAYERS = ["infrastructure", AFTER_SECRETS_ROOT];

/**
 * Lists the environment's overlay under `components:` of each render kustomization that holds add-on HelmReleases
 * (infrastructure/, and infrastructure-after-secrets/ where an add-on waits for a declared Secret), before the render
 * is moved into the cluster's folder `root`, so the relative path climbs out of it.
 */
export function wireEnvironmentOverlay(files: Map<string, string>, root: string, environment: string): void {
  const up = "../".repeat(1 + root.split("/").filter(Boolean).length);
  for (const layer of OVERLAY_LAYERS) {
    const path = `${layer}/kustomization.yaml`;
    const kustomization = files.get(path);
    if (kustomization === undefined) continue;
    // Appended, so the layer's own lines stay as rendered (the kustomization never has components of its own).
    files.set(path, kustomization + toYamlText({ components: [`${up}${overlayDirOf(environment)}`] }));
  }
}

/**
 * The overlay text of `environment` once a render of one of its clusters is in (see the module comment); undefined
 * where the render has no overlay (an Argo CD cluster, or no environment: a repository of one cluster).
 */
export function overlayTextAfterRender(current: string | undefined, environments: string[], context: RenderContext, catalogUpgraded = false): string | undefined {
  const environment = context.layout.environment;
  if (!context.gitops.flux || environment === undefined) return undefined;
  const path = overlayPathOf(environment);
  const versions = overlayAfterRender(current === undefined ? new Map() : parseOverlay(current, path), chartVersionsOf(context), catalogUpgraded && environments[0] === environment);
  return renderOverlay(environment, versions);
}
