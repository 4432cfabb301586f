/**
 * kustomize patches, validated as patches: a file a kustomization lists under `patches`, `patchesStrategicMerge` or
 * `patchesJson6902` is part of an object, merged into its target at build time, never applied on its own. A
 * strategic-merge patch is checked against its target's schema as a partial object (required fields, minimum counts
 * and `null` deletions are what a patch leaves out or removes; its `$patch`/`$setElementOrder/...` directives are
 * kustomize's); each JSON 6902 operation is checked for its shape, and the value it writes against the schema at its
 * path. Unknown fields, wrong types and values outside an enum are still errors: kustomize would write them.
 */
import type { ErrorObject } from "ajv";

/** The object a patch applies to, as a kustomization's `target` selects it (any part may be left out). */
export interface PatchTarget {
  group?: string;
  version?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  labelSelector?: string;
  annotationSelector?: string;
}

/** How a kustomization reads a file as a patch. Plain data: it travels to worker threads. */
export interface PatchSpec {
  /** The kustomization that lists the file. */
  kustomization: string;
  /** `patches` takes either kind of patch (kustomize tells them by content); the older fields one each. */
  field: "patches" | "patchesStrategicMerge" | "patchesJson6902";
  target?: PatchTarget;
}

const OPERATIONS = ["add", "remove", "replace", "move", "copy", "test"];

/**
 * A strategic-merge patch without its directives: keys that start with `$` (`$patch`, `$retainKeys`,
 * `$setElementOrder/containers`, `$deleteFromPrimitiveList/args`) are instructions to the merge, never fields of the
 * object (no Kubernetes field starts with `$`). Lists keep their items, so that paths still point at the file.
 */
export function withoutDirectives(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutDirectives);
  if (typeof value !== "object" || value === null) return value;
  const result: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) if (!key.startsWith("$")) result[key] = withoutDirectives(item);
  return result;
}

/** The value at a JSON pointer of Ajv (`/spec/replicas`) in `data`. */
function valueAt(data: unknown, pointer: string): unknown {
  let node = data;
  if (pointer === "") return node;
  for (const raw of pointer.slice(1).split("/")) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    node = typeof node === "object" && node !== null ? (node as Record<string, unknown>)[key] : undefined;
  }
  return node;
}

/**
 * The errors that still hold for a patch: without "required" and "fewer than" (a patch names only what it changes),
 * without type and enum errors at a `null` (a patch's deletion of a field), and without an anyOf/oneOf error one of
 * whose branches failed only for such reasons.
 */
export function patchErrors(errors: readonly ErrorObject[], data: unknown): ErrorObject[] {
  const partial = (error: ErrorObject) =>
    error.keyword === "required" || error.keyword === "minItems" || error.keyword === "minProperties" || ((error.keyword === "type" || error.keyword === "enum") && valueAt(data, error.instancePath) === null);
  const kept = errors.filter((error) => !partial(error));
  return kept.filter((error) => {
    if (error.keyword !== "anyOf" && error.keyword !== "oneOf") return true;
    // Branch errors sit under `<schemaPath>/<branch>/`; a branch whose errors are all gone passes for a patch.
    const branches = new Map<string, boolean>();
    for (const other of errors) {
      if (!other.schemaPath.startsWith(`${error.schemaPath}/`)) continue;
      const branch = other.schemaPath.slice(error.schemaPath.length + 1).split("/")[0]!;
      branches.set(branch, (branches.get(branch) ?? true) && partial(other));
    }
    return ![...branches.values()].some((passes) => passes);
  });
}

/** A problem with a JSON 6902 operation's shape: where (keys and indexes in the file's document) and what. */
export interface OperationProblem {
  at: (string | number)[];
  message: string;
}

/** One checkable write of a JSON 6902 operation: the value (null for a removal) at the path's segments. */
export interface OperationWrite {
  /** Index of the operation in the list. */
  index: number;
  /** The operation's field that holds the path (`path`, or `from` for move and copy). */
  field: "path" | "from";
  /** The path's segments (JSON pointer unescaped; array indexes as numbers, `-` as the end of a list). */
  segments: (string | number)[];
  /** The value written, or null for a path that is read or removed. */
  value: unknown;
  /** Whether the operation has a value of its own (add, replace, test), whose fields the file holds at `value`. */
  hasValue: boolean;
}

/**
 * Checks the shape of each JSON 6902 operation (RFC 6902: `op`, a `path` that is a JSON pointer, `value` for add,
 * replace and test, `from` for move and copy), and lists what each one writes, for the schema check.
 */
export function readOperations(operations: unknown[]): { problems: OperationProblem[]; writes: OperationWrite[] } {
  const problems: OperationProblem[] = [];
  const writes: OperationWrite[] = [];
  operations.forEach((operation, index) => {
    if (typeof operation !== "object" || operation === null || Array.isArray(operation)) {
      problems.push({ at: [index], message: `[${index}]: a JSON 6902 operation is a mapping with op and path` });
      return;
    }
    const { op, path, from } = operation as Record<string, unknown>;
    if (typeof op !== "string" || !OPERATIONS.includes(op)) {
      problems.push({ at: [index, "op"], message: `[${index}].op must be one of ${OPERATIONS.map((name) => JSON.stringify(name)).join(", ")}` });
      return;
    }
    const pointer = (field: "path" | "from", value: unknown): (string | number)[] | undefined => {
      if (typeof value === "string" && (value === "" || value.startsWith("/"))) return pointerSegments(value);
      problems.push({ at: [index, field], message: `[${index}].${field} must be a JSON pointer such as "/spec/replicas"` });
      return undefined;
    };
    const segments = pointer("path", path);
    const needsValue = op === "add" || op === "replace" || op === "test";
    if (needsValue && !("value" in operation)) problems.push({ at: [index], message: `[${index}]: operation "${op}" needs a value` });
    if (op === "move" || op === "copy") {
      if (from === undefined) problems.push({ at: [index], message: `[${index}]: operation "${op}" needs from` });
      else {
        const source = pointer("from", from);
        if (source) writes.push({ index, field: "from", segments: source, value: null, hasValue: false });
      }
    }
    if (segments) {
      const hasValue = needsValue && "value" in operation;
      writes.push({ index, field: "path", segments, value: hasValue ? (operation as Record<string, unknown>).value : null, hasValue });
    }
  });
  return { problems, writes };
}

function pointerSegments(pointer: string): (string | number)[] {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((raw) => raw.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((segment) => (/^(0|[1-9]\d*)$/.test(segment) || segment === "-" ? (segment === "-" ? -1 : Number(segment)) : segment));
}

/**
 * A partial object holding only `value` at `segments`, to validate as a patch: lists along the way hold one item
 * (index 0) whatever the index written. Returns the object and the segments of the value in it.
 */
export function objectWith(segments: readonly (string | number)[], value: unknown, typeMeta: { apiVersion: string; kind: string }): { object: Record<string, unknown>; at: (string | number)[] } {
  let node: unknown = value;
  const at: (string | number)[] = [];
  for (let i = segments.length - 1; i >= 0; i--) {
    const segment = segments[i]!;
    if (typeof segment === "number") {
      node = [node];
      at.unshift(0);
    } else {
      node = { [segment]: node };
      at.unshift(segment);
    }
  }
  const root = typeof node === "object" && node !== null && !Array.isArray(node) ? (node as Record<string, unknown>) : {};
  return { object: { ...root, apiVersion: typeMeta.apiVersion, kind: typeMeta.kind }, at };
}

/** The apiVersion a target names, when it names a version (`apps/v1`, `v1`). */
export function targetApiVersion(target: PatchTarget | undefined): string | undefined {
  if (!target?.version) return undefined;
  return target.group ? `${target.group}/${target.version}` : target.version;
}
