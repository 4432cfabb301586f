/**
 * Edits of a workflow's text that keep every line where it was, for the copy actionlint is given (see
 * yaml-aliases.ts and parallel-steps.ts): its findings then point at the workflow's own lines.
 */

export interface Edit {
  from: number;
  to: number;
  text: string;
}

/**
 * Blanks `text[from, to)` out with spaces, line breaks kept; in a flow collection also one comma beside it (the one
 * after, else the one before), so that what is left still reads as YAML.
 */
export function blankOut(text: string, from: number, to: number): Edit {
  const after = /^[ \t]*,/.exec(text.slice(to));
  if (after) to += after[0].length;
  else {
    const before = /,[ \t]*$/.exec(text.slice(0, from));
    if (before) from -= before[0].length;
  }
  return { from, to, text: text.slice(from, to).replace(/[^\n]/g, " ") };
}

/** The text with the edits (which must not overlap) made; in one pass, so that many edits of a long file stay cheap. */
export function applyEdits(text: string, edits: readonly Edit[]): string {
  const pieces: string[] = [];
  let at = 0;
  for (const edit of [...edits].sort((a, b) => a.from - b.from)) {
    pieces.push(text.slice(at, edit.from), edit.text);
    at = edit.to;
  }
  pieces.push(text.slice(at));
  return pieces.join("");
}
