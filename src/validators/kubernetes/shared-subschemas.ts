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
