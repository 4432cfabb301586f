/**
 * HCL native syntax in TypeScript, for the files it is sure about: the tokens of hashicorp/hcl's scanner
 * (hclsyntax/scan_tokens.rl), a recogniser that accepts only what hclsyntax's parser accepts (hclsyntax/parser.go),
 * and the references hcl2json's getReferencesInExpression reports. The WebAssembly builds of those Go packages
 * (@cdktf/hcl-tools, @cdktf/hcl2json) cost a `create` about 0.3 s of start-up (gunzip, compile, Go runtime) before
 * their first answer, for files this module reads in a millisecond.
 *
 * It covers the language the blueprints' templates and most hand-written configurations use. Whatever it does not
 * cover, it declines (`undefined`), and the caller asks the WebAssembly tools, which stay the authority:
 * heredocs, template directives (`%{ if }`) and strip markers (`~`), splat expressions, carriage returns, a byte
 * order mark, non-ASCII outside comments and strings (and in them, characters whose width in columns is not one:
 * combining marks, emoji, joiners), `\u` escapes, and anything the scanner or the parser would report as an error
 * (the Go tools then give the exact message). test/terraform-native.test.ts holds it to the real `terraform fmt`
 * and to hcl2json on every shipped render, hand-written cases and random rewrites of them.
 *
 * Hand-written because no maintained npm package reads HCL 2 without running Go: the packages that exist are the
 * WebAssembly builds above and a GopherJS translation of the same Go code.
 */

import { memoByText } from "./text-memo.js";

export type TokenType =
  | "ident" | "number" | "oquote" | "cquote" | "qlit" | "interp" | "seqend" | "obrace" | "cbrace" | "obrack" | "cbrack"
  | "oparen" | "cparen" | "comment" | "newline" | "eof"
  | "=" | "==" | "!=" | "<" | "<=" | ">" | ">=" | "&&" | "||" | "!" | "+" | "-" | "*" | "/" | "%" | "." | "," | "?" | ":" | "::" | "..." | "=>";

export interface Token {
  type: TokenType;
  /** Offsets of the token's text in the source (UTF-16 code units). */
  start: number;
  end: number;
}

/** The input is outside what this module covers: the caller asks the WebAssembly tools. */
class Declined extends Error {}
function decline(): never {
  throw new Declined();
}

/** Deeper than this, the recogniser declines rather than recurse (the Go parser and the limits handle it). */
const MAX_DEPTH = 200;

/**
 * Characters outside ASCII that may appear in comments and strings: one grapheme cluster and one column each, as
 * hclwrite counts them (go-textseg). Marks, format characters (joiners), pictographs, regional indicators, Hangul
 * jamo and surrogates (astral characters) are declined.
 */
const SINGLE_COLUMN = /^[\p{L}\p{N}\p{P}\p{S}\p{Zs}]$/u;
const MULTI_CODE_POINT = /[\p{M}\p{Cf}\p{Extended_Pictographic}\p{Regional_Indicator}\u1100-\u11ff\ua960-\ua97f\ud7b0-\ud7ff]/u;

function checkTextChar(code: number, char: string): void {
  if (code < 0x80) {
    // ASCII controls other than newline (handled by the callers) are invalid in HCL text or differ in width
    if (code < 0x20 && code !== 0x09) decline();
    return;
  }
  if (code >= 0xd800 && code <= 0xdfff) decline();
  if (!SINGLE_COLUMN.test(char) || MULTI_CODE_POINT.test(char)) decline();
}

const isDigit = (c: string | undefined) => c !== undefined && c >= "0" && c <= "9";
const isIdentStart = (c: string | undefined) => c !== undefined && ((c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c === "_");
const isIdentPart = (c: string | undefined) => isIdentStart(c) || isDigit(c) || c === "-";

const OPERATORS3: TokenType[] = ["..."];
const OPERATORS2: TokenType[] = ["==", "!=", "<=", ">=", "&&", "||", "::", "=>"];
const OPERATORS1 = new Set(["=", "<", ">", "!", "+", "-", "*", "/", "%", ".", ",", "?", ":"]);

/** A valid quoted-string escape (hclsyntax ParseStringLiteralToken), `\u` and `\U` excepted (declined). */
const SIMPLE_ESCAPES = new Set(["n", "r", "t", '"', "\\"]);

/**
 * The tokens of `src` as hclsyntax scans it in normal (config) mode, spaces skipped; ends with an `eof` token.
 * Throws {@link Declined} for what this module does not cover.
 */
function scan(src: string): Token[] {
  const tokens: Token[] = [];
  const emit = (type: TokenType, start: number, end: number) => tokens.push({ type, start, end });
  // As the Go scanner: braces counts open braces of main mode; retBraces the levels at which a `}` ends a template
  // interpolation (and returns to the string) instead of closing an object or block.
  let braces = 0;
  const retBraces: number[] = [];
  let i = 0;
  const n = src.length;
  if (src.charCodeAt(0) === 0xfeff) decline();

  const scanString = (): void => {
    // After the opening quote: literal runs, `${` interpolations, up to the closing quote.
    let literalStart = i;
    const flush = () => {
      if (i > literalStart) emit("qlit", literalStart, i);
    };
    while (i < n) {
      const c = src[i]!;
      if (c === '"') {
        flush();
        emit("cquote", i, i + 1);
        i++;
        return;
      }
      if (c === "\n" || c === "\r") decline();
      if (c === "\\") {
        const next = src[i + 1];
        if (next === undefined || !SIMPLE_ESCAPES.has(next)) decline();
        i += 2;
        continue;
      }
      if (c === "$" || c === "%") {
        if (src[i + 1] === c && src[i + 2] === "{") {
          i += 3; // `$${` / `%%{`: the escaped sequence, literal text
          continue;
        }
        if (src[i + 1] === "{") {
          if (c === "%" || src[i + 2] === "~") decline(); // template directives and strip markers
          flush();
          emit("interp", i, i + 2);
          i += 2;
          braces++;
          retBraces.push(braces);
          scanMain(true);
          literalStart = i;
          continue;
        }
        i++;
        continue;
      }
      checkTextChar(src.charCodeAt(i), c);
      i++;
    }
    decline(); // unterminated string
  };

  const scanMain = (inTemplate: boolean): void => {
    while (i < n) {
      const c = src[i]!;
      const start = i;
      if (c === " " || c === "\t") {
        i++;
        continue;
      }
      if (c === "\r") decline();
      if (c === "\n") {
        emit("newline", i, ++i);
        continue;
      }
      if (c === "#" || (c === "/" && src[i + 1] === "/")) {
        let end = src.indexOf("\n", i);
        end = end < 0 ? n : end + 1;
        for (let k = i; k < end; k++) {
          if (src[k] === "\r") decline();
          if (src[k] !== "\n") checkTextChar(src.charCodeAt(k), src[k]!);
        }
        emit("comment", i, (i = end));
        continue;
      }
      if (c === "/" && src[i + 1] === "*") {
        const close = src.indexOf("*/", i + 2);
        if (close < 0) decline();
        for (let k = i; k < close; k++) if (src[k] !== "\n") checkTextChar(src.charCodeAt(k), src[k]!);
        emit("comment", i, (i = close + 2));
        continue;
      }
      if (isDigit(c)) {
        let end = i + 1;
        for (;;) {
          if (isDigit(src[end]) || src[end] === ".") end++;
          else if ((src[end] === "e" || src[end] === "E") && (isDigit(src[end + 1]) || ((src[end + 1] === "+" || src[end + 1] === "-") && isDigit(src[end + 2])))) {
            end += isDigit(src[end + 1]) ? 2 : 3;
          } else break;
        }
        while (src[end - 1] === ".") end--; // a number never ends with its dot: `1.x` is 1, a dot, x
        // cty.ParseNumberVal accepts these; anything else (1..2, 1.2.3) is the parser's "Invalid number literal"
        if (!/^\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/.test(src.slice(i, end))) decline();
        emit("number", i, (i = end));
        continue;
      }
      if (isIdentStart(c)) {
        let end = i + 1;
        while (isIdentPart(src[end])) end++;
        if (src.charCodeAt(end) >= 0x80) decline(); // a Unicode identifier
        emit("ident", i, (i = end));
        continue;
      }
      if (c === '"') {
        emit("oquote", i, ++i);
        scanString();
        continue;
      }
      if (c === "{") {
        emit("obrace", i, ++i);
        braces++;
        continue;
      }
      if (c === "}") {
        if (retBraces.length > 0 && retBraces[retBraces.length - 1] === braces) {
          emit("seqend", i, ++i);
          braces--;
          retBraces.pop();
          if (!inTemplate) decline();
          return;
        }
        emit("cbrace", i, ++i);
        braces--;
        continue;
      }
      if (c === "~" || (c === "<" && src[i + 1] === "<")) decline(); // strip markers, heredocs
      const three = src.slice(i, i + 3);
      if (OPERATORS3.includes(three as TokenType)) {
        emit(three as TokenType, start, (i += 3));
        continue;
      }
      const two = src.slice(i, i + 2);
      if (OPERATORS2.includes(two as TokenType)) {
        emit(two as TokenType, start, (i += 2));
        continue;
      }
      if (c === "[") emit("obrack", i, ++i);
      else if (c === "]") emit("cbrack", i, ++i);
      else if (c === "(") emit("oparen", i, ++i);
      else if (c === ")") emit("cparen", i, ++i);
      else if (OPERATORS1.has(c)) emit(c as TokenType, i, ++i);
      else decline(); // `;`, `&`, `|`, `^`, quotes of other languages, non-ASCII: errors the Go tools word
    }
    if (inTemplate) decline(); // unterminated interpolation
  };

  scanMain(false);
  emit("eof", n, n);
  return tokens;
}

// ---------------------------------------------------------------------------------------------------------------
// Expressions, as hclsyntax's parser builds them (only what the references need is kept).

export type Expr =
  | { kind: "literal"; value: "number" | "bool" | "null"; text: string }
  | { kind: "template"; parts: Expr[]; literalOnly: string | undefined }
  | { kind: "traversal"; root: Token; steps: string[] }
  | { kind: "relative"; source: Expr; steps: string[] }
  | { kind: "index"; collection: Expr; key: Expr }
  | { kind: "call"; args: Expr[] }
  | { kind: "tuple"; items: Expr[] }
  | { kind: "object"; items: { key: Expr; keyword: boolean; value: Expr }[] }
  | { kind: "for"; keyVar: string; valVar: string; collection: Expr; key?: Expr; value: Expr; condition?: Expr }
  | { kind: "conditional"; parts: Expr[] }
  | { kind: "operation"; operands: Expr[] }
  | { kind: "parentheses"; inner: Expr };

const BINARY_LEVELS: TokenType[][] = [["||"], ["&&"], ["==", "!="], [">", ">=", "<", "<="], ["+", "-"], ["*", "/", "%"]];

/** A recursive-descent recogniser over the tokens; any syntax error declines. */
class Parser {
  private index = 0;
  /** As hclsyntax's peeker: whether newlines (and the newline a `#`/`//` comment ends with) are tokens here. */
  private newlines: boolean[] = [true];
  private depth = 0;

  constructor(
    private readonly src: string,
    private readonly tokens: Token[],
  ) {}

  private text(token: Token): string {
    return this.src.slice(token.start, token.end);
  }

  /** The next significant token, without consuming it; a line comment reads as the newline it ends with. */
  private peekAt(): { token: Token; at: number; type: TokenType } {
    const include = this.newlines[this.newlines.length - 1]!;
    for (let k = this.index; ; k++) {
      const token = this.tokens[k]!;
      if (token.type === "comment") {
        if (include && this.src[token.end - 1] === "\n") return { token, at: k, type: "newline" };
        continue;
      }
      if (token.type === "newline" && !include) continue;
      return { token, at: k, type: token.type };
    }
  }

  private peek(): TokenType {
    return this.peekAt().type;
  }

  private read(): Token {
    const { token, at } = this.peekAt();
    if (token.type !== "eof") this.index = at + 1;
    return token;
  }

  private expect(type: TokenType): Token {
    if (this.peek() !== type) decline();
    return this.read();
  }

  private isKeyword(word: string): boolean {
    const { token, type } = this.peekAt();
    return type === "ident" && this.text(token) === word;
  }

  private withNewlines<T>(include: boolean, run: () => T): T {
    this.newlines.push(include);
    try {
      return run();
    } finally {
      this.newlines.pop();
    }
  }

  private nested<T>(run: () => T): T {
    if (++this.depth > MAX_DEPTH) decline();
    try {
      return run();
    } finally {
      this.depth--;
    }
  }

  // --- bodies (ParseBody, finishParsingBodyAttribute, finishParsingBodyBlock)

  parseConfig(): void {
    this.parseBody("eof");
  }

  /** An expression alone, as inside a template interpolation (newlines ignored), up to the end of the text. */
  parseWholeExpression(): Expr {
    return this.withNewlines(false, () => {
      const expr = this.parseExpression();
      if (this.peek() !== "eof") decline();
      return expr;
    });
  }

  private parseBody(end: "eof" | "cbrace"): void {
    const names = new Set<string>();
    for (;;) {
      const type = this.peek();
      if (type === end) {
        this.read();
        return;
      }
      if (type === "newline") {
        this.read();
        continue;
      }
      if (type !== "ident") decline();
      const name = this.text(this.read());
      if (this.peek() === "=") {
        if (names.has(name)) decline(); // "Attribute redefined"
        names.add(name);
        this.read();
        this.parseExpression();
        const after = this.peek();
        if (after !== "newline" && after !== "eof") decline();
        if (after === "newline") this.read();
      } else {
        this.nested(() => this.finishBlock());
      }
    }
  }

  private finishBlock(): void {
    for (;;) {
      const type = this.peek();
      if (type === "obrace") break;
      if (type === "ident") this.read();
      else if (type === "oquote") this.parseLabel();
      else decline();
    }
    this.read(); // {
    const next = this.peek();
    if (next === "newline" || next === "eof" || next === "cbrace") this.parseBody("cbrace");
    else {
      // single-line block: one argument, then the closing brace
      this.expect("ident");
      this.expect("=");
      this.parseExpression();
      this.expect("cbrace");
    }
    const after = this.peek();
    if (after !== "newline" && after !== "eof") decline();
    if (after === "newline") this.read();
  }

  /** A block label: a quoted string without template sequences. */
  private parseLabel(): void {
    this.read(); // "
    for (;;) {
      const token = this.read();
      if (token.type === "cquote") return;
      if (token.type !== "qlit") decline();
    }
  }

  // --- expressions (parseTernaryConditional and what it calls)

  parseExpression(): Expr {
    return this.nested(() => {
      const condition = this.parseBinary(0);
      if (this.peek() !== "?") return condition;
      this.read();
      const whenTrue = this.parseExpression();
      this.expect(":");
      const whenFalse = this.parseExpression();
      return { kind: "conditional", parts: [condition, whenTrue, whenFalse] };
    });
  }

  private parseBinary(level: number): Expr {
    if (level === BINARY_LEVELS.length) return this.parseWithTraversals();
    const first = this.parseBinary(level + 1);
    const operands = [first];
    while (BINARY_LEVELS[level]!.includes(this.peek())) {
      this.read();
      operands.push(this.parseBinary(level + 1));
    }
    return operands.length === 1 ? first : { kind: "operation", operands };
  }

  private parseWithTraversals(): Expr {
    let expr = this.parseTerm();
    for (;;) {
      const type = this.peek();
      if (type === ".") {
        this.read();
        const step = this.peekAt();
        if (step.type === "ident") expr = this.extend(expr, this.text(this.read()));
        else if (step.type === "number") {
          const digits = this.text(this.read());
          if (!/^(?:0|[1-9]\d*)$/.test(digits)) decline(); // `.0.1`, `.1e3`: the legacy index forms the parser refuses or keeps as numbers
          expr = this.extend(expr, digits);
        } else decline(); // `.*` splats, a dot without a name
      } else if (type === "obrack") {
        this.read();
        if (this.peek() === "*") decline(); // `[*]` splats
        const key = this.withNewlines(false, () => {
          const inner = this.parseExpression();
          this.expect("cbrack");
          return inner;
        });
        const literalKey = this.literalKey(key);
        if (literalKey === null) decline();
        expr = literalKey === undefined ? { kind: "index", collection: expr, key } : this.extend(expr, literalKey);
      } else return expr;
    }
  }

  /**
   * A constant index key becomes a traversal step (as hclsyntax does), named as hcl2json names it: the digits of a
   * whole number, a string in its quotes. Undefined: not constant (an index expression). Null: a constant this
   * module does not name (booleans, fractions, escapes), declined.
   */
  private literalKey(key: Expr): string | undefined | null {
    if (key.kind === "literal") return key.value === "number" && /^(?:0|[1-9]\d*)$/.test(key.text) ? key.text : null;
    if (key.kind === "template" && key.parts.length === 0) {
      if (key.literalOnly === undefined) return null; // "": how hclsyntax keys it is not worth knowing
      return /^[\x20-\x7e]+$/.test(key.literalOnly) && !/[\\"$%]/.test(key.literalOnly) ? `"${key.literalOnly}"` : null;
    }
    return undefined;
  }

  private extend(expr: Expr, step: string): Expr {
    if (expr.kind === "traversal" || expr.kind === "relative") return { ...expr, steps: [...expr.steps, step] };
    return { kind: "relative", source: expr, steps: [step] };
  }

  private parseTerm(): Expr {
    const { token, type } = this.peekAt();
    switch (type) {
      case "oparen": {
        this.read();
        const inner = this.withNewlines(false, () => {
          const expr = this.parseExpression();
          this.expect("cparen");
          return expr;
        });
        return { kind: "parentheses", inner };
      }
      case "number":
        this.read();
        return { kind: "literal", value: "number", text: this.text(token) };
      case "ident": {
        this.read();
        const next = this.peek();
        if (next === "oparen" || next === "::") return this.finishCall();
        const name = this.text(token);
        if (name === "true" || name === "false") return { kind: "literal", value: "bool", text: name };
        if (name === "null") return { kind: "literal", value: "null", text: name };
        return { kind: "traversal", root: token, steps: [] };
      }
      case "oquote":
        return this.parseTemplate();
      case "-":
      case "!":
        this.read();
        return { kind: "operation", operands: [this.nested(() => this.parseWithTraversals())] };
      case "obrack":
        return this.parseTuple();
      case "obrace":
        return this.parseObject();
      default:
        return decline();
    }
  }

  private finishCall(): Expr {
    while (this.peek() === "::") {
      this.read();
      this.expect("ident");
    }
    this.expect("oparen");
    return this.withNewlines(false, () => {
      const args: Expr[] = [];
      for (;;) {
        if (this.peek() === "cparen") break;
        args.push(this.parseExpression());
        const separator = this.peek();
        if (separator === "cparen") break;
        if (separator === "...") {
          this.read();
          break;
        }
        this.expect(",");
      }
      this.expect("cparen");
      return { kind: "call" as const, args };
    });
  }

  private parseTemplate(): Expr {
    this.read(); // "
    const parts: Expr[] = [];
    let literal = "";
    let literalParts = 0;
    for (;;) {
      const token = this.read();
      if (token.type === "cquote") break;
      if (token.type === "qlit") {
        literal += this.text(token);
        literalParts++;
      } else if (token.type === "interp") {
        literalParts = Infinity; // not a plain string
        const part = this.withNewlines(false, () => {
          const expr = this.parseExpression();
          if (this.read().type !== "seqend") decline(); // "Extra characters after interpolation expression"
          return expr;
        });
        parts.push(part);
      } else decline();
    }
    const literalOnly = literalParts !== Infinity && literal.length > 0 ? literal : undefined;
    return { kind: "template", parts, literalOnly };
  }

  private parseTuple(): Expr {
    this.read(); // [
    return this.withNewlines(false, () => {
      if (this.isKeyword("for")) return this.finishFor("cbrack");
      const items: Expr[] = [];
      for (;;) {
        if (this.peek() === "cbrack") break;
        items.push(this.parseExpression());
        if (this.peek() === "cbrack") break;
        this.expect(",");
      }
      this.read();
      return { kind: "tuple" as const, items };
    });
  }

  private parseObject(): Expr {
    this.read(); // {
    if (this.withNewlines(false, () => this.isKeyword("for"))) return this.withNewlines(false, () => this.finishFor("cbrace"));
    return this.withNewlines(true, () => {
      const items: { key: Expr; keyword: boolean; value: Expr }[] = [];
      for (;;) {
        const next = this.peek();
        if (next === "newline") {
          this.read();
          continue;
        }
        if (next === "cbrace") break;
        const parenthesised = next === "oparen";
        const key = this.parseExpression();
        // hcl.ExprAsKeyword: a bare name (or true/false/null) is the key's text, not a reference
        const keyword = !parenthesised && ((key.kind === "traversal" && key.steps.length === 0) || (key.kind === "literal" && key.value !== "number"));
        const separator = this.peek();
        if (separator !== "=" && separator !== ":") decline();
        this.read();
        items.push({ key, keyword, value: this.parseExpression() });
        const after = this.peek();
        if (after === "cbrace") break;
        if (after !== "," && after !== "newline") decline();
        this.read();
      }
      this.read();
      return { kind: "object" as const, items };
    });
  }

  private finishFor(close: "cbrack" | "cbrace"): Expr {
    this.read(); // for
    let valVar = this.text(this.expect("ident"));
    let keyVar = "";
    if (this.peek() === ",") {
      this.read();
      keyVar = valVar;
      valVar = this.text(this.expect("ident"));
    }
    if (!this.isKeyword("in")) decline();
    this.read();
    const collection = this.parseExpression();
    this.expect(":");
    let value = this.parseExpression();
    let key: Expr | undefined;
    if (this.peek() === "=>") {
      this.read();
      key = value;
      value = this.parseExpression();
    }
    const grouped = this.peek() === "...";
    if (grouped) this.read();
    let condition: Expr | undefined;
    if (this.isKeyword("if")) {
      this.read();
      condition = this.parseExpression();
    }
    this.expect(close);
    // a tuple `for` has no key and no grouping; an object `for` needs its key
    if (close === "cbrack" ? key !== undefined || grouped : key === undefined) decline();
    return { kind: "for", keyVar, valVar, collection, key, value, condition };
  }
}

/**
 * The tokens of a whole file that hclsyntax parses without errors; undefined when this module cannot tell. Kept per
 * text (text-memo.ts): the same file is read by render's formatting, the parse check and the layout check.
 */
export const nativeConfigTokens: (src: string) => readonly Token[] | undefined = memoByText(configTokens);

function configTokens(src: string): Token[] | undefined {
  try {
    const tokens = scan(src);
    new Parser(src, tokens).parseConfig();
    return tokens;
  } catch (error) {
    if (error instanceof Declined) return undefined;
    throw error;
  }
}

/** A reference as hcl2json's getReferencesInExpression gives it: `var.x`, with the byte offset of its first name. */
export interface NativeReference {
  value: string;
  startPosition: number;
}

/**
 * The references in `expr` (an attribute's expression) as getReferencesInExpression reports them for the text
 * `"${" + expr + "\n}"` (positions in UTF-8 bytes of that text); undefined when this module cannot tell.
 * Like hcl2json: every traversal counts except the names a `for` expression introduces, and of a `for` only the
 * collection and the condition are read.
 */
export function nativeReferences(expr: string): NativeReference[] | undefined {
  let parsed: Expr;
  try {
    parsed = new Parser(expr, scan(expr)).parseWholeExpression();
  } catch (error) {
    if (error instanceof Declined) return undefined;
    throw error;
  }
  const references: NativeReference[] = [];
  const visit = (node: Expr | undefined, locals: readonly string[]): void => {
    if (!node) return;
    switch (node.kind) {
      case "traversal": {
        const root = expr.slice(node.root.start, node.root.end);
        if (locals.includes(root)) return;
        references.push({ value: [root, ...node.steps].join("."), startPosition: 2 + Buffer.byteLength(expr.slice(0, node.root.start), "utf8") });
        return;
      }
      case "literal":
        return;
      case "template":
        node.parts.forEach((part) => visit(part, locals));
        return;
      case "relative":
        visit(node.source, locals);
        return;
      case "index":
        visit(node.collection, locals);
        visit(node.key, locals);
        return;
      case "call":
        node.args.forEach((arg) => visit(arg, locals));
        return;
      case "tuple":
        node.items.forEach((item) => visit(item, locals));
        return;
      case "object":
        for (const item of node.items) {
          if (!item.keyword) visit(item.key, locals);
          visit(item.value, locals);
        }
        return;
      case "for": {
        const inner = [node.keyVar, node.valVar, ...locals];
        visit(node.collection, inner);
        visit(node.condition, inner);
        return;
      }
      case "conditional":
        node.parts.forEach((part) => visit(part, locals));
        return;
      case "operation":
        node.operands.forEach((operand) => visit(operand, locals));
        return;
      case "parentheses":
        visit(node.inner, locals);
        return;
    }
  };
  visit(parsed, []);
  return references;
}
