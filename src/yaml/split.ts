/**
 * Lexical helpers of the YAML front end: where documents start and end, and lines of offsets. A line that starts
 * with `---` or `...` (then a space, a tab or its end) is a document marker wherever it occurs: YAML forbids such a
 * line inside any scalar, so splitting there needs no parse, and a broken document cannot hide the next one.
 */

export interface DocumentChunk {
  /** Offsets of the chunk in the text: from its `---` line (or the text's start) to the next chunk. */
  start: number;
  end: number;
  /** Offset, from `start`, of the chunk's first content (after markers, directives, comments and blank lines). */
  contentStart: number;
}

const MARKER = /^(?:---|\.\.\.)(?:[ \t\r\n]|$)/;

/**
 * The text cut into one chunk per document. A `...` line ends a chunk; a `---` line starts one, unless the current
 * chunk holds nothing yet but directives, comments and blank lines (those belong to the document the `---` opens).
 */
export function splitDocuments(text: string): DocumentChunk[] {
  const chunks: DocumentChunk[] = [];
  let start = 0;
  let started = false;
  let contentStart: number | undefined;
  const close = (end: number) => {
    if (end > start) chunks.push({ start, end, contentStart: (contentStart ?? end) - start });
    start = end;
    started = false;
    contentStart = undefined;
  };
  for (let lineStart = 0; lineStart < text.length; ) {
    const newline = text.indexOf("\n", lineStart);
    const lineEnd = newline === -1 ? text.length : newline + 1;
    const head = text.slice(lineStart, Math.min(lineEnd, lineStart + 4));
    if (MARKER.test(head) && head.startsWith("---")) {
      if (started) close(lineStart);
      started = true;
      // Content may follow the marker on its line (`--- |`, `--- {a: 1}`).
      contentStart ??= contentOffset(text, lineStart + 3, lineEnd);
    } else if (MARKER.test(head)) {
      close(lineEnd);
    } else {
      const content = contentOffset(text, lineStart, lineEnd);
      if (content !== undefined && (started || text[content] !== "%")) {
        started = true;
        contentStart ??= content;
      }
    }
    lineStart = lineEnd;
  }
  close(text.length);
  return chunks;
}

/** Offset of the first character of `text[from, to)` that is neither blank nor in a comment; undefined if none. */
function contentOffset(text: string, from: number, to: number): number | undefined {
  for (let i = from; i < to; i++) {
    const c = text[i];
    if (c === "#") return undefined;
    if (c !== " " && c !== "\t" && c !== "\r" && c !== "\n") return i;
  }
  return undefined;
}

/** 1-based line of an offset, from a table of line starts built once (binary search per lookup). */
export class LineIndex {
  private starts: number[] | undefined;

  constructor(private readonly text: string) {}

  lineAt(offset: number): number {
    const starts = (this.starts ??= lineStarts(this.text));
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if ((starts[middle] as number) <= offset) low = middle;
      else high = middle - 1;
    }
    return low + 1;
  }
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
  return starts;
}
