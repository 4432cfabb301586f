/**
 * kustomize `kustomization.yaml` files: every local entry exists, and one build holds no resource twice.
 */
import { posix } from "node:path";
import { MAX_KUSTOMIZE_BUILD_RESOURCES, MAX_KUSTOMIZE_RESOURCES_TOTAL } from "../../limits.js";
import type { Problem } from "../types.js";
import { dottedPath, isObject, KUSTOMIZATION_FILE_NAMES, kustomizationIn, resolveFrom, type Manifest, type RepoIndex } from "./repo-index.js";
import { outsideFolder, type ThisRepository } from "./this-repo.js";

/** Whether a manifest is a kustomize kustomization (not a Flux Kustomization that happens to share the name). */
export function isKustomizeFile(manifest: Manifest): boolean {
  if (manifest.index !== 0 || !KUSTOMIZATION_FILE_NAMES.includes(posix.basename(manifest.file))) return false;
  const apiVersionOk = manifest.apiVersion === "" || manifest.apiVersion.startsWith("kustomize.config.k8s.io/");
  const kindOk = manifest.kind === "" || manifest.kind === "Kustomization" || manifest.kind === "Component";
  return apiVersionOk && kindOk;
}

/** Remote bases and resources (URLs, `github.com/org/repo//path?ref=`) are fetched by kustomize, not checked. */
export function isRemoteEntry(entry: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(entry) || /^git@/.test(entry) || /^(github|gitlab|bitbucket)\.(com|org)\//.test(entry) || entry.includes("?ref=");
}

/** Kinds kustomize's namespace transformer leaves alone. */
const CLUSTER_SCOPED = new Set([
  "Namespace", "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding", "StorageClass", "PriorityClass",
  "PersistentVolume", "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "APIService", "RuntimeClass",
  "IngressClass", "CSIDriver", "VolumeSnapshotClass", "ClusterIssuer", "Node", "ValidatingAdmissionPolicy",
  "ValidatingAdmissionPolicyBinding",
]);

interface Entry {
  value: string;
  path: (string | number)[];
  /** "resource": a file or a directory holding a kustomization; "file": a file only. */
  type: "resource" | "file";
}

function entries(kustomization: Manifest): Entry[] {
  const object = kustomization.object;
  const list: Entry[] = [];
  const strings = (key: string, type: Entry["type"]): void => {
    const value = object[key];
    if (Array.isArray(value)) value.forEach((item, i) => typeof item === "string" && list.push({ value: item, path: [key, i], type }));
  };
  strings("resources", "resource");
  strings("bases", "resource");
  strings("components", "resource");
  strings("crds", "file");
  // patchesStrategicMerge entries may be inline patches rather than file names
  const psm = object.patchesStrategicMerge;
  if (Array.isArray(psm)) psm.forEach((item, i) => typeof item === "string" && !/[\n:]/.test(item) && list.push({ value: item, path: ["patchesStrategicMerge", i], type: "file" }));
  for (const key of ["patches", "patchesJson6902", "replacements"]) {
    const value = object[key];
    if (!Array.isArray(value)) continue;
    value.forEach((item, i) => {
      if (isObject(item) && typeof item.path === "string") list.push({ value: item.path, path: [key, i, "path"], type: "file" });
    });
  }
  for (const key of ["configMapGenerator", "secretGenerator"]) {
    const generators = object[key];
    if (!Array.isArray(generators)) continue;
    generators.forEach((generator, i) => {
      if (!isObject(generator)) return;
      for (const field of ["files", "envs"]) {
        const files = generator[field];
        if (!Array.isArray(files)) continue;
        files.forEach((item, j) => {
          // `key=path` names the data key explicitly
          if (typeof item === "string") list.push({ value: item.includes("=") ? item.slice(item.indexOf("=") + 1) : item, path: [key, i, field, j], type: "file" });
        });
      }
      if (typeof generator.env === "string") list.push({ value: generator.env, path: [key, i, "env"], type: "file" });
    });
  }
  return list;
}

function problem(kustomization: Manifest, rule: string, path: (string | number)[], message: string): Problem {
  return { file: kustomization.file, line: kustomization.lineOf(path), resource: kustomization.file, rule, path: dottedPath(path), message, severity: "error" };
}

/** Checks that every local entry of one kustomization.yaml exists. */
export function checkKustomizeEntries(kustomization: Manifest, index: RepoIndex, repo?: ThisRepository): Problem[] {
  const problems: Problem[] = [];
  const dir = posix.dirname(kustomization.file) === "." ? "" : posix.dirname(kustomization.file);
  for (const entry of entries(kustomization)) {
    if (isRemoteEntry(entry.value)) continue;
    const resolved = resolveFrom(dir, entry.value);
    const where = `${dottedPath(entry.path)} "${entry.value}"`;
    if (resolved === undefined) {
      // Out of the validated folder: kustomize follows it into the rest of the checkout, where it may well be.
      const found = repo ? outsideFolder(repo, dir, entry.value) : "outside";
      if (found === "outside") problems.push(problem(kustomization, "kustomize-resource-missing", entry.path, `${where} points outside the repository`));
      else if (found === "missing") problems.push(problem(kustomization, "kustomize-resource-missing", entry.path, `${where} does not exist in the repository`));
      else if (found === "dir" && entry.type === "resource") problems.push(problem(kustomization, "kustomize-resource-missing", entry.path, `${where} is a directory without a kustomization.yaml`));
    } else if (index.files.has(resolved)) {
      continue;
    } else if (entry.type === "resource" && index.dirs.has(resolved)) {
      if (!kustomizationIn(index, resolved)) {
        problems.push(problem(kustomization, "kustomize-resource-missing", entry.path, `${where} is a directory without a kustomization.yaml`));
      }
    } else {
      problems.push(problem(kustomization, "kustomize-resource-missing", entry.path, `${where} does not exist in the repository`));
    }
  }
  return problems;
}

interface Output {
  key: string;
  manifest: Manifest;
}

/** `group/kind/namespace/name` of a manifest as written. */
function identity(manifest: Manifest): string {
  const group = manifest.apiVersion.includes("/") ? manifest.apiVersion.split("/")[0] : "";
  const namespace = CLUSTER_SCOPED.has(manifest.kind) ? "" : (manifest.namespace ?? "");
  return `${group}/${manifest.kind}/${namespace}/${manifest.name}`;
}

/** Applies a kustomization's `namespace:` to a key, as kustomize's namespace transformer does. */
function withNamespace(key: string, namespace: string | undefined): string {
  if (namespace === undefined) return key;
  const [group = "", kind = "", , name = ""] = key.split("/");
  return CLUSTER_SCOPED.has(kind) ? key : `${group}/${kind}/${namespace}/${name}`;
}

/**
 * Applies a kustomization's `namePrefix:` and `nameSuffix:` to a key, as kustomize's prefix/suffix transformers do:
 * every kind but CustomResourceDefinition, Namespace and apiregistration's APIService (their skip list).
 */
function withNameAffixes(key: string, prefix: string | undefined, suffix: string | undefined): string {
  if (!prefix && !suffix) return key;
  const [group = "", kind = "", namespace = "", name = ""] = key.split("/");
  if (kind === "CustomResourceDefinition" || kind === "Namespace" || (kind === "APIService" && group === "apiregistration.k8s.io")) return key;
  return `${group}/${kind}/${namespace}/${prefix ?? ""}${name}${suffix ?? ""}`;
}

function describeKey(key: string): string {
  const [group = "", kind = "", namespace = "", name = ""] = key.split("/");
  return `${kind}${group ? `.${group}` : ""} ${namespace ? `${namespace}/` : ""}${name}`;
}

/**
 * Finds resources that one kustomize build would emit twice, following `resources` (and `bases`) recursively.
 * Kustomize refuses such a build ("may not add resource with an already registered id"). Bounded: a build holds at
 * most MAX_KUSTOMIZE_BUILD_RESOURCES resources here, and all builds together MAX_KUSTOMIZE_RESOURCES_TOTAL; a build
 * past either is reported (the limit named) instead of expanded, so that kustomizations including each other many
 * times over cannot exhaust memory.
 */
export class DuplicateFinder {
  private readonly outputs = new Map<string, Output[]>();
  /** Builds cut at a limit, and which limit. */
  private readonly cut = new Map<string, string>();
  private readonly reported = new Set<string>();
  private total = 0;

  constructor(
    private readonly index: RepoIndex,
    private readonly limits = { build: MAX_KUSTOMIZE_BUILD_RESOURCES, total: MAX_KUSTOMIZE_RESOURCES_TOTAL },
  ) {}

  /** Duplicate problems of the build rooted at this kustomization, not already reported for a build inside it. */
  check(kustomization: Manifest): Problem[] {
    const problems: Problem[] = [];
    const outputs = this.build(kustomization.file, new Set());
    const limit = this.cut.get(kustomization.file);
    if (limit) {
      problems.push({
        file: kustomization.file,
        line: kustomization.line,
        resource: kustomization.file,
        rule: "kustomize-build-limit",
        message: `the kustomize build of ${kustomization.file} holds more than ${limit}; duplicates were checked among the first ones only. A kustomization included many times over (the same folder listed under several spellings, or reached through many paths) makes a build that large`,
        severity: "error",
      });
    }
    const first = new Map<string, Output>();
    for (const output of outputs) {
      const earlier = first.get(output.key);
      if (!earlier) {
        first.set(output.key, output);
        continue;
      }
      const where = `${output.manifest.file}:${output.manifest.lineOf(["metadata", "name"])}`;
      const id = `${earlier.manifest.file}#${earlier.manifest.index}|${output.manifest.file}#${output.manifest.index}`;
      if (this.reported.has(id)) continue;
      this.reported.add(id);
      problems.push({
        file: output.manifest.file,
        line: output.manifest.lineOf(["metadata", "name"]),
        resource: kustomization.file,
        rule: "duplicate-resource",
        path: "metadata.name",
        message: `${describeKey(output.key)} appears twice in the kustomize build of ${kustomization.file}: at ${earlier.manifest.file}:${earlier.manifest.lineOf(["metadata", "name"])} and at ${where}`,
        severity: "error",
      });
    }
    return problems;
  }

  private build(file: string, stack: Set<string>): Output[] {
    const cached = this.outputs.get(file);
    if (cached) return cached;
    const kustomization = this.index.byFile.get(file)?.[0];
    if (!kustomization || stack.has(file)) return [];
    stack.add(file);
    const dir = posix.dirname(file) === "." ? "" : posix.dirname(file);
    const namespace = typeof kustomization.object.namespace === "string" ? kustomization.object.namespace : undefined;
    const text = (key: string) => (typeof kustomization.object[key] === "string" ? (kustomization.object[key] as string) : undefined);
    const [prefix, suffix] = [text("namePrefix"), text("nameSuffix")];
    // Two resources are one only if the build names them alike: after its namespace, name prefix and name suffix.
    const keyOf = (key: string) => withNameAffixes(withNamespace(key, namespace), prefix, suffix);
    const collected: Output[] = [];
    /** Adds one output; false once a limit is reached (this build is then cut). */
    const add = (output: Output): boolean => {
      if (collected.length >= this.limits.build) {
        this.cut.set(file, `${this.limits.build.toLocaleString("en-US")} resources (MAX_KUSTOMIZE_BUILD_RESOURCES)`);
        return false;
      }
      if (this.total >= this.limits.total) {
        this.cut.set(file, `the ${this.limits.total.toLocaleString("en-US")} resources all builds of a repository may hold together (MAX_KUSTOMIZE_RESOURCES_TOTAL)`);
        return false;
      }
      this.total++;
      collected.push(output);
      return true;
    };
    entries: for (const key of ["resources", "bases"]) {
      const list = kustomization.object[key];
      if (!Array.isArray(list)) continue;
      for (const entry of list) {
        if (typeof entry !== "string" || isRemoteEntry(entry)) continue;
        const resolved = resolveFrom(dir, entry);
        if (resolved === undefined) continue;
        if (this.index.files.has(resolved)) {
          for (const manifest of this.index.byFile.get(resolved) ?? []) {
            if (manifest.kind && manifest.name && !add({ key: keyOf(identity(manifest)), manifest })) break entries;
          }
        } else {
          const nested = kustomizationIn(this.index, resolved);
          if (!nested) continue;
          const outputs = this.build(nested, stack);
          const nestedCut = this.cut.get(nested);
          for (const output of outputs) {
            if (!add({ key: keyOf(output.key), manifest: output.manifest })) break entries;
          }
          if (nestedCut && !this.cut.has(file)) this.cut.set(file, nestedCut);
        }
      }
    }
    stack.delete(file);
    this.outputs.set(file, collected);
    return collected;
  }
}
