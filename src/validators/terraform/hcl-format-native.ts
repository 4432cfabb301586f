/**
 * hclwrite's canonical layout (hashicorp/hcl hclwrite/format.go) over the tokens of hcl-native.ts: indentation by
 * bracket nesting, one space or none between tokens by the kinds of the tokens around it, and `=` signs and trailing
 * comments aligned across consecutive lines. Formatting changes only the spaces before tokens.
 *
 * Undefined when hcl-native.ts declines the file (or the file does not parse): the caller then runs the WebAssembly
 * formatter. Hand-written for the reason given in hcl-native.ts.
 */
import { nativeConfigTokens, type Token, type TokenType } from "./hcl-native.js";
import { memoByText } from "./text-memo.js";

interface WriterToken {
  type: TokenType;
  text: string;
  spacesBefore: number;
}

type Cell = WriterToken[];

interface Line {
  lead: Cell;
  assign?: Cell;
  comment?: Cell;
}

const OPENERS = new Set<TokenType>(["obrace", "obrack", "oparen", "interp"]);
const CLOSERS = new Set<TokenType>(["cbrace", "cbrack", "cparen", "seqend"]);

function bracketChange(token: WriterToken): number {
  return OPENERS.has(token.type) ? 1 : CLOSERS.has(token.type) ? -1 : 0;
}

/** A newline token, or a `#`/`//` comment, which ends with the newline it consumed. */
function endsLine(token: WriterToken): boolean {
  return token.type === "newline" || (token.type === "comment" && token.text.endsWith("\n"));
}

/** Columns of a cell: spaces, then one per character (hcl-native.ts declines text where characters and columns differ). */
function columns(cell: Cell | undefined): number {
  let total = 0;
  for (const token of cell ?? []) total += token.spacesBefore + token.text.length;
  return total;
}

/** Before a minus, the tokens after which it is a negation (no space after it). */
const NEGATION_AFTER = new Set<TokenType | "nil">([
  "nil", "oparen", "obrace", "obrack", "=", ":", ",", "?", "+", "*", "/", "%", "-", "==", "!=", ">", ">=", "<", "<=", "&&", "||", "!",
]);

const NIL: WriterToken = { type: "eof", text: "", spacesBefore: 0 };

/** hclwrite's spaceAfterToken: whether `subject` is followed by one space, given its neighbours. */
function spaceAfter(subject: WriterToken, before: WriterToken | undefined, after: WriterToken): boolean {
  const s = subject.type;
  const a = after.type;
  if (a === "newline" || after === NIL) return false;
  if (s === "ident" && a === "oparen") return false;
  if ((s === "ident" && a === "::") || (s === "::" && a === "ident")) return false;
  if (s === "." || a === ".") return false;
  if (a === "," || a === "...") return false;
  if (s === ",") return true;
  if (s === "qlit" || s === "oquote" || a === "qlit" || a === "cquote") return false;
  if (s === "ident" && subject.text === "in" && before?.type === "ident") return true;
  if (a === "obrack" && (s === "ident" || s === "number" || bracketChange(subject) < 0)) return false;
  if (s === "!") return false;
  if (s === "-") return !NEGATION_AFTER.has(before ? before.type : "nil");
  if (s === "obrace" || a === "cbrace") return !(s === "obrace" && a === "cbrace");
  if (s === "interp" && a === "obrace") return true;
  if (s === "cbrace" && a === "seqend") return true;
  if (s === "seqend" && a === "interp") return false;
  if (bracketChange(subject) > 0) return false;
  if (bracketChange(after) < 0) return false;
  return true;
}

function linesOf(tokens: WriterToken[]): Line[] {
  const lines: Line[] = [];
  let start = 0;
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i]!.type === "eof") {
      lines.push({ lead: tokens.slice(start, i) });
      start = -1;
      break;
    }
    if (endsLine(tokens[i]!)) {
      lines.push({ lead: tokens.slice(start, i + 1) });
      start = i + 1;
    }
  }
  if (start >= 0 && start < tokens.length) lines.push({ lead: tokens.slice(start) });
  for (const line of lines) {
    const lead = line.lead;
    if (lead.length === 0) continue;
    if (lead.length > 1 && lead[lead.length - 1]!.type === "comment") {
      line.comment = lead.slice(-1);
      line.lead = lead.slice(0, -1);
    }
    for (let i = 1; i < line.lead.length; i++) {
      if (line.lead[i]!.type !== "=") continue;
      // only a whole expression on this line is an assignment to align
      let net = 0;
      for (const token of line.lead.slice(i)) net += bracketChange(token);
      if (net === 0) {
        line.assign = line.lead.slice(i);
        line.lead = line.lead.slice(0, i);
      }
      break;
    }
  }
  return lines;
}

function formatIndent(lines: Line[]): void {
  const indents: number[] = [];
  for (const line of lines) {
    const first = line.lead[0];
    if (!first) continue;
    if (first.type === "newline") {
      first.spacesBefore = 0;
      continue;
    }
    let net = 0;
    for (const token of line.lead) net += bracketChange(token);
    for (const token of line.assign ?? []) net += bracketChange(token);
    if (net > 0) {
      first.spacesBefore = 2 * indents.length;
      indents.push(net);
    } else {
      let closed = -net;
      while (closed > 0 && indents.length > 0) {
        const top = indents[indents.length - 1]!;
        if (closed > top) {
          closed -= top;
          indents.pop();
        } else if (closed < top) {
          indents[indents.length - 1] = top - closed;
          closed = 0;
        } else {
          indents.pop();
          closed = 0;
        }
      }
      first.spacesBefore = 2 * indents.length;
    }
  }
}

function formatSpaces(lines: Line[]): void {
  for (const line of lines) {
    for (const cell of [line.lead, line.assign]) {
      if (!cell) continue;
      if (cell === line.assign) cell[0]!.spacesBefore = 1;
      for (let i = 0; i < cell.length - 1; i++) {
        cell[i + 1]!.spacesBefore = spaceAfter(cell[i]!, i > 0 ? cell[i - 1] : undefined, cell[i + 1]!) ? 1 : 0;
      }
    }
  }
}

/** Aligns a cell's first token across each run of consecutive lines that have that cell. */
function alignChains(lines: Line[], cellOf: (line: Line) => Cell | undefined, width: (line: Line) => number): void {
  let chainStart = -1;
  let max = 0;
  const close = (end: number) => {
    for (const line of lines.slice(chainStart, end)) cellOf(line)![0]!.spacesBefore = max - width(line) + 1;
    chainStart = -1;
    max = 0;
  };
  lines.forEach((line, i) => {
    if (!cellOf(line)) {
      if (chainStart !== -1) close(i);
      return;
    }
    if (chainStart === -1) chainStart = i;
    max = Math.max(max, width(line));
  });
  if (chainStart !== -1) close(lines.length);
}

/**
 * `src` in hclwrite's layout, or undefined when hcl-native.ts cannot vouch for the file (see the module comment).
 * Kept per text (text-memo.ts): validation checks the layout of what render has just formatted.
 */
export const formatHclNative: (src: string) => string | undefined = memoByText(layout);

function layout(src: string): string | undefined {
  const tokens = nativeConfigTokens(src);
  if (!tokens) return undefined;
  let previousEnd = 0;
  const writer = tokens.map((token: Token): WriterToken => {
    const written = { type: token.type, text: src.slice(token.start, token.end), spacesBefore: token.start - previousEnd };
    previousEnd = token.end;
    return written;
  });
  const lines = linesOf(writer);
  formatIndent(lines);
  formatSpaces(lines);
  alignChains(lines, (line) => line.assign, (line) => columns(line.lead));
  alignChains(lines, (line) => line.comment, (line) => columns(line.lead) + columns(line.assign));
  let out = "";
  for (const token of writer) out += " ".repeat(token.spacesBefore) + token.text;
  return out;
}
