/**
 * Flux references: Kustomization paths, sources and dependencies; HelmRelease chart sources and dependencies.
 */
import type { Problem } from "../types.js";
import { describe, dottedPath, isObject, manifestsNamed, normaliseRepoUrl, repoPath, stringAt, type Manifest, type RepoIndex } from "./repo-index.js";

const SOURCE_GROUP = "source.toolkit.fluxcd.io/";
const KUSTOMIZE_GROUP = "kustomize.toolkit.fluxcd.io/";
const HELM_GROUP = "helm.toolkit.fluxcd.io/";
/** Created by other controllers at run time, never declared in Git. */
const RUNTIME_SOURCE_KINDS = new Set(["ExternalArtifact"]);

export function isFluxKustomization(manifest: Manifest): boolean {
  return manifest.apiVersion.startsWith(KUSTOMIZE_GROUP) && manifest.kind === "Kustomization";
}

export function isHelmRelease(manifest: Manifest): boolean {
  return manifest.apiVersion.startsWith(HELM_GROUP) && manifest.kind === "HelmRelease";
}

/** A namespace left out matches any: the applier (kustomize `namespace:`, `--namespace`) decides it. */
function sameNamespace(a: string | undefined, b: string | undefined): boolean {
  return a === undefined || b === undefined || a === b;
}

function find(index: RepoIndex, group: string, kind: string, name: string, namespace: string | undefined): Manifest | undefined {
  return manifestsNamed(index, kind, name).find((manifest) => manifest.apiVersion.startsWith(group) && sameNamespace(manifest.namespace, namespace));
}

function problem(manifest: Manifest, rule: string, path: (string | number)[], message: string): Problem {
  return {
    file: manifest.file,
    line: manifest.lineOf(path),
    resource: describe(manifest),
    rule,
    path: dottedPath(path),
    message: `${manifest.kind} ${manifest.name}: ${message}`,
    severity: "error",
  };
}

function checkSourceRef(manifest: Manifest, index: RepoIndex, path: (string | number)[], allowed: string[], problems: Problem[]): Manifest | undefined {
  const ref = path.reduce<unknown>((value, key) => (isObject(value) ? value[key as string] : undefined), manifest.object);
  if (!isObject(ref)) return undefined;
  const kind = stringAt(ref, "kind");
  const name = stringAt(ref, "name");
  if (!kind || !name || RUNTIME_SOURCE_KINDS.has(kind) || !allowed.includes(kind)) return undefined;
  const namespace = stringAt(ref, "namespace") ?? manifest.namespace;
  const source = find(index, SOURCE_GROUP, kind, name, namespace);
  if (!source) {
    problems.push(
      problem(manifest, "flux-source-missing", [...path, "name"], `${dottedPath(path)} names ${kind} ${namespace ? `${namespace}/` : ""}${name}, which is not declared in the repository`),
    );
  }
  return source;
}

function checkDependsOn(manifest: Manifest, index: RepoIndex, group: string, problems: Problem[]): void {
  const dependsOn = isObject(manifest.object.spec) ? manifest.object.spec.dependsOn : undefined;
  if (!Array.isArray(dependsOn)) return;
  dependsOn.forEach((dependency, i) => {
    const name = stringAt(dependency, "name");
    if (!name) return;
    const namespace = stringAt(dependency, "namespace") ?? manifest.namespace;
    if (find(index, group, manifest.kind, name, namespace)) return;
    problems.push(
      problem(manifest, "flux-dependency-missing", ["spec", "dependsOn", i, "name"], `spec.dependsOn[${i}] names ${manifest.kind} ${namespace ? `${namespace}/` : ""}${name}, which is not declared in the repository`),
    );
  });
}

/** Checks one Flux Kustomization. `repoUrls` undefined: every GitRepository counts as this repository. */
export function checkFluxKustomization(manifest: Manifest, index: RepoIndex, repoUrls: string[] | undefined): Problem[] {
  const problems: Problem[] = [];
  const source = checkSourceRef(manifest, index, ["spec", "sourceRef"], ["GitRepository", "OCIRepository", "Bucket"], problems);
  if (source?.kind === "GitRepository") {
    const url = stringAt(source.object, "spec", "url");
    const thisRepo = repoUrls === undefined || (url !== undefined && repoUrls.some((candidate) => normaliseRepoUrl(candidate) === normaliseRepoUrl(url)));
    const written = stringAt(manifest.object, "spec", "path");
    if (thisRepo) {
      const path = repoPath(written ?? "./");
      if (path === undefined || !index.dirs.has(path)) {
        problems.push(problem(manifest, "flux-path-missing", ["spec", "path"], `spec.path "${written ?? "./"}" does not exist in the repository`));
      }
    }
  }
  checkDependsOn(manifest, index, KUSTOMIZE_GROUP, problems);
  return problems;
}

/** Checks one HelmRelease: `spec.chart.spec.sourceRef` or `spec.chartRef`, and `spec.dependsOn`. */
export function checkHelmRelease(manifest: Manifest, index: RepoIndex): Problem[] {
  const problems: Problem[] = [];
  checkSourceRef(manifest, index, ["spec", "chart", "spec", "sourceRef"], ["HelmRepository", "GitRepository", "Bucket"], problems);
  checkSourceRef(manifest, index, ["spec", "chartRef"], ["OCIRepository", "HelmChart"], problems);
  checkDependsOn(manifest, index, HELM_GROUP, problems);
  return problems;
}
