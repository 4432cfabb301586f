/**
 * Markdown (CommonMark, with GitHub's tables) around text the tool does not control: file contents, diffs, paths
 * and parameter values from a repository. Each helper keeps that text inside its construct, whatever characters it
 * holds: a fence longer than any backtick run inside, a code span that cannot be closed early, a table cell that a
 * `|` or a newline cannot end. Hand-written: these are a few lines of the CommonMark spec (fenced code blocks 4.5,
 * code spans 6.1) and GitHub's table extension, and no maintained library escapes for them.
 */

/** The longest run of `char` in `text`. */
function longestRun(text: string, char: string): number {
  let longest = 0;
  let current = 0;
  for (const c of text) {
    current = c === char ? current + 1 : 0;
    if (current > longest) longest = current;
  }
  return longest;
}

/** A fenced code block holding `text` exactly: the fence is longer than any backtick run in it (at least 3). */
export function fencedBlock(text: string, info = ""): string {
  const fence = "`".repeat(Math.max(3, longestRun(text, "`") + 1));
  const body = text === "" || text.endsWith("\n") ? text : `${text}\n`;
  return `${fence}${info}\n${body}${fence}`;
}

/**
 * An inline code span showing `text` (line breaks become spaces) exactly: delimited by more backticks than any run inside, and
 * padded with a space where CommonMark would otherwise take an edge backtick or space for part of the delimiter.
 */
export function codeSpan(text: string): string {
  const line = text.replace(/\r\n?|\n/g, " ");
  if (line === "") return "` `"; // CommonMark has no empty code span: one space is the closest it shows
  const ticks = "`".repeat(longestRun(line, "`") + 1);
  const pad = /^`|`$/.test(line) || (/^ .* $/s.test(line) && line.trim() !== "") ? " " : "";
  return `${ticks}${pad}${line}${pad}${ticks}`;
}

/** A code span for a GitHub table cell: `|` escaped (it would end the cell even inside a code span). */
export function tableCodeCell(text: string): string {
  return codeSpan(text).replace(/\|/g, "\\|");
}

/** `text` cut to at most `max` characters (code points), ending with `…` when cut. */
export function clip(text: string, max: number): string {
  const points = [...text];
  return points.length <= max ? text : `${points.slice(0, max - 1).join("")}…`;
}

/**
 * The leading `items` whose lines (joined by newlines) fit in `budget` characters, then `more(left)` for the rest.
 * Keeps a list (table rows, warnings, summary lines) from growing past its share of a bounded text.
 */
export function fitItems(items: string[], budget: number, more: (left: number) => string): string[] {
  const kept: string[] = [];
  let used = 0;
  for (const [index, item] of items.entries()) {
    const tail = index < items.length - 1 ? more(items.length - index - 1).length + 1 : 0;
    if (used + item.length + 1 + tail > budget) return [...kept, more(items.length - index)];
    kept.push(item);
    used += item.length + 1;
  }
  return kept;
}
