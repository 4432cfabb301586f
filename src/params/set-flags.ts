import { parse as parseYaml } from "yaml";
import { InputError } from "../errors.js";

/** One step of a parameter path: an object key or an array index. */
export type PathSegment = string | number;

export interface SetAssignment {
  path: PathSegment[];
  raw: string;
  /** The flag as typed, for error messages. */
  source: string;
}

const SEGMENT = /^([A-Za-z_][A-Za-z0-9_-]*)((?:\[\d+\])*)$/;

/** Parses `a.b[0].c` into ["a", "b", 0, "c"]. */
export function parseParamPath(text: string, source = text): PathSegment[] {
  const path: PathSegment[] = [];
  for (const part of text.split(".")) {
    const match = SEGMENT.exec(part);
    if (!match) {
      throw new InputError(
        `malformed parameter path in ${source}: "${part || "(empty)"}" is not a name or name[index]. ` +
          "Use dotted names with optional [index], e.g. --set gpuPool.size=2 or --set pools[0].zone=nl-ams-1.",
      );
    }
    path.push(match[1]!);
    for (const index of match[2]!.matchAll(/\[(\d+)\]/g)) path.push(Number(index[1]));
  }
  return path;
}

/** Parses one `--set key=value` flag. The value is kept raw; it is typed later from the schema. */
export function parseSetFlag(flag: string): SetAssignment {
  const eq = flag.indexOf("=");
  // Messages quote the flag; a pasted 100 kB value must not become a 100 kB error message.
  const source = `--set ${flag.length > 120 ? `${flag.slice(0, 100)}... (${flag.length} characters)` : flag}`;
  if (eq <= 0) {
    throw new InputError(`malformed ${source}: expected key=value, e.g. --set gpuPool.size=2`);
  }
  return { path: parseParamPath(flag.slice(0, eq), source), raw: flag.slice(eq + 1), source };
}

export function formatPath(path: readonly PathSegment[]): string {
  return path.reduce<string>(
    (text, segment) => (typeof segment === "number" ? `${text}[${segment}]` : text ? `${text}.${segment}` : segment),
    "",
  );
}

type Schema = Record<string, any>;

/** The sub-schema a path points at, following properties/items (undefined when the path is unknown). */
export function schemaAt(schema: Schema, path: readonly PathSegment[]): Schema | undefined {
  let current: Schema | undefined = schema;
  for (const segment of path) {
    if (!current) return undefined;
    current = typeof segment === "number" ? current.items : current.properties?.[segment];
  }
  return current;
}

/**
 * Types a raw --set value from the schema: numbers and booleans are converted, arrays and objects are read as
 * YAML/JSON flow (`[a, b]`, `{k: v}`) or comma lists, and strings stay exactly as typed (no YAML coercion,
 * so `--set name=0123` stays a string). Unconvertible values are left as strings for the schema to reject.
 */
export function typeSetValue(raw: string, schema: Schema | undefined): unknown {
  const type = Array.isArray(schema?.type) ? schema?.type[0] : schema?.type;
  switch (type) {
    case "integer":
    case "number":
      return raw.trim() !== "" && Number.isFinite(Number(raw)) ? Number(raw) : raw;
    case "boolean":
      return raw === "true" ? true : raw === "false" ? false : raw;
    case "array":
    case "object":
      if (/^\s*[[{]/.test(raw)) {
        try {
          return parseYaml(raw);
        } catch {
          return raw;
        }
      }
      if (type === "array") return raw === "" ? [] : raw.split(",").map((item) => typeSetValue(item.trim(), schema?.items));
      return raw;
    case "null":
      return raw === "null" || raw === "" ? null : raw;
    default:
      return raw;
  }
}

/** Sets `value` at `path` inside `target`, creating objects/arrays on the way. Refuses prototype keys. */
export function setAtPath(target: Record<string, unknown>, path: readonly PathSegment[], value: unknown, source: string): void {
  let current: any = target;
  path.forEach((segment, i) => {
    if (segment === "__proto__" || segment === "constructor" || segment === "prototype") {
      throw new InputError(`refusing ${source}: "${segment}" is not a parameter name`);
    }
    const last = i === path.length - 1;
    if (last) {
      current[segment] = value;
      return;
    }
    const next = path[i + 1];
    const existing = current[segment];
    if (existing === undefined || existing === null || typeof existing !== "object") {
      current[segment] = typeof next === "number" ? [] : {};
    } else if (typeof next === "number" && !Array.isArray(existing)) {
      throw new InputError(`${source}: ${formatPath(path.slice(0, i + 1))} is not a list, so [${next}] cannot be set`);
    }
    current = current[segment];
  });
}
