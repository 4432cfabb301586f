/**
 * A light structural scan of HCL source: blocks (type, labels, line) and attributes (name, line, expression text).
 *
 * hcl2json gives the values but no positions, and its JSON cannot tell a nested block (`taints { }`) from an
 * attribute holding a list of objects (`taints = [{ }]`); the schema checks need both the distinction and the
 * lines, so they work on this scan. It is only run on files hcl2json has already parsed, so it skips error recovery.
 * It runs first on every file, though: nesting past MAX_EXPRESSION_NESTING throws a LimitError naming the line, before
 * any parser recurses that deep.
 */
import { LimitError, MAX_EXPRESSION_NESTING } from "../../limits.js";
import { memoByText } from "./text-memo.js";

export interface HclAttribute {
  name: string;
  /** 1-based line of the attribute name. */
  line: number;
  /** The expression's source text, as written (without trailing whitespace or comments on its last line). */
  expr: string;
  /** Offset of `expr` in the file, to turn offsets inside the expression into lines. */
  exprOffset: number;
}

export interface HclBlock {
  type: string;
  labels: string[];
  line: number;
  body: HclBody;
}

export interface HclBody {
  attributes: HclAttribute[];
  blocks: HclBlock[];
}

/**
 * Scans a whole file into its top-level body. Kept per text (text-memo.ts): validation scans a file, then the
 * layout check scans its canonical form, which is the same text for a file already in layout.
 */
export const scanHcl: (source: string) => HclScan = memoByText((source) => new HclScan(source));

/** Where a heredoc sits: `<<EOT` at `start`, its content lines from `bodyStart` to `bodyEnd`, the closing marker line up to `end`. */
export interface HeredocSpan {
  start: number;
  bodyStart: number;
  bodyEnd: number;
  end: number;
}

export class HclScan {
  readonly body: HclBody;
  /** Every heredoc of the file, in order. */
  readonly heredocs: HeredocSpan[] = [];
  private pos = 0;
  private readonly lineStarts: number[] = [0];
  /** Blocks, brackets, quotes and template sequences open around the current position. */
  private nesting = 0;

  constructor(private readonly src: string) {
    for (let i = 0; i < src.length; i++) if (src[i] === "\n") this.lineStarts.push(i + 1);
    this.body = this.parseBody(false);
  }

  /** 1-based line of an offset in the file. */
  lineAt(offset: number): number {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }

  private parseBody(closing: boolean): HclBody {
    const body: HclBody = { attributes: [], blocks: [] };
    while (this.pos < this.src.length) {
      this.skipTrivia(true);
      if (this.pos >= this.src.length) break;
      const c = this.src[this.pos]!;
      if (c === "}") {
        this.pos++;
        if (closing) return body;
        continue;
      }
      const start = this.pos;
      const name = this.readIdentifier();
      if (name === "") {
        this.pos++;
        continue;
      }
      this.skipTrivia(false);
      if (this.src[this.pos] === "=" && this.src[this.pos + 1] !== "=") {
        this.pos++;
        this.skipTrivia(false);
        const exprOffset = this.pos;
        this.readExpression();
        const expr = this.src.slice(exprOffset, this.pos).trimEnd();
        body.attributes.push({ name, line: this.lineAt(start), expr, exprOffset });
        continue;
      }
      const labels: string[] = [];
      for (;;) {
        this.skipTrivia(false);
        const d = this.src[this.pos];
        if (d === '"') {
          const labelStart = this.pos;
          this.readQuoted();
          labels.push(this.src.slice(labelStart + 1, this.pos - 1));
        } else if (d !== undefined && /[A-Za-z_]/.test(d)) {
          labels.push(this.readIdentifier());
        } else if (d === "{") {
          this.pos++;
          this.enter();
          body.blocks.push({ type: name, labels, line: this.lineAt(start), body: this.parseBody(true) });
          this.nesting--;
          break;
        } else {
          break;
        }
      }
    }
    return body;
  }

  /** One level deeper; throws past MAX_EXPRESSION_NESTING. */
  private enter(): void {
    if (++this.nesting > MAX_EXPRESSION_NESTING) {
      throw new LimitError(`nesting deeper than ${MAX_EXPRESSION_NESTING} levels of blocks, brackets or template interpolations (MAX_EXPRESSION_NESTING)`, this.lineAt(this.pos));
    }
  }

  private readIdentifier(): string {
    const start = this.pos;
    while (this.pos < this.src.length && /[A-Za-z0-9_-]/.test(this.src[this.pos]!)) this.pos++;
    return this.src.slice(start, this.pos);
  }

  /** Skips blanks and comments; newlines too when `newlines` is set. */
  private skipTrivia(newlines: boolean): void {
    while (this.pos < this.src.length) {
      const c = this.src[this.pos]!;
      if (c === " " || c === "\t" || c === "\r" || (newlines && c === "\n")) this.pos++;
      else if (c === "#" || (c === "/" && this.src[this.pos + 1] === "/")) this.skipLineComment();
      else if (c === "/" && this.src[this.pos + 1] === "*") this.skipBlockComment();
      else break;
    }
  }

  private skipLineComment(): void {
    while (this.pos < this.src.length && this.src[this.pos] !== "\n") this.pos++;
  }

  private skipBlockComment(): void {
    const end = this.src.indexOf("*/", this.pos + 2);
    this.pos = end < 0 ? this.src.length : end + 2;
  }

  /** Reads an attribute's expression: up to a newline outside brackets, or the `}` closing a one-line block. */
  private readExpression(): void {
    let depth = 0;
    let end = this.pos;
    while (this.pos < this.src.length) {
      const c = this.src[this.pos]!;
      if (c === "\n" && depth === 0) break;
      if (c === '"') this.readQuoted();
      else if (c === "<" && this.src[this.pos + 1] === "<" && /[-A-Za-z_]/.test(this.src[this.pos + 2] ?? "")) this.readHeredoc();
      else if (c === "#" || (c === "/" && this.src[this.pos + 1] === "/")) {
        this.skipLineComment();
        continue; // a trailing comment is not part of the expression
      } else if (c === "/" && this.src[this.pos + 1] === "*") {
        this.skipBlockComment();
        continue;
      } else if (c === "(" || c === "[" || c === "{") {
        depth++;
        this.enter();
        this.pos++;
      } else if (c === ")" || c === "]" || c === "}") {
        if (depth === 0) break;
        depth--;
        this.nesting--;
        this.pos++;
      } else this.pos++;
      end = this.pos;
    }
    this.nesting -= depth; // brackets left open at the end of the file
    // resume right after the expression (a trailing comment is skipped as trivia by the body loop)
    this.pos = end;
  }

  /** Reads a quoted template, including `${ }` and `%{ }` sequences that may contain strings and braces. */
  private readQuoted(): void {
    this.pos++;
    this.enter();
    try {
      while (this.pos < this.src.length) {
        const c = this.src[this.pos]!;
        if (c === "\\") this.pos += 2;
        else if (c === '"') {
          this.pos++;
          return;
        } else if ((c === "$" || c === "%") && this.src[this.pos + 1] === c && this.src[this.pos + 2] === "{") this.pos += 3;
        else if ((c === "$" || c === "%") && this.src[this.pos + 1] === "{") {
          this.pos += 2;
          this.readTemplateSequence();
        } else if (c === "\n") return;
        else this.pos++;
      }
    } finally {
      this.nesting--;
    }
  }

  private readTemplateSequence(): void {
    let depth = 1;
    this.enter();
    while (this.pos < this.src.length) {
      const c = this.src[this.pos]!;
      if (c === '"') this.readQuoted();
      else if (c === "{") {
        depth++;
        this.enter();
        this.pos++;
      } else if (c === "}") {
        this.pos++;
        this.nesting--;
        if (--depth === 0) return;
      } else this.pos++;
    }
    this.nesting -= depth;
  }

  /** Reads `<<EOT` / `<<-EOT` up to the line holding only the marker; its newline stays unread. */
  private readHeredoc(): void {
    const start = this.pos;
    this.pos += 2;
    if (this.src[this.pos] === "-") this.pos++;
    const marker = this.readIdentifier();
    let lineEnd = this.src.indexOf("\n", this.pos);
    const bodyStart = lineEnd + 1;
    while (lineEnd >= 0) {
      const next = this.src.indexOf("\n", lineEnd + 1);
      const line = this.src.slice(lineEnd + 1, next < 0 ? this.src.length : next);
      if (line.trim() === marker) {
        this.pos = next < 0 ? this.src.length : next;
        if (bodyStart > 0) this.heredocs.push({ start, bodyStart, bodyEnd: lineEnd + 1, end: this.pos });
        return;
      }
      lineEnd = next;
    }
    this.pos = this.src.length;
  }
}
