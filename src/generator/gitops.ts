import { parse as parseYaml } from "yaml";
import { toYamlText } from "./yaml-text.js";
import type { Blueprint, HelmReleaseSpec } from "../blueprints/types.js";
import type { RenderContext } from "./context.js";

type RenderFn = (source: string, name: string, data: object) => string;

/** YAML documents built from objects: the library quotes every value, so no parameter can break the structure. */
export function toYamlDocuments(objects: object[]): string {
  return objects.map((object) => toYamlText(object)).join("---\n");
}

function releaseValues(release: HelmReleaseSpec, blueprint: Blueprint, context: RenderContext, render: RenderFn): Record<string, unknown> {
  if (!release.values) return {};
  const source = blueprint.valuesTemplates.get(release.values);
  if (source === undefined) throw new Error(`values template ${release.values} was not loaded`);
  const values = parseYaml(render(source, release.values, { ...context, release }));
  return (values ?? {}) as Record<string, unknown>;
}

/** Pod Security Admission labels of a release's namespace: restricted unless the blueprint says why not. */
function podSecurityLabels(release: HelmReleaseSpec): Record<string, string> {
  const level = release.podSecurity?.level ?? "restricted";
  return {
    "pod-security.kubernetes.io/enforce": level,
    // Workloads that need more than restricted still get the restricted warnings and audit entries.
    "pod-security.kubernetes.io/audit": "restricted",
    "pod-security.kubernetes.io/warn": "restricted",
  };
}

/** `# why` lines above the namespace, when the release needs more than restricted. */
function podSecurityComment(release: HelmReleaseSpec): string {
  const reason = release.podSecurity?.reason;
  return reason ? `${reason.trim().split("\n").map((line) => `# ${line}`.trimEnd()).join("\n")}\n` : "";
}

function namespaceObject(release: HelmReleaseSpec) {
  return { apiVersion: "v1", kind: "Namespace", metadata: { name: release.namespace, labels: podSecurityLabels(release) } };
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

/** Sync waves: Helm-installed infrastructure first, then plain infrastructure manifests, then apps. */
export const argoSyncWaves = { helmInfrastructure: "-2", infrastructure: "-1", helmApps: "0", apps: "1" } as const;

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
        ...(SYSTEM_NAMESPACES.has(release.namespace) ? {} : { managedNamespaceMetadata: { labels: podSecurityLabels(release) } }),
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
