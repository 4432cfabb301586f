/**
 * Renders the enabled add-ons for the repository's engine, each from its one catalog entry:
 *
 * - Flux: `<layer>/<name>/namespace.yaml` (its Pod Security level, and why), a HelmRepository (`type: oci` for an
 *   oci:// chart) and a HelmRelease that creates and replaces the chart's CRDs and waits for the add-ons it depends on;
 * - Argo CD: an Application with a Helm source in `clusters/<cluster>/argocd/apps/`, in the sync wave after the
 *   add-ons it depends on, creating its namespace with the same labels, applied server-side (large CRDs);
 * - both: the default-deny NetworkPolicies of its namespace (DNS only; the common defaultNetworkPolicies partial), its
 *   own manifests (manifests/: what else its pods may reach) beside it under `<layer>/<name>/`, the custom resources it configures
 *   (configs/) under `infrastructure-configs/<name>/`, which a Kustomization (an Application) of its own applies once
 *   the infrastructure, and so every CRD, is ready;
 * - where an add-on reads a declared Secret: the store add-on's secret-store/ under `infrastructure-secrets/<name>/`, and
 *   with Flux the readers' HelmReleases under `infrastructure-after-secrets/<name>/` (src/catalog/secret-order.ts).
 *
 * - CRDs an add-on has the cluster fetch from Git (crdSources, for projects that publish no chart): a GitRepository +
 *   Kustomization in `clusters/<cluster>/crds/` that the infrastructure Kustomization waits for (Flux), or an Application
 *   in the wave before the first add-on's (Argo CD); never pruned, as deleting a CRD deletes every resource of its kind.
 *
 * Values are layered catalog (addons/<name>/values.yaml.hbs) -> blueprint (blueprint.yaml addons.<name>.values) ->
 * cluster (the answers file's addons.<name>.values), deep-merged, lists replaced as Helm does; in a fleet, the
 * environment's values come between the blueprint's and the cluster's (src/fleet/values-layers.ts).
 */
import { defaults } from "../defaults.js";
import type { RenderContext, ResolvedAddon } from "../generator/context.js";
import type { Addon } from "./types.js";
import { podSecurityLabels, toYamlDocuments } from "../generator/gitops.js";
import { outputPathOf, tidy } from "../generator/template-output.js";
import type { ClusterValuesPatch } from "../fleet/environment-overlay.js";
import { clusterObjectValues, clusterPatchValues, withoutKeys } from "../fleet/values-layers.js";
import { deepMerge } from "../params/merge.js";
import { loadYamlDocument } from "../yaml/load.js";
import { AFTER_SECRETS_ROOT, SECRETS_ROOT } from "./secret-order.js";

type RenderFn = (source: string, name: string, data: object) => string;

/** The folder of the add-ons' custom resources, applied after the infrastructure layer (see the module comment). */
export const CONFIGS_ROOT = "infrastructure-configs";

/** Namespaces every cluster has: an add-on there gets no Namespace of its own. */
export const SYSTEM_NAMESPACES = new Set(["kube-system", "default", "kube-public"]);

/** The common partial every namespace of the repository starts from (templates/common/_partials/defaultNetworkPolicies.hbs). */
const DEFAULT_NETWORK_POLICIES = "{{> defaultNetworkPolicies name=addon.namespace}}";

/** The templates written in this code rather than in a file: the build compiles them with the files (scripts/precompile-templates.mjs). */
export const CODE_TEMPLATES: readonly string[] = [DEFAULT_NETWORK_POLICIES];

/** `# why` lines above the namespace, when the add-on needs more than restricted. */
export function podSecurityComment(addon: Pick<ResolvedAddon, "podSecurity">): string {
  const reason = addon.podSecurity?.reason;
  return reason ? `${reason.trim().split("\n").map((line) => `# ${line}`.trimEnd()).join("\n")}\n` : "";
}

const levelOf = (addon: Pick<ResolvedAddon, "podSecurity">) => addon.podSecurity?.level ?? "restricted";

/** The add-on's Namespace file, with its Pod Security labels (and why, when it needs more than restricted). */
export function namespaceFile(addon: Pick<Addon, "name" | "namespace" | "layer" | "podSecurity">, dir = `${addon.layer}/${addon.name}`): [string, string] {
  const namespace = { apiVersion: "v1", kind: "Namespace", metadata: { name: addon.namespace, labels: podSecurityLabels(levelOf(addon)) } };
  return [`${dir}/namespace.yaml`, podSecurityComment(addon) + toYamlDocuments([namespace])];
}

/** The Flux HelmRepository of an add-on's chart (`type: oci` for an oci:// one): from its catalog entry alone. */
export function fluxHelmRepository(addon: Pick<Addon, "chart" | "namespace">): object {
  const chart = addon.chart!;
  const oci = chart.repository.url.startsWith("oci://");
  return {
    apiVersion: "source.toolkit.fluxcd.io/v1",
    kind: "HelmRepository",
    metadata: { name: chart.repository.name, namespace: addon.namespace },
    spec: { interval: "1h", url: chart.repository.url, ...(oci ? { type: "oci" } : {}) },
  };
}

/**
 * The Flux HelmRelease of an add-on's chart, waiting for `dependsOn` (name, namespace), with `values`; without
 * values where the object is a shared base (src/fleet/shared-bases.ts), whose values each cluster patches in.
 */
export function fluxHelmRelease(addon: Pick<Addon, "chart" | "name" | "namespace">, dependsOn: Array<{ name: string; namespace: string }>, values?: Record<string, unknown>): object {
  const chart = addon.chart!;
  return {
    apiVersion: "helm.toolkit.fluxcd.io/v2",
    kind: "HelmRelease",
    metadata: { name: addon.name, namespace: addon.namespace },
    spec: {
      interval: "30m",
      ...(dependsOn.length > 0 ? { dependsOn } : {}),
      chart: {
        spec: {
          chart: chart.name,
          version: chart.version,
          sourceRef: { kind: "HelmRepository", name: chart.repository.name },
          interval: "12h",
        },
      },
      // CreateReplace: the chart's CRDs are created on install and replaced on every upgrade (Helm alone never
      // upgrades what a chart's crds/ folder holds).
      install: { crds: "CreateReplace", remediation: { retries: 3 } },
      upgrade: { crds: "CreateReplace", remediation: { retries: 3 } },
      ...(values ? { values } : {}),
    },
  };
}

function fluxChartFiles(addon: ResolvedAddon, values: Record<string, unknown>, context: RenderContext): Array<[string, string]> {
  const dir = `${addon.layer}/${addon.name}`;
  const repository = fluxHelmRepository(addon);
  const dependsOn = addon.dependsOn.filter((name) => context.addonList.find((other) => other.name === name)?.chart);
  const helmRelease = fluxHelmRelease(addon, dependsOn.map((name) => ({ name, namespace: context.addonList.find((other) => other.name === name)!.namespace })), values);
  // A reader of declared Secrets is released by the Kustomization that waits for them (src/catalog/secret-order.ts).
  const releaseDir = `${releaseLayerOf(addon, context)}/${addon.name}`;
  return [
    [`${dir}/helmrepository.yaml`, toYamlDocuments([repository])],
    [`${releaseDir}/helmrelease.yaml`, toYamlDocuments([helmRelease])],
  ];
}

/**
 * An add-on's Argo CD Application. Without `cluster` (project, sync wave, values), what every cluster's is built from:
 * the shared base of a fleet (src/fleet/shared-bases.ts), which each cluster patches with them.
 */
export function argoApplication(addon: Pick<Addon, "chart" | "name" | "namespace" | "podSecurity">, cluster?: { project: string; wave: string; values: Record<string, unknown> }): object {
  const chart = addon.chart!;
  const oci = chart.repository.url.startsWith("oci://");
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Application",
    metadata: {
      name: addon.name,
      namespace: defaults.argoNamespace,
      ...(cluster ? { annotations: { "argocd.argoproj.io/sync-wave": cluster.wave } } : {}),
      finalizers: ["resources-finalizer.argocd.argoproj.io"],
    },
    spec: {
      // The base's project is Argo CD's built-in one (the field is required); every cluster's patch sets its own.
      project: cluster ? cluster.project : "default",
      source: {
        // Argo CD takes OCI Helm repositories without the oci:// scheme.
        repoURL: oci ? chart.repository.url.replace(/^oci:\/\//, "") : chart.repository.url,
        chart: chart.name,
        targetRevision: chart.version,
        helm: { releaseName: addon.name, ...(cluster ? { valuesObject: cluster.values } : {}) },
      },
      destination: { server: "https://kubernetes.default.svc", namespace: addon.namespace },
      syncPolicy: {
        automated: { prune: true, selfHeal: true },
        // Server-side: charts' CRDs outgrow client-side apply's 256 KiB last-applied annotation.
        syncOptions: ["CreateNamespace=true", "ServerSideApply=true"],
        // The namespace Argo CD creates gets the add-on's Pod Security Admission labels.
        ...(SYSTEM_NAMESPACES.has(addon.namespace) ? {} : { managedNamespaceMetadata: { labels: podSecurityLabels(levelOf(addon)) } }),
      },
    },
  };
}

function argoChartFile(addon: ResolvedAddon, values: Record<string, unknown>, context: RenderContext): [string, string] {
  const application = argoApplication(addon, { project: context.cluster.name, wave: addon.wave, values });
  return [`${context.gitops.clusterPath}/argocd/apps/${addon.name}.yaml`, podSecurityComment(addon) + toYamlDocuments([application])];
}

/** The Git sources of CRDs of the enabled add-ons, for the repository's engine (see the module comment). */
export function renderCrdSources(context: RenderContext): Array<[string, string]> {
  return context.addonCrdSources.map((source) => {
    if (context.gitops.flux) {
      const repository = {
        apiVersion: "source.toolkit.fluxcd.io/v1",
        kind: "GitRepository",
        metadata: { name: source.name, namespace: context.gitops.namespace },
        // Only the top folder of the CRDs is kept in the artifact, not the whole project.
        spec: { interval: "12h", url: source.url, ref: { tag: source.tag }, ignore: `/*\n!/${source.path.split("/")[0]}/\n` },
      };
      const kustomization = {
        apiVersion: "kustomize.toolkit.fluxcd.io/v1",
        kind: "Kustomization",
        metadata: { name: source.name, namespace: context.gitops.namespace },
        spec: { interval: "1h", retryInterval: "1m0s", timeout: "5m0s", path: `./${source.path}`, prune: false, wait: true, sourceRef: { kind: "GitRepository", name: source.name } },
      };
      return [`${context.gitops.clusterPath}/crds/${source.name}.yaml`, toYamlDocuments([repository, kustomization])];
    }
    const application = {
      apiVersion: "argoproj.io/v1alpha1",
      kind: "Application",
      metadata: { name: source.name, namespace: context.gitops.namespace, annotations: { "argocd.argoproj.io/sync-wave": context.argoSyncWaves.crds } },
      spec: {
        project: context.cluster.name,
        source: { repoURL: source.url, targetRevision: source.tag, path: source.path },
        destination: { server: "https://kubernetes.default.svc" },
        // No prune and no finalizer: removing the Application must not delete the CRDs (and every resource of their kinds).
        syncPolicy: { automated: { prune: false, selfHeal: true }, syncOptions: ["ServerSideApply=true"] },
      },
    };
    return [`${context.gitops.clusterPath}/argocd/apps/${source.name}.yaml`, toYamlDocuments([application])];
  });
}

/** The add-on's values, catalog -> blueprint (the defaults) -> cluster, as its own object holds them (src/fleet/values-layers.ts). */
function valuesOf(addon: ResolvedAddon, context: RenderContext, render: RenderFn): Record<string, unknown> {
  const template = addon.valuesTemplate;
  // YAML 1.2's core schema, as `yaml` reads it, through the tool's front end (mostly its common-subset reader).
  const catalog = template ? ((loadYamlDocument(render(template.source, template.path, { ...context, addon: { ...addon, values: {}, settings: addon.settings } })) ?? {}) as Record<string, unknown>) : {};
  return clusterObjectValues(deepMerge(catalog, addon.blueprintValues), addon.clusterValues);
}

/** The layer whose folder holds an add-on's HelmRelease (Flux): a reader of declared Secrets waits in its own. */
const releaseLayerOf = (addon: ResolvedAddon, context: RenderContext) => (context.secretOrder?.readers.includes(addon.name) ? AFTER_SECRETS_ROOT : addon.layer);

/**
 * In a fleet, the cluster's own chart values of each add-on, which its kustomization patches after its environment's
 * overlay (src/fleet/values-layers.ts): none where it sets none, and none outside a fleet (its object holds them).
 */
export function clusterValuesPatches(context: RenderContext): ClusterValuesPatch[] {
  if (context.layout.environment === undefined) return [];
  return context.addonList.flatMap((addon) => {
    const values = addon.chart ? clusterPatchValues(withoutKeys(addon.clusterValues, addon.ownValues ?? [])) : undefined;
    return values === undefined ? [] : [{ name: addon.name, layer: releaseLayerOf(addon, context), values }];
  });
}

/** Templates of a folder of the add-on (manifests/, configs/), rendered under `root`; a template rendering nothing is left out. */
function renderFolder(addon: ResolvedAddon, templates: Map<string, string>, root: string, folder: string, data: object, render: RenderFn): Array<[string, string]> {
  const files: Array<[string, string]> = [];
  for (const [path, source] of templates) {
    const content = path.endsWith(".hbs") ? render(source, `${addon.dir}/${folder}/${path}`, data) : source;
    if (content.trim() !== "") files.push([`${root}/${outputPathOf(path)}`, tidy(content)]);
  }
  return files;
}

/** What an add-on's templates read as `addon`: its name, namespace, Pod Security labels and layered values. */
function addonData(addon: ResolvedAddon, values: Record<string, unknown>) {
  return { name: addon.name, namespace: addon.namespace, podSecurityLabels: podSecurityLabels(levelOf(addon)), values };
}

/** An enabled add-on's step before the bootstrap in the render's README (addons/<name>/day1.md.hbs). */
export interface AddonNote {
  name: string;
  description: string;
  text: string;
}

/** The README sections of the enabled add-ons that have one, in dependency order. */
export function renderAddonNotes(context: RenderContext, render: RenderFn): AddonNote[] {
  return context.addonList.flatMap((addon) => {
    const template = addon.day1Template;
    if (!template) return [];
    const text = render(template.source, template.path, { ...context, addon: addonData(addon, valuesOf(addon, context, render)) }).trim();
    return text === "" ? [] : [{ name: addon.name, description: addon.description, text }];
  });
}

/** Every file of the enabled add-ons, for the repository's engine. */
export function renderAddons(context: RenderContext, render: RenderFn): Array<[string, string]> {
  const files: Array<[string, string]> = [];
  for (const addon of context.addonList) {
    const values = valuesOf(addon, context, render);
    const data = { ...context, addon: { ...addonData(addon, values), settings: addon.settings } };
    const chartValues = withoutKeys(values, addon.ownValues ?? []);
    // An add-on made of CRD sources alone runs nothing: no namespace.
    const runs = addon.namespace !== undefined;
    // With Argo CD too: the infrastructure Application applies the namespace's NetworkPolicies, so it creates the
    // namespace it deploys into (the chart's Application creates it as well, untracked, with the same labels).
    if (runs && !SYSTEM_NAMESPACES.has(addon.namespace)) files.push(namespaceFile(addon));
    // Every add-on namespace starts from the repository's default deny (DNS only); the add-on's manifests allow more.
    if (runs && !SYSTEM_NAMESPACES.has(addon.namespace)) {
      files.push([`${addon.layer}/${addon.name}/networkpolicies.yaml`, tidy(render(DEFAULT_NETWORK_POLICIES, `${addon.dir} (default NetworkPolicies)`, data))]);
    }
    if (addon.chart) files.push(...(context.gitops.flux ? fluxChartFiles(addon, chartValues, context) : [argoChartFile(addon, chartValues, context)]));
    files.push(...renderFolder(addon, addon.manifests, `${addon.layer}/${addon.name}`, "manifests", data, render));
    files.push(...renderFolder(addon, addon.configs, `${CONFIGS_ROOT}/${addon.name}`, "configs", data, render));
    if (addon.secretStore && context.secretOrder?.store === addon.name) files.push(...renderFolder(addon, addon.secretStore, `${SECRETS_ROOT}/${addon.name}`, "secret-store", data, render));
    // Its page of the repository's documentation (the README links it).
    if (addon.readme) files.push([`docs/addons/${addon.name}.md`, tidy(render(addon.readme.source, addon.readme.path, data))]);
  }
  files.push(...renderCrdSources(context));
  return files;
}
