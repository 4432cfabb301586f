/**
 * A Flux Kustomization's `spec.patches`, applied to the objects it builds: kustomize-controller adds them to the
 * kustomization it builds (fluxcd/pkg kustomize generator: `patches` with their `target`), so they are in the objects
 * before post-build substitution. Home-ops repositories use them to give every child Kustomization the same
 * `postBuild` and `decryption`; the model applies them to the Flux objects it follows (Kustomizations), which is
 * where they change what is substituted.
 *
 * Strategic merge on a custom resource is a JSON merge (no merge keys: lists are replaced, `null` deletes a field);
 * JSON 6902 operations `add`, `replace` and `remove` are applied by their paths. A target is a kustomize selector:
 * group, version and kind as written, name and namespace as anchored regular expressions, label and annotation
 * selectors with `=`, `==`, `!=`, `in`, `notin`, `key` and `!key`.
 */
import { loadYamlStream } from "../../yaml/load.js";
import { isObject, stringAt, type Json } from "../gitops/repo-index.js";
import { re2FullMatch } from "../kubernetes/regexp.js";

/**
 * The object with every patch of `spec.patches` (of the Kustomization `parent`) whose target selects it applied.
 * Flux objects are custom resources: a strategic merge is a JSON merge there.
 */
export function applyFluxPatches(parent: Json, object: Json): Json {
  return applyPatches(parent, object, false);
}

/**
 * kustomize's patches on an object of any kind: on a built-in kind (group "", a group without a dot, or `*.k8s.io`)
 * a strategic merge merges lists entry by entry on their merge keys (see MERGE_KEYS: `name` for containers, volumes,
 * env and webhooks, `containerPort`, `topologyKey`, `mountPath` for others); other lists are replaced, as on a custom
 * resource.
 */
export function applyKustomizePatches(patches: Json[], object: Json, ids?: readonly ObjectId[]): Json {
  const apiVersion = stringAt(object, "apiVersion") ?? "";
  const group = apiVersion.includes("/") ? apiVersion.slice(0, apiVersion.lastIndexOf("/")) : "";
  return applyPatches({ spec: { patches } }, object, !group.includes(".") || group.endsWith(".k8s.io"), ids);
}

/** A name and namespace an object has had in a build (kustomize's current and previous ids). */
export interface ObjectId {
  name: string;
  namespace?: string;
}

/** `ids`: the names the object has had in the build so far; a target selecting any of them selects it. */
function applyPatches(parent: Json, object: Json, byName: boolean, ids?: readonly ObjectId[]): Json {
  const patches = isObject(parent.spec) && Array.isArray(parent.spec.patches) ? parent.spec.patches.filter(isObject) : [];
  let patched = object;
  for (const entry of patches) {
    if (typeof entry.patch !== "string") continue;
    const [document] = loadYamlStream(entry.patch, { schema: "kubernetes", uniqueKeys: false });
    if (!document || document.failure) continue;
    const patch = document.data;
    if (Array.isArray(patch)) {
      if (isObject(entry.target) && selects(entry.target, patched, ids)) patched = applyOperations(patched, patch);
    } else if (isObject(patch)) {
      const target = isObject(entry.target) ? entry.target : ownSelector(patch);
      if (selects(target, patched, ids)) patched = mergePatch(patched, patch, byName) as Json;
    }
  }
  return patched;
}

/** A strategic-merge patch without a target selects the object of its own kind and name. */
function ownSelector(patch: Json): Json {
  const apiVersion = stringAt(patch, "apiVersion") ?? "";
  const slash = apiVersion.lastIndexOf("/");
  return {
    group: slash < 0 ? "" : apiVersion.slice(0, slash),
    version: apiVersion.slice(slash + 1),
    kind: stringAt(patch, "kind"),
    name: stringAt(patch, "metadata", "name"),
  };
}

/** Whether a kustomize target selects the object; a selector this reading cannot parse selects nothing. */
function selects(target: Json, object: Json, ids?: readonly ObjectId[]): boolean {
  const apiVersion = stringAt(object, "apiVersion") ?? "";
  const slash = apiVersion.lastIndexOf("/");
  const group = slash < 0 ? "" : apiVersion.slice(0, slash);
  const version = apiVersion.slice(slash + 1);
  const exact = (key: string, value: string) => typeof target[key] !== "string" || target[key] === "" || target[key] === value;
  // kustomize reads name and namespace as regular expressions; written in the repository, so run by RE2.
  const pattern = (key: string, value: string) => {
    const written = target[key];
    if (typeof written !== "string" || written === "") return true;
    return re2FullMatch(written)?.(value) ?? false;
  };
  const metadata = isObject(object.metadata) ? object.metadata : {};
  const map = (key: string) => (isObject(metadata[key]) ? (metadata[key] as Record<string, unknown>) : {});
  return (
    exact("group", group) &&
    exact("version", version) &&
    exact("kind", stringAt(object, "kind") ?? "") &&
    (ids === undefined ? pattern("name", stringAt(metadata, "name") ?? "") && pattern("namespace", stringAt(metadata, "namespace") ?? "") : ids.some((id) => pattern("name", id.name) && pattern("namespace", id.namespace ?? ""))) &&
    matchesSelector(target.labelSelector, map("labels")) &&
    matchesSelector(target.annotationSelector, map("annotations"))
  );
}

/** A Kubernetes label selector (`a=b,c!=d,e in (f,g),!h`) against a map of labels. */
function matchesSelector(selector: unknown, labels: Record<string, unknown>): boolean {
  if (typeof selector !== "string" || selector.trim() === "") return true;
  // Kubernetes bounds label keys and values far below this; a longer selector is none this reading parses.
  if (selector.length > 4096) return false;
  const requirements = selector.match(/[^,(]+(?:\([^)]*\))?[^,]*/g) ?? [];
  return requirements.every((raw) => {
    const requirement = raw.trim();
    const set = /^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(requirement);
    if (set) {
      const values = set[3]!.split(",").map((value) => value.trim());
      const value = labels[set[1]!];
      const member = typeof value === "string" && values.includes(value);
      return set[2] === "in" ? member : !member;
    }
    const comparison = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(requirement);
    if (comparison) {
      const equal = labels[comparison[1]!] === comparison[3];
      return comparison[2] === "!=" ? !equal : equal;
    }
    if (/^!\S+$/.test(requirement)) return !(requirement.slice(1) in labels);
    if (/^\S+$/.test(requirement)) return requirement in labels;
    return false;
  });
}

/**
 * The merge keys of Kubernetes' lists that a strategic merge merges entry by entry, by the list's field name (the
 * `patchMergeKey` tags of k8s.io/api's Go types: PodSpec, Container, ServiceSpec, the admission webhook
 * configurations). `ports` is a Container's (`containerPort`) or a Service's (`port`), told by its entries. Other
 * lists whose entries all have a `name` merge by it, as most of Kubernetes' named lists do.
 */
const MERGE_KEYS: Record<string, string> = {
  containers: "name",
  initContainers: "name",
  ephemeralContainers: "name",
  volumes: "name",
  env: "name",
  imagePullSecrets: "name",
  resourceClaims: "name",
  webhooks: "name",
  volumeMounts: "mountPath",
  volumeDevices: "devicePath",
  hostAliases: "ip",
  topologySpreadConstraints: "topologyKey",
  conditions: "type",
};

function mergeKeyOf(field: string | undefined, entries: unknown[]): string {
  if (field === "ports") return entries.some((entry) => isObject(entry) && entry.containerPort !== undefined) ? "containerPort" : entries.some((entry) => isObject(entry) && entry.port !== undefined) ? "port" : "name";
  return (field !== undefined && Object.hasOwn(MERGE_KEYS, field) ? MERGE_KEYS[field] : undefined) ?? "name";
}

/**
 * A JSON merge: mappings merge key by key, `null` deletes, anything else (lists too) replaces; `$` directives are
 * skipped. With `byName`, a list of a built-in kind merges entry by entry on its merge key (a strategic merge; see
 * MERGE_KEYS) when its entries are mappings: an entry of the patch with the key of an entry of the base merges into
 * it, any other is added, and a base entry without the key stays as written (kustomize does not complete it). Written
 * by hand because the merge keys live in Kubernetes' Go types, which no JSON library has.
 */
function mergePatch(base: unknown, patch: unknown, byName = false, field?: string): unknown {
  if (byName && Array.isArray(base) && Array.isArray(patch) && [...base, ...patch].every(isObject)) {
    const key = mergeKeyOf(field, [...base, ...patch]);
    const keyed = (entry: Json) => typeof entry[key] === "string" || typeof entry[key] === "number";
    // A list merged by `name` only when every entry has one (a list of unnamed entries is replaced, as before).
    if ([...base, ...patch].some((entry) => keyed(entry as Json))) {
      const merged = [...base] as Json[];
      for (const entry of patch as Json[]) {
        const at = keyed(entry) ? merged.findIndex((existing) => keyed(existing) && existing[key] === entry[key]) : -1;
        if (at < 0) merged.push(entry);
        else merged[at] = mergePatch(merged[at], entry, byName) as Json;
      }
      if (key !== "name" || [...base, ...patch].every((entry) => keyed(entry as Json))) return merged;
    }
  }
  if (!isObject(patch) || !isObject(base)) return patch;
  const merged: Json = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith("$")) continue;
    if (value === null) delete merged[key];
    else merged[key] = mergePatch(base[key], value, byName, key);
  }
  return merged;
}

/** JSON 6902 `add`, `replace` and `remove` on an object (other operations do not change it). */
function applyOperations(object: Json, operations: unknown[]): Json {
  let result: unknown = structuredClone(object);
  for (const operation of operations) {
    if (!isObject(operation) || typeof operation.path !== "string" || !operation.path.startsWith("/")) continue;
    const segments = operation.path.slice(1).split("/").map((segment) => segment.replace(/~1/g, "/").replace(/~0/g, "~"));
    if (operation.op === "add" || operation.op === "replace") result = setAt(result, segments, structuredClone(operation.value), operation.op === "add");
    else if (operation.op === "remove") result = setAt(result, segments, undefined, false);
  }
  return isObject(result) ? result : object;
}

function setAt(node: unknown, segments: string[], value: unknown, insert: boolean): unknown {
  if (segments.length === 0) return value;
  const [segment, ...rest] = segments as [string, ...string[]];
  if (Array.isArray(node)) {
    const index = segment === "-" ? node.length : Number(segment);
    if (!Number.isInteger(index) || index < 0 || index > node.length) return node;
    const copy = [...node];
    if (rest.length > 0) copy[index] = setAt(copy[index], rest, value, insert);
    else if (value === undefined) copy.splice(index, 1);
    else if (insert) copy.splice(index, 0, value);
    else copy[index] = value;
    return copy;
  }
  const copy: Json = isObject(node) ? { ...node } : {};
  if (rest.length > 0) copy[segment] = setAt(copy[segment], rest, value, insert);
  else if (value === undefined) delete copy[segment];
  else copy[segment] = value;
  return copy;
}
