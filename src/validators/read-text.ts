import { InputFileError, problemMessage, readInputBytes } from "../read-input.js";

/**
 * A file read as text, or why it could not be: a validator must report it, never take it for empty. `tooLarge` is
 * the size of a file past the limit (not read), which validators report under their own rule.
 */
export type TextRead = { content: string } | { error: string; tooLarge?: number };

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Reads `path` as UTF-8, within `maxBytes` (see read-input.ts: only regular files, never past the limit). A file
 * that cannot be read (permissions, a directory, a FIFO, gone meanwhile) or is not valid UTF-8 gives an error naming
 * it: Terraform and Kubernetes read UTF-8 only, and decoding with replacement characters would validate a file other
 * than the one on disk.
 */
export function readTextFile(path: string, shown: string = path, maxBytes?: number): TextRead {
  let bytes: Buffer;
  try {
    bytes = readInputBytes(path, { name: shown, maxBytes });
  } catch (error) {
    if (!(error instanceof InputFileError)) throw error;
    if (error.reason === "too-large") return { error: problemMessage(error), tooLarge: error.size ?? (maxBytes ?? 0) + 1 };
    const fix = error.reason === "not-regular" ? "remove it" : "fix its permissions";
    return { error: `cannot read ${shown}: ${error.detail}; ${fix} or exclude it with --ignore-filename-pattern` };
  }
  try {
    return { content: utf8.decode(bytes) };
  } catch {
    const offset = firstInvalidByte(bytes);
    return { error: `${shown} is not valid UTF-8 (first bad byte at offset ${offset}); save it as UTF-8` };
  }
}

/** Offset of the first byte sequence that is not valid UTF-8 (a genuine U+FFFD in the file is skipped). */
function firstInvalidByte(bytes: Buffer): number {
  const decoded = bytes.toString("utf8");
  for (let at = decoded.indexOf("\ufffd"); at >= 0; at = decoded.indexOf("\ufffd", at + 1)) {
    const offset = Buffer.byteLength(decoded.slice(0, at));
    if (!(bytes[offset] === 0xef && bytes[offset + 1] === 0xbf && bytes[offset + 2] === 0xbd)) return offset;
  }
  return 0;
}
