/**
 * Heredocs cost the WebAssembly HCL tools time that grows with the square of their line count (each content line
 * is a token whose text is appended to the string built so far): a 1 MiB heredoc took 17 s to parse, 4 MiB minutes.
 * These rewrites keep every check linear without changing what is checked:
 * - for parsing, a heredoc becomes the equivalent quoted template on one line, wrapped in parentheses that hold
 *   its newlines, so every later line keeps its number;
 * - for formatting, heredoc content is set aside (hclwrite never changes it) and put back afterwards, unless a
 *   template sequence in it spans lines (see sequenceSpansLines).
 */
import type { HeredocSpan } from "./hcl-scan.js";

/** Index just past the `}` closing the template sequence whose `{` is at `open`, skipping nested strings. */
function sequenceEnd(text: string, open: number, limit: number): number {
  let depth = 0;
  for (let i = open; i < limit; i++) {
    const c = text[i];
    if (c === "{") depth++;
    else if (c === "}" && --depth === 0) return i + 1;
    else if (c === '"') {
      for (i++; i < limit && text[i] !== '"'; i++) if (text[i] === "\\") i++;
    }
  }
  return limit;
}

/** The heredoc's content as a quoted template (`"a\nb ${x}\n"`): template sequences verbatim, the rest escaped. */
function asQuotedTemplate(source: string, span: HeredocSpan): string {
  const parts: string[] = ['"'];
  let literal = span.bodyStart;
  const flush = (to: number) => {
    if (to > literal) parts.push(source.slice(literal, to).replace(/[\\"\n\r\t]/g, (c) => ({ "\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t" })[c]!));
  };
  for (let i = span.bodyStart; i < span.bodyEnd; i++) {
    const c = source[i];
    if ((c === "$" || c === "%") && source[i + 1] === c && source[i + 2] === "{") {
      i += 2; // `$${` / `%%{` escapes read the same in both forms
    } else if ((c === "$" || c === "%") && source[i + 1] === "{") {
      flush(i);
      const end = sequenceEnd(source, i + 1, span.bodyEnd);
      parts.push(source.slice(i, end));
      literal = end;
      i = end - 1;
    }
  }
  flush(span.bodyEnd);
  parts.push('"');
  return parts.join("");
}

/**
 * `source` with each heredoc replaced by `("…"` + its newlines + `)`: the same syntax to check, on the same lines,
 * parsed in linear time. Only an error inside a heredoc's template moves, to the heredoc's first line.
 */
export function withQuotedHeredocs(source: string, heredocs: readonly HeredocSpan[]): string {
  if (heredocs.length === 0) return source;
  const parts: string[] = [];
  let at = 0;
  for (const span of heredocs) {
    parts.push(source.slice(at, span.start), "(", asQuotedTemplate(source, span));
    let newlines = 0;
    for (let i = span.start; i < span.end; i++) if (source[i] === "\n") newlines++;
    parts.push("\n".repeat(newlines), ")");
    at = span.end;
  }
  parts.push(source.slice(at));
  return parts.join("");
}

/** `source` with heredoc content lines removed, and a function that puts them back into the formatted text. */
export function setHeredocContentAside(source: string, heredocs: readonly HeredocSpan[]): { text: string; restore: (formatted: string, formattedHeredocs: readonly HeredocSpan[]) => string | undefined } {
  const bodies = heredocs.map((span) => source.slice(span.bodyStart, span.bodyEnd));
  const parts: string[] = [];
  let at = 0;
  for (const span of heredocs) {
    parts.push(source.slice(at, span.bodyStart));
    at = span.bodyEnd;
  }
  parts.push(source.slice(at));
  return {
    text: parts.join(""),
    restore: (formatted, formattedHeredocs) => {
      if (formattedHeredocs.length !== bodies.length) return undefined;
      const out: string[] = [];
      let from = 0;
      formattedHeredocs.forEach((span, i) => {
        out.push(formatted.slice(from, span.bodyStart), bodies[i]!);
        from = span.bodyEnd;
      });
      out.push(formatted.slice(from));
      return out.join("");
    },
  };
}

/**
 * Whether a template sequence (`${ … }`, `%{ … }`) in a heredoc's content spans lines. hclwrite never changes the
 * content, but it splits its lines for indentation at the newlines inside such a sequence and counts the brackets
 * there: a `${join(` closed by `)}` lines below leaves the lines after the heredoc less indented (terraform fmt
 * 1.11 keeps them so). With the content set aside, the formatter would indent them, so it must see it.
 */
export function sequenceSpansLines(source: string, heredocs: readonly HeredocSpan[]): boolean {
  for (const span of heredocs) {
    for (let i = span.bodyStart; i < span.bodyEnd; i++) {
      const c = source[i];
      if ((c === "$" || c === "%") && source[i + 1] === c && source[i + 2] === "{") {
        i += 2;
      } else if ((c === "$" || c === "%") && source[i + 1] === "{") {
        const end = sequenceEnd(source, i + 1, span.bodyEnd);
        if (source.slice(i, end).includes("\n")) return true;
        i = end - 1;
      }
    }
  }
  return false;
}

