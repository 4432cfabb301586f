import type { ErrorObject } from "ajv";
import { closest } from "../_utils.js";
import { formatPath, schemaAt, type PathSegment } from "./set-flags.js";

type Schema = Record<string, any>;

/** `/gpuPool/size` -> `gpuPool.size`, `/pools/0/zone` -> `pools[0].zone`, `/labels/a.b~1c` -> `labels["a.b/c"]` (as --set takes it). */
export function instancePathToDot(instancePath: string): string {
  return formatPath(instancePathSegments(instancePath));
}

function instancePathSegments(instancePath: string): PathSegment[] {
  return instancePath
    .split("/")
    .slice(1)
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part.replace(/~1/g, "/").replace(/~0/g, "~")));
}

function show(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * Turns ajv errors into "<dot.path>: what is wrong; what to do" lines, with "did you mean" for unknown keys and
 * the schema's `x-hint` where a blueprint gives one.
 */
export function formatSchemaErrors(errors: ErrorObject[], schema: Schema, origins: Map<string, string>): string[] {
  const lines = errors
    // `if`/`anyOf` wrappers repeat what their branches already said.
    .filter((error) => !["if", "anyOf", "oneOf"].includes(error.keyword))
    .map((error) => {
      const segments = instancePathSegments(error.instancePath);
      const at = instancePathToDot(error.instancePath);
      const sub = schemaAt(schema, segments);
      const hint = sub?.["x-hint"] ? `; ${sub["x-hint"]}` : "";
      const origin = origins.get(at) ? ` (from ${origins.get(at)})` : "";
      const p = error.params as Record<string, any>;
      switch (error.keyword) {
        case "additionalProperties": {
          const key = p.additionalProperty as string;
          const known = Object.keys(sub?.properties ?? {});
          const suggestion = closest(key, known);
          const where = at ? `${at}.${key}` : key;
          return `${where}: unknown parameter${suggestion ? `; did you mean "${at ? `${at}.` : ""}${suggestion}"?` : ""} (known here: ${known.join(", ")})${origins.get(where) ? ` (from ${origins.get(where)})` : ""}`;
        }
        case "required":
          return `${at ? `${at}.` : ""}${p.missingProperty}: is required; set it with --set ${at ? `${at}.` : ""}${p.missingProperty}=... or in the --values file`;
        case "enum":
          return `${at}: must be one of ${(p.allowedValues as unknown[]).map(show).join(", ")} (got ${show(valueAt(error))})${origin}`;
        case "type":
          return `${at}: must be ${p.type} (got ${show(valueAt(error))})${origin}${hint}`;
        case "pattern":
          return `${at}: ${show(valueAt(error))} is not valid${hint || `; it must match ${p.pattern}`}${origin}`;
        case "minimum":
        case "maximum":
        case "exclusiveMinimum":
        case "exclusiveMaximum":
          return `${at}: must be ${p.comparison} ${p.limit} (got ${show(valueAt(error))})${origin}${hint}`;
        case "minLength":
        case "maxLength":
          return `${at}: must be ${error.keyword === "minLength" ? "at least" : "at most"} ${p.limit} characters (got ${String(valueAt(error) ?? "").length})${origin}${hint}`;
        case "minItems":
        case "maxItems":
          return `${at}: must have ${error.keyword === "minItems" ? "at least" : "at most"} ${p.limit} item(s)${origin}`;
        case "uniqueItems":
          return `${at}: items must be unique (items ${p.j} and ${p.i} are equal)${origin}`;
        case "const":
          return `${at}: must be ${show(p.allowedValue)}${origin}${hint}`;
        default:
          return `${at || "(parameters)"}: ${error.message ?? error.keyword}${origin}${hint}`;
      }
    });
  return [...new Set(lines)];
}

function valueAt(error: ErrorObject): unknown {
  return (error as ErrorObject & { data?: unknown }).data;
}
