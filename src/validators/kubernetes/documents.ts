import { createRequire } from "node:module";
import jsYaml from "js-yaml";
import type { Document, Node } from "yaml";

/**
 * `yaml` (positions, per-document errors) is needed only for files with a problem; loading it lazily keeps it off
 * the start-up path of valid runs. It ships CommonJS, so it can be required synchronously.
 */
let yamlModule: typeof import("yaml") | undefined;
function yaml(): typeof import("yaml") {
  yamlModule ??= createRequire(import.meta.url)("yaml") as typeof import("yaml");
  return yamlModule;
}

/** One non-empty YAML document of a file: its data, or why it could not be read. */
export interface ParsedDocument {
  /** Index among the file's non-empty documents (stable across both parsers). */
  index: number;
  data: unknown;
  /** Set when the document cannot be validated as it is. */
  failure?: { rule: "k8s-yaml-syntax" | "k8s-duplicate-key"; message: string; line?: number };
}

/**
 * YAML 1.2 core types plus merge keys, like the API server's decoder: no timestamps (a `creationTimestamp`
 * must stay a string to match the schemas) and no binary.
 */
// `types` is exported by js-yaml 4 but missing from @types/js-yaml.
const mergeType = (jsYaml as unknown as { types: { merge: jsYaml.Type } }).types.merge;
const SCHEMA = jsYaml.CORE_SCHEMA.extend({ implicit: [mergeType] });

/**
 * Reads every document of a file. The fast path is js-yaml `loadAll`; only when it throws (syntax error, or a
 * duplicate key in strict mode) is the file read again with `yaml`, document by document, so that the other
 * documents are still validated and the failure gets its line.
 */
export function parseDocuments(content: string, strict: boolean): ParsedDocument[] {
  try {
    const documents: ParsedDocument[] = [];
    // json: true lets a repeated key override the earlier one (Go's yaml does the same); strict mode rejects it.
    jsYaml.loadAll(
      content,
      (data) => {
        if (data !== null && data !== undefined) documents.push({ index: documents.length, data });
      },
      { schema: SCHEMA, json: !strict },
    );
    return documents;
  } catch {
    return parseSlowly(content, strict);
  }
}

function parseSlowly(content: string, strict: boolean): ParsedDocument[] {
  const { LineCounter, parseAllDocuments } = yaml();
  const lines = new LineCounter();
  const documents: ParsedDocument[] = [];
  for (const document of parseAllDocuments(content, { lineCounter: lines, uniqueKeys: strict, merge: true, schema: "core" })) {
    if (isEmpty(document)) continue;
    const index = documents.length;
    const error = document.errors[0];
    let data: unknown;
    try {
      data = document.toJS({ maxAliasCount: -1 });
    } catch {
      data = undefined;
    }
    if (!error) {
      documents.push({ index, data });
      continue;
    }
    const duplicate = error.code === "DUPLICATE_KEY";
    const line = lines.linePos(error.pos[0]).line;
    documents.push({
      index,
      data: duplicate ? data : undefined,
      failure: duplicate
        ? { rule: "k8s-duplicate-key", message: `duplicate key ${keyAt(content, error.pos[0])}`, line }
        : { rule: "k8s-yaml-syntax", message: `YAML syntax error: ${firstLine(error.message)}`, line },
    });
  }
  return documents;
}

/** The key written at `offset` (the error points at its first character), quoted for the message. */
function keyAt(content: string, offset: number): string {
  const key = /^("(?:[^"\\]|\\.)*"|'[^']*'|[^:\n]*?)\s*:/.exec(content.slice(offset))?.[1];
  return key === undefined ? "" : key.startsWith('"') || key.startsWith("'") ? key.replace(/^'|'$/g, '"') : JSON.stringify(key);
}

function firstLine(message: string): string {
  return message.split("\n")[0] ?? message;
}

function isEmpty(document: Document.Parsed): boolean {
  const contents = document.contents;
  return document.errors.length === 0 && (contents === null || (yaml().isScalar(contents) && contents.value === null));
}

/**
 * Finds lines of fields in a file, parsing it with `yaml` (positions) only when first asked: valid files never pay
 * for it. Documents are matched to `parseDocuments` by their index among non-empty documents.
 */
export class LineLocator {
  private documents: Document.Parsed[] | undefined;
  private starts: number[] | undefined;
  private lines: InstanceType<typeof import("yaml").LineCounter> | undefined;

  constructor(private readonly content: string) {}

  /** Line where the document's content starts, from a scan of the text: no second parse for valid files. */
  documentLine(index: number): number | undefined {
    this.starts ??= documentStarts(this.content);
    return this.starts[index] ?? this.nodeLine(index);
  }

  private document(index: number): Document.Parsed | undefined {
    if (!this.documents) {
      this.lines = new (yaml().LineCounter)();
      this.documents = yaml().parseAllDocuments(this.content, { lineCounter: this.lines, merge: true }).filter((d) => !isEmpty(d));
    }
    return this.documents[index];
  }

  private lineOf(offset: number): number {
    return (this.lines as InstanceType<typeof import("yaml").LineCounter>).linePos(offset).line;
  }

  private nodeLine(index: number): number | undefined {
    const node = this.document(index)?.contents;
    return node?.range ? this.lineOf(node.range[0]) : undefined;
  }

  /**
   * Line of the field at `path` (object keys and array indexes): the line of its key in a mapping, of its item in a
   * sequence. When the path goes deeper than the YAML does, the deepest existing field's line.
   */
  fieldLine(index: number, path: readonly (string | number)[]): number | undefined {
    let node: Node | null | undefined = this.document(index)?.contents as Node | null | undefined;
    let line = node?.range ? this.lineOf(node.range[0]) : undefined;
    const { isMap, isPair, isSeq } = yaml();
    for (const segment of path) {
      if (isMap(node)) {
        const pair = node.items.find((item) => isPair(item) && keyText(item.key) === String(segment));
        if (!pair) break;
        const key = pair.key as Node | null;
        if (key?.range) line = this.lineOf(key.range[0]);
        node = pair.value as Node | null;
      } else if (isSeq(node)) {
        const item = node.items[Number(segment)] as Node | undefined;
        if (!item) break;
        if (item.range) line = this.lineOf(item.range[0]);
        node = item;
      } else {
        break;
      }
    }
    return line;
  }
}

/** 1-based first content line of each non-empty document (separators `---` / `...`, comments and blanks skipped). */
function documentStarts(content: string): number[] {
  const starts: number[] = [];
  let started = false;
  let lineNumber = 0;
  for (const line of content.split("\n")) {
    lineNumber++;
    if (line.startsWith("---") && (line.length === 3 || /^---\s/.test(line))) {
      started = false;
      const rest = line.slice(3).trim();
      if (rest !== "" && !rest.startsWith("#")) {
        starts.push(lineNumber);
        started = true;
      }
      continue;
    }
    if (line.startsWith("...") && line.slice(3).trim() === "") {
      started = false;
      continue;
    }
    if (started || line.startsWith("%")) continue;
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    starts.push(lineNumber);
    started = true;
  }
  return starts;
}

function keyText(key: unknown): string | undefined {
  if (yaml().isScalar(key)) return String(key.value);
  return undefined;
}
