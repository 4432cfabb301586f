/**
 * Which files a build reads, and how, as kustomize and kustomize-controller do: the objects of a kustomization's
 * `resources`/`bases`/`components`/`crds` (folders through their own kustomization, recursively), the files it reads
 * as patches, and, for a Flux Kustomization whose `spec.path` has no kustomization file, the kustomization
 * kustomize-controller generates (fluxcd/pkg kustomize `scanManifests`: every `.yaml`/`.yml` below the folder, a
 * sub-folder with a kustomization file as one resource). Only names are read here: the index of the repository's
 * files and the kustomizations' own content.
 */
import { posix } from "node:path";
import { loadYamlStream } from "../../yaml/load.js";
import { isObject, KUSTOMIZATION_FILE_NAMES, kustomizationIn, resolveFrom, type Json } from "../gitops/repo-index.js";
import { isRemoteEntry } from "../gitops/kustomize.js";
import type { PatchSpec, PatchTarget } from "../kubernetes/patch.js";

/** The kustomization files among `paths`, with their first document (kustomize reads no other). */
export function readKustomizations(paths: readonly string[], read: (path: string) => string | undefined): Map<string, Json> {
  const kustomizations = new Map<string, Json>();
  for (const path of paths) {
    if (!KUSTOMIZATION_FILE_NAMES.includes(posix.basename(path))) continue;
    const text = read(path);
    if (text === undefined) continue;
    const first = loadYamlStream(text, { schema: "kubernetes", uniqueKeys: false })[0];
    if (!first || first.failure || !isObject(first.data)) continue;
    // A Flux Kustomization saved as kustomization.yaml is an object, not kustomize's configuration.
    const apiVersion = typeof first.data.apiVersion === "string" ? first.data.apiVersion : "";
    if (apiVersion !== "" && !apiVersion.startsWith("kustomize.config.k8s.io/")) continue;
    kustomizations.set(path, first.data);
  }
  return kustomizations;
}

function dirOf(file: string): string {
  const dir = posix.dirname(file);
  return dir === "." ? "" : dir;
}

function target(value: unknown): PatchTarget | undefined {
  if (!isObject(value)) return undefined;
  const found: PatchTarget = {};
  for (const key of ["group", "version", "kind", "name", "namespace", "labelSelector", "annotationSelector"] as const) if (typeof value[key] === "string") found[key] = value[key] as string;
  return found;
}

/** The local files a kustomization reads as patches, with how it reads them. */
export function patchesOf(file: string, kustomization: Json): Map<string, PatchSpec> {
  const patches = new Map<string, PatchSpec>();
  const dir = dirOf(file);
  const add = (entry: unknown, field: PatchSpec["field"], selector?: unknown) => {
    // An inline patch (text with a newline or a colon) is no file name.
    if (typeof entry !== "string" || /[\n:]/.test(entry) || isRemoteEntry(entry)) return;
    const path = resolveFrom(dir, entry);
    if (path === undefined || patches.has(path)) return;
    const spec: PatchSpec = { kustomization: file, field };
    const selected = target(selector);
    if (selected) spec.target = selected;
    patches.set(path, spec);
  };
  const list = (key: string) => (Array.isArray(kustomization[key]) ? (kustomization[key] as unknown[]) : []);
  for (const entry of list("patchesStrategicMerge")) add(entry, "patchesStrategicMerge");
  for (const entry of list("patches")) if (isObject(entry)) add(entry.path, "patches", entry.target);
  for (const entry of list("patchesJson6902")) if (isObject(entry)) add(entry.path, "patchesJson6902", entry.target);
  return patches;
}

/** The fields whose entries are patches: a commented-out entry under one of them is a patch switched off. */
const PATCH_FIELDS = new Set(["patches", "patchesStrategicMerge", "patchesJson6902"]);

/**
 * The files a kustomization lists as patches in comments: entries (`#- file.yaml`, `#- path: file.yaml`,
 * `#  path: file.yaml`) under a `patches`, `patchesStrategicMerge` or `patchesJson6902` field, written or itself
 * commented out (`#patchesStrategicMerge:`), as kubebuilder scaffolds optional patches (a manager's webhook or metrics
 * patch, a CRD's conversion webhook and CA injection) for the user to switch on. Such a file is a patch kept ready,
 * not an object anything applies: it is validated as a patch of its target (read with `patches`, which takes either
 * kind), so that a mistake in it is still found, and never as a whole object that misses what the patch leaves out.
 * Two more spellings count: an entry behind a marker word that a script removes to switch it on
 * (`#ENABLE_WEBHOOK - path: file.yaml`, upper case only, so that prose is no entry), and entries in the comment block
 * directly above a patch field, which that field's comment is (as YAML attaches a comment to the node after it) even
 * when the block sits, indented, below the previous field's last item.
 */
export function commentedPatchesOf(file: string, text: string): Map<string, PatchSpec> {
  const patches = new Map<string, PatchSpec>();
  const add = (entry: string) => {
    if (isRemoteEntry(entry)) return;
    const path = resolveFrom(dirOf(file), entry);
    if (path !== undefined && !patches.has(path)) patches.set(path, { kustomization: file, field: "patches" });
  };
  let field: string | undefined;
  // Entries of the comment block read so far under a field that takes no patches: the next field's, if it does.
  let above: string[] = [];
  for (const line of text.split("\n")) {
    const key = /^#?\s?([A-Za-z][A-Za-z0-9]*):\s*(#.*)?$/.exec(line) ?? /^([A-Za-z][A-Za-z0-9]*):/.exec(line);
    if (key) {
      field = key[1];
      if (field !== undefined && PATCH_FIELDS.has(field)) for (const entry of above) add(entry);
      above = [];
      continue;
    }
    if (!/^\s*#/.test(line)) {
      above = [];
      continue;
    }
    const entry = /^\s*#\s*(?:[A-Z][A-Z0-9_]*\s+)?(?:-\s*(?:path:\s*)?|path:\s*)["']?([^\s"'#]+\.(?:ya?ml|json))["']?\s*(#.*)?$/.exec(line)?.[1];
    if (entry === undefined) continue;
    if (field !== undefined && PATCH_FIELDS.has(field)) add(entry);
    else above.push(entry);
  }
  return patches;
}

/**
 * A folder of patches kept ready: a folder with no kustomization whose files the kustomizations read only as patches
 * (kubebuilder's `config/crd/patches/`) holds patches, also a file no entry names any more (its commented entry was
 * dropped, as scaffolding does for some kinds). Such a file is validated as a patch like its siblings, so that a
 * mistake in it is still found; a folder any kustomization reads an object from is left as it is.
 */
function readyPatchFolders(patches: ReadonlyMap<string, PatchSpec>, resources: ReadonlySet<string>, kustomizations: ReadonlyMap<string, Json>, files: ReadonlySet<string>): Map<string, PatchSpec> {
  const folders = new Map<string, PatchSpec>();
  for (const [path, spec] of patches) if (!folders.has(dirOf(path))) folders.set(dirOf(path), spec);
  for (const file of kustomizations.keys()) folders.delete(dirOf(file));
  for (const path of resources) {
    folders.delete(path);
    folders.delete(dirOf(path));
  }
  const found = new Map<string, PatchSpec>();
  if (folders.size === 0) return found;
  for (const file of files) {
    const spec = /\.(ya?ml|json)$/.test(file) && !patches.has(file) ? folders.get(dirOf(file)) : undefined;
    if (spec) found.set(file, { kustomization: spec.kustomization, field: "patches" });
  }
  return found;
}

/**
 * Every file the repository's kustomizations read as a patch, and how (the first kustomization listing it wins);
 * with `read`, also the patches they list in comments (commentedPatchesOf) that no kustomization reads otherwise, and
 * the other files of a folder of such patches (readyPatchFolders).
 */
export function patchFiles(kustomizations: Map<string, Json>, files: ReadonlySet<string>, read?: (path: string) => string | undefined): Map<string, PatchSpec> {
  const all = new Map<string, PatchSpec>();
  const resources = new Set<string>();
  const commented = new Map<string, PatchSpec>();
  for (const [file, kustomization] of kustomizations) {
    for (const [path, spec] of patchesOf(file, kustomization)) if (files.has(path) && !all.has(path)) all.set(path, spec);
    const text = read?.(file);
    if (text?.includes("#")) for (const [path, spec] of commentedPatchesOf(file, text)) if (files.has(path) && !commented.has(path)) commented.set(path, spec);
    for (const path of resourcesOf(file, kustomization)) resources.add(path);
  }
  for (const [path, spec] of commented) if (!all.has(path)) all.set(path, spec);
  if (read) for (const [path, spec] of readyPatchFolders(all, resources, kustomizations, files)) all.set(path, spec);
  // A file that is also a resource somewhere is an object there: it is validated as one.
  for (const path of resources) all.delete(path);
  return all;
}

/** The repository paths a kustomization lists as objects (`resources`, `bases`, `crds`): files or folders. */
function resourcesOf(file: string, kustomization: Json): string[] {
  const paths: string[] = [];
  for (const key of ["resources", "bases", "crds"]) {
    const list = kustomization[key];
    if (!Array.isArray(list)) continue;
    for (const entry of list) {
      const path = typeof entry === "string" ? resolveFrom(dirOf(file), entry) : undefined;
      if (path !== undefined) paths.push(path);
    }
  }
  return paths;
}

/**
 * The files kustomizations read as data into a generated ConfigMap or Secret (`configMapGenerator` and
 * `secretGenerator` entries' `files`, `envs` and `env`; `key=path` reads path), each with the first kustomization
 * reading it. Such a file is the value of a key (a controller's configuration, a script), never an object kustomize
 * emits; a file some kustomization also lists as a resource is an object there and is not returned.
 */
export function generatorDataFiles(kustomizations: ReadonlyMap<string, Json>, files: ReadonlySet<string>): Map<string, string> {
  const data = new Map<string, string>();
  const resources = new Set<string>();
  for (const [file, kustomization] of kustomizations) {
    for (const path of resourcesOf(file, kustomization)) resources.add(path);
    for (const key of ["configMapGenerator", "secretGenerator"]) {
      const generators = Array.isArray(kustomization[key]) ? (kustomization[key] as unknown[]) : [];
      for (const generator of generators) {
        if (!isObject(generator)) continue;
        const entries = [...(Array.isArray(generator.files) ? generator.files : []), ...(Array.isArray(generator.envs) ? generator.envs : []), generator.env];
        for (const entry of entries) {
          if (typeof entry !== "string" || isRemoteEntry(entry)) continue;
          const path = resolveFrom(dirOf(file), entry.includes("=") ? entry.slice(entry.indexOf("=") + 1) : entry);
          if (path !== undefined && files.has(path) && !data.has(path)) data.set(path, file);
        }
      }
    }
  }
  for (const path of resources) data.delete(path);
  return data;
}

/** What one build reads: object files and patch files (repository paths). */
export interface BuildFiles {
  objects: Set<string>;
  patches: Set<string>;
}

/** Resolves builds over the repository's file names (sorted once, for prefix lookups). */
export class BuildResolver {
  private readonly sorted: string[];
  private readonly kustomizeBuilds = new Map<string, BuildFiles>();
  private readonly index: { files: ReadonlySet<string>; dirs: ReadonlySet<string> };

  constructor(
    files: Iterable<string>,
    dirs: ReadonlySet<string>,
    private readonly kustomizations: Map<string, Json>,
  ) {
    this.sorted = [...files].sort();
    this.index = { files: new Set(this.sorted), dirs };
  }

  /**
   * The files kustomize-controller builds for a Flux Kustomization at `dir` (a repository path, "" for the root):
   * its kustomization's build, or the generated one; undefined when the folder does not exist.
   */
  fluxBuild(dir: string): BuildFiles | undefined {
    if (dir !== "" && !this.index.dirs.has(dir)) return undefined;
    const own = kustomizationIn(this.index, dir);
    if (own) return this.kustomizeBuild(own);
    const build: BuildFiles = { objects: new Set(), patches: new Set() };
    const prefix = dir === "" ? "" : `${dir}/`;
    let skipped: string | undefined;
    for (let i = this.lowerBound(prefix); i < this.sorted.length && this.sorted[i]!.startsWith(prefix); i++) {
      const file = this.sorted[i]!;
      if (skipped !== undefined && file.startsWith(skipped)) continue;
      // The topmost sub-folder (below `dir`) with a kustomization file is one resource: its build, not its files.
      const nested = this.nestedKustomization(prefix, file);
      if (nested) {
        skipped = `${dirOf(nested)}/`;
        merge(build, this.kustomizeBuild(nested));
        continue;
      }
      if (/\.ya?ml$/.test(file)) build.objects.add(file);
    }
    return build;
  }

  /** The files of a kustomization's build, recursively (a cycle is cut where it closes). */
  kustomizeBuild(file: string, stack = new Set<string>()): BuildFiles {
    const cached = this.kustomizeBuilds.get(file);
    if (cached) return cached;
    const build: BuildFiles = { objects: new Set(), patches: new Set() };
    const kustomization = this.kustomizations.get(file);
    if (!kustomization || stack.has(file)) return build;
    stack.add(file);
    const dir = dirOf(file);
    for (const key of ["resources", "bases", "components", "crds"]) {
      const list = kustomization[key];
      if (!Array.isArray(list)) continue;
      for (const entry of list) {
        if (typeof entry !== "string" || isRemoteEntry(entry)) continue;
        const path = resolveFrom(dir, entry);
        if (path === undefined) continue;
        if (this.index.files.has(path)) build.objects.add(path);
        else {
          const nested = kustomizationIn(this.index, path);
          if (nested) merge(build, this.kustomizeBuild(nested, stack));
        }
      }
    }
    for (const path of patchesOf(file, kustomization).keys()) if (this.index.files.has(path)) build.patches.add(path);
    stack.delete(file);
    this.kustomizeBuilds.set(file, build);
    return build;
  }

  /** The object files a kustomization lists itself (not those of the kustomizations it lists). */
  ownObjects(file: string): string[] {
    return this.listed(file).filter((path) => this.index.files.has(path));
  }

  /** The kustomization files of the folders a kustomization lists. */
  nestedKustomizations(file: string): string[] {
    const nested: string[] = [];
    for (const path of this.listed(file)) {
      if (this.index.files.has(path)) continue;
      const found = kustomizationIn(this.index, path);
      if (found) nested.push(found);
    }
    return nested;
  }

  private listed(file: string): string[] {
    const kustomization = this.kustomizations.get(file);
    if (!kustomization) return [];
    const paths: string[] = [];
    for (const key of ["resources", "bases", "components", "crds"]) {
      const list = kustomization[key];
      if (!Array.isArray(list)) continue;
      for (const entry of list) {
        if (typeof entry !== "string" || isRemoteEntry(entry)) continue;
        const path = resolveFrom(dirOf(file), entry);
        if (path !== undefined) paths.push(path);
      }
    }
    return paths;
  }

  /** The kustomization file of the topmost folder between `prefix` and `file`'s own folder, if one has one. */
  private nestedKustomization(prefix: string, file: string): string | undefined {
    const parts = file.slice(prefix.length).split("/").slice(0, -1);
    let dir = prefix.replace(/\/$/, "");
    for (const part of parts) {
      dir = dir === "" ? part : `${dir}/${part}`;
      const found = kustomizationIn(this.index, dir);
      if (found) return found;
    }
    return undefined;
  }

  private lowerBound(prefix: string): number {
    let low = 0;
    let high = this.sorted.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.sorted[middle]! < prefix) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}

function merge(into: BuildFiles, from: BuildFiles): void {
  for (const file of from.objects) into.objects.add(file);
  for (const file of from.patches) into.patches.add(file);
}

/** Kinds whose `spec.selector.matchLabels` kustomize's label transformer creates when missing (its commonLabels field specs). */
const SELECTOR_CREATED = new Set(["Deployment", "ReplicaSet", "DaemonSet", "StatefulSet"]);

/**
 * The labels a kustomization adds to selectors: `commonLabels`, `labels` entries with `includeSelectors: true`, and
 * builtin LabelTransformer configurations under `transformers:` (a repository file, or written inline) whose field
 * specs create `spec/selector/matchLabels`. Such a field spec may name one kind; any of the kinds whose selector
 * kustomize creates is taken as selected, which can only spare an error, never add one.
 */
function selectorLabelsOf(file: string, kustomization: Json, read?: (path: string) => string | undefined): Record<string, string> {
  const labels: Record<string, string> = {};
  const add = (pairs: unknown) => {
    if (!isObject(pairs)) return;
    for (const [key, value] of Object.entries(pairs)) if (typeof value === "string") labels[key] = value;
  };
  add(kustomization.commonLabels);
  if (Array.isArray(kustomization.labels)) for (const entry of kustomization.labels) if (isObject(entry) && entry.includeSelectors === true) add(entry.pairs);
  if (read && Array.isArray(kustomization.transformers)) {
    for (const entry of kustomization.transformers) {
      if (typeof entry !== "string" || isRemoteEntry(entry)) continue;
      // An entry with a line break is a configuration written inline; otherwise a path from the kustomization's folder.
      const path = entry.includes("\n") ? undefined : resolveFrom(dirOf(file), entry);
      const text = entry.includes("\n") ? entry : path === undefined ? undefined : read(path);
      if (text === undefined) continue;
      for (const document of loadYamlStream(text, { schema: "kubernetes", uniqueKeys: false })) if (createsSelector(document.data)) add((document.data as Json).labels);
    }
  }
  return labels;
}

/** A builtin LabelTransformer configuration with a field spec that creates `spec/selector/matchLabels`. */
function createsSelector(data: unknown): boolean {
  if (!isObject(data) || data.kind !== "LabelTransformer" || typeof data.apiVersion !== "string" || !(data.apiVersion === "builtin" || data.apiVersion.startsWith("builtin/"))) return false;
  const specs = Array.isArray(data.fieldSpecs) ? data.fieldSpecs : [];
  return specs.some((spec) => isObject(spec) && spec.path === "spec/selector/matchLabels" && spec.create === true && (spec.kind === undefined || (typeof spec.kind === "string" && SELECTOR_CREATED.has(spec.kind))));
}

/**
 * The object files whose every kustomize build adds selector labels (a kustomization on the way from each build's
 * top — a kustomization nobody lists, or one `appliedRoots` names — down to the file has `commonLabels` or `labels`
 * with `includeSelectors`), with those labels: there kustomize
 * creates the `spec.selector` of a Deployment, ReplicaSet, DaemonSet or StatefulSet written without one. A file
 * also built without such labels (a base applied on its own) keeps it missing.
 */
export function selectorLabelledFiles(kustomizations: Map<string, Json>, resolver: BuildResolver, appliedRoots: Iterable<string> = [], read?: (path: string) => string | undefined): Map<string, Record<string, string>> {
  // Each kustomization once (a build can list the same folders many times over: no walk of every path).
  const parents = new Map<string, string[]>();
  for (const file of kustomizations.keys()) {
    for (const nested of resolver.nestedKustomizations(file)) if (nested !== file) parents.set(nested, [...(parents.get(nested) ?? []), file]);
  }
  // A kustomization nobody lists is a build's top; so is one a Flux Kustomization or Argo CD builds on its own.
  const tops = new Set(appliedRoots);
  const memo = new Map<string, Record<string, string> | null>();
  /** The labels every build reaching `file` adds to selectors (null: some build adds none), cycles cut. */
  const labelsOf = (file: string): Record<string, string> | null => {
    if (memo.has(file)) return memo.get(file)!;
    memo.set(file, null);
    const own = selectorLabelsOf(file, kustomizations.get(file) ?? {}, read);
    const above = tops.has(file) || !parents.has(file) ? [null] : parents.get(file)!.map(labelsOf);
    let result: Record<string, string> | null;
    if (Object.keys(own).length > 0) result = { ...Object.assign({}, ...above.filter((labels) => labels !== null)), ...own };
    else result = above.every((labels) => labels !== null) ? Object.assign({}, ...above) : null;
    memo.set(file, result);
    return result;
  };
  const labelled = new Map<string, Record<string, string>>();
  const unlabelled = new Set<string>();
  for (const file of kustomizations.keys()) {
    const labels = labelsOf(file);
    for (const object of resolver.ownObjects(file)) {
      if (labels === null) unlabelled.add(object);
      else labelled.set(object, { ...(labelled.get(object) ?? {}), ...labels });
    }
  }
  for (const file of unlabelled) labelled.delete(file);
  return labelled;
}

/** A Deployment-like object written without `spec.selector`, given the selector kustomize creates from `labels`. */
export function withCreatedSelector(data: unknown, labels: Record<string, string>): unknown {
  if (!isObject(data) || typeof data.kind !== "string" || !SELECTOR_CREATED.has(data.kind) || !isObject(data.spec) || data.spec.selector !== undefined) return undefined;
  return { ...data, spec: { ...data.spec, selector: { matchLabels: { ...labels } } } };
}
