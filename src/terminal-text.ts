/**
 * Text for a terminal or a line-based report, made inert: control characters (C0, DEL, C1: colours, OSC window
 * titles, clear screen, carriage returns that overwrite a line) and the Unicode bidi overrides that reorder what is
 * shown are written as visible escapes (`\x1b`, `\r`, `\u202e`). File names, resource names, parameter values and
 * the answers file come from users and repositories, and end up in messages.
 *
 * Written here rather than taken from a library: strip-ansi and similar remove only well-formed ANSI sequences and
 * keep the rest (a bare ESC, BEL, CR, C1 controls), and removing hides what was there instead of showing it.
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
const CONTROL_BUT_LINES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

function visible(ch: string): string {
  const code = ch.charCodeAt(0);
  return NAMED[ch] ?? (code < 0x100 ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`);
}

/** One line: every control character escaped, newlines and tabs included. For names and values inside a line. */
export function escapeLine(text: string): string {
  return text.replace(CONTROL, visible);
}

/** A multi-line message: control characters escaped, the message's own newlines and tabs kept. */
export function escapeText(text: string): string {
  return text.replace(CONTROL_BUT_LINES, visible);
}

/**
 * A JSON (and YAML) double-quoted string that also escapes what JSON.stringify leaves raw: DEL, the C1 controls
 * and the bidi overrides. Still valid JSON; for line-based reports such as TAP's diagnostics.
 */
export function jsonLine(text: string): string {
  return JSON.stringify(text).replace(/[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
