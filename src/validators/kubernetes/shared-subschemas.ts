import { createHash } from "node:crypto";
import type { JsonSchema } from "./embedded.js";

/**
 * Large schemas repeat whole subtrees: kubeconform's standalone schemas inline the Container schema for `containers`
 * and `initContainers`, the probe schema three times; an ApplicationSet CRD carries the Application spec in every
 * generator. Ajv generates code for every copy. Each repeated subtree of some size becomes one definition here,
 * referenced wherever it appeared, so that its code is generated (and compiled, and loaded) once.
 *
 * `definitions`: named schemas whose subtrees are shared; returns them with `$ref`s to `#/definitions/<prefix><hash>`
 * and the shared subtrees under those names (for the caller to place where such a reference resolves).
 */
export function shareRepeatedSubschemas(definitions: Record<string, JsonSchema>, prefix: string, minSize = 400): Record<string, JsonSchema> {
  const counts = new Map<string, number>();
  const countSchema = (schema: JsonSchema): JsonSchema => {
    const text = JSON.stringify(schema);
    if (text.length >= minSize) counts.set(text, (counts.get(text) ?? 0) + 1);
    return mapSubschemas(schema, countSchema);
  };
  for (const schema of Object.values(definitions)) mapSubschemas(schema, countSchema);

  const shared: Record<string, JsonSchema> = {};
  const hoist = (schema: JsonSchema): JsonSchema => {
    const text = JSON.stringify(schema);
    if ((counts.get(text) ?? 0) < 2) return mapSubschemas(schema, hoist);
    const name = `${prefix}${createHash("sha256").update(text).digest("hex").slice(0, 12)}`;
    if (!(name in shared)) shared[name] = mapSubschemas(schema, hoist);
    return { $ref: `#/definitions/${name}` };
  };
  const result: Record<string, JsonSchema> = {};
  for (const [name, schema] of Object.entries(definitions)) result[name] = mapSubschemas(schema, hoist);
  return { ...result, ...shared };
}

/**
 * One schema (a schema location's, a CRD's) with its repeated subtrees shared under its own `definitions`. A schema
 * that names scopes (`$id`, draft-04 `id`) or already has a definition of that prefix is returned as it is: moving
 * subtrees could change what their references resolve to.
 */
export function withSharedSubschemas(schema: JsonSchema): JsonSchema {
  const PREFIX = "ccr-shared-";
  const text = JSON.stringify(schema);
  if (/"\$?id"\s*:/.test(text) || text.includes(PREFIX)) return schema;
  const existing = schema.definitions && typeof schema.definitions === "object" ? (schema.definitions as Record<string, JsonSchema>) : {};
  const { root, ...rest } = shareRepeatedSubschemas({ root: schema }, PREFIX);
  const shared = Object.fromEntries(Object.entries(rest).filter(([name]) => name.startsWith(PREFIX)));
  if (Object.keys(shared).length === 0) return schema;
  return { ...root, definitions: { ...existing, ...shared } };
}

/** The `$ref` base of the subschemas one compiler shares between the schemas it compiles (see {@link createSubschemaPool}). */
export const POOL_PREFIX = "urn:create-cluster-repo:shared:";

/**
 * Keywords that name scopes or point into a schema, with the string they take: a schema with any of them is not split
 * (see below). A field named `id` (`properties: {"id": {...}}`) is an object, not a scope: such schemas are split.
 */
const SCOPED = /"(\$ref|\$id|id|\$anchor|\$dynamicAnchor|\$dynamicRef|\$recursiveAnchor|\$recursiveRef)":"/;

export interface SubschemaPool {
  /**
   * The schema with each object subschema of some size replaced by a `$ref` to its pool entry, and the entries it
   * needs that earlier schemas did not add (id and schema, for the caller to add to its Ajv instance before compiling).
   * Undefined when the schema is to be compiled whole: it names scopes or has references (moving a subtree could
   * change what they resolve to), or `canShare` refused it.
   */
  split(schema: JsonSchema): { root: JsonSchema; added: [string, JsonSchema][] } | undefined;
  /** Entries held: each is compiled once, by the first schema that refers to it. */
  readonly size: number;
}

/**
 * Subschemas shared between all the schemas one compiler compiles. kubeconform's standalone schemas inline every
 * definition, so a Deployment and a Job each carry the whole PodTemplateSpec, and every kind its ObjectMeta; compiled
 * one by one, Ajv generates (and V8 compiles) that code once per kind. Here each object subschema of `minSize`
 * characters or more (its JSON, inner subschemas already replaced) becomes one pool entry named by a hash of that
 * text, whichever schema it came from: compiled once, called from every kind that has it. The text keeps key order,
 * so that entries are shared only where the generated code, and so the order of errors, is the same.
 */
export function createSubschemaPool(canShare: (schema: JsonSchema) => boolean, minSize = 300): SubschemaPool {
  const entries = new Set<string>();
  return {
    get size() {
      return entries.size;
    },
    split(schema) {
      const text = JSON.stringify(schema);
      if (SCOPED.test(text) || text.includes(POOL_PREFIX) || !canShare(schema)) return undefined;
      const added: [string, JsonSchema][] = [];
      const hoist = (subschema: JsonSchema): JsonSchema => {
        const mapped = mapSubschemas(subschema, hoist);
        if (!isSchema(mapped.properties) || Object.keys(mapped.properties).length === 0) return mapped;
        const text = JSON.stringify(mapped);
        if (text.length < minSize) return mapped;
        const id = `${POOL_PREFIX}${createHash("sha256").update(text).digest("hex").slice(0, 32)}`;
        if (!entries.has(id)) {
          entries.add(id);
          added.push([id, mapped]);
        }
        return { $ref: id };
      };
      return { root: mapSubschemas(schema, hoist), added };
    },
  };
}

const isSchema = (value: unknown): value is JsonSchema => typeof value === "object" && value !== null && !Array.isArray(value);

/** A copy of a schema whose direct subschemas (properties, items, additionalProperties, not, *Of) went through `map`. */
function mapSubschemas(schema: JsonSchema, map: (schema: JsonSchema) => JsonSchema): JsonSchema {
  const copy: JsonSchema = { ...schema };
  for (const key of ["properties", "patternProperties"]) {
    const value = schema[key];
    if (isSchema(value)) copy[key] = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, isSchema(sub) ? map(sub) : sub]));
  }
  for (const key of ["items", "additionalProperties", "not"]) {
    const value = schema[key];
    if (isSchema(value)) copy[key] = map(value);
  }
  for (const key of ["allOf", "anyOf", "oneOf"]) {
    const value = schema[key];
    if (Array.isArray(value)) copy[key] = value.map((sub) => (isSchema(sub) ? map(sub) : sub));
  }
  return copy;
}
