import { isSeq, parse as parseYaml, parseDocument } from "yaml";
import { toYamlText } from "./yaml-text.js";
import type { Blueprint, HelmReleaseSpec, ManifestAddonSpec } from "../blueprints/types.js";
import type { RenderContext } from "./context.js";

type RenderFn = (source: string, name: string, data: object) => string;

/** YAML documents built from objects: the library quotes every value, so no parameter can break the structure. */
export function toYamlDocuments(objects: object[]): string {
  return objects.map((object) => toYamlText(object)).join("---\n");
}

function releaseValues(release: HelmReleaseSpec, blueprint: Blueprint, context: RenderContext, render: RenderFn): Record<string, unknown> {
  const template = blueprint.valuesTemplates.get(release.name);
  if (!template) return {};
  const values = parseYaml(render(template.source, template.path, { ...context, release }));
  return (values ?? {}) as Record<string, unknown>;
}

/**
 * Pod Security Admission labels of a release's namespace: restricted unless the blueprint says why not. Warn and
 * audit follow enforce: a namespace that enforces privileged for a driver's DaemonSets would otherwise warn on every
 * reconcile about pods it admits on purpose, and bury the warnings that matter (the reason is the comment above it).
 */
export function podSecurityLabels(level: "privileged" | "baseline" | "restricted"): Record<string, string> {
  return {
    "pod-security.kubernetes.io/enforce": level,
    "pod-security.kubernetes.io/audit": level,
    "pod-security.kubernetes.io/warn": level,
  };
}

const releaseLevel = (release: Pick<HelmReleaseSpec, "podSecurity">) => release.podSecurity?.level ?? "restricted";

/** `# why` lines above the namespace, when the release (or add-on) needs more than restricted. */
function podSecurityComment(release: Pick<HelmReleaseSpec, "podSecurity">): string {
  const reason = release.podSecurity?.reason;
  return reason ? `${reason.trim().split("\n").map((line) => `# ${line}`.trimEnd()).join("\n")}\n` : "";
}

function namespaceObject(release: Pick<HelmReleaseSpec, "namespace" | "podSecurity">) {
  return { apiVersion: "v1", kind: "Namespace", metadata: { name: release.namespace, labels: podSecurityLabels(releaseLevel(release)) } };
}

const SYSTEM_NAMESPACES = new Set(["kube-system", "default", "kube-public"]);

function fluxReleaseFiles(release: HelmReleaseSpec, values: Record<string, unknown>): Array<[string, string]> {
  const dir = `${release.layer}/${release.name}`;
  const oci = release.repository.type === "oci";
  const repository = {
    apiVersion: "source.toolkit.fluxcd.io/v1",
    kind: "HelmRepository",
    metadata: { name: release.repository.name, namespace: release.namespace },
    spec: { interval: "1h", url: release.repository.url, ...(oci ? { type: "oci" } : {}) },
  };
  const helmRelease = {
    apiVersion: "helm.toolkit.fluxcd.io/v2",
    kind: "HelmRelease",
    metadata: { name: release.name, namespace: release.namespace },
    spec: {
      interval: "30m",
      chart: {
        spec: {
          chart: release.chart,
          version: release.version,
          sourceRef: { kind: "HelmRepository", name: release.repository.name },
          interval: "12h",
        },
      },
      install: { crds: "CreateReplace", remediation: { retries: 3 } },
      upgrade: { crds: "CreateReplace", remediation: { retries: 3 } },
      values,
    },
  };
  const files: Array<[string, string]> = [
    [`${dir}/helmrepository.yaml`, toYamlDocuments([repository])],
    [`${dir}/helmrelease.yaml`, toYamlDocuments([helmRelease])],
  ];
  if (!SYSTEM_NAMESPACES.has(release.namespace)) files.unshift([`${dir}/namespace.yaml`, podSecurityComment(release) + toYamlDocuments([namespaceObject(release)])]);
  return files;
}

/**
 * Sync waves of the root application: Argo CD settings and the project first, then Helm-installed infrastructure,
 * plain infrastructure manifests, Helm-installed apps, and apps. The health check in argocd-cm.yaml makes each wave
 * wait until the Applications of the previous one are Healthy.
 */
export const argoSyncWaves = { settings: "-3", helmInfrastructure: "-2", infrastructure: "-1", helmApps: "0", apps: "1" } as const;

function argoReleaseFile(release: HelmReleaseSpec, values: Record<string, unknown>, context: RenderContext): [string, string] {
  const oci = release.repository.type === "oci";
  const application = {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Application",
    metadata: {
      name: release.name,
      namespace: context.gitops.namespace,
      annotations: { "argocd.argoproj.io/sync-wave": release.layer === "infrastructure" ? argoSyncWaves.helmInfrastructure : argoSyncWaves.helmApps },
      finalizers: ["resources-finalizer.argocd.argoproj.io"],
    },
    spec: {
      project: context.cluster.name,
      source: {
        // Argo CD takes OCI Helm repositories without the oci:// scheme.
        repoURL: oci ? release.repository.url.replace(/^oci:\/\//, "") : release.repository.url,
        chart: release.chart,
        targetRevision: release.version,
        helm: { releaseName: release.name, valuesObject: values },
      },
      destination: { server: "https://kubernetes.default.svc", namespace: release.namespace },
      syncPolicy: {
        automated: { prune: true, selfHeal: true },
        syncOptions: ["CreateNamespace=true", "ServerSideApply=true"],
        // The namespace Argo CD creates gets the release's Pod Security Admission labels.
        ...(SYSTEM_NAMESPACES.has(release.namespace) ? {} : { managedNamespaceMetadata: { labels: podSecurityLabels(releaseLevel(release)) } }),
      },
    },
  };
  return [`${context.gitops.clusterPath}/argocd/apps/${release.name}.yaml`, podSecurityComment(release) + toYamlDocuments([application])];
}

/** Helm releases as Flux HelmRepository + HelmRelease, or as Argo CD Applications with a Helm source. */
export function renderHelmReleases(blueprint: Blueprint, context: RenderContext, render: RenderFn): Array<[string, string]> {
  return context.helmReleases.flatMap((release) => {
    const values = releaseValues(release, blueprint, context, render);
    return context.gitops.flux ? fluxReleaseFiles(release, values) : [argoReleaseFile(release, values, context)];
  });
}

/**
 * The namespace of each add-on rendered from the blueprint's own manifests, beside them under infrastructure/<name>/
 * (both engines: the infrastructure layer applies it before the workloads need it).
 */
export function renderManifestAddonNamespaces(addons: ManifestAddonSpec[]): Array<[string, string]> {
  return addons
    .filter((addon) => !SYSTEM_NAMESPACES.has(addon.namespace))
    .map((addon) => [`infrastructure/${addon.name}/namespace.yaml`, podSecurityComment(addon) + toYamlDocuments([namespaceObject(addon)])]);
}

/**
 * Writes a kustomize `kustomization.yaml` in every folder below each root that has none: its YAML files and its
 * sub-folders, so the Flux Kustomizations and Argo CD Applications that point at a root build everything below it.
 */
export function addKustomizations(files: Map<string, string>, roots: string[]): void {
  for (const root of roots) {
    // The Flux Kustomization / Argo CD Application for each root needs the folder even when nothing renders in it.
    const dirs = new Map<string, Set<string>>([[root, new Set()]]);
    for (const path of files.keys()) {
      if (!path.startsWith(`${root}/`) || !/\.ya?ml$/.test(path)) continue;
      const parts = path.split("/");
      for (let depth = 1; depth < parts.length; depth++) {
        const dir = parts.slice(0, depth).join("/");
        if (!dirs.has(dir)) dirs.set(dir, new Set());
        dirs.get(dir)!.add(depth === parts.length - 1 ? parts[depth]! : `${parts[depth]}`);
      }
    }
    for (const [dir, entries] of dirs) {
      if (files.has(`${dir}/kustomization.yaml`)) continue;
      const resources = [...entries].filter((entry) => entry !== "kustomization.yaml").sort();
      files.set(
        `${dir}/kustomization.yaml`,
        toYamlDocuments([{ apiVersion: "kustomize.config.k8s.io/v1beta1", kind: "Kustomization", resources }]),
      );
    }
  }
}

/** The namespaces of the workloads under apps/, in both engines' renders. */
const APP_NAMESPACES_DIR = "infrastructure/namespaces";

/** Edits the `resources` list of a kustomization.yaml, keeping its comments; `note` becomes its first comment line. */
function editResources(text: string, edit: (resources: string[]) => string[], note: string): string {
  const document = parseDocument(text);
  const current = document.get("resources");
  const resources = isSeq(current) ? current.items.map((item) => String((item as { value?: unknown }).value ?? item)) : [];
  document.set("resources", document.createNode(edit(resources)));
  return `# ${note}\n${document.toString({ lineWidth: 0 })}`;
}

/**
 * Argo CD: the namespaces of the workloads are built by the `apps` Application instead of `infrastructure`. Flux
 * applies the infrastructure layer first and the apps Kustomization waits for it (dependsOn); Argo CD child
 * Applications each sync on their own whenever a commit changes them, so a namespace added with its first workload
 * could otherwise arrive after the workload. In one Application, Argo CD creates Namespaces before what they hold.
 */
/**
 * Argo CD: an `infrastructure` layer left with nothing to build (every namespace moved to `apps`, no add-on) gets no
 * Application, instead of one that syncs nothing. Its kustomization.yaml stays, saying so; a render that adds
 * something to the layer (a parameter, a blueprint upgrade) brings the Application back with it.
 */
export function dropEmptyInfrastructureApplication(files: Map<string, string>, clusterPath: string): void {
  const kustomization = files.get("infrastructure/kustomization.yaml");
  if (kustomization === undefined) return;
  const resources = parseDocument(kustomization).get("resources");
  if (isSeq(resources) && resources.items.length > 0) return;
  files.delete(`${clusterPath}/argocd/apps/infrastructure.yaml`);
  files.set(
    "infrastructure/kustomization.yaml",
    "# Nothing to build here yet: namespaces/ is built by the apps Application (see apps/kustomization.yaml), and no\n" +
      "# Argo CD Application syncs this layer until a parameter or a blueprint upgrade adds something to it.\n" +
      toYamlDocuments([{ apiVersion: "kustomize.config.k8s.io/v1beta1", kind: "Kustomization", resources: [] }]),
  );
}

export function moveAppNamespacesToApps(files: Map<string, string>): void {
  const namespaces = `${APP_NAMESPACES_DIR}/kustomization.yaml`;
  const infrastructure = files.get("infrastructure/kustomization.yaml");
  const apps = files.get("apps/kustomization.yaml");
  if (!files.has(namespaces) || infrastructure === undefined || apps === undefined) return;
  files.set(
    "infrastructure/kustomization.yaml",
    editResources(infrastructure, (resources) => resources.filter((entry) => entry.replace(/\/$/, "") !== "namespaces"), "namespaces/ is built by the apps Application (see apps/kustomization.yaml)."),
  );
  files.set(
    "apps/kustomization.yaml",
    editResources(apps, (resources) => [`../${APP_NAMESPACES_DIR}`, ...resources], "The workloads' namespaces come first: Argo CD creates them in the same sync as the workloads."),
  );
}
