import { defaults } from "../defaults.js";
import { InputError } from "../errors.js";
import { MAX_NESTING_DEPTH } from "../limits.js";
import { loadYamlDocument } from "../yaml/load.js";

/** One step of a parameter path: an object key or an array index. */
export type PathSegment = string | number;

export interface SetAssignment {
  path: PathSegment[];
  raw: string;
  /** The flag as typed, for error messages. */
  source: string;
}

const NAME = /[A-Za-z_][A-Za-z0-9_-]*/y;
const INDEX = /\[(\d+)\]/y;
const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

const pathHelp =
  'Use dotted names with optional [index], and ["key"] for a key with dots or slashes, e.g. --set gpuPool.size=2, ' +
  `--set pools[0].zone=nl-ams-1 or --set 'pools[0].labels["topology.kubernetes.io/region"]=nl-ams'.`;

/**
 * Reads a parameter path at the start of `text`: `a.b[0].c`, and `["key"]` (or `['key']`) for a key that is not a
 * plain name, such as the label `topology.kubernetes.io/region`. Returns the segments and where the path ends.
 */
function readParamPath(text: string, source: string): { path: PathSegment[]; end: number } {
  const path: PathSegment[] = [];
  let i = 0;
  const fail = (from: number): never => {
    const part = text.slice(from).split(/[.=]/)[0];
    throw new InputError(`malformed parameter path in ${source}: "${part || "(empty)"}" is not a name or name[index], nor a quoted ["key"]. ${pathHelp}`);
  };
  for (;;) {
    const segmentStart = i;
    const quoted = readQuotedKey(text, i);
    if (quoted) {
      path.push(quoted.key);
      i = quoted.end;
    } else {
      NAME.lastIndex = i;
      const name = NAME.exec(text);
      if (!name) return fail(segmentStart);
      path.push(name[0]);
      i = NAME.lastIndex;
    }
    for (;;) {
      INDEX.lastIndex = i;
      const index = INDEX.exec(text);
      const key = index ? undefined : readQuotedKey(text, i);
      if (index) {
        path.push(Number(index[1]));
        i = INDEX.lastIndex;
      } else if (key) {
        path.push(key.key);
        i = key.end;
      } else break;
    }
    if (text[i] === "[") return fail(segmentStart);
    if (text[i] !== ".") return { path, end: i };
    i++;
  }
}

/** `["key"]` or `['key']` at `i` (a backslash escapes the quote or itself); `undefined` when there is none. */
function readQuotedKey(text: string, i: number): { key: string; end: number } | undefined {
  const quote = text[i + 1];
  if (text[i] !== "[" || (quote !== '"' && quote !== "'")) return undefined;
  let key = "";
  for (let j = i + 2; j < text.length; j++) {
    const c = text[j]!;
    if (c === "\\" && j + 1 < text.length) key += text[++j];
    else if (c === quote) return text[j + 1] === "]" && key !== "" ? { key, end: j + 2 } : undefined;
    else key += c;
  }
  return undefined;
}

/** Parses `a.b[0].c` into ["a", "b", 0, "c"], and `labels["topology.kubernetes.io/region"]` into ["labels", "topology.kubernetes.io/region"]. */
export function parseParamPath(text: string, source = text): PathSegment[] {
  const { path, end } = readParamPath(text, source);
  checkDepth(path, source);
  if (end !== text.length) throw new InputError(`malformed parameter path in ${source}: unexpected "${text.slice(end)}". ${pathHelp}`);
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
  // Flow values are parsed as YAML, whose duplicate-key check grows with the square of the number of keys.
  if (flag.length > defaults.maxParamsFileBytes) {
    throw new InputError(`${source} is ${Math.ceil(flag.length / 1024)} KiB; a --set flag is at most ${defaults.maxParamsFileBytes / 1024} KiB`);
  }
  const { path, end } = readParamPath(flag, source);
  checkDepth(path, source);
  if (flag[end] !== "=") {
    const next = flag.indexOf("=", end);
    if (next === -1) throw new InputError(`malformed ${source}: expected key=value, e.g. --set gpuPool.size=2`);
    throw new InputError(`malformed parameter path in ${source}: unexpected "${flag.slice(end, next)}" before "=". ${pathHelp}`);
  }
  return { path, raw: flag.slice(end + 1), source };
}

/** A path deeper than any parameter, past the nesting limit, is refused before it builds anything. */
function checkDepth(path: readonly PathSegment[], source: string): void {
  if (path.length > MAX_NESTING_DEPTH) {
    throw new InputError(`${source}: the parameter path has ${path.length} levels, more than the limit of ${MAX_NESTING_DEPTH}`);
  }
}

/** The path as it is typed: `pools[0].labels["topology.kubernetes.io/region"]`. */
export function formatPath(path: readonly PathSegment[]): string {
  return path.reduce<string>((text, segment) => (typeof segment === "number" ? `${text}[${segment}]` : appendKey(text, segment)), "");
}

/** `text` (a formatted path) followed by object key `key`: `.key`, or `["key"]` when it is not a plain name. */
export function appendKey(text: string, key: string): string {
  if (!PLAIN_KEY.test(key)) return `${text}[${JSON.stringify(key)}]`;
  return text ? `${text}.${key}` : key;
}

type Schema = Record<string, any>;

/** The sub-schema a path points at, following properties/items (undefined when the path is unknown). */
export function schemaAt(schema: Schema, path: readonly PathSegment[]): Schema | undefined {
  let current: Schema | undefined = schema;
  for (const segment of path) {
    if (!current) return undefined;
    // A map such as node labels has no `properties` for its keys: their schema is `additionalProperties`.
    const additional: Schema | undefined = typeof current.additionalProperties === "object" ? current.additionalProperties : undefined;
    current = typeof segment === "number" ? current.items : (current.properties?.[segment] ?? additional);
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
          return loadYamlDocument(raw);
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

/**
 * Sets `value` at `path` inside `target`, creating objects/arrays on the way. Refuses prototype keys, and a list index
 * past the end of its list: an index may change an item or add one (the list's length), so that
 * `--set nodeGroups[10000000].name=x` is refused at once instead of making a list of ten million holes.
 */
export function setAtPath(target: Record<string, unknown>, path: readonly PathSegment[], value: unknown, source: string): void {
  let current: any = target;
  path.forEach((segment, i) => {
    if (segment === "__proto__" || segment === "constructor" || segment === "prototype") {
      throw new InputError(`refusing ${source}: "${segment}" is not a parameter name`);
    }
    if (typeof segment === "number" && Array.isArray(current) && segment > current.length) {
      const list = formatPath(path.slice(0, i));
      const size = current.length;
      const fix = size === 0 ? `${list} is empty: use [0] to add its first item` : `${list} has ${size} item${size === 1 ? "" : "s"}: use [0] to [${size - 1}] to change one, [${size}] to add one`;
      throw new InputError(`${source}: index ${segment} is past the end of the list; ${fix}`);
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
