import { ADDRESS_PATTERNS } from "./address-formats.js";
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
 * - `default`: the API server fills defaults in before it validates (apiextensions-apiserver structural defaulting),
 *   so a field with a default is never missing, and where `oneOf`/`anyOf`/`allOf`/`not` branches constrain it, an
 *   absent field is checked as its default (Gateway API's `addresses` entries: `type` defaults to `IPAddress`, and
 *   the branch for "not IPAddress" must not match an entry written without a type). Then the keyword is dropped.
 * - `format: ipv4` / `format: ipv6`, which the API server checks (kube-openapi's format registry) while formats are
 *   otherwise annotations here: a `pattern` for each, taken from ajv-formats, so that an address the defaulting
 *   above sends into an IP branch is checked as one.
 * - Documentation (description, title, example, externalDocs) is dropped: it constrains nothing, and every byte of
 *   schema costs compile time.
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

  checkAddressFormat(result);
  applyDefaults(schema, result);
  if (nullAllowed || schema.nullable === true) allowNull(result);
  return result;
}

/** A string schema with an IP address format gets the format's pattern (beside its own pattern, if it has one). */
function checkAddressFormat(schema: JsonSchema): void {
  const pattern = typeof schema.format === "string" ? ADDRESS_PATTERNS[schema.format] : undefined;
  if (pattern === undefined) return;
  if (schema.pattern === undefined) schema.pattern = pattern;
  else schema.allOf = [...(Array.isArray(schema.allOf) ? schema.allOf : []), { pattern }];
}

/** Properties of `schema` with a default, and the default. */
function defaultsOf(schema: JsonSchema): Map<string, unknown> {
  const defaults = new Map<string, unknown>();
  if (!isSchema(schema.properties)) return defaults;
  for (const [name, property] of Object.entries(schema.properties)) {
    if (isSchema(property) && property.default !== undefined && property.default !== null) defaults.set(name, property.default);
  }
  return defaults;
}

/** `result` (converted from `source`) read as the API server reads it once the defaults of `source` are filled in. */
function applyDefaults(source: JsonSchema, result: JsonSchema): void {
  const defaults = defaultsOf(source);
  if (defaults.size === 0) return;
  const required = Array.isArray(result.required) ? result.required.filter((name) => !(typeof name === "string" && defaults.has(name))) : undefined;
  if (required && required.length > 0) result.required = required;
  else delete result.required;
  for (const key of SCHEMA_LISTS) {
    const list = result[key];
    if (Array.isArray(list)) result[key] = list.map((branch) => (isSchema(branch) ? defaultedBranch(branch, defaults) : branch));
  }
  if (isSchema(result.not)) result.not = defaultedBranch(result.not, defaults);
}

/**
 * A branch of a combinator as it applies to a defaulted object: a defaulted field it requires is always there, and
 * one whose default fails the branch's own schema for it must be written for the branch to match.
 */
function defaultedBranch(branch: JsonSchema, defaults: ReadonlyMap<string, unknown>): JsonSchema {
  const required = new Set(Array.isArray(branch.required) ? branch.required : []);
  const properties = isSchema(branch.properties) ? branch.properties : {};
  for (const [name, value] of defaults) {
    required.delete(name);
    const property = properties[name];
    if (isSchema(property) && satisfies(property, value) === false) required.add(name);
  }
  const result: JsonSchema = { ...branch };
  if (required.size > 0) result.required = [...required];
  else delete result.required;
  return result;
}

/** Keywords that say nothing about a value, or nothing satisfies() needs to know. */
const NEUTRAL = new Set(["description", "title", "example", "externalDocs", "default", "nullable", "format"]);

/**
 * Whether a default satisfies a property's schema, for the keywords a branch uses to tell its cases apart (`enum`,
 * `const`, `type`, `not`, string lengths); undefined when the schema says more than that (a pattern, a nested object),
 * and then the branch is left as written.
 */
function satisfies(schema: JsonSchema, value: unknown): boolean | undefined {
  let known = true;
  for (const [key, constraint] of Object.entries(schema)) {
    if (NEUTRAL.has(key) || key.startsWith("x-kubernetes-")) continue;
    if (key === "enum" && Array.isArray(constraint)) {
      if (!constraint.includes(value)) return false;
    } else if (key === "const") {
      if (constraint !== value) return false;
    } else if (key === "type") {
      const types = Array.isArray(constraint) ? constraint : [constraint];
      if (!types.some((type) => hasType(type, value))) return false;
    } else if (key === "not" && isSchema(constraint)) {
      const inner = satisfies(constraint, value);
      if (inner === true) return false;
      if (inner === undefined) known = false;
    } else if ((key === "minLength" || key === "maxLength") && typeof constraint === "number" && typeof value === "string") {
      const length = [...value].length;
      if (key === "minLength" ? length < constraint : length > constraint) return false;
    } else {
      known = false;
    }
  }
  return known ? true : undefined;
}

function hasType(type: unknown, value: unknown): boolean {
  if (type === "integer") return Number.isInteger(value);
  if (type === "number") return typeof value === "number";
  if (type === "object") return isSchema(value);
  if (type === "array") return Array.isArray(value);
  if (type === "null") return value === null;
  return typeof value === type;
}

function allowNull(schema: JsonSchema): void {
  const type = schema.type;
  if (typeof type === "string" && type !== "null") schema.type = [type, "null"];
  else if (Array.isArray(type) && !type.includes("null")) schema.type = [...type, "null"];
  if (Array.isArray(schema.enum) && !schema.enum.includes(null)) schema.enum = [...schema.enum, null];
}
