import type { JsonSchema } from "./embedded.js";

/**
 * Turns a CustomResourceDefinition's openAPIV3Schema (OpenAPI 3.0 structural schema) into the JSON Schema Ajv checks,
 * with the API server's reading of it:
 *
 * - null: the API server drops a null field that is not `nullable` before validating (apiextensions-apiserver prunes
 *   such nulls), so null stands for "unset": accepted for an optional field or a map value, refused for a required
 *   field (as kubeconform and the API server refuse `selector:` with nothing after it). `nullable: true` allows it
 *   anywhere.
 * - `x-kubernetes-int-or-string`: an integer or a string, whatever else the schema says about type.
 * - OpenAPI 3.0's boolean `exclusiveMinimum`/`exclusiveMaximum` become JSON Schema's numeric ones.
 * - `x-kubernetes-embedded-resource`: the object is a Kubernetes object, so apiVersion, kind and metadata are fields
 *   of it even where its schema lists other properties only.
 * - Documentation (description, title, example, externalDocs) and defaults are dropped: they constrain nothing, and
 *   every byte of schema costs compile time.
 *
 * Every other keyword, `pattern` (compiled with RE2 later), `x-kubernetes-preserve-unknown-fields` (read by the strict
 * transform) and `x-kubernetes-validations` (CEL, not evaluated) included, is kept as it is.
 */
export function crdSchemaToJsonSchema(schema: JsonSchema): JsonSchema {
  return convert(schema, false);
}

const DROPPED = new Set(["description", "title", "example", "externalDocs", "default", "nullable"]);
const SCHEMA_LISTS = ["allOf", "anyOf", "oneOf"];

function isSchema(value: unknown): value is JsonSchema {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function convert(schema: JsonSchema, nullAllowed: boolean): JsonSchema {
  const result: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) if (!DROPPED.has(key)) result[key] = value;

  if (schema["x-kubernetes-int-or-string"] === true) {
    result.type = ["integer", "string"];
    // controller-gen writes the same thing as anyOf [{type: integer}, {type: string}]: one type list reads better in errors
    if (Array.isArray(schema.anyOf) && schema.anyOf.every((branch) => isSchema(branch) && Object.keys(branch).length === 1 && (branch.type === "integer" || branch.type === "string"))) {
      delete result.anyOf;
    }
  }
  for (const bound of ["Minimum", "Maximum"] as const) {
    const exclusive = schema[`exclusive${bound}`];
    if (typeof exclusive !== "boolean") continue;
    const limit = schema[bound.toLowerCase()];
    delete result[`exclusive${bound}`];
    if (exclusive && typeof limit === "number") {
      delete result[bound.toLowerCase()];
      result[`exclusive${bound}`] = limit;
    }
  }

  const required = new Set(Array.isArray(schema.required) ? schema.required.filter((name): name is string => typeof name === "string") : []);
  if (isSchema(schema.properties)) {
    const properties: JsonSchema = {};
    for (const [name, property] of Object.entries(schema.properties)) properties[name] = isSchema(property) ? convert(property, !required.has(name)) : property;
    if (schema["x-kubernetes-embedded-resource"] === true) {
      properties.apiVersion ??= { type: ["string", "null"] };
      properties.kind ??= { type: ["string", "null"] };
      properties.metadata ??= { type: ["object", "null"] };
    }
    result.properties = properties;
  }
  if (isSchema(schema.additionalProperties)) result.additionalProperties = convert(schema.additionalProperties, true);
  if (isSchema(schema.items)) result.items = convert(schema.items, false);
  else if (Array.isArray(schema.items)) result.items = schema.items.map((item) => (isSchema(item) ? convert(item, false) : item));
  if (isSchema(schema.not)) result.not = convert(schema.not, false);
  for (const key of SCHEMA_LISTS) {
    const list = result[key]; // not the source's: an int-or-string anyOf is gone by now
    if (Array.isArray(list)) result[key] = list.map((branch) => (isSchema(branch) ? convert(branch, false) : branch));
  }

  if (nullAllowed || schema.nullable === true) allowNull(result);
  return result;
}

function allowNull(schema: JsonSchema): void {
  const type = schema.type;
  if (typeof type === "string" && type !== "null") schema.type = [type, "null"];
  else if (Array.isArray(type) && !type.includes("null")) schema.type = [...type, "null"];
  if (Array.isArray(schema.enum) && !schema.enum.includes(null)) schema.enum = [...schema.enum, null];
}
