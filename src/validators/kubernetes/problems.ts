import type { ErrorObject } from "ajv";
import { addressFormatOf } from "./address-formats.js";

/** A schema violation before it gets a file, line and resource label. */
export interface SchemaViolation {
  rule: "k8s-schema" | "k8s-unknown-field";
  /** Dotted JSON path, e.g. `spec.template.spec.containers[0].resources.limits` ("" for the resource itself). */
  path: string;
  /** Keys and indexes of the YAML node whose line is reported. */
  at: (string | number)[];
  message: string;
}

/** Turns Ajv errors into one violation each (duplicates, as anyOf branches produce, are dropped). */
export function violations(errors: readonly ErrorObject[], data: unknown): SchemaViolation[] {
  const seen = new Set<string>();
  const result: SchemaViolation[] = [];
  for (const error of errors) {
    const violation = toViolation(error, data);
    const key = `${violation.path}\u0000${violation.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    result.push(violation);
  }
  return result;
}

function toViolation(error: ErrorObject, data: unknown): SchemaViolation {
  const at = segments(error.instancePath, data);
  const path = formatPath(at);
  const shown = path || "(root)";
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "additionalProperties": {
      const field = String(params.additionalProperty);
      return { rule: "k8s-unknown-field", path, at: [...at, field], message: `${shown}: unknown field ${JSON.stringify(field)}` };
    }
    case "required":
      return { rule: "k8s-schema", path, at, message: `${shown}: missing required field ${JSON.stringify(String(params.missingProperty))}` };
    case "type": {
      const types = String(params.type).split(",").filter((type) => type !== "null");
      return { rule: "k8s-schema", path, at, message: `${shown} must be ${types.join(" or ")}` };
    }
    case "enum": {
      // null and "" stand for "unset" where a schema allows them: not values to suggest
      const allowed = (params.allowedValues as unknown[]).filter((value) => value !== null && value !== "").map((value) => JSON.stringify(value));
      return { rule: "k8s-schema", path, at, message: `${shown} must be one of ${allowed.join(", ")}` };
    }
    default:
      return { rule: "k8s-schema", path, at, message: `${shown} ${error.message ?? describe(error.keyword, params)}` };
  }
}

/** Ajv's wording for the remaining keywords (the validators are built without messages, to keep them small). */
function describe(keyword: string, params: Record<string, unknown>): string {
  switch (keyword) {
    case "pattern": {
      const format = addressFormatOf(params.pattern);
      return format ? `must be an ${format === "ipv4" ? "IPv4" : "IPv6"} address (format "${format}")` : `must match pattern ${JSON.stringify(params.pattern)}`;
    }
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum":
      return `must be ${String(params.comparison)} ${String(params.limit)}`;
    case "minLength":
    case "minItems":
    case "minProperties":
      return `must NOT have fewer than ${String(params.limit)} ${keyword.slice(3).toLowerCase()}`;
    case "maxLength":
    case "maxItems":
    case "maxProperties":
      return `must NOT have more than ${String(params.limit)} ${keyword.slice(3).toLowerCase()}`;
    case "anyOf":
      return "must match a schema in anyOf";
    case "oneOf":
      return "must match exactly one schema in oneOf";
    case "const":
      return `must be equal to ${JSON.stringify(params.allowedValue)}`;
    case "uniqueItems":
      return `must NOT have duplicate items (items ${String(params.j)} and ${String(params.i)} are identical)`;
    case "multipleOf":
      return `must be a multiple of ${String(params.multipleOf)}`;
    default:
      return `must pass "${keyword}"`;
  }
}

/** JSON pointer -> keys and indexes; a numeric segment is an index only where the data holds an array. */
function segments(pointer: string, data: unknown): (string | number)[] {
  if (pointer === "") return [];
  const result: (string | number)[] = [];
  let node: unknown = data;
  for (const raw of pointer.slice(1).split("/")) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(node)) {
      result.push(Number(key));
      node = node[Number(key)];
    } else {
      result.push(key);
      node = node && typeof node === "object" ? (node as Record<string, unknown>)[key] : undefined;
    }
  }
  return result;
}

/** Keys and indexes -> `a.b[0]["nvidia.com/gpu"]`. */
export function formatPath(at: readonly (string | number)[]): string {
  let path = "";
  for (const segment of at) {
    if (typeof segment === "number") path += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(segment)) path += path ? `.${segment}` : segment;
    else path += `[${JSON.stringify(segment)}]`;
  }
  return path;
}
