/**
 * The YAML front end for everything the tool reads: manifests, CRDs, `--values` and answers files, `--set` values.
 * js-yaml parses in time linear in the text (the `yaml` library's composer is quadratic on an unterminated flow
 * collection, and stringifies collection keys level by level); on top of it this module enforces the limits of
 * limits.ts: nesting depth, alias expansion (and alias cycles), and merge-key work, each reported with its line.
 */
import jsYaml from "js-yaml";
import { InputError } from "../errors.js";
import { MAX_ALIAS_EXPANSION_RATIO, MAX_NESTING_DEPTH, MIN_ALIAS_EXPANSION, aliasExpansionBudget, formatBytes } from "../limits.js";
import { readCommonYaml, type ImplicitType } from "./common-subset.js";
import { measureExpansion, type ExpansionProblem } from "./expansion.js";
import { LineIndex, splitDocuments } from "./split.js";

export interface YamlFailure {
  kind: "syntax" | "duplicate-key" | "limit";
  message: string;
  /** 1-based line in the whole text. */
  line?: number;
}

/** One non-empty document: its data, or why it cannot be used (then `data` is only safe to read identity from). */
export interface YamlDocument {
  /** Index among the text's non-empty documents. */
  index: number;
  data: unknown;
  /** Offsets of the document's content in the text (its root node, or the content of a broken document). */
  range: [number, number];
  /** 1-based line of range[0] when the reader knew it without a search (then LineIndex need not be built). */
  line?: number;
  failure?: YamlFailure;
}

export interface YamlLoadOptions {
  /** A repeated key is a failure ("duplicate-key"); otherwise the later one wins, as in Go's decoders. Default true. */
  uniqueKeys?: boolean;
  /**
   * "kubernetes" (manifests): js-yaml's core types, `<<` merge keys and `!!binary`, as close as js-yaml gets to the
   * API server's decoder; no timestamps (a `creationTimestamp` stays a string). "yaml-1.2" (the default: values and
   * answers files, which the `yaml` library writes): exactly YAML 1.2's core schema, so that what was written reads
   * back the same (`0b11` is a string there, and `<<` a plain key).
   */
  schema?: "kubernetes" | "yaml-1.2";
}

// `types` is exported by js-yaml 4 but missing from @types/js-yaml.
const types = (jsYaml as unknown as { types: Record<"merge" | "null" | "bool" | "float" | "binary", jsYaml.Type> }).types;
/** YAML 1.2 core integers only: decimal, 0o octal, 0x hex (js-yaml's core type also reads 0b binary and signed hex). */
const coreInt = new jsYaml.Type("tag:yaml.org,2002:int", {
  kind: "scalar",
  resolve: (text: string) => /^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$/.test(text),
  construct: (text: string) => (text.startsWith("0o") ? parseInt(text.slice(2), 8) : text.startsWith("0x") ? parseInt(text.slice(2), 16) : parseInt(text, 10)),
});
/**
 * `!!binary` as the API server's decoder (go-yaml, through sigs.k8s.io/yaml) reads it: the base64 text decoded, as
 * text (kubectl kustomize and kubeconform take it too); js-yaml's own type would give bytes, which no schema's
 * `string` takes. Invalid base64 stays an error, as there.
 */
const binaryAsText = new jsYaml.Type("tag:yaml.org,2002:binary", {
  kind: "scalar",
  resolve: (text: string | null) => types.binary.resolve(text),
  construct: (text: string) => Buffer.from(types.binary.construct(text) as Uint8Array).toString("utf8"),
});
const SCHEMAS = {
  kubernetes: jsYaml.CORE_SCHEMA.extend({ implicit: [types.merge], explicit: [binaryAsText] }),
  "yaml-1.2": jsYaml.FAILSAFE_SCHEMA.extend({ implicit: [types.null, types.bool, coreInt, types.float] }),
};
/** Each schema's implicit types in js-yaml's order of resolution (`compiledImplicit` is js-yaml 4's own list). */
const implicitOf = (schema: jsYaml.Schema) => (schema as unknown as { compiledImplicit: readonly ImplicitType[] }).compiledImplicit;
export const IMPLICIT: Record<keyof typeof SCHEMAS, readonly ImplicitType[]> = { kubernetes: implicitOf(SCHEMAS.kubernetes), "yaml-1.2": implicitOf(SCHEMAS["yaml-1.2"]) };

/**
 * Every non-empty document of a YAML stream. Never throws for bad input: a document that cannot be read gets a
 * failure with its line, and the other documents are still read. Text in the common subset of common-subset.ts is
 * read by that reader; the rest by js-yaml, the whole text at once, and only when that fails again document by
 * document, to tell the broken document from the good ones.
 */
export function loadYamlStream(text: string, options: YamlLoadOptions = {}): YamlDocument[] {
  // The common shape of manifests, read without js-yaml's state machine (no aliases, so nothing to measure).
  const common = readCommonYaml(text, IMPLICIT[options.schema ?? "yaml-1.2"]);
  if (common) return common.map(({ data, range, line }, index) => ({ index, data, range, line }));
  return loadWithJsYaml(text, options);
}

/** {@link loadYamlStream} by js-yaml alone: the reference the common-subset reader is tested against. */
export function loadWithJsYaml(text: string, options: YamlLoadOptions = {}): YamlDocument[] {
  const lines = new LineIndex(text);
  const budget = { remaining: aliasExpansionBudget(text.length) };
  try {
    return checkExpansion(parseAll(text, options), 0, budget, lines);
  } catch (error) {
    if (!isYamlError(error)) throw error;
  }
  const documents: YamlDocument[] = [];
  for (const chunk of splitDocuments(text)) {
    const content = text.slice(chunk.start, chunk.end);
    let parsed: Parsed[];
    try {
      parsed = parseAll(content, options);
    } catch (error) {
      if (!isYamlError(error)) throw error;
      const failure = toFailure(error, content, lines.lineAt(chunk.start) - 1);
      const data = failure.kind === "duplicate-key" ? parseLeniently(content, options) : undefined;
      const start = chunk.start + chunk.contentStart;
      documents.push({ index: documents.length, data, range: [start, chunk.end], failure });
      continue;
    }
    for (const document of checkExpansion(parsed, chunk.start, budget, lines)) documents.push({ ...document, index: documents.length });
  }
  return documents;
}

/** Thrown by {@link loadYamlDocument}; `line` is 1-based. */
export class YamlLoadError extends Error {
  constructor(
    readonly reason: string,
    readonly line?: number,
  ) {
    super(reason);
    this.name = "YamlLoadError";
  }
}

/**
 * The one document of a file such as `--values` or an answers file: its data (undefined when empty), or a
 * YamlLoadError naming the line. Several documents are an error: which one would be meant?
 */
export function loadYamlDocument(text: string, options: YamlLoadOptions = {}): unknown {
  const documents = loadYamlStream(text, options);
  const failure = documents.find((document) => document.failure)?.failure;
  if (failure) throw new YamlLoadError(failure.message, failure.line);
  if (documents.length > 1) {
    throw new YamlLoadError("expected one YAML document, found several (separated by ---)", new LineIndex(text).lineAt(documents[1]!.range[0]));
  }
  return documents[0]?.data;
}

/** js-yaml 4.3's options and listener state, beyond what @types/js-yaml declares. */
interface LoadOptionsWithLimits extends Omit<jsYaml.LoadOptions, "listener"> {
  maxDepth: number;
  maxTotalMergeKeys: number;
  listener(event: "open" | "close", state: { depth: number; position: number; kind: string | null; result: unknown }): void;
}

interface Parsed {
  data: unknown;
  /** Offsets of the root node in the parsed text. */
  range: [number, number];
  /** Whether an alias occurs in the document: only then can it expand beyond its text. */
  aliases: boolean;
}

/**
 * js-yaml's loadAll, with a listener that records each document's root range and whether it holds an alias (an
 * alias is the only node that closes without a kind: js-yaml sets none when it resolves one). Empty documents are
 * left out.
 */
function parseAll(text: string, options: YamlLoadOptions): Parsed[] {
  const roots: { range: [number, number]; aliases: boolean }[] = [];
  let start = 0;
  let aliases = false;
  const data: unknown[] = [];
  const loadOptions: LoadOptionsWithLimits = {
    schema: SCHEMAS[options.schema ?? "yaml-1.2"],
    json: options.uniqueKeys === false,
    maxDepth: MAX_NESTING_DEPTH,
    // Merging copies keys: bounded by the text's size, so that merges of merges cannot multiply them.
    maxTotalMergeKeys: Math.max(10_000, text.length),
    listener(event, state) {
      if (event === "open") {
        if (state.depth === 1) {
          start = state.position;
          aliases = false;
        }
        return;
      }
      if (state.kind === null && state.result !== null) aliases = true;
      // js-yaml reads the text with a newline added: a position may be one past its end.
      if (state.depth === 1) roots.push({ range: [Math.min(start, text.length), Math.min(state.position, text.length)], aliases });
    },
  };
  jsYaml.loadAll(text, (document) => void data.push(document), loadOptions as unknown as jsYaml.LoadOptions);
  // One root per document; should js-yaml ever differ, every document is measured against the whole text.
  const known = roots.length === data.length;
  const parsed: Parsed[] = [];
  data.forEach((document, i) => {
    if (document === null || document === undefined) return;
    parsed.push(known ? { data: document, ...roots[i]! } : { data: document, range: [0, text.length], aliases: true });
  });
  return parsed;
}

/** The documents of one parse, in order, each with its alias expansion checked against the text's budget. */
function checkExpansion(parsed: Parsed[], offset: number, budget: { remaining: number }, lines: LineIndex): YamlDocument[] {
  return parsed.map(({ data, range, aliases }, index): YamlDocument => {
    const absolute: [number, number] = [range[0] + offset, range[1] + offset];
    if (!aliases) return { index, data, range: absolute };
    const measured = measureExpansion(data, { maxSize: budget.remaining });
    if ("size" in measured) {
      budget.remaining -= measured.size;
      return { index, data, range: absolute };
    }
    const failure: YamlFailure = { kind: "limit", message: expansionMessage(measured.problem), line: lines.lineAt(absolute[0]) };
    return { index, data: identityOf(data), range: absolute, failure };
  });
}

function expansionMessage(problem: ExpansionProblem): string {
  switch (problem) {
    case "cycle":
      return "an alias refers to a node that contains it, so the document would expand forever; write the repeated part out instead";
    case "depth":
      return `aliases nest the document deeper than ${MAX_NESTING_DEPTH} levels, the limit`;
    case "size":
      return (
        `excessive aliasing: aliases expand the file's documents past the limit of ${MAX_ALIAS_EXPANSION_RATIO} times the file's size ` +
        `(at least ${formatBytes(MIN_ALIAS_EXPANSION)}); write the repeated parts out or use fewer aliases`
      );
  }
}

/**
 * What names a refused document (apiVersion, kind, metadata name and namespace) without the rest: its data is not
 * to be walked.
 */
function identityOf(data: unknown): unknown {
  if (data === null || typeof data !== "object" || Array.isArray(data)) return undefined;
  const strings = (object: Record<string, unknown>, keys: string[]) =>
    Object.fromEntries(keys.filter((key) => typeof object[key] === "string").map((key) => [key, object[key]]));
  const object = data as Record<string, unknown>;
  const identity: Record<string, unknown> = strings(object, ["apiVersion", "kind"]);
  if (object.metadata !== null && typeof object.metadata === "object") {
    identity.metadata = strings(object.metadata as Record<string, unknown>, ["name", "generateName", "namespace"]);
  }
  return identity;
}

/** The data of a document with repeated keys, the later one winning: enough to name the resource. */
function parseLeniently(text: string, options: YamlLoadOptions): unknown {
  try {
    return identityOf(parseAll(text, { ...options, uniqueKeys: false })[0]?.data);
  } catch {
    return undefined;
  }
}

interface JsYamlError {
  name: "YAMLException";
  reason: string;
  mark?: { line: number; position: number };
}

function isYamlError(error: unknown): error is JsYamlError | RangeError {
  return (error as JsYamlError | undefined)?.name === "YAMLException" || error instanceof RangeError;
}

/** A js-yaml error as a failure: kind, message (with the limit when one was passed) and line in the whole text. */
function toFailure(error: JsYamlError | RangeError, text: string, lineOffset: number): YamlFailure {
  if (error instanceof RangeError) {
    // The JavaScript stack ran out before the nesting limit did (only on a very small stack).
    return { kind: "limit", message: `YAML nested too deep to read (the limit is ${MAX_NESTING_DEPTH} levels)` };
  }
  // js-yaml reads the text with a newline added: an error at its very end is on the text's last line.
  const lastLine = lineOffset + text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
  const line = error.mark ? Math.min(lineOffset + error.mark.line + 1, Math.max(lastLine, lineOffset + 1)) : undefined;
  const reason = error.reason;
  if (reason.startsWith("duplicated mapping key")) {
    return { kind: "duplicate-key", message: `duplicate key ${keyAt(text, error.mark?.position ?? 0)}`, line };
  }
  if (reason.startsWith("nesting exceeded maxDepth")) {
    return { kind: "limit", message: `YAML nesting deeper than ${MAX_NESTING_DEPTH} levels, the limit`, line };
  }
  if (reason.startsWith("merge keys exceeded maxTotalMergeKeys")) {
    return { kind: "limit", message: "merge keys (<<) copy more keys than the file holds characters, the limit; write the merged mappings out", line };
  }
  if (reason === "expected valid JSON character" || reason === "the stream contains non-printable characters") {
    return { kind: "syntax", message: controlCharacterMessage(text, error.mark?.position ?? 0), line };
  }
  return { kind: "syntax", message: reason, line };
}

/** YAML allows no control character but tab and line breaks, even quoted: say which one, escaped, and how to write it. */
function controlCharacterMessage(text: string, position: number): string {
  const lineStart = text.lastIndexOf("\n", Math.max(0, position - 1)) + 1;
  const lineEnd = text.indexOf("\n", position);
  const found = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]/.exec(text.slice(lineStart, lineEnd === -1 ? undefined : lineEnd))?.[0];
  const escape = `\\x${(found ?? "\x1b").charCodeAt(0).toString(16).padStart(2, "0")}`;
  const shown = found === undefined ? "" : ` (${escape})`;
  return `a control character${shown} that YAML does not allow; write it as an escape inside double quotes ("${escape}")`;
}

/** The key written at `offset` (js-yaml points at its first character), quoted for the message. */
function keyAt(text: string, offset: number): string {
  // A quoted key, or a plain one up to its `:` (or, in a flow mapping, the `,` or `}` of a key without a value).
  const key = /^("(?:[^"\\\n]|\\.)*"|'[^'\n]*'|[^:,{}[\]\n]*?)\s*(?::|,|\}|$)/m.exec(text.slice(offset, offset + 1000))?.[1];
  if (key === undefined || key === "") return "";
  return key.startsWith('"') || key.startsWith("'") ? `"${key.slice(1, -1)}"` : JSON.stringify(key);
}

/**
 * A file of the repository or the command line read as one YAML document: a YAML error becomes an InputError naming
 * `file` and the line, followed by how to fix it.
 */
export function loadYamlFile(text: string, file: string, fix?: string): unknown {
  try {
    return loadYamlDocument(text);
  } catch (error) {
    if (!(error instanceof YamlLoadError)) throw error;
    throw new InputError(`${file}${error.line ? `:${error.line}` : ""}: not valid YAML: ${error.reason}${fix ? `; ${fix}` : ""}`);
  }
}
