import { readFileSync } from "node:fs";

/** A file read as text, or why it could not be: a validator must report it, never take it for empty. */
export type TextRead = { content: string } | { error: string };

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Reads `path` as UTF-8. A file that cannot be read (permissions, a directory, gone meanwhile) or is not valid
 * UTF-8 gives an error naming it: Terraform and Kubernetes read UTF-8 only, and decoding with replacement
 * characters would validate a file other than the one on disk.
 */
export function readTextFile(path: string, shown: string = path): TextRead {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "EACCES" || code === "EPERM" ? "permission denied" : code === "EISDIR" ? "it is a directory" : (error as Error).message;
    return { error: `cannot read ${shown}: ${why}; fix its permissions or exclude it with --ignore-filename-pattern` };
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
