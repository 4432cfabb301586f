/**
 * Objects of a kustomize base that only overlays build. A base folder often holds an object that is incomplete on
 * its own (a field every overlay adds, a placeholder every overlay replaces): kustomize and the GitOps engines never
 * apply it as written, only as each overlay builds it. Such an object is checked as each build makes it — the patches
 * of every kustomization on the way from the build's top down to the file, the nearest first, as kustomize applies
 * them — and is invalid only where some build of it is.
 *
 * A build's top is a kustomization no other one lists, or one a Flux Kustomization or Argo CD Application builds on
 * its own (`tops`). An object listed by a kustomization that is itself a top is applied as written: it keeps being
 * checked as it is; so is an object no kustomization lists.
 *
 * Patches are applied as applyKustomizePatches reads them (strategic merge as a JSON merge, lists of built-in kinds
 * merged on their Kubernetes merge key, `name` for most, `containerPort`, `topologyKey`, `mountPath` for others; JSON
 * 6902 add, replace, remove). Each kustomization on the way first runs its
 * components (their patches, namespace and name affixes, in the order listed), then its own patches, then its
 * `namespace:` and `namePrefix:`/`nameSuffix:`; a patch higher up selects the object by any name it has had on the
 * way, as kustomize matches a patch against an object's current and previous ids (a patch naming `app-web` or `web`
 * reaches a base's `web` under a lower `namePrefix: app-`). What a build's name does not change stays as written.
 *
 * An object whose own kustomization is applied on its own is checked as that kustomization builds it (its components
 * and patches applied): a required field its own patch or component adds is no error there either.
 *
 * A kustomization's `namespace:` fills, as kustomize v5 does (checked with `kubectl kustomize`, kustomize 5.5), the
 * `clientConfig.service` namespace of a Mutating/ValidatingWebhookConfiguration's webhooks that name a Service of
 * the same build: its name reference transformer gives them the Service's namespace, which the namespace transformer
 * set. A webhook naming a Service outside the build keeps no namespace, as kustomize leaves it. (The namespace field
 * specs also create an APIService's `spec.service.namespace`, which no schema requires: not modelled.) This fact
 * holds for an object applied as written too: its own kustomization builds it with it (not with its own patches,
 * which are checked as patches).
 */
import { posix } from "node:path";
import { loadYamlStream } from "../../yaml/load.js";
import { isObject, KUSTOMIZATION_FILE_NAMES, resolveFrom, type Json } from "../gitops/repo-index.js";
import { CLUSTER_SCOPED, isRemoteEntry } from "../gitops/kustomize.js";
import { applyKustomizePatches, type ObjectId } from "./flux-patches.js";
import type { BuildResolver } from "./kustomize-build.js";

/** What one kustomization on the way does to the objects of its build. */
export interface BuildStep {
  patches: Json[];
  /** Its `namespace:`. */
  namespace?: string;
  /** Its `namePrefix:` and `nameSuffix:`. */
  prefix?: string;
  suffix?: string;
  /** The components it lists (kustomize runs them before its own patches and transformers). */
  components: BuildStep[];
  /** The names of the Services of its build (read only where a webhook needs them). */
  services: () => ReadonlySet<string>;
}

/**
 * One build of a base's object: the kustomization at its top, and what each kustomization on the way does, nearest
 * first; `asWritten` when the object's own kustomization is applied on its own: its problems name no build, and only
 * those it has as written count (what its own patches get wrong is reported at the patch, checked as one).
 */
export interface OverlayBuild {
  top: string;
  steps: BuildStep[];
  asWritten?: boolean;
}

function dirOf(file: string): string {
  const dir = posix.dirname(file);
  return dir === "." ? "" : dir;
}

/** A kustomization's patches as `{ patch, target }` entries (files read; remote or unreadable ones left out). */
export function kustomizationPatches(file: string, kustomization: Json, read: (path: string) => string | undefined): Json[] {
  const entries: Json[] = [];
  const fromFile = (entry: unknown): string | undefined => {
    if (typeof entry !== "string" || isRemoteEntry(entry)) return undefined;
    const path = resolveFrom(dirOf(file), entry);
    return path === undefined ? undefined : read(path);
  };
  const list = (key: string) => (Array.isArray(kustomization[key]) ? (kustomization[key] as unknown[]) : []);
  for (const entry of list("patchesStrategicMerge")) {
    // An entry with a newline or a colon is the patch itself; a file may hold several documents.
    const text = typeof entry === "string" && /[\n:]/.test(entry) ? entry : fromFile(entry);
    if (text === undefined) continue;
    for (const document of loadYamlStream(text, { schema: "kubernetes", uniqueKeys: false })) {
      if (!document.failure && isObject(document.data)) entries.push({ patch: JSON.stringify(document.data) });
    }
  }
  for (const key of ["patches", "patchesJson6902"]) {
    for (const entry of list(key)) {
      if (!isObject(entry)) continue;
      const text = typeof entry.patch === "string" ? entry.patch : fromFile(entry.path);
      if (text === undefined) continue;
      entries.push(isObject(entry.target) ? { patch: text, target: entry.target } : { patch: text });
    }
  }
  return entries;
}

/**
 * For each object file only overlays build, its builds. `tops` are the kustomizations applied on their own besides
 * those nobody lists. A file with no build found (a cycle) is left out: it is checked as written.
 */
export function overlayBuilds(
  kustomizations: Map<string, Json>,
  resolver: BuildResolver,
  tops: ReadonlySet<string>,
  read: (path: string) => string | undefined,
  manifestsOf: (file: string) => readonly { kind: string; name: string }[],
): Map<string, OverlayBuild[]> {
  const parents = new Map<string, string[]>();
  for (const file of kustomizations.keys()) {
    for (const nested of resolver.nestedKustomizations(file)) if (nested !== file) parents.set(nested, [...(parents.get(nested) ?? []), file]);
  }
  const isTop = (file: string) => tops.has(file) || !parents.has(file);
  const listedBy = new Map<string, string[]>();
  for (const file of kustomizations.keys()) for (const object of resolver.ownObjects(file)) listedBy.set(object, [...(listedBy.get(object) ?? []), file]);

  const stepOf = new Map<string, BuildStep>();
  const step = (file: string, within: ReadonlySet<string> = new Set()): BuildStep => {
    const known = stepOf.get(file);
    if (known) return known;
    const kustomization = kustomizations.get(file) ?? {};
    let services: Set<string> | undefined;
    const made: BuildStep = {
      patches: kustomizationPatches(file, kustomization, read),
      components: [],
      services: () => {
        services ??= new Set([...resolver.kustomizeBuild(file).objects].flatMap((object) => manifestsOf(object).filter((manifest) => manifest.kind === "Service").map((manifest) => manifest.name)));
        return services;
      },
    };
    const text = (key: string) => (typeof kustomization[key] === "string" && kustomization[key] !== "" ? (kustomization[key] as string) : undefined);
    if (text("namespace") !== undefined) made.namespace = text("namespace");
    if (text("namePrefix") !== undefined) made.prefix = text("namePrefix");
    if (text("nameSuffix") !== undefined) made.suffix = text("nameSuffix");
    // A component that lists itself on the way (a cycle kustomize refuses) is left out.
    const path = new Set([...within, file]);
    for (const component of componentsOf(file, kustomization, kustomizations)) if (!path.has(component)) made.components.push(step(component, path));
    stepOf.set(file, made);
    return made;
  };
  /** Every way up from `file` to a top, each as the kustomizations on it (file first); a cycle ends a way. */
  const memo = new Map<string, string[][]>();
  const waysUp = (file: string, stack: Set<string>): string[][] => {
    if (memo.has(file)) return memo.get(file)!;
    if (stack.has(file)) return [];
    if (isTop(file)) return [[file]];
    stack.add(file);
    const ways: string[][] = [];
    for (const parent of parents.get(file) ?? []) for (const way of waysUp(parent, stack)) ways.push([file, ...way]);
    stack.delete(file);
    memo.set(file, ways);
    return ways;
  };

  const builds = new Map<string, OverlayBuild[]>();
  for (const [object, owners] of listedBy) {
    const applied = owners.find(isTop);
    if (applied !== undefined) {
      // Applied as its own kustomization builds it: its components and patches applied, its namespace facts hold.
      const own = step(applied);
      if (own.namespace !== undefined || own.patches.length > 0 || own.components.length > 0) builds.set(object, [{ top: applied, steps: [own], asWritten: true }]);
      continue;
    }
    const found: OverlayBuild[] = [];
    for (const owner of owners) {
      for (const way of waysUp(owner, new Set())) found.push({ top: way.at(-1)!, steps: way.map((file) => step(file)) });
    }
    if (found.length > 0) builds.set(object, found);
  }
  return builds;
}

const WEBHOOK_KINDS = new Set(["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"]);

/** The namespace facts of one kustomization's build on an object (a copy where they change it). */
function withNamespaceFacts(step: BuildStep, object: Json): Json {
  const namespace = step.namespace;
  if (namespace === undefined) return object;
  const group = typeof object.apiVersion === "string" ? object.apiVersion.split("/")[0] : "";
  if (typeof object.kind === "string" && WEBHOOK_KINDS.has(object.kind) && group === "admissionregistration.k8s.io" && Array.isArray(object.webhooks)) {
    let changed = false;
    const webhooks = object.webhooks.map((webhook) => {
      if (!isObject(webhook) || !isObject(webhook.clientConfig) || !isObject(webhook.clientConfig.service)) return webhook;
      const service = webhook.clientConfig.service;
      if (service.namespace !== undefined || typeof service.name !== "string" || !step.services().has(service.name)) return webhook;
      changed = true;
      return { ...webhook, clientConfig: { ...webhook.clientConfig, service: { ...service, namespace } } };
    });
    return changed ? { ...object, webhooks } : object;
  }
  return object;
}

/** The kustomization files of the components a kustomization lists (local folders with one). */
function componentsOf(file: string, kustomization: Json, kustomizations: ReadonlyMap<string, Json>): string[] {
  const found: string[] = [];
  for (const entry of Array.isArray(kustomization.components) ? kustomization.components : []) {
    if (typeof entry !== "string" || isRemoteEntry(entry)) continue;
    const dir = resolveFrom(dirOf(file), entry);
    const component = dir === undefined ? undefined : KUSTOMIZATION_FILE_NAMES.map((name) => (dir === "" ? name : `${dir}/${name}`)).find((path) => kustomizations.has(path));
    if (component !== undefined) found.push(component);
  }
  return found;
}

/** Kinds whose name kustomize's prefix and suffix transformers leave alone. */
const UNPREFIXED_KINDS = new Set(["CustomResourceDefinition"]);

/** One kustomization's work on the object: its components, its patches, its namespace facts, then its new id. */
function applyStep(step: BuildStep, object: Json, ids: ObjectId[]): Json {
  let built = object;
  for (const component of step.components) built = applyStep(component, built, ids);
  if (step.patches.length > 0) built = applyKustomizePatches(step.patches, built, ids);
  built = withNamespaceFacts(step, built);
  const kind = typeof built.kind === "string" ? built.kind : "";
  const current = ids.at(-1)!;
  const namespace = step.namespace !== undefined && !CLUSTER_SCOPED.has(kind) ? step.namespace : current.namespace;
  const name = UNPREFIXED_KINDS.has(kind) ? current.name : `${step.prefix ?? ""}${current.name}${step.suffix ?? ""}`;
  if (name !== current.name || namespace !== current.namespace) ids.push(namespace === undefined ? { name } : { name, namespace });
  return built;
}

/** The object as a build makes it: each kustomization's components, patches and namespace facts, nearest first. */
export function builtObject(build: OverlayBuild, object: Json): Json {
  const metadata = isObject(object.metadata) ? object.metadata : {};
  const first: ObjectId = { name: typeof metadata.name === "string" ? metadata.name : "" };
  if (typeof metadata.namespace === "string") first.namespace = metadata.namespace;
  const ids = [first];
  let built = object;
  for (const step of build.steps) built = applyStep(step, built, ids);
  return built;
}
