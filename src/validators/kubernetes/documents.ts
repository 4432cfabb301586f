import type { Document, Node, YAMLMap } from "yaml";
import { requireOnUse } from "../../code-cache.js";
import { loadYamlStream } from "../../yaml/load.js";
import { LineIndex } from "../../yaml/split.js";

/**
 * `yaml` (positions of fields) is needed only for documents with a problem to point at; loading it lazily keeps it
 * off the start-up path of valid runs. In the CLI it is the bundle's vendored copy, which plan, check and update have
 * loaded already (a Pod Security finding in a namespace declared privileged, dropped later, still asks for its line).
 */
let yamlModule: typeof import("yaml") | undefined;
function yaml(): typeof import("yaml") {
  yamlModule ??= requireOnUse("yaml") as typeof import("yaml");
  return yamlModule;
}

/** One non-empty YAML document of a file: its data, or why it could not be read. */
export interface ParsedDocument {
  /** Index among the file's non-empty documents. */
  index: number;
  data: unknown;
  /** Offsets of the document's content in the file. */
  range: [number, number];
  /** 1-based line of range[0], when the YAML reader gave it. */
  line?: number;
  /** Set when the document cannot be validated as it is (then `data` holds at most its identity). */
  failure?: { rule: "k8s-yaml-syntax" | "k8s-duplicate-key" | "k8s-yaml-limit"; message: string; line?: number };
}

const RULES = { syntax: "k8s-yaml-syntax", "duplicate-key": "k8s-duplicate-key", limit: "k8s-yaml-limit" } as const;

/**
 * Reads every document of a file as the API server's decoder does: YAML 1.2 core types plus merge keys, a repeated
 * key overriding the earlier one (strict mode rejects it). Within the limits of limits.ts; a document past one, or
 * broken, gets a failure with its line, and the file's other documents are still read.
 */
export function parseDocuments(content: string, strict: boolean): ParsedDocument[] {
  return loadYamlStream(content, { schema: "kubernetes", uniqueKeys: strict }).map(({ index, data, range, line, failure }) => {
    if (!failure) return line === undefined ? { index, data, range } : { index, data, range, line };
    const message = failure.kind === "syntax" ? `YAML syntax error: ${failure.message}` : failure.message;
    return { index, data, range, failure: { rule: RULES[failure.kind], message, line: failure.line } };
  });
}

/**
 * Finds lines of fields in a file. Document lines come from the documents' offsets; field lines from a parse with
 * positions (`yaml`) of the one document asked about, on first use: valid files never pay for it, and a broken
 * document elsewhere in the file is never parsed again.
 */
export class LineLocator {
  private readonly lines: LineIndex;
  private documents: readonly ParsedDocument[] | undefined;
  private readonly parsed = new Map<number, { root: Node | null; line: (offset: number) => number }>();
  /** The pairs of each mapping by key, built on first lookup: thousands of problems in one mapping stay linear. */
  private readonly pairs = new WeakMap<YAMLMap, Map<string, { key: Node | null; value: Node | null }>>();

  /** `documents` are the file's parsed documents when the caller has them; otherwise they are read on first use. */
  constructor(
    private readonly content: string,
    documents?: readonly ParsedDocument[],
  ) {
    this.lines = new LineIndex(content);
    this.documents = documents;
  }

  private document(index: number): ParsedDocument | undefined {
    this.documents ??= parseDocuments(this.content, false);
    return this.documents[index];
  }

  /** Line where the document's content starts. */
  documentLine(index: number): number | undefined {
    const document = this.document(index);
    return document ? (document.line ?? this.lines.lineAt(document.range[0])) : undefined;
  }

  /** The document's root node with positions, parsed alone from its range (documents that failed have none). */
  private root(index: number): { root: Node | null; line: (offset: number) => number } | undefined {
    const document = this.document(index);
    if (!document || document.failure) return undefined;
    let parsed = this.parsed.get(index);
    if (!parsed) {
      const [start, end] = document.range;
      const counter = new (yaml().LineCounter)();
      const root = yaml().parseDocument(this.content.slice(start, end), { lineCounter: counter, merge: true, uniqueKeys: false }).contents as Node | null;
      const firstLine = this.lines.lineAt(start);
      parsed = { root, line: (offset) => firstLine + counter.linePos(offset).line - 1 };
      this.parsed.set(index, parsed);
    }
    return parsed;
  }

  /**
   * Line of the field at `path` (object keys and array indexes): the line of its key in a mapping, of its item in a
   * sequence. When the path goes deeper than the YAML does, the deepest existing field's line.
   */
  fieldLine(index: number, path: readonly (string | number)[]): number | undefined {
    // The document itself: its content's line, without a parse with positions (thousands of files that are not
    // manifests fail at their root), unless an anchor or a tag comes before the root node, whose line can be later.
    if (path.length === 0) {
      const document = this.document(index);
      const first = document && !document.failure ? this.content.charCodeAt(document.range[0]) : undefined;
      if (first !== undefined && first !== 0x26 /* & */ && first !== 0x21 /* ! */) return this.documentLine(index);
    }
    const parsed = this.root(index);
    if (!parsed) return this.documentLine(index);
    let node = parsed.root;
    let line = node?.range ? parsed.line(node.range[0]) : this.documentLine(index);
    const { isMap, isSeq } = yaml();
    for (const segment of path) {
      if (isMap(node)) {
        const pair = this.pairsOf(node).get(String(segment));
        if (!pair) break;
        if (pair.key?.range) line = parsed.line(pair.key.range[0]);
        node = pair.value;
      } else if (isSeq(node)) {
        const item = node.items[Number(segment)] as Node | undefined;
        if (!item) break;
        if (item.range) line = parsed.line(item.range[0]);
        node = item;
      } else {
        break;
      }
    }
    return line;
  }

  private pairsOf(map: YAMLMap): Map<string, { key: Node | null; value: Node | null }> {
    let pairs = this.pairs.get(map);
    if (!pairs) {
      pairs = new Map();
      for (const item of map.items) {
        const key = keyText(item.key);
        // The later of two equal keys wins, as in the data.
        if (key !== undefined) pairs.set(key, { key: item.key as Node | null, value: item.value as Node | null });
      }
      this.pairs.set(map, pairs);
    }
    return pairs;
  }
}

function keyText(key: unknown): string | undefined {
  if (yaml().isScalar(key)) return String(key.value);
  return undefined;
}
