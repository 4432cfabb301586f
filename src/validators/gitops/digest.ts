/**
 * What the GitOps checks need to know about one YAML document, small enough to keep for every resource of a large
 * repository: its identity and start line always, its whole object only for the kinds the checks read (Flux,
 * Argo CD, kustomize files). Digests are plain data, so worker threads can send them back with their results.
 */
import { posix } from "node:path";
import { KUSTOMIZATION_FILE_NAMES, isObject, stringAt, type Json } from "./repo-index.js";

export interface ManifestDigest {
  /** Index among the file's non-empty documents (the Kubernetes validator's and LineLocator's numbering). */
  index: number;
  /** 1-based line where the document's content starts. */
  line: number;
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  /** The document, for the kinds the GitOps checks read; left out for everything else. */
  object?: Json;
  /** A core Namespace's `pod-security.kubernetes.io/enforce` label (the Pod Security check reads it). */
  podSecurityEnforce?: string;
}

/**
 * API groups whose objects the checks read: Flux sources, Kustomizations, HelmReleases; the Flux Operator's
 * FluxInstance (its sync source); Argo CD applications.
 */
const READ_GROUPS = ["kustomize.toolkit.fluxcd.io/", "helm.toolkit.fluxcd.io/", "source.toolkit.fluxcd.io/", "fluxcd.controlplane.io/", "argoproj.io/"];

/** Whether the checks read this document's fields beyond its identity. */
function isRead(file: string, index: number, apiVersion: string): boolean {
  if (index === 0 && KUSTOMIZATION_FILE_NAMES.includes(posix.basename(file))) return true;
  return READ_GROUPS.some((group) => apiVersion.startsWith(group));
}

/** Digest of one parsed document; undefined for a document that is not a mapping. */
export function digestDocument(file: string, index: number, line: number, data: unknown): ManifestDigest | undefined {
  if (!isObject(data)) return undefined;
  // Fields read directly (as stringAt would): this runs for every document of a repository.
  const apiVersion = typeof data.apiVersion === "string" ? data.apiVersion : "";
  const metadata = isObject(data.metadata) ? data.metadata : undefined;
  const digest: ManifestDigest = {
    index,
    line,
    apiVersion,
    kind: typeof data.kind === "string" ? data.kind : "",
    name: typeof metadata?.name === "string" ? metadata.name : "",
  };
  if (typeof metadata?.namespace === "string") digest.namespace = metadata.namespace;
  if (isRead(file, index, apiVersion)) digest.object = withoutBulk(data);
  if (apiVersion === "v1" && digest.kind === "Namespace") {
    const enforce = stringAt(data, "metadata", "labels", "pod-security.kubernetes.io/enforce");
    if (enforce !== undefined) digest.podSecurityEnforce = enforce;
  }
  return digest;
}

/**
 * HelmRelease values can be large and no check reads them: dropped, so that a repository of thousands of releases
 * stays small in memory. Only `instance.sync` and `instance.distribution` are kept: the flux-instance chart makes
 * them the FluxInstance's sync source (gitops/flux.ts fluxInstances), which the Kustomizations of the repository
 * name, and the Flux release it installs (engines/flux-pin.ts).
 */
function withoutBulk(object: Json): Json {
  const spec = object.spec;
  if (!isObject(spec) || !("values" in spec) || !String(object.apiVersion).startsWith("helm.toolkit.fluxcd.io/")) return object;
  const { values, ...rest } = spec;
  const instance = isObject(values) && isObject(values.instance) ? values.instance : undefined;
  const kept: Json = {};
  if (isObject(instance?.sync)) kept.sync = instance.sync;
  if (isObject(instance?.distribution)) kept.distribution = instance.distribution;
  return { ...object, spec: Object.keys(kept).length > 0 ? { ...rest, values: { instance: kept } } : rest };
}
