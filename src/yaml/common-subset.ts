/**
 * A fast reader for the shape almost every Kubernetes manifest has: documents separated by `---` lines, each a block
 * mapping at column 0 of block mappings, block sequences, one-line flow collections, plain and one-line quoted
 * scalars, `|` literal block scalars and comments. Anything else (anchors, aliases, tags, folded or multi-line
 * scalars, escapes, merge keys, repeated keys, tabs, carriage returns, directives, odd indentation, any error) makes
 * it answer `undefined`, and js-yaml reads the text as before: js-yaml stays the reference for data, errors and
 * positions, and this reader only has to be exact on what it accepts.
 *
 * Hand-written because no maintained npm YAML parser is faster than js-yaml, which reads about 13 MB/s and was a
 * third of `validate`'s time; this subset needs no character-by-character state machine. Plain scalars are typed by
 * the schema's own js-yaml resolvers, so `true`, `0x1F`, `.inf` or `~` read exactly as js-yaml reads them.
 * test/yaml-common-subset.test.ts holds it to js-yaml on the benchmark corpus, the repository's manifests and fuzzed
 * documents: where it answers, data and ranges are js-yaml's.
 */

/** A js-yaml implicit type: `resolve` says whether a plain scalar is of the type, `construct` makes its value. */
export interface ImplicitType {
  resolve(text: string): boolean;
  construct(text: string): unknown;
}

/** One non-empty document: its data and the offsets js-yaml reports for its root (see load.ts). */
export interface SubsetDocument {
  data: unknown;
  range: [number, number];
  /** 1-based line of the root (range[0]): known here without a search of the text. */
  line: number;
}

/** Characters that may appear anywhere in a text this reader takes (no tab, CR, control, BOM or surrogate). */
const OUTSIDE_SUBSET = /[^\n\x20-\x7e\xa0-\ud7ff\ue000-\ufefe\uff00-\ufffd]/;
/** Deeper nesting is left to js-yaml, which enforces the nesting limit with its own message. */
const MAX_DEPTH = 64;
/** Thrown inside the reader when the text leaves the subset; never escapes {@link readCommonYaml}. */
const DECLINE = Symbol("decline");

/**
 * The documents of `text` when all of it is within the subset, else undefined. `implicit` are the schema's implicit
 * types in js-yaml's order of resolution.
 */
export function readCommonYaml(text: string, implicit: readonly ImplicitType[]): SubsetDocument[] | undefined {
  if (OUTSIDE_SUBSET.test(text)) return undefined;
  try {
    return new Reader(text, implicit).documents();
  } catch (error) {
    if (error === DECLINE) return undefined;
    throw error;
  }
}

function decline(): never {
  throw DECLINE;
}

/** A table over ASCII codes: 1 for each character of `characters`. */
function asciiTable(characters: string): Uint8Array {
  const table = new Uint8Array(128);
  for (const character of characters) table[character.charCodeAt(0)] = 1;
  return table;
}
/** First characters of a plain scalar that any implicit type of js-yaml's core schemas can resolve. */
const MAY_RESOLVE = asciiTable("~nNtTfF-+.0123456789<");
/**
 * Of those, the letters: they start only `null` (and `Null`, `NULL`) and booleans (`true`, `false`, in three cases),
 * so a word of another length than 4 or 5 that starts with one is a string whatever the types (most names do).
 */
const WORD_START = asciiTable("nNtTfF");
/** Characters that cannot start a plain scalar here (indicators, and `-`/`?`/`:` which need a look at the next). */
const NOT_PLAIN_START = asciiTable("-?:,[]{}#&*!|>'\"%@`");
const isNotPlainStart = (code: number) => code < 128 && NOT_PLAIN_START[code] === 1;

/**
 * Mapping keys read before, in slots by a hash of their text. Manifests repeat a few hundred keys thousands of times:
 * a key found here is the string used before, which V8 has already made a property name, so reading it allocates
 * nothing and storing it skips V8's lookup of a new string in its table of names (a tenth of a parse's instructions).
 */
const KEY_SLOTS = 4096;
const KEY_MAX_LENGTH = 64;
/** One cache per list of implicit types: a key such as `0b1` is a string for one schema and a number for another. */
const keyCaches = new WeakMap<readonly ImplicitType[], (string | undefined)[]>();

function keyCacheOf(implicit: readonly ImplicitType[]): (string | undefined)[] {
  let cache = keyCaches.get(implicit);
  if (!cache) keyCaches.set(implicit, (cache = new Array<string | undefined>(KEY_SLOTS).fill(undefined)));
  return cache;
}

/** Per ASCII code: 1 for `, [ ] { }` (end a plain scalar in a flow collection), 2 for `:` and `#` (may end one). */
const FLOW_STOP = new Uint8Array(128);
for (const c of ",[]{}") FLOW_STOP[c.charCodeAt(0)] = 1;
for (const c of ":#") FLOW_STOP[c.charCodeAt(0)] = 2;

class Reader {
  private readonly lineStarts: number[] = [];
  /** Current line index. */
  private line = 0;
  /** Column where the current line's content starts (moved past `- ` for compact collections in sequences). */
  private column = 0;
  /**
   * Where the last key, quoted scalar, flow node or flow scalar read ended (the offset after it), and whether that
   * flow scalar was quoted: set by those readers instead of returning a record per token, which was a third of what
   * reading a manifest allocated.
   */
  private after = 0;
  private wasQuoted = false;
  private readonly keyCache: (string | undefined)[];

  constructor(
    private readonly text: string,
    private readonly implicit: readonly ImplicitType[],
  ) {
    this.keyCache = keyCacheOf(implicit);
    for (let start = 0; start < text.length; ) {
      this.lineStarts.push(start);
      const newline = text.indexOf("\n", start);
      start = newline === -1 ? text.length : newline + 1;
    }
  }

  documents(): SubsetDocument[] {
    const documents: SubsetDocument[] = [];
    const count = this.lineStarts.length;
    while (this.line < count) {
      const start = this.lineStarts[this.line]!;
      const line = this.line + 1;
      const end = this.lineEnd(this.line);
      if (this.text.startsWith("---", start)) {
        // A marker alone on its line; content after it (`--- a: 1`) is left to js-yaml.
        if (this.text.slice(start + 3, end).trim() !== "") decline();
        this.line++;
        continue;
      }
      const first = this.text.charCodeAt(start);
      if (first === 0x25 /* % */ || this.text.startsWith("...", start)) decline();
      if (this.isBlank(this.line)) {
        this.line++;
        continue;
      }
      // The root: a block mapping at column 0.
      if (first === 0x20) decline();
      this.column = 0;
      const data = this.blockMapping(0, 1);
      // The document ends at the next `---` line (js-yaml's root range runs to it, over comments and blank lines).
      while (this.line < count && this.isBlank(this.line)) this.line++;
      if (this.line < count && !this.text.startsWith("---", this.lineStarts[this.line]!)) decline();
      const rangeEnd = this.line < count ? this.lineStarts[this.line]! : this.text.length;
      documents.push({ data, range: [start, rangeEnd], line });
    }
    return documents;
  }

  /** End of line `index`, before its newline. */
  private lineEnd(index: number): number {
    const next = this.lineStarts[index + 1];
    if (next !== undefined) return next - 1;
    return this.text.endsWith("\n") ? this.text.length - 1 : this.text.length;
  }

  /** A line of spaces only, or a comment. */
  private isBlank(index: number): boolean {
    const start = this.lineStarts[index]!;
    const end = this.lineEnd(index);
    let position = start;
    while (position < end && this.text.charCodeAt(position) === 0x20) position++;
    return position === end || this.text.charCodeAt(position) === 0x23 /* # */;
  }

  private indentOf(index: number): number {
    const start = this.lineStarts[index]!;
    let position = start;
    while (this.text.charCodeAt(position) === 0x20) position++;
    return position - start;
  }

  /** Moves to the next line that is not blank; its indent, or -1 at the end of the text. */
  private nextContent(): number {
    while (this.line < this.lineStarts.length && this.isBlank(this.line)) this.line++;
    if (this.line >= this.lineStarts.length) return -1;
    const start = this.lineStarts[this.line]!;
    if (this.text.startsWith("---", start) || this.text.startsWith("...", start)) return -1;
    this.column = this.indentOf(this.line);
    return this.column;
  }

  /** A block mapping whose keys start at `indent`; the current line holds its first key at `this.column`. */
  private blockMapping(indent: number, depth: number): Record<string, unknown> {
    if (depth > MAX_DEPTH) decline();
    const mapping: Record<string, unknown> = {};
    for (;;) {
      const start = this.lineStarts[this.line]! + this.column;
      const end = this.lineEnd(this.line);
      const key = this.mappingKey(start, end);
      if (key === "__proto__" || key === "<<" || Object.hasOwn(mapping, key)) decline();
      mapping[key] = this.valueAfter(this.after, end, indent, depth, true);
      const next = this.nextContent();
      if (next === -1 || next < indent) return mapping;
      if (next > indent) decline();
    }
  }

  /**
   * A block sequence whose `-` are at `indent`; the current line holds its first `-` at `this.column`. It ends at a
   * line indented less, or at a line at its own indent without a dash (the next key of a mapping it is the value of).
   */
  private blockSequence(indent: number, depth: number): unknown[] {
    if (depth > MAX_DEPTH) decline();
    const sequence: unknown[] = [];
    for (;;) {
      const start = this.lineStarts[this.line]! + this.column;
      const end = this.lineEnd(this.line);
      if (!this.isDash(start, end)) {
        if (sequence.length === 0) decline();
        return sequence;
      }
      const content = this.skipSpaces(start + 1, end);
      if (content === end || this.text.charCodeAt(content) === 0x23 /* # */) {
        sequence.push(this.nestedBlock(indent, depth, false));
      } else if (this.isDash(content, end)) {
        decline();
      } else if (this.startsMappingEntry(content, end)) {
        // A compact mapping: its keys line up with the first one, after the dash; it leaves the line on what follows.
        this.column = content - this.lineStarts[this.line]!;
        sequence.push(this.blockMapping(this.column, depth + 1));
      } else {
        sequence.push(this.inlineValue(content, end, depth));
        this.line++;
      }
      const next = this.nextContent();
      if (next === -1 || next < indent) return sequence;
      if (next > indent) decline();
    }
  }

  /** `-` followed by a space or the line's end. */
  private isDash(position: number, end: number): boolean {
    return this.text.charCodeAt(position) === 0x2d && (position + 1 === end || this.text.charCodeAt(position + 1) === 0x20);
  }

  /** Whether the text at `position` is `key:` followed by a space or the line's end. */
  private startsMappingEntry(position: number, end: number): boolean {
    const code = this.text.charCodeAt(position);
    if (code === 0x22 || code === 0x27) {
      const close = this.find(code, position + 1, end);
      return close !== -1 && this.text.charCodeAt(close + 1) === 0x3a;
    }
    // A flow collection, or anything else no plain key starts with, is no key (`- {a: b}` is one flow mapping).
    if (isNotPlainStart(this.text.charCodeAt(position))) return false;
    const colon = this.find(0x3a, position, end);
    return colon !== -1 && (colon + 1 === end || this.text.charCodeAt(colon + 1) === 0x20);
  }

  /** The key of a block mapping entry at `start`; {@link after} is left after its `:`. */
  private mappingKey(start: number, end: number): string {
    const code = this.text.charCodeAt(start);
    if (code === 0x22 || code === 0x27) {
      const value = this.quoted(start, end);
      const after = this.after;
      if (this.text.charCodeAt(after) !== 0x3a) decline();
      if (after + 1 < end && this.text.charCodeAt(after + 1) !== 0x20) decline();
      this.after = after + 1;
      return value;
    }
    // The key runs to the first `:`; a flow indicator or `#` in it is left to js-yaml.
    let colon = start;
    for (; colon < end; colon++) {
      const c = this.text.charCodeAt(colon);
      if (c < 128 && FLOW_STOP[c] !== 0) {
        if (c === 0x3a) break;
        decline();
      }
    }
    if (colon === end || colon === start || colon - start > 1000) decline();
    if (colon + 1 < end && this.text.charCodeAt(colon + 1) !== 0x20) decline();
    if (isNotPlainStart(this.text.charCodeAt(start)) || this.text.charCodeAt(colon - 1) === 0x20) decline();
    this.after = colon + 1;
    return this.plainKey(start, colon);
  }

  /**
   * A plain key's text [start, end), which must resolve to a string (a key that reads as a number, boolean or null is
   * left to js-yaml). Keys that resolve to themselves are kept in the cache of the reader's implicit types: a key of
   * the same text resolves the same way.
   */
  private plainKey(start: number, end: number): string {
    const length = end - start;
    let slot = -1;
    if (length <= KEY_MAX_LENGTH) {
      // A hash of the length and three characters: cheaper than one of every character, and a collision only costs
      // a slice (the cached key is compared in full).
      const text = this.text;
      const hash = Math.imul(length, 0x9e3779b1) ^ Math.imul(text.charCodeAt(start), 31 * 31) ^ Math.imul(text.charCodeAt(start + (length >> 1)), 31) ^ text.charCodeAt(end - 1);
      slot = (hash ^ (hash >>> 12)) & (KEY_SLOTS - 1);
      const cached = this.keyCache[slot];
      if (cached !== undefined && cached.length === length && this.text.startsWith(cached, start)) return cached;
    }
    const key = this.text.slice(start, end);
    const resolved = this.resolvePlain(key);
    if (typeof resolved !== "string") decline();
    if (slot !== -1 && resolved === key) this.keyCache[slot] = key;
    return resolved;
  }

  /**
   * End of the plain scalar [start, stop) without its trailing spaces. Only spaces: YAML's white space is space and
   * tab (a tab is declined before), so a trailing no-break space or ideographic space is part of the value, as js-yaml
   * and the API server's decoder read it (String.prototype.trimEnd would drop them).
   */
  private trimmedEnd(start: number, stop: number): number {
    while (stop > start && this.text.charCodeAt(stop - 1) === 0x20) stop--;
    return stop;
  }

  /**
   * The value after a mapping key's `:` (or an empty sequence item): inline on this line, or a block on the next
   * lines. Leaves the current line on the value's last line or, for a block, on the line after it.
   */
  private valueAfter(position: number, end: number, indent: number, depth: number, inMapping: boolean): unknown {
    while (position < end && this.text.charCodeAt(position) === 0x20) position++;
    if (position === end || this.text.charCodeAt(position) === 0x23 /* # */) return this.nestedBlock(indent, depth, inMapping);
    const code = this.text.charCodeAt(position);
    if (code === 0x7c /* | */) return this.literalBlock(position, end, indent);
    const value = this.inlineValue(position, end, depth);
    this.line++;
    return value;
  }

  /**
   * The block below a key or dash whose value is not on its line: a mapping or sequence indented further, a
   * sequence at the key's own indent (YAML allows it for mapping values), or null.
   */
  private nestedBlock(indent: number, depth: number, inMapping: boolean): unknown {
    this.line++;
    const next = this.nextContent();
    if (next === -1 || next < indent) return null;
    const start = this.lineStarts[this.line]! + next;
    const end = this.lineEnd(this.line);
    if (next === indent) {
      return inMapping && this.isDash(start, end) ? this.blockSequence(indent, depth + 1) : null;
    }
    if (this.isDash(start, end)) return this.blockSequence(next, depth + 1);
    if (this.startsMappingEntry(start, end)) return this.blockMapping(next, depth + 1);
    return decline();
  }

  /** A value written on one line: a flow collection, a quoted or a plain scalar, with nothing but a comment after. */
  private inlineValue(position: number, end: number, depth: number): unknown {
    const code = this.text.charCodeAt(position);
    let value: unknown;
    let after: number;
    if (code === 0x5b /* [ */ || code === 0x7b /* { */) {
      value = this.flow(position, end, depth + 1);
      after = this.after;
    } else if (code === 0x22 || code === 0x27) {
      value = this.quoted(position, end);
      after = this.after;
    } else {
      return this.resolvePlain(this.blockPlain(position, end));
    }
    while (after < end && this.text.charCodeAt(after) === 0x20) after++;
    if (after < end && (this.text.charCodeAt(after) !== 0x23 || this.text.charCodeAt(after - 1) !== 0x20)) decline();
    return value;
  }

  /** A plain scalar in block context, up to a comment or the line's end. */
  private blockPlain(position: number, end: number): string {
    const first = this.text.charCodeAt(position);
    if (isNotPlainStart(first) && !(first === 0x2d /* - */ && position + 1 < end && this.text.charCodeAt(position + 1) !== 0x20)) decline();
    let stop = position + 1;
    for (; stop < end; stop++) {
      const c = this.text.charCodeAt(stop);
      if (c === 0x23 /* # */ && this.text.charCodeAt(stop - 1) === 0x20) break;
      // `a: b: c` is an error and `a: b:` another mapping: left to js-yaml.
      if (c === 0x3a && (stop + 1 === end || this.text.charCodeAt(stop + 1) === 0x20)) decline();
    }
    return this.text.slice(position, this.trimmedEnd(position, stop));
  }

  /** A one-line quoted scalar without escapes: its value; {@link after} is left after its closing quote. */
  private quoted(position: number, end: number): string {
    const quote = this.text.charCodeAt(position);
    if (quote === 0x22) {
      const close = this.find(0x22, position + 1, end);
      if (close === -1) decline();
      const value = this.text.slice(position + 1, close);
      if (value.includes("\\")) decline();
      this.after = close + 1;
      return value;
    }
    let value = "";
    let from = position + 1;
    for (;;) {
      const close = this.find(0x27, from, end);
      if (close === -1) decline();
      value += this.text.slice(from, close);
      if (this.text.charCodeAt(close + 1) !== 0x27) {
        this.after = close + 1;
        return value;
      }
      value += "'";
      from = close + 2;
    }
  }

  /** A flow sequence or mapping that closes on the same line; {@link after} is left after it. */
  private flow(position: number, end: number, depth: number): unknown {
    if (depth > MAX_DEPTH) decline();
    const isMapping = this.text.charCodeAt(position) === 0x7b;
    const close = isMapping ? 0x7d : 0x5d;
    const collection: Record<string, unknown> | unknown[] = isMapping ? {} : [];
    let at = this.skipSpaces(position + 1, end);
    if (this.text.charCodeAt(at) === close) {
      this.after = at + 1;
      return collection;
    }
    for (;;) {
      if (isMapping) {
        const mapping = collection as Record<string, unknown>;
        const key = this.flowScalar(at, end, true);
        if (typeof key !== "string" || key === "__proto__" || key === "<<" || Object.hasOwn(mapping, key)) decline();
        const quotedKey = this.wasQuoted;
        at = this.skipSpaces(this.after, end);
        if (this.text.charCodeAt(at) !== 0x3a) decline();
        const colonNext = this.text.charCodeAt(at + 1);
        // After a plain key, `:` must be followed by a space (`{a:b}` is one plain scalar).
        if (!quotedKey && colonNext !== 0x20) decline();
        at = this.skipSpaces(at + 1, end);
        mapping[key] = this.flowNode(at, end, depth);
        at = this.after;
      } else {
        const item = this.flowNode(at, end, depth);
        at = this.after;
        // `[a: b]` is a sequence of one-pair mappings: left to js-yaml.
        if (this.text.charCodeAt(this.skipSpaces(at, end)) === 0x3a) decline();
        (collection as unknown[]).push(item);
      }
      at = this.skipSpaces(at, end);
      const code = this.text.charCodeAt(at);
      if (code === close) {
        this.after = at + 1;
        return collection;
      }
      if (code !== 0x2c /* , */ || at >= end) decline();
      at = this.skipSpaces(at + 1, end);
      // A trailing comma, an empty entry or a line break inside: left to js-yaml.
      const following = this.text.charCodeAt(at);
      if (at >= end || following === close || following === 0x2c) decline();
    }
  }

  /** A node inside a flow collection; {@link after} is left after it. */
  private flowNode(at: number, end: number, depth: number): unknown {
    const code = this.text.charCodeAt(at);
    if (at >= end) decline();
    if (code === 0x5b || code === 0x7b) return this.flow(at, end, depth + 1);
    return this.flowScalar(at, end, false);
  }

  /**
   * A scalar inside a flow collection: quoted, or plain up to `,` `[` `]` `{` `}` or `: `. {@link after} is left after
   * it, and {@link wasQuoted} says whether it was quoted.
   */
  private flowScalar(at: number, end: number, isKey: boolean): unknown {
    const code = this.text.charCodeAt(at);
    if (at >= end) decline();
    if (code === 0x22 || code === 0x27) {
      const value = this.quoted(at, end);
      this.wasQuoted = true;
      return value;
    }
    const next = this.text.charCodeAt(at + 1);
    if (isNotPlainStart(code) && !(code === 0x2d /* - */ && at + 1 < end && next !== 0x20 && !(next < 128 && FLOW_STOP[next] === 1))) decline();
    let stop = at;
    for (; stop < end; stop++) {
      const c = this.text.charCodeAt(stop);
      if (c >= 128 || FLOW_STOP[c] === 0) continue;
      if (FLOW_STOP[c] === 1) break;
      if (c === 0x3a) {
        const next = this.text.charCodeAt(stop + 1);
        if (stop + 1 >= end || next === 0x20 || (next < 128 && FLOW_STOP[next] === 1)) break;
      } else if (this.text.charCodeAt(stop - 1) === 0x20) {
        decline(); // a comment inside a flow collection
      }
    }
    if (!isKey && this.text.charCodeAt(stop) === 0x3a) decline();
    this.after = stop;
    this.wasQuoted = false;
    const trimmed = this.trimmedEnd(at, stop);
    if (trimmed === at) decline();
    // A key that does not resolve to a string is declined by the caller (flow), as before.
    return isKey ? this.plainKey(at, trimmed) : this.resolvePlain(this.text.slice(at, trimmed));
  }

  /** Offset of the first `code` in [from, end), or -1: never looks past the line (indexOf would, to the text's end). */
  private find(code: number, from: number, end: number): number {
    for (let at = from; at < end; at++) if (this.text.charCodeAt(at) === code) return at;
    return -1;
  }

  private skipSpaces(at: number, end: number): number {
    while (at < end && this.text.charCodeAt(at) === 0x20) at++;
    return at;
  }

  /**
   * A literal block scalar (`|`, `|-`, `|+`) whose content is indented further than `indent`, with the indentation of
   * its first line. Leaves the current line on the first line after it.
   */
  private literalBlock(position: number, end: number, indent: number): string {
    const header = this.text.slice(position + 1, end);
    const chomping = header.startsWith("-") ? "strip" : header.startsWith("+") ? "keep" : "clip";
    const rest = chomping === "clip" ? header : header.slice(1);
    if (rest.trim() !== "" && !/^ +#/.test(rest)) decline();
    const count = this.lineStarts.length;
    let contentIndent = -1;
    const kept: string[] = [];
    let index = this.line + 1;
    for (; index < count; index++) {
      const start = this.lineStarts[index]!;
      const lineEnd = this.lineEnd(index);
      const spaces = this.indentOf(index);
      if (start + spaces === lineEnd) {
        // An empty line: part of the scalar, unless it holds more spaces than the content's indent before it.
        if (contentIndent === -1 && spaces > indent) decline();
        kept.push(contentIndent !== -1 && spaces > contentIndent ? this.text.slice(start + contentIndent, lineEnd) : "");
        continue;
      }
      if (contentIndent === -1) {
        if (spaces <= indent) break;
        contentIndent = spaces;
      }
      if (spaces < contentIndent) break;
      kept.push(this.text.slice(start + contentIndent, lineEnd));
    }
    // A document marker inside the scalar's indentation, or text ending without a newline: left to js-yaml.
    if (index >= count && !this.text.endsWith("\n")) decline();
    this.line = index;
    let trailing = 0;
    while (trailing < kept.length && kept[kept.length - 1 - trailing] === "") trailing++;
    const body = kept.slice(0, kept.length - trailing).join("\n");
    if (contentIndent === -1) {
      // Only empty lines (or none): js-yaml keeps them for `+` only.
      return chomping === "keep" ? "\n".repeat(kept.length) : "";
    }
    if (chomping === "strip") return body;
    if (chomping === "clip") return body + "\n";
    return body + "\n".repeat(trailing + 1);
  }

  /** A plain scalar typed as js-yaml types it: the first implicit type that resolves it. */
  private resolvePlain(plain: string): unknown {
    const first = plain.charCodeAt(0);
    if (first >= 128 || MAY_RESOLVE[first] === 0) return plain;
    if (WORD_START[first] === 1 && plain.length !== 4 && plain.length !== 5) return plain;
    for (const type of this.implicit) if (type.resolve(plain)) return type.construct(plain);
    return plain;
  }
}
