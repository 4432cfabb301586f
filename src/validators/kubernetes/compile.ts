import type { Ajv, ValidateFunction } from "ajv";
import type { JsonSchema } from "./embedded.js";

/**
 * One Ajv instance per validator: schemas compile on first use of their kind, never all at start-up.
 * Formats are annotations here, as in kubeconform (a Kubernetes "int32" or "byte" is not a JSON Schema format),
 * and unknown keywords (`x-kubernetes-*`) are allowed.
 */
export const AJV_OPTIONS = {
  allErrors: true,
  strict: false,
  validateFormats: false,
  validateSchema: false,
  allowUnionTypes: true,
  addUsedSchema: false,
  messages: false,
} as const;

/**
 * Compiles schemas from CRD files and schema locations (the embedded ones are precompiled). Ajv's compiler is loaded
 * on first use: a run on embedded schemas only never loads it.
 */
export function createCompiler(): (schema: JsonSchema) => Promise<ValidateFunction> {
  let ajv: Promise<Ajv> | undefined;
  return async (schema) => {
    // ajv is CommonJS: Node's ESM loader exposes `Ajv` as a named export, the bundled CLI (esbuild) only under
    // `default`. Both are accepted, or compiling fails in the CLI while the library's tests pass.
    ajv ??= import("ajv").then((module) => {
      const { Ajv } = (module.Ajv ? module : (module as unknown as { default: typeof module }).default) as typeof module;
      return new Ajv(AJV_OPTIONS);
    });
    // A draft-04 `$schema` (kubeconform's schemas) is unknown to Ajv 8; the keywords used by Kubernetes schemas are
    // the same in both drafts.
    const { $schema: _ignored, ...rest } = schema;
    return (await ajv).compile(rest);
  };
}

const SCHEMA_MAPS = ["properties", "patternProperties", "definitions", "$defs", "dependentSchemas"];
const SCHEMA_LISTS = ["allOf", "anyOf", "oneOf", "prefixItems"];
const SCHEMA_VALUES = ["additionalProperties", "items", "additionalItems", "not", "if", "then", "else", "contains", "propertyNames"];

/**
 * The strict form of a schema (kubeconform's `-strict` schemas): every object schema that lists `properties` and says
 * nothing about others rejects unknown ones, unless it keeps unknown fields on purpose
 * (`x-kubernetes-preserve-unknown-fields`). Returns a copy.
 */
export function strictSchema(schema: unknown): unknown {
  if (!schema || typeof schema !== "object" || Array.isArray(schema)) return schema;
  const source = schema as JsonSchema;
  const copy: JsonSchema = { ...source };
  for (const key of SCHEMA_MAPS) {
    const map = source[key];
    if (map && typeof map === "object") copy[key] = Object.fromEntries(Object.entries(map).map(([name, value]) => [name, strictSchema(value)]));
  }
  for (const key of SCHEMA_LISTS) {
    const list = source[key];
    if (Array.isArray(list)) copy[key] = list.map(strictSchema);
  }
  for (const key of SCHEMA_VALUES) {
    const value = source[key];
    if (Array.isArray(value)) copy[key] = value.map(strictSchema);
    else if (value !== undefined) copy[key] = strictSchema(value);
  }
  if (source.properties && source.additionalProperties === undefined && source.patternProperties === undefined && source["x-kubernetes-preserve-unknown-fields"] !== true) {
    copy.additionalProperties = false;
  }
  return copy;
}
