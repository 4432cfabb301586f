/**
 * The add-ons' shared bases of a fleet (docs/FLEETS.md, "Shared add-on bases"): `environments/_bases/<add-on>/`, one
 * per add-on with a chart some Flux cluster of the fleet runs, holding what is the same for every Flux cluster that runs it, whatever its
 * blueprint: its Namespace (with the Pod Security level the catalog gives it), its HelmRepository and, in `release/`,
 * its HelmRelease without values. Each Flux cluster of the fleet lists them from its add-on folders and keeps only
 * what is its own: `helmrelease.yaml` becomes a patch holding its values (catalog -> blueprint -> cluster, as
 * rendered for it), and its NetworkPolicies and manifests stay beside it. The environment's overlay, a Component of
 * the layer above, patches the result as it did each cluster's copy: version and environment values on top.
 *
 * The catalog's values are not in the base: they are templates of the cluster (its capabilities, its node groups,
 * the other add-ons it runs), so only the cluster's render knows them. The HelmRelease goes in a folder of its own
 * because an add-on that reads declared Secrets is released from another layer (src/catalog/secret-order.ts).
 *
 * One owner: the first cluster's render holds every base once the repository is a fleet with a Flux cluster, so its
 * record is their merge base (`update --cluster <first>` keeps the team's edits as for any file of it) and its `check`
 * compares them. Their content is a function of the catalog alone, so any other writer that needs a base the
 * repository lacks (the update of an added cluster of a fleet made before the bases, an add-cluster) writes it with
 * the same bytes, and never touches one that exists: two branches that add one base merge without a conflict.
 */
import { SYSTEM_NAMESPACES, argoApplication, fluxHelmRelease, fluxHelmRepository, namespaceFile, podSecurityComment } from "../catalog/render.js";
import { AFTER_SECRETS_ROOT } from "../catalog/secret-order.js";
import type { Addon, Catalog } from "../catalog/types.js";
import type { RenderContext } from "../generator/context.js";
import { toYamlDocuments } from "../generator/gitops.js";
import { loadYamlDocument } from "../yaml/load.js";
import { BASES_DIR } from "./layout.js";

export { BASES_DIR, isSharedBasePath } from "./layout.js";
export const baseDirOf = (addon: string) => `${BASES_DIR}${addon}`;

const kustomization = (note: string, resources: string[], patches?: string[]) =>
  `# ${note}\n` + toYamlDocuments([{ apiVersion: "kustomize.config.k8s.io/v1beta1", kind: "Kustomization", resources, ...(patches ? { patches: patches.map((path) => ({ path })) } : {}) }]);

/** The folder of an add-on's Namespace, shared by the Flux base (which lists it) and every Argo CD cluster's add-on folder. */
export const namespaceBaseDirOf = (addon: string) => `${baseDirOf(addon)}/namespace`;

/**
 * An add-on's Namespace for every cluster of the fleet, whatever its engine: the object each engine applied from its
 * own copy (the same bytes, from the catalog), in a folder of its own because kustomize reads a file only inside its
 * kustomization's folder and the Flux base's folder also holds the HelmRepository, a Flux kind. None for an add-on in
 * a system namespace.
 */
export function renderNamespaceBase(addon: Addon): Array<[string, string]> {
  if (SYSTEM_NAMESPACES.has(addon.namespace)) return [];
  const dir = namespaceBaseDirOf(addon.name);
  const note = `The Namespace of ${addon.name} for every cluster of the fleet, Flux or Argo CD, rendered from the add-on catalog (docs/FLEETS.md, "One Namespace base for both engines").`;
  return [[`${dir}/kustomization.yaml`, kustomization(note, ["namespace.yaml"])], namespaceFile(addon, dir)];
}

/** One add-on's base, from its catalog entry (and the namespaces of the add-ons it depends on). */
export function renderAddonBase(addon: Addon, catalog: Catalog): Array<[string, string]> {
  const dir = baseDirOf(addon.name);
  const dependsOn = (addon.dependsOn ?? []).filter((name) => catalog.addons.get(name)?.chart).map((name) => ({ name, namespace: catalog.addons.get(name)!.namespace }));
  const ownNamespace = !SYSTEM_NAMESPACES.has(addon.namespace);
  const note = `The shared base of ${addon.name} for every Flux cluster of the fleet, rendered from the add-on catalog: each cluster patches in its values, its environment's overlay its version (docs/FLEETS.md).`;
  return [
    [`${dir}/helmrepository.yaml`, toYamlDocuments([fluxHelmRepository(addon)])],
    [`${dir}/kustomization.yaml`, kustomization(note, ["helmrepository.yaml", ...(ownNamespace ? ["namespace"] : [])])],
    ...renderNamespaceBase(addon),
    [`${dir}/release/helmrelease.yaml`, toYamlDocuments([fluxHelmRelease(addon, dependsOn)])],
    [`${dir}/release/kustomization.yaml`, kustomization(note, ["helmrelease.yaml"])],
  ];
}

/** The Flux bases: one per catalog add-on with a chart (of those in `only`, when given); each the catalog's alone. */
export function renderSharedBases(catalog: Catalog, only?: ReadonlySet<string>): Array<[string, string]> {
  return [...catalog.addons.values()].filter((addon) => addon.chart && (!only || only.has(addon.name))).flatMap((addon) => renderAddonBase(addon, catalog));
}

/** The folder of an add-on's base Application for Argo CD clusters, beside its Flux base. */
export const argoBaseDirOf = (addon: string) => `${baseDirOf(addon)}/argocd`;

/**
 * One add-on's base Application for every Argo CD cluster of the fleet, from its catalog entry: chart source and
 * version, release name, destination, sync policy and the labels of the namespace Argo CD creates. What is each
 * cluster's (its project, the sync wave its add-ons' dependencies give, its values) is its patch.
 */
export function renderArgoAddonBase(addon: Addon): Array<[string, string]> {
  const dir = argoBaseDirOf(addon.name);
  const note = `The shared base of ${addon.name} for every Argo CD cluster of the fleet, rendered from the add-on catalog: each cluster patches in its project, sync wave and values, its environment's overlay its version (docs/FLEETS.md).`;
  return [
    [`${dir}/application.yaml`, podSecurityComment(addon) + toYamlDocuments([argoApplication(addon)])],
    [`${dir}/kustomization.yaml`, kustomization(note, ["application.yaml"])],
  ];
}

/** The Argo CD bases: one per catalog add-on with a chart (of those in `only`, when given), with its Namespace; each the catalog's alone. */
export function renderArgoSharedBases(catalog: Catalog, only?: ReadonlySet<string>): Array<[string, string]> {
  return [...catalog.addons.values()].filter((addon) => addon.chart && (!only || only.has(addon.name))).flatMap((addon) => [...renderArgoAddonBase(addon), ...renderNamespaceBase(addon)]);
}

/** The bases a cluster's render lists: those of its add-ons with a chart, for its engine. */
export function basesOf(context: RenderContext, catalog: Catalog): Array<[string, string]> {
  const addons = context.addonList.filter((addon) => addon.chart && catalog.addons.has(addon.name)).map((addon) => catalog.addons.get(addon.name)!);
  return addons.flatMap((addon) => (context.gitops.flux ? renderAddonBase(addon, catalog) : [...renderArgoAddonBase(addon), ...renderNamespaceBase(addon)]));
}

/**
 * A file of a cluster's add-on folders that its first render in a fleet changes as it lists the shared bases (its
 * Namespace and HelmRepository leave, its HelmRelease becomes a patch, its kustomization lists the base): `root` is the
 * cluster's folder, `catalog` the add-ons that have a chart.
 */
export function inAddonFolder(path: string, root: string, catalog: Catalog): boolean {
  for (const layer of ["infrastructure", AFTER_SECRETS_ROOT]) {
    const prefix = `${root}${layer}/`;
    if (!path.startsWith(prefix)) continue;
    const name = path.slice(prefix.length).split("/")[0]!;
    return path.length > prefix.length + name.length && catalog.addons.get(name)?.chart !== undefined;
  }
  return false;
}

/** The files of `bases` the repository lacks (`read` gives undefined): written as rendered; one that exists is left as it is. */
export async function missingBases(read: (path: string) => Promise<string | undefined>, bases: Array<[string, string]>): Promise<Array<[string, string]>> {
  const missing: Array<[string, string]> = [];
  for (const [path, content] of bases) if ((await read(path)) === undefined) missing.push([path, content]);
  return missing;
}

/** Does this render of a cluster list the shared bases: a cluster of a fleet (either engine). */
export const usesSharedBases = (context: RenderContext) => context.layout.environment !== undefined;

/**
 * The bases this render holds: the first cluster's, once the repository is a fleet, those of the add-ons some cluster
 * of each engine runs (its own, and those its fleet's CI input lists): a base no cluster lists is not written, and
 * the first cluster's next update removes one a cluster stopped listing (it is in its record).
 */
export function ownedSharedBases(context: RenderContext, catalog: Catalog): Array<[string, string]> {
  if (context.layout.root !== "" || context.layout.environment === undefined) return [];
  // Those some cluster of the engine runs: its own, and the fleet's other clusters' (its CI input lists them). A fleet
  // input without the lists (a cluster whose answers this release cannot read) keeps every base of the engine.
  const own = context.addonList.filter((addon) => addon.chart).map((addon) => addon.name);
  const used = (engine: "flux" | "argo"): ReadonlySet<string> | undefined => {
    if (context.fleet && !context.fleet.addons) return undefined;
    return new Set([...(context.gitops[engine] ? own : []), ...(context.fleet?.addons?.[engine] ?? [])]);
  };
  return [
    ...(context.gitops.flux || context.fleet?.flux === true ? renderSharedBases(catalog, used("flux")) : []),
    ...(context.gitops.argo || context.fleet?.argo === true ? renderArgoSharedBases(catalog, used("argo")) : []),
  ];
}

/**
 * A Flux cluster of a fleet: each add-on with a chart comes from its shared base. Its Namespace and HelmRepository
 * leave the cluster's folder, its helmrelease.yaml keeps only the values (a patch of the base's HelmRelease), and the
 * add-on's folder gets the kustomization that lists the base, the patch and what stays (its NetworkPolicies and
 * manifests). Paths are the render's, before the cluster's files move under `context.layout.root`.
 */
export function listSharedBases(files: Map<string, string>, context: RenderContext): void {
  const up = "../".repeat(2 + context.layout.root.split("/").filter(Boolean).length);
  for (const addon of context.addonList) {
    if (!addon.chart) continue;
    const dir = `${addon.layer}/${addon.name}`;
    const releaseDir = context.secretOrder?.readers.includes(addon.name) ? `${AFTER_SECRETS_ROOT}/${addon.name}` : dir;
    const base = `${up}${baseDirOf(addon.name)}`;
    files.delete(`${dir}/namespace.yaml`);
    files.delete(`${dir}/helmrepository.yaml`);
    const releasePath = `${releaseDir}/helmrelease.yaml`;
    const release = loadYamlDocument(files.get(releasePath)!) as { apiVersion: string; kind: string; metadata: { name: string; namespace: string }; spec: { values: unknown } };
    files.set(releasePath, toYamlDocuments([{ apiVersion: release.apiVersion, kind: release.kind, metadata: release.metadata, spec: { values: release.spec.values } }]));
    const own = new Set<string>();
    for (const path of files.keys()) {
      if (!path.startsWith(`${dir}/`) || path === releasePath || !/\.ya?ml$/.test(path)) continue;
      own.add(path.slice(dir.length + 1).split("/")[0]!);
    }
    const note = (what: string) => `${addon.name}: its shared base (${baseDirOf(addon.name)}/) ${what} (docs/FLEETS.md, "Shared add-on bases").`;
    if (releaseDir === dir) {
      files.set(`${dir}/kustomization.yaml`, kustomization(note("with this cluster's values (helmrelease.yaml, a patch) and its own manifests"), [base, `${base}/release`, ...[...own].sort()], ["helmrelease.yaml"]));
    } else {
      files.set(`${dir}/kustomization.yaml`, kustomization(note("and this cluster's own manifests; its release waits for the Secrets, in " + `${releaseDir}/`), [base, ...[...own].sort()]));
      files.set(`${releaseDir}/kustomization.yaml`, kustomization(note("release, with this cluster's values (helmrelease.yaml, a patch)"), [`${base}/release`], ["helmrelease.yaml"]));
    }
  }
}

/**
 * An Argo CD cluster of a fleet: each add-on with a chart comes from its shared base Application. Its
 * `apps/<add-on>.yaml` keeps only what is its own (a patch: project, sync wave, values catalog -> blueprint ->
 * cluster), and `apps/kustomization.yaml` lists the bases, the patches and the folder's other Applications. A folder
 * of its own because kustomize runs a kustomization's patches after its components: the root's kustomization lists
 * `apps/` and the environment's overlay, so the environment's version and values come after the cluster's patch, and
 * the cluster's own values (the root's patches) after them, as {@link layeredValues} says. Paths are the render's.
 */
export function listArgoSharedBases(files: Map<string, string>, context: RenderContext): void {
  listNamespaceBases(files, context);
  const folder = `${context.gitops.clusterPath}/argocd/apps/`;
  const up = "../".repeat(folder.split("/").filter(Boolean).length);
  const charts = context.addonList.filter((addon) => addon.chart && files.has(`${folder}${addon.name}.yaml`));
  if (charts.length === 0) return;
  const patches: string[] = [];
  for (const addon of charts) {
    const path = `${folder}${addon.name}.yaml`;
    const application = loadYamlDocument(files.get(path)!) as { apiVersion: string; kind: string; metadata: { name: string; namespace: string; annotations: unknown }; spec: { project: string; source: { helm: { valuesObject: unknown } } } };
    const { name, namespace, annotations } = application.metadata;
    files.set(path, toYamlDocuments([{ apiVersion: application.apiVersion, kind: application.kind, metadata: { name, namespace, annotations }, spec: { project: application.spec.project, source: { helm: { valuesObject: application.spec.source.helm.valuesObject } } } }]));
    patches.push(`${addon.name}.yaml`);
  }
  const others = [...files.keys()].filter((path) => path.startsWith(folder) && /\.ya?ml$/.test(path) && !path.slice(folder.length).includes("/")).map((path) => path.slice(folder.length)).filter((file) => !patches.includes(file)).sort();
  const note = "The add-ons' shared bases (environments/_bases/<add-on>/argocd/) with this cluster's project, sync waves and values (<add-on>.yaml, patches), and its other Applications (docs/FLEETS.md, \"Shared add-on bases\").";
  files.set(`${folder}kustomization.yaml`, kustomization(note, [...charts.map((addon) => `${up}${argoBaseDirOf(addon.name)}`), ...others], patches));
}

/**
 * An Argo CD cluster of a fleet: each add-on with a chart takes its Namespace from the add-on's shared Namespace base,
 * as a Flux cluster does through the add-on's base; its add-on folder lists it and keeps what stays its own (its
 * NetworkPolicies and manifests). Paths are the render's, before the cluster's files move under `context.layout.root`.
 */
function listNamespaceBases(files: Map<string, string>, context: RenderContext): void {
  const up = "../".repeat(2 + context.layout.root.split("/").filter(Boolean).length);
  for (const addon of context.addonList) {
    const dir = `${addon.layer}/${addon.name}`;
    if (!addon.chart || !files.has(`${dir}/namespace.yaml`)) continue;
    files.delete(`${dir}/namespace.yaml`);
    const own = new Set<string>();
    for (const path of files.keys()) if (path.startsWith(`${dir}/`) && /\.ya?ml$/.test(path)) own.add(path.slice(dir.length + 1).split("/")[0]!);
    own.delete("kustomization.yaml");
    const note = `${addon.name}: its Namespace from the fleet's shared base (${namespaceBaseDirOf(addon.name)}/) and this cluster's own manifests (docs/FLEETS.md, "One Namespace base for both engines").`;
    files.set(`${dir}/kustomization.yaml`, kustomization(note, [`${up}${namespaceBaseDirOf(addon.name)}`, ...[...own].sort()]));
  }
}
