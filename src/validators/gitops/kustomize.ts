/**
 * kustomize `kustomization.yaml` files: every local entry exists, and one build holds no resource twice.
 */
import { posix } from "node:path";
import { MAX_KUSTOMIZE_BUILD_RESOURCES, MAX_KUSTOMIZE_RESOURCES_TOTAL } from "../../limits.js";
import type { Problem } from "../types.js";
import { dottedPath, isObject, KUSTOMIZATION_FILE_NAMES, kustomizationIn, resolveFrom, type Manifest, type RepoIndex } from "./repo-index.js";
import { outsideFolder, type ThisRepository } from "./this-repo.js";
import { loadYamlStream } from "../../yaml/load.js";
import { re2FullMatch } from "../kubernetes/regexp.js";

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
export const CLUSTER_SCOPED: ReadonlySet<string> = new Set([
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
  /** Keys the object had in inner builds before its name or namespace changed (kustomize's previous names). */
  previous?: string[];
  /**
   * Its id is not known here: a kustomization on the way runs `transformers:` (a plugin configuration or a KRM
   * function may set any name or namespace, as a ValueAddTransformer setting each project's namespace from its folder
   * does), so two such outputs alike here may well differ in the build.
   */
  opaque?: true;
}

/** An output under a new key, the old one kept among its previous keys. */
function rekeyed(output: Output, key: string): Output {
  if (key === output.key) return output;
  const moved: Output = { key, manifest: output.manifest, previous: [...(output.previous ?? []), output.key] };
  if (output.opaque) moved.opaque = true;
  return moved;
}

/**
 * `group/kind/namespace/name/version` of a manifest as written. The version belongs to the id as in kustomize's ResId
 * (its Gvk compares group, version and kind): a sample of v1 and one of v2 with one name are two resources of a build.
 */
function identity(manifest: Manifest): string {
  const [group, version] = manifest.apiVersion.includes("/") ? manifest.apiVersion.split("/") : ["", manifest.apiVersion];
  const namespace = CLUSTER_SCOPED.has(manifest.kind) ? "" : (manifest.namespace ?? "");
  return `${group}/${manifest.kind}/${namespace}/${manifest.name}/${version}`;
}

/**
 * Applies a kustomization's `namespace:` to a key, as kustomize's namespace transformer does: it sets the namespace
 * of namespaced objects and renames a core Namespace object to it (its field specs hold `metadata/name` of kind
 * Namespace), so that a base's placeholder Namespace becomes the one the overlay names.
 */
function withNamespace(key: string, namespace: string | undefined): string {
  if (namespace === undefined) return key;
  const [group = "", kind = "", , name = "", version = ""] = key.split("/");
  if (kind === "Namespace" && group === "") return `/Namespace//${namespace}/${version}`;
  return CLUSTER_SCOPED.has(kind) ? key : `${group}/${kind}/${namespace}/${name}/${version}`;
}

/** What a patch entry selects: kustomize's `target` (kind, name and namespace are regular expressions of the whole). */
interface Selector {
  group?: string;
  kind?: string;
  name?: string;
  namespace?: string;
}

function selectorOf(value: unknown): Selector | undefined {
  if (!isObject(value)) return undefined;
  const selector: Selector = {};
  for (const field of ["group", "kind", "name", "namespace"] as const) if (typeof value[field] === "string") selector[field] = value[field] as string;
  return selector;
}

/**
 * Whether a key is selected, compiled once per selector; a selector RE2 cannot read selects nothing. Written in the
 * repository, so its regular expressions are run by RE2 (linear time), as the other kustomize selectors are.
 */
function selectorMatcher(selector: Selector): (key: string) => boolean {
  const whole = (pattern: string | undefined): ((value: string) => boolean) => (pattern === undefined || pattern === "" ? () => true : (re2FullMatch(pattern) ?? (() => false)));
  const [kind, name, namespace] = [whole(selector.kind), whole(selector.name), whole(selector.namespace)];
  return (key) => {
    const [group = "", kindOf = "", namespaceOf = "", nameOf = ""] = key.split("/");
    if (selector.group !== undefined && selector.group !== group) return false;
    return kind(kindOf) && name(nameOf) && namespace(namespaceOf);
  };
}

/** One change a patch makes to which objects a build holds: a deletion, or a new `metadata.name`/`namespace`. */
interface Change {
  selector: Selector;
  deletes?: boolean;
  name?: string;
  namespace?: string;
}

function renameKey(key: string, change: Change): string {
  const [group = "", kind = "", namespace = "", name = "", version = ""] = key.split("/");
  return `${group}/${kind}/${change.namespace ?? namespace}/${change.name ?? name}/${version}`;
}

/** The changes of JSON 6902 operations that set `/metadata/name` or `/metadata/namespace` of the selected objects. */
function operationChanges(operations: unknown[], selector: Selector): Change[] {
  const changes: Change[] = [];
  for (const operation of operations) {
    if (!isObject(operation) || (operation.op !== "replace" && operation.op !== "add") || typeof operation.value !== "string") continue;
    if (operation.path === "/metadata/name") changes.push({ selector, name: operation.value });
    else if (operation.path === "/metadata/namespace") changes.push({ selector, namespace: operation.value });
  }
  return changes;
}

/** Documents of an inline patch; none when it does not read. */
function inlineDocuments(text: string): unknown[] {
  return loadYamlStream(text, { schema: "kubernetes", uniqueKeys: false }).flatMap((document) => (document.failure ? [] : [document.data]));
}

/** A strategic merge patch document's own identity, as a selector (what it patches when no target is given). */
function namedBy(kind: string, name: string, namespace: string | undefined): Selector {
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); // RE2 reads these escapes as JavaScript does
  return { kind: escape(kind), name: escape(name), ...(namespace ? { namespace: escape(namespace) } : {}) };
}

/**
 * Applies a kustomization's `namePrefix:` and `nameSuffix:` to a key, as kustomize's prefix/suffix transformers do:
 * every kind but CustomResourceDefinition, Namespace and apiregistration's APIService (their skip list).
 */
function withNameAffixes(key: string, prefix: string | undefined, suffix: string | undefined): string {
  if (!prefix && !suffix) return key;
  const [group = "", kind = "", namespace = "", name = "", version = ""] = key.split("/");
  if (kind === "CustomResourceDefinition" || kind === "Namespace" || (kind === "APIService" && group === "apiregistration.k8s.io")) return key;
  return `${group}/${kind}/${namespace}/${prefix ?? ""}${name}${suffix ?? ""}/${version}`;
}

/**
 * The changes a kustomization's patches make to the objects of its build: `phase` "merge" for `patchesStrategicMerge`
 * and `patches` (kustomize runs them before its namespace and name transformers), "json6902" for `patchesJson6902`
 * (run after them): `$patch: delete` documents, and JSON 6902 operations that set `/metadata/name` or
 * `/metadata/namespace`, written inline or in a YAML file of the repository.
 */
function patchChanges(kustomization: Manifest, dir: string, index: RepoIndex, phase: "merge" | "json6902"): Change[] {
  const changes: Change[] = [];
  const list = (key: string) => (Array.isArray(kustomization.object[key]) ? (kustomization.object[key] as unknown[]) : []);
  const fromText = (text: string, target: Selector | undefined) => {
    for (const document of inlineDocuments(text)) {
      if (Array.isArray(document)) {
        if (target) changes.push(...operationChanges(document, target));
      } else if (isObject(document) && document.$patch === "delete") {
        const kind = typeof document.kind === "string" ? document.kind : "";
        const metadata = isObject(document.metadata) ? document.metadata : {};
        const name = typeof metadata.name === "string" ? metadata.name : "";
        if (target || kind) changes.push({ selector: target ?? namedBy(kind, name, typeof metadata.namespace === "string" ? metadata.namespace : undefined), deletes: true });
      }
    }
  };
  const fromFile = (entry: string, target: Selector | undefined) => {
    const resolved = isRemoteEntry(entry) ? undefined : resolveFrom(dir, entry);
    const text = resolved === undefined || !/\.(ya?ml|json)$/i.test(resolved) ? undefined : index.read?.(resolved);
    if (text !== undefined) fromText(text, target);
  };
  if (phase === "merge") {
    for (const entry of list("patchesStrategicMerge")) {
      if (typeof entry !== "string") continue;
      if (/[\n:]/.test(entry)) fromText(entry, undefined);
      else fromFile(entry, undefined);
    }
    for (const entry of list("patches")) {
      if (!isObject(entry)) continue;
      const target = selectorOf(entry.target);
      if (typeof entry.path === "string") fromFile(entry.path, target);
      else if (typeof entry.patch === "string") fromText(entry.patch, target);
    }
  } else {
    for (const entry of list("patchesJson6902")) {
      const target = isObject(entry) ? selectorOf(entry.target) : undefined;
      if (!isObject(entry) || !target) continue;
      if (typeof entry.path === "string") fromFile(entry.path, target);
      else if (typeof entry.patch === "string") fromText(entry.patch, target);
    }
  }
  return changes;
}

/**
 * The outputs after a kustomization's patches: the deleted ones left out, the renamed ones under their new key. A
 * patch finds an object by its current identity or by one it had before (kustomize matches any of its ids: a base's
 * Namespace `system` that an inner namespace transformer renamed is still deleted by a patch naming `system`).
 */
function applyChanges(outputs: Output[], changes: Change[]): Output[] {
  let result = outputs;
  for (const change of changes) {
    const selects = selectorMatcher(change.selector);
    const selected = (output: Output) => selects(output.key) || (output.previous ?? []).some(selects);
    if (change.deletes) result = result.filter((output) => !selected(output));
    else result = result.map((output) => (selected(output) ? rekeyed(output, renameKey(output.key, change)) : output));
  }
  return result;
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
  /** What each build emits (after its patches and transformers), by kustomization file. */
  private readonly outputs = new Map<string, Output[]>();
  /** What each build adds up from its resources, before its own patches and transformers. */
  private readonly accumulated = new Map<string, Output[]>();
  /** Builds cut at a limit, and which limit. */
  private readonly cut = new Map<string, string>();
  /**
   * Builds whose objects are not all known here: objects from components, generators, Helm charts, remote or
   * unreadable entries, unnamed objects, or ids a transformer may change. No patch is said to match nothing in them.
   */
  private readonly incomplete = new Set<string>();
  private readonly reported = new Set<string>();
  private total = 0;

  constructor(
    private readonly index: RepoIndex,
    private readonly limits = { build: MAX_KUSTOMIZE_BUILD_RESOURCES, total: MAX_KUSTOMIZE_RESOURCES_TOTAL },
  ) {}

  /** Duplicate problems of the build rooted at this kustomization, not already reported for a build inside it. */
  check(kustomization: Manifest): Problem[] {
    const problems: Problem[] = [];
    this.build(kustomization.file, new Set());
    // Kustomize refuses a resource added twice to one build, and a transformer or patch that makes two alike.
    const outputs = [...(this.accumulated.get(kustomization.file) ?? []), ...(this.outputs.get(kustomization.file) ?? [])];
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
    const accumulatedCount = this.accumulated.get(kustomization.file)?.length ?? 0;
    for (const [at, output] of outputs.entries()) {
      // The objects as accumulated, then the same objects as the build emits them: each list is checked by itself.
      if (at === accumulatedCount) first.clear();
      // An object whose id a transformer may have changed is no duplicate anyone can tell (see Output.opaque).
      if (output.opaque) continue;
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
    if (!limit && !this.incomplete.has(kustomization.file)) problems.push(...this.unmatchedPatches(kustomization));
    return problems;
  }

  /**
   * Strategic merge patches without a `target` that name no object of the build: kustomize finds such a patch's
   * object by the patch's own kind and name, and fails the build when there is none ("no resource matches strategic
   * merge patch"). A patch with a `target` that selects nothing is no error to kustomize. A Component's patches
   * apply to the build that includes it, so they are not checked here. Lenient where kustomize is strict: an object
   * of the patch's group, kind and name under any version or namespace, now or before a rename, counts as a match.
   */
  private unmatchedPatches(kustomization: Manifest): Problem[] {
    if (kustomization.object.kind === "Component") return [];
    const objects = this.accumulated.get(kustomization.file) ?? [];
    const keys = objects.flatMap((output) => [output.key, ...(output.previous ?? [])]);
    const dir = posix.dirname(kustomization.file) === "." ? "" : posix.dirname(kustomization.file);
    const problems: Problem[] = [];
    const check = (text: string, path: (string | number)[], where: string) => {
      for (const document of inlineDocuments(text)) {
        if (!isObject(document) || typeof document.kind !== "string" || typeof document.apiVersion !== "string" || !isObject(document.metadata)) continue;
        const name = document.metadata.name;
        if (typeof name !== "string") continue;
        const group = document.apiVersion.includes("/") ? document.apiVersion.split("/")[0] : "";
        const matched = keys.some((key) => {
          const [keyGroup = "", kind = "", , keyName = ""] = key.split("/");
          return keyGroup === group && kind === document.kind && keyName === name;
        });
        if (!matched) {
          problems.push(problem(kustomization, "kustomize-patch-unmatched", path, `${where} patches ${document.kind} ${name} (${document.apiVersion}), which the build of ${kustomization.file} does not hold: kustomize fails ("no resource matches strategic merge patch"). Name an object its resources add, or give the entry a target`));
        }
      }
    };
    const list = (key: string) => (Array.isArray(kustomization.object[key]) ? (kustomization.object[key] as unknown[]) : []);
    const fromFile = (entry: string, path: (string | number)[]) => {
      const resolved = isRemoteEntry(entry) ? undefined : resolveFrom(dir, entry);
      const text = resolved === undefined || !/\.(ya?ml|json)$/i.test(resolved) ? undefined : this.index.read?.(resolved);
      if (text !== undefined) check(text, path, `${dottedPath(path)} "${entry}"`);
    };
    for (const [at, entry] of list("patchesStrategicMerge").entries()) {
      if (typeof entry !== "string") continue;
      if (/[\n:]/.test(entry)) check(entry, ["patchesStrategicMerge", at], `patchesStrategicMerge[${at}]`);
      else fromFile(entry, ["patchesStrategicMerge", at]);
    }
    for (const [at, entry] of list("patches").entries()) {
      if (!isObject(entry) || entry.target !== undefined) continue;
      if (typeof entry.path === "string") fromFile(entry.path, ["patches", at, "path"]);
      else if (typeof entry.patch === "string") check(entry.patch, ["patches", at, "patch"], `patches[${at}].patch`);
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
    const accumulated: Output[] = [];
    // What this model does not expand: objects it cannot name come from these.
    const unknownSources = ["components", "helmCharts", "helmChartInflationGenerator", "generators", "transformers", "configMapGenerator", "secretGenerator", "validators"];
    if (unknownSources.some((key) => kustomization.object[key] !== undefined)) this.incomplete.add(file);
    /** Adds one output; false once a limit is reached (this build is then cut). */
    const add = (output: Output): boolean => {
      if (accumulated.length >= this.limits.build) {
        this.cut.set(file, `${this.limits.build.toLocaleString("en-US")} resources (MAX_KUSTOMIZE_BUILD_RESOURCES)`);
        return false;
      }
      if (this.total >= this.limits.total) {
        this.cut.set(file, `the ${this.limits.total.toLocaleString("en-US")} resources all builds of a repository may hold together (MAX_KUSTOMIZE_RESOURCES_TOTAL)`);
        return false;
      }
      this.total++;
      accumulated.push(output);
      return true;
    };
    entries: for (const key of ["resources", "bases"]) {
      const list = kustomization.object[key];
      if (!Array.isArray(list)) continue;
      for (const entry of list) {
        if (typeof entry !== "string" || isRemoteEntry(entry)) {
          this.incomplete.add(file);
          continue;
        }
        const resolved = resolveFrom(dir, entry);
        if (resolved === undefined) {
          this.incomplete.add(file);
          continue;
        }
        if (this.index.files.has(resolved)) {
          const manifests = this.index.byFile.get(resolved) ?? [];
          if (manifests.length === 0 || manifests.some((manifest) => !manifest.kind || !manifest.name)) this.incomplete.add(file);
          for (const manifest of manifests) {
            if (manifest.kind && manifest.name && !add({ key: identity(manifest), manifest })) break entries;
          }
        } else {
          const nested = kustomizationIn(this.index, resolved);
          if (!nested || stack.has(nested)) {
            this.incomplete.add(file);
            continue;
          }
          const outputs = this.build(nested, stack);
          if (this.incomplete.has(nested)) this.incomplete.add(file);
          const nestedCut = this.cut.get(nested);
          for (const output of outputs) {
            if (!add(output)) break entries;
          }
          if (nestedCut && !this.cut.has(file)) this.cut.set(file, nestedCut);
        }
      }
    }
    stack.delete(file);
    // kustomize's order: strategic merge patches and `patches`, then namespace and name affixes, then JSON 6902.
    const merged = applyChanges(accumulated, patchChanges(kustomization, dir, this.index, "merge"));
    const transformed = merged.map((output) => rekeyed(output, keyOf(output.key)));
    const patched = applyChanges(transformed, patchChanges(kustomization, dir, this.index, "json6902"));
    const transformers = kustomization.object.transformers;
    const collected = Array.isArray(transformers) && transformers.length > 0 ? patched.map((output): Output => ({ ...output, opaque: true })) : patched;
    this.accumulated.set(file, accumulated);
    this.outputs.set(file, collected);
    return collected;
  }
}
