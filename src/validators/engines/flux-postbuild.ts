/**
 * Flux Kustomizations as kustomize-controller applies them: each one builds the folder of its `spec.path` and, with a
 * `spec.postBuild`, substitutes variables in every object of the build before applying it (fluxcd/pkg kustomize
 * `SubstituteVariables`): `substituteFrom` ConfigMaps and Secrets in order (later ones win), then the inline
 * `substitute` map, newlines removed from values; nothing at all when no variable is defined (unless
 * `substituteStrategy: Always`); never in an object labelled or annotated `kustomize.toolkit.fluxcd.io/substitute:
 * disabled`. A Kustomization applied by another is itself patched (the parent's `spec.patches`, see flux-patches.ts)
 * and substituted first, so `spec.path: ./clusters/${CLUSTER}` is the path its parent makes of it, and a parent may
 * give its children their `postBuild`.
 *
 * The model follows the repository's Kustomizations from the ones nothing applies, parent before child, and tells,
 * for every file, the variables of each Kustomization that applies it. Variables whose values only the cluster has
 * (a Secret that is not in the repository, or encrypted with SOPS) are unknown: what depends on them is not checked.
 */
import { Buffer } from "node:buffer";
import { parseDocuments } from "../kubernetes/documents.js";
import { isSopsDocument } from "../kubernetes/unchecked-values.js";
import { isFluxKustomization, kustomizationFolder } from "../gitops/flux.js";
import { describe, isObject, manifestsNamed, manifestsOfKind, stringAt, type ContentReader, type Json, type Manifest, type RepoIndex } from "../gitops/repo-index.js";
import type { ThisRepository } from "../gitops/this-repo.js";
import { hasVariables, substitute, SubstitutionError, UNKNOWN, type Lookup } from "./envsubst.js";
import { applyFluxPatches } from "./flux-patches.js";
import type { BuildFiles, BuildResolver } from "./kustomize-build.js";

/** The label or annotation that turns substitution off for one object, and its value. */
const DISABLE_KEY = "kustomize.toolkit.fluxcd.io/substitute";
/** A bound on Kustomization instances (one per distinct substitution), far above real repositories. */
const MAX_INSTANCES = 20_000;

/** What a Kustomization substitutes in the objects it applies. */
export interface VariableSet {
  /** The Kustomization, as "Kustomization flux-system/apps". */
  kustomization: string;
  lookup: Lookup;
  /** Why an unknown variable is unknown (the source only the cluster has), for the "not checked" reason. */
  explain(name: string): string;
}

/** One Flux Kustomization as applied: its object after its parent's substitution, what it builds, what it substitutes. */
export interface KustomizationInstance {
  manifest: Manifest;
  object: Json;
  parent?: KustomizationInstance;
  /** The files its path builds in this repository, when the path names a folder of it. */
  build?: BuildFiles;
  /** Its post-build substitution, when one runs. */
  variables?: VariableSet;
  /** Whether the parent's `spec.patches` changed it (then its schema is checked on `object`, not on the text). */
  patched?: boolean;
}

export interface FluxModel {
  /**
   * The instances of each Flux Kustomization (by its manifest): one per parent that patches or substitutes it, else
   * one as written; none at all when no Kustomization of the repository substitutes or patches (each is as written).
   */
  instances: Map<Manifest, KustomizationInstance[]>;
  /** For each file, the substitutions of the Kustomizations that apply it (one per distinct Kustomization instance). */
  substitutions: Map<string, VariableSet[]>;
}

/** Whether an object opts out of substitution. */
export function substitutionDisabled(object: unknown): boolean {
  const metadata = isObject(object) && isObject(object.metadata) ? object.metadata : undefined;
  const at = (key: string) => (metadata && isObject(metadata[key]) ? (metadata[key] as Json)[DISABLE_KEY] : undefined);
  return at("labels") === "disabled" || at("annotations") === "disabled";
}

/** The object with every string (keys too) substituted; a string that depends on an unknown variable is kept as written. */
export function substituteObject<T>(value: T, lookup: Lookup): T {
  if (typeof value === "string") {
    if (!value.includes("${")) return value;
    try {
      const result = substitute(value, lookup);
      return ("text" in result ? result.text : value) as T;
    } catch (error) {
      if (error instanceof SubstitutionError) return value;
      throw error;
    }
  }
  if (Array.isArray(value)) return value.map((item) => substituteObject(item, lookup)) as T;
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([key, item]) => [substituteObject(key, lookup), substituteObject(item, lookup)])) as T;
  return value;
}

export function buildFluxModel(index: RepoIndex, resolver: BuildResolver, repo: ThisRepository, read: ContentReader): FluxModel {
  const kustomizations = manifestsOfKind(index, "Kustomization").filter(isFluxKustomization);
  const inFile = new Map<string, Manifest[]>();
  for (const manifest of kustomizations) inFile.set(manifest.file, [...(inFile.get(manifest.file) ?? []), manifest]);
  const all: KustomizationInstance[] = [];
  const seen = new Set<string>();
  const queue: KustomizationInstance[] = [];
  const sources = new SourceReader(index, read);
  const appliers = new Map<Manifest, KustomizationInstance[]>();
  const folders = new Map<string, BuildFiles | undefined>();
  const buildOf = (folder: string) => {
    if (!folders.has(folder)) folders.set(folder, resolver.fluxBuild(folder));
    return folders.get(folder);
  };

  const add = (manifest: Manifest, object: Json, parent: KustomizationInstance | undefined, patched = false) => {
    const key = `${manifest.file}#${manifest.index}\u0000${JSON.stringify(object)}`;
    if (seen.has(key) || all.length >= MAX_INSTANCES) return;
    seen.add(key);
    const instance: KustomizationInstance = { manifest, object, parent };
    if (patched) instance.patched = true;
    const path = stringAt(object, "spec", "path") ?? "./";
    const folder = hasVariables(path) ? undefined : kustomizationFolder({ ...manifest, object }, index, repo);
    if (folder !== undefined) instance.build = buildOf(folder);
    all.push(instance);
    queue.push(instance);
  };

  // Without a Kustomization that substitutes or patches, each is applied as written and no file is substituted.
  if (!kustomizations.some((manifest) => isObject(manifest.object.spec) && (manifest.object.spec.postBuild !== undefined || manifest.object.spec.patches !== undefined))) {
    return { instances: new Map(), substitutions: new Map() };
  }
  // Every Kustomization as written first, and which of them applies which: a Kustomization reads the ConfigMaps of
  // its own tree, whatever order the repository lists them in.
  for (const manifest of kustomizations) add(manifest, manifest.object, undefined);
  for (const instance of all) {
    for (const file of instance.build?.objects ?? []) {
      for (const child of inFile.get(file) ?? []) if (child !== instance.manifest) appliers.set(child, [...(appliers.get(child) ?? []), instance]);
    }
  }
  // Parents before children: a child's object is the one its parent's patches and substitution made.
  const drain = () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const instance = next;
      if (!instance.build) continue;
      instance.variables = sources.variablesOf(instance, (of) => of.parent ?? appliers.get(of.manifest)?.find((applier) => applier !== of));
      for (const file of instance.build.objects) {
        for (const child of inFile.get(file) ?? []) {
          if (child === instance.manifest) continue;
          // The parent's own patches first (they are part of its build), then its substitution.
          const patched = applyFluxPatches(instance.object, child.object);
          const variables = instance.variables;
          const applied = variables && !substitutionDisabled(patched) && JSON.stringify(patched).includes("${") ? substituteObject(patched, variables.lookup) : patched;
          if (applied !== child.object) add(child, applied, instance, patched !== child.object);
        }
      }
    }
  };
  drain();
  // A Kustomization whose build is not a folder of this checkout (an OCI artifact CI pushes from it, a path of
  // another source) still patches what it applies. A Kustomization of the repository that no located build applies
  // is checked as patched by each such parent whose `spec.patches` select it: home-ops repositories that sync an OCI
  // artifact give every child its interval and prune that way, and the API server sees the patched object.
  const located = new Set(all.filter((instance) => instance.parent).map((instance) => instance.manifest));
  const unlocated = all.filter((instance) => !instance.build && isObject(instance.object.spec) && Array.isArray(instance.object.spec.patches));
  for (const child of unlocated.length > 0 ? kustomizations : []) {
    if (located.has(child) || appliers.has(child)) continue;
    for (const parent of unlocated) {
      if (parent.manifest === child) continue;
      const patched = applyFluxPatches(parent.object, child.object);
      if (patched !== child.object) add(child, patched, parent, true);
    }
  }
  drain();

  // An instance as written is not what is applied when a parent patches or substitutes it: it is left out, with
  // whatever came of it.
  const substituted = new Set(all.filter((instance) => instance.parent).map((instance) => instance.manifest));
  const superseded = (instance: KustomizationInstance | undefined): boolean =>
    instance !== undefined && ((instance.parent === undefined && substituted.has(instance.manifest)) || superseded(instance.parent));
  const instances = new Map<Manifest, KustomizationInstance[]>();
  const substitutions = new Map<string, VariableSet[]>();
  for (const instance of all) {
    if (superseded(instance)) continue;
    instances.set(instance.manifest, [...(instances.get(instance.manifest) ?? []), instance]);
    if (!instance.build || !instance.variables) continue;
    for (const file of [...instance.build.objects, ...instance.build.patches]) {
      const list = substitutions.get(file) ?? [];
      if (!list.includes(instance.variables)) list.push(instance.variables);
      substitutions.set(file, list);
    }
  }
  return { instances, substitutions };
}

/** A ConfigMap or Secret of `substituteFrom`: its values (unknown ones marked), or why none can be read. */
type SourceValues = { name: string; values: Map<string, string | typeof UNKNOWN>; why: Map<string, string> } | { name: string; unknown: string };

/** Reads the ConfigMaps and Secrets Kustomizations substitute from, once each. */
class SourceReader {
  private readonly objects = new Map<string, unknown>();

  constructor(
    private readonly index: RepoIndex,
    private readonly read: ContentReader,
  ) {}

  /** What an instance substitutes, or undefined when no substitution runs; `parentOf` tells who applies an instance. */
  variablesOf(instance: KustomizationInstance, parentOf: (instance: KustomizationInstance) => KustomizationInstance | undefined): VariableSet | undefined {
    const postBuild = isObject(instance.object.spec) ? instance.object.spec.postBuild : undefined;
    if (!isObject(postBuild)) return undefined;
    const inline = new Map<string, string>();
    if (isObject(postBuild.substitute)) {
      for (const [name, value] of Object.entries(postBuild.substitute)) if (typeof value === "string") inline.set(name, value.replace(/\n/g, ""));
    }
    const references = Array.isArray(postBuild.substituteFrom) ? postBuild.substituteFrom.filter(isObject) : [];
    const sources = references.map((reference) => this.source(reference, instance, parentOf));
    const any = inline.size > 0 || sources.some((source) => "unknown" in source || source.values.size > 0);
    if (!any && postBuild.substituteStrategy !== "Always") return undefined;
    const kustomization = describe(instance.manifest);
    const lookup: Lookup = (name) => {
      if (inline.has(name)) return inline.get(name);
      for (let i = sources.length - 1; i >= 0; i--) {
        const source = sources[i]!;
        if ("unknown" in source) return UNKNOWN;
        if (source.values.has(name)) return source.values.get(name);
      }
      return undefined;
    };
    const explain = (name: string) => {
      for (let i = sources.length - 1; i >= 0; i--) {
        const source = sources[i]!;
        if ("unknown" in source) return `${source.name} ${source.unknown}`;
        if (source.values.get(name) === UNKNOWN) return `${source.name} ${source.why.get(name) ?? "holds it encrypted"}`;
        if (source.values.has(name)) break;
      }
      return "the cluster";
    };
    return { kustomization, lookup, explain: (name) => `${kustomization} substitutes \${${name}} from ${explain(name)}` };
  }

  private source(reference: Json, instance: KustomizationInstance, parentOf: (instance: KustomizationInstance) => KustomizationInstance | undefined): SourceValues {
    const kind = stringAt(reference, "kind") ?? "";
    const name = stringAt(reference, "name") ?? "";
    const namespace = instance.manifest.namespace;
    const label = `${kind} ${namespace ? `${namespace}/` : ""}${name}`;
    if (kind !== "ConfigMap" && kind !== "Secret") return { name: label, unknown: "(not a ConfigMap or Secret)" };
    const candidates = manifestsNamed(this.index, kind, name).filter((manifest) => manifest.apiVersion === "v1" && (namespace === undefined || manifest.namespace === undefined || manifest.namespace === namespace));
    if (candidates.length === 0) return { name: label, unknown: "(not in the repository: only the cluster has it)" };
    // The one this Kustomization's own tree applies, when the repository has several (one per cluster).
    const applied = new Set<string>();
    const visited = new Set<KustomizationInstance>();
    for (let ancestor: KustomizationInstance | undefined = instance; ancestor && !visited.has(ancestor); ancestor = parentOf(ancestor)) {
      visited.add(ancestor);
      for (const file of ancestor.build?.objects ?? []) applied.add(file);
    }
    const preferred = candidates.filter((candidate) => applied.has(candidate.file));
    const pool = preferred.length > 0 ? preferred : candidates;
    const datas = pool.map((candidate) => this.dataOf(candidate, kind));
    const values = new Map<string, string | typeof UNKNOWN>();
    const why = new Map<string, string>();
    for (const key of new Set(datas.flatMap((data) => [...data.keys()]))) {
      const found = new Set(datas.map((data) => data.get(key)));
      if (found.size === 1 && !found.has(undefined)) {
        values.set(key, [...found][0]!);
        if ([...found][0] === UNKNOWN) why.set(key, "(encrypted with SOPS in the repository)");
      } else {
        values.set(key, UNKNOWN);
        why.set(key, `(the repository has ${pool.length} of that name that disagree)`);
      }
    }
    return { name: label, values, why };
  }

  /** A ConfigMap's `data` or a Secret's `stringData` and decoded `data`; encrypted values are unknown. */
  private dataOf(manifest: Manifest, kind: string): Map<string, string | typeof UNKNOWN> {
    const key = `${manifest.file}#${manifest.index}`;
    if (!this.objects.has(key)) {
      const text = this.read(manifest.file);
      const document = text === undefined ? undefined : parseDocuments(text, false)[manifest.index];
      this.objects.set(key, document && !document.failure ? document.data : undefined);
    }
    const object = this.objects.get(key);
    const values = new Map<string, string | typeof UNKNOWN>();
    if (!isObject(object)) return values;
    const encrypted = isSopsDocument(object);
    const put = (name: string, value: unknown, decode: boolean) => {
      if (typeof value !== "string") return;
      if (encrypted && value.startsWith("ENC[")) values.set(name, UNKNOWN);
      else values.set(name, (decode ? Buffer.from(value, "base64").toString("utf8") : value).replace(/\n/g, ""));
    };
    if (kind === "Secret" && isObject(object.data)) for (const [name, value] of Object.entries(object.data)) put(name, value, true);
    const plain = kind === "Secret" ? object.stringData : object.data;
    if (isObject(plain)) for (const [name, value] of Object.entries(plain)) put(name, value, false);
    return values;
  }
}
