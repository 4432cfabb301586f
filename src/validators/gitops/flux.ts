/**
 * Flux references: Kustomization paths, sources and dependencies; HelmRelease chart sources and dependencies.
 */
import { variablesIn } from "../kubernetes/unchecked-values.js";
import type { Problem } from "../types.js";
import { describe, dottedPath, isObject, manifestsNamed, manifestsOfKind, repoPath, stringAt, type Manifest, type RepoIndex } from "./repo-index.js";
import { dirExists, fluxRevision, isThisRepository, operatorRevision, type Revision, type SourceOfRepository, type ThisRepository } from "./this-repo.js";

const SOURCE_GROUP = "source.toolkit.fluxcd.io/";
const KUSTOMIZE_GROUP = "kustomize.toolkit.fluxcd.io/";
const HELM_GROUP = "helm.toolkit.fluxcd.io/";
const OPERATOR_GROUP = "fluxcd.controlplane.io/";
/** The namespace, and name, of the source and Kustomization that `flux bootstrap` and the Flux Operator create. */
const BOOTSTRAP_NAMESPACE = "flux-system";
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

const found = new WeakMap<RepoIndex, Map<string, Manifest | undefined>>();

/** The declared object a reference names; remembered per index (thousands of references name the same few sources). */
function find(index: RepoIndex, group: string, kind: string, name: string, namespace: string | undefined): Manifest | undefined {
  let known = found.get(index);
  if (!known) found.set(index, (known = new Map()));
  const key = `${group}\u0000${kind}\u0000${name}\u0000${namespace ?? "\u0001"}`;
  if (known.has(key)) return known.get(key);
  const manifest = manifestsNamed(index, kind, name).find((candidate) => candidate.apiVersion.startsWith(group) && sameNamespace(candidate.namespace, namespace));
  known.set(key, manifest);
  return manifest;
}

/** A problem of one manifest; the report names the manifest (`resource`), so the message does not repeat it. */
function problem(manifest: Manifest, rule: string, path: (string | number)[], message: string): Problem {
  return {
    file: manifest.file,
    line: manifest.lineOf(path),
    resource: describe(manifest),
    rule,
    path: dottedPath(path),
    message,
    severity: "error",
  };
}

/** A source a reference resolves to: declared in the repository, or made by `flux bootstrap` / the Flux Operator. */
interface ResolvedSource {
  kind: string;
  url?: string;
  revision: Revision;
  /** Made by `flux bootstrap` or the Flux Operator to sync this repository. */
  bootstrap: boolean;
}

/** The Flux Operator's chart that renders a FluxInstance from its values (`instance.sync` is the FluxInstance's `spec.sync`). */
const INSTANCE_CHART = "flux-instance";

/**
 * Whether a HelmRelease installs the flux-instance chart: by `spec.chart.spec.chart`, or by a `spec.chartRef` to an
 * OCIRepository whose URL ends in the chart's name.
 */
export function installsInstanceChart(index: RepoIndex, release: Manifest): boolean {
  const spec = isObject(release.object.spec) ? release.object.spec : {};
  const named = (value: string | undefined) => value !== undefined && (value.split("/").at(-1) ?? "").replace(/[:@].*$/, "") === INSTANCE_CHART;
  if (named(stringAt(spec, "chart", "spec", "chart"))) return true;
  const ref = spec.chartRef;
  if (stringAt(ref, "kind") !== "OCIRepository") return false;
  const source = find(index, SOURCE_GROUP, "OCIRepository", stringAt(ref, "name") ?? "", stringAt(ref, "namespace") ?? release.namespace);
  return source !== undefined && named(stringAt(source.object, "spec", "url"));
}

/**
 * The FluxInstances (Flux Operator) declared in `namespace`, with their `spec.sync`: in Git, or rendered by a
 * HelmRelease of the flux-instance chart from its inline `values.instance` (in the release's namespace).
 */
function fluxInstances(index: RepoIndex, namespace?: string): { namespace: string; sync: Record<string, unknown> | undefined }[] {
  const instances = manifestsOfKind(index, "FluxInstance")
    .filter((manifest) => manifest.apiVersion.startsWith(OPERATOR_GROUP))
    .map((manifest) => ({ namespace: manifest.namespace ?? BOOTSTRAP_NAMESPACE, sync: isObject(manifest.object.spec) && isObject(manifest.object.spec.sync) ? manifest.object.spec.sync : undefined }));
  for (const manifest of manifestsOfKind(index, "HelmRelease")) {
    if (!isHelmRelease(manifest) || !installsInstanceChart(index, manifest)) continue;
    const spec = isObject(manifest.object.spec) ? manifest.object.spec : {};
    const instance = isObject(spec.values) && isObject(spec.values.instance) ? spec.values.instance : undefined;
    if (!instance || !isObject(instance.sync)) continue;
    instances.push({ namespace: stringAt(spec, "targetNamespace") ?? manifest.namespace ?? BOOTSTRAP_NAMESPACE, sync: instance.sync });
  }
  return instances.filter((instance) => namespace === undefined || instance.namespace === namespace);
}

/**
 * The source `flux bootstrap` or a FluxInstance's `spec.sync` creates at run time: kind `kind` named like its
 * namespace (flux-system), or as `spec.sync.name` says. Not declared in Git (bootstrap writes gotk-sync.yaml only
 * when it runs; the Flux Operator never does), it is this repository's sync source: a FluxInstance of the
 * repository tells its URL and revision, otherwise it is the repository the cluster was bootstrapped from.
 */
function bootstrapSource(index: RepoIndex, kind: string, name: string, namespace: string | undefined): ResolvedSource | undefined {
  const inNamespace = namespace ?? BOOTSTRAP_NAMESPACE;
  let otherSource = false;
  for (const { sync } of fluxInstances(index, inNamespace)) {
    if (!sync) continue;
    if ((stringAt(sync, "kind") ?? "GitRepository") === kind && (stringAt(sync, "name") ?? inNamespace) === name) {
      return { kind, url: stringAt(sync, "url"), revision: operatorRevision(stringAt(sync, "ref")), bootstrap: true };
    }
    otherSource = true;
  }
  // The repository's FluxInstance syncs another source: this one is really missing.
  if (otherSource || name !== BOOTSTRAP_NAMESPACE || inNamespace !== BOOTSTRAP_NAMESPACE) return undefined;
  // `flux bootstrap`, or a Flux Operator configured outside these files (a HelmRelease's values, another repository).
  return { kind, revision: { defaultBranch: true }, bootstrap: true };
}

/**
 * Every Git source the repository declares or its FluxInstances create, for telling which URL and branch are this
 * repository's (see this-repo.ts).
 */
export function fluxGitSources(index: RepoIndex): SourceOfRepository[] {
  const sources: SourceOfRepository[] = [];
  for (const manifest of manifestsOfKind(index, "GitRepository")) {
    if (!manifest.apiVersion.startsWith(SOURCE_GROUP)) continue;
    const spec = isObject(manifest.object.spec) ? manifest.object.spec : {};
    sources.push({ url: stringAt(spec, "url"), revision: fluxRevision(spec.ref), bootstrap: isBootstrapName(manifest.name, manifest.namespace) });
  }
  for (const { sync } of fluxInstances(index)) {
    if (sync && (stringAt(sync, "kind") ?? "GitRepository") === "GitRepository") sources.push({ url: stringAt(sync, "url"), revision: operatorRevision(stringAt(sync, "ref")), bootstrap: true });
  }
  return sources;
}

function isBootstrapName(name: string, namespace: string | undefined): boolean {
  return name === BOOTSTRAP_NAMESPACE && (namespace ?? BOOTSTRAP_NAMESPACE) === BOOTSTRAP_NAMESPACE;
}

function checkSourceRef(manifest: Manifest, index: RepoIndex, path: (string | number)[], allowed: string[], problems: Problem[]): ResolvedSource | undefined {
  const ref = path.reduce<unknown>((value, key) => (isObject(value) ? value[key as string] : undefined), manifest.object);
  if (!isObject(ref)) return undefined;
  const kind = stringAt(ref, "kind");
  const name = stringAt(ref, "name");
  if (!kind || !name || RUNTIME_SOURCE_KINDS.has(kind) || !allowed.includes(kind)) return undefined;
  const namespace = stringAt(ref, "namespace") ?? manifest.namespace;
  // A reference Flux completes with post-build variables the repository does not resolve names nothing checkable.
  if (variablesIn(`${kind}${name}${namespace ?? ""}`).length > 0) return undefined;
  const source = find(index, SOURCE_GROUP, kind, name, namespace);
  if (source) {
    return { kind, url: stringAt(source.object, "spec", "url"), revision: fluxRevision(isObject(source.object.spec) ? source.object.spec.ref : undefined), bootstrap: isBootstrapName(name, source.namespace) };
  }
  const created = bootstrapSource(index, kind, name, namespace);
  if (created) return created;
  problems.push(
    problem(manifest, "flux-source-missing", [...path, "name"], `${dottedPath(path)} names ${kind} ${namespace ? `${namespace}/` : ""}${name}, which is not declared in the repository`),
  );
  return undefined;
}

function checkDependsOn(manifest: Manifest, index: RepoIndex, group: string, problems: Problem[]): void {
  const dependsOn = isObject(manifest.object.spec) ? manifest.object.spec.dependsOn : undefined;
  if (!Array.isArray(dependsOn)) return;
  dependsOn.forEach((dependency, i) => {
    const name = stringAt(dependency, "name");
    if (!name) return;
    const namespace = stringAt(dependency, "namespace") ?? manifest.namespace;
    if (variablesIn(`${name}${namespace ?? ""}`).length > 0) return;
    if (find(index, group, manifest.kind, name, namespace)) return;
    problems.push(
      problem(manifest, "flux-dependency-missing", ["spec", "dependsOn", i, "name"], `spec.dependsOn[${i}] names ${manifest.kind} ${namespace ? `${namespace}/` : ""}${name}, which is not declared in the repository`),
    );
  });
}

/**
 * Whether a Flux Kustomization builds an artifact made elsewhere: its source is an OCIRepository or Bucket the
 * repository declares and that is not the bootstrap source (which a CI job may push from this repository). Such an
 * artifact (Flux's own release manifests, another repository's pushed build) holds none of this repository's files.
 */
export function buildsForeignArtifact(manifest: Manifest, index: RepoIndex): boolean {
  const ref = isObject(manifest.object.spec) ? manifest.object.spec.sourceRef : undefined;
  const kind = stringAt(ref, "kind");
  const name = stringAt(ref, "name");
  if ((kind !== "OCIRepository" && kind !== "Bucket") || !name) return false;
  const namespace = stringAt(ref, "namespace") ?? manifest.namespace;
  const source = find(index, SOURCE_GROUP, kind, name, namespace);
  return source !== undefined && !isBootstrapName(name, source.namespace);
}

/** The `spec.ignore` of the GitRepository a Flux Kustomization builds, when the repository declares that source. */
export function gitSourceIgnore(manifest: Manifest, index: RepoIndex): string | undefined {
  const ref = isObject(manifest.object.spec) ? manifest.object.spec.sourceRef : undefined;
  const name = stringAt(ref, "name");
  if (stringAt(ref, "kind") !== "GitRepository" || !name) return undefined;
  const source = find(index, SOURCE_GROUP, "GitRepository", name, stringAt(ref, "namespace") ?? manifest.namespace);
  return source ? stringAt(source.object, "spec", "ignore") : undefined;
}

/**
 * The folder of this repository a Flux Kustomization builds (a repository path, "" for the root), when its source is
 * this repository on the checked-out branch and its path names a folder inside it; undefined otherwise.
 */
export function kustomizationFolder(manifest: Manifest, index: RepoIndex, repo: ThisRepository): string | undefined {
  const source = checkSourceRef(manifest, index, ["spec", "sourceRef"], ["GitRepository", "OCIRepository", "Bucket"], []);
  if (source?.kind !== "GitRepository" || !isThisRepository(repo, source.url, source.revision, source.bootstrap)) return undefined;
  return repoPath(stringAt(manifest.object, "spec", "path") ?? "./");
}

/**
 * Checks one Flux Kustomization: its source, its dependencies, and its `spec.path` when the source is this
 * repository on the checked-out branch (see this-repo.ts); a path into another repository is not checkable here.
 */
export function checkFluxKustomization(manifest: Manifest, index: RepoIndex, repo: ThisRepository): Problem[] {
  const problems: Problem[] = [];
  const source = checkSourceRef(manifest, index, ["spec", "sourceRef"], ["GitRepository", "OCIRepository", "Bucket"], problems);
  if (source?.kind === "GitRepository") {
    const written = stringAt(manifest.object, "spec", "path");
    if (unresolvedPath(manifest) === undefined && isThisRepository(repo, source.url, source.revision, source.bootstrap)) {
      const path = repoPath(written ?? "./");
      if (path === undefined || !dirExists(index, repo, path)) {
        problems.push(problem(manifest, "flux-path-missing", ["spec", "path"], `spec.path "${written ?? "./"}" does not exist in the repository`));
      }
    }
  }
  checkDependsOn(manifest, index, KUSTOMIZE_GROUP, problems);
  return problems;
}

/**
 * Why a Kustomization's `spec.path` cannot be checked: it holds post-build variables that no Kustomization of the
 * repository substitutes with values it knows (the parent that applies it, if any, substitutes them first).
 */
export function unresolvedPath(manifest: Manifest): string | undefined {
  const written = stringAt(manifest.object, "spec", "path");
  const names = written === undefined ? [] : variablesIn(written);
  if (names.length === 0) return undefined;
  return `spec.path "${written}" holds post-build variables (${names.map((name) => `\${${name}}`).join(", ")}) that no Kustomization of the repository substitutes with a value it holds: the path is not checked`;
}

/** Checks one HelmRelease: `spec.chart.spec.sourceRef` or `spec.chartRef`, and `spec.dependsOn`. */
export function checkHelmRelease(manifest: Manifest, index: RepoIndex): Problem[] {
  const problems: Problem[] = [];
  checkSourceRef(manifest, index, ["spec", "chart", "spec", "sourceRef"], ["HelmRepository", "GitRepository", "Bucket"], problems);
  checkSourceRef(manifest, index, ["spec", "chartRef"], ["OCIRepository", "HelmChart"], problems);
  checkDependsOn(manifest, index, HELM_GROUP, problems);
  return problems;
}
