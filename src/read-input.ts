/**
 * Reading a file the user (or a pull request) gave, within MAX_FILE_BYTES and only when it is a regular file: a FIFO
 * would block the read forever and a link to /dev/zero would read without end, so neither is ever read.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readlinkSync, readSync, type Stats } from "node:fs";
import { MAX_FILE_BYTES, formatBytes } from "./limits.js";

/** Why a file was not read: absent, not a regular file, over the size limit, or an I/O error. */
export type ReadFailureReason = "missing" | "not-regular" | "too-large" | "unreadable";

/** A file that was not read; `message` is "<name>: <detail>", and `detail` says why on its own. */
export class InputFileError extends Error {
  constructor(
    /** The file as named in messages. */
    readonly file: string,
    readonly detail: string,
    readonly reason: ReadFailureReason,
    /** The file's size in bytes, when it is known to be too large. */
    readonly size?: number,
  ) {
    super(`${file}: ${detail}`);
    this.name = "InputFileError";
  }
}

/** The failure as a problem of the file itself, which a report already names: "the file is 40 MiB, over the limit...". */
export function problemMessage(error: InputFileError): string {
  return error.detail.replace(/^it is /, "the file is ");
}

/** "a FIFO (named pipe)", "a character device"...: what a non-regular file is, for messages. */
export function describeFileType(stats: Stats): string {
  if (stats.isDirectory()) return "a directory";
  if (stats.isFIFO()) return "a FIFO (named pipe)";
  if (stats.isCharacterDevice()) return "a character device";
  if (stats.isBlockDevice()) return "a block device";
  if (stats.isSocket()) return "a socket";
  return "not a regular file";
}

/** " (to ../x.yaml)": where the symlink at `path` points, for messages. */
function linkTarget(path: string): string {
  try {
    return ` (to ${readlinkSync(path)})`;
  } catch {
    return "";
  }
}

/** " (a symbolic link to /dev/zero)" when `path` is a symlink, so that the message explains a surprising type. */
function linkNote(path: string): string {
  try {
    return lstatSync(path).isSymbolicLink() ? ` (a symbolic link to ${readlinkSync(path)})` : "";
  } catch {
    return "";
  }
}

/** Why a path that exists cannot be read as a file ("it is a FIFO (named pipe), not a regular file"), if it cannot. */
export function nonRegularFileDetail(path: string, stats: Stats): string | undefined {
  if (stats.isFile()) return undefined;
  return `it is ${describeFileType(stats)}${linkNote(path)}, not a regular file`;
}

/**
 * The text of the regular file at `path`, read as UTF-8. Opened non-blocking (opening a FIFO would otherwise wait for
 * a writer) and checked on the open descriptor, so what is read is what was checked; read in chunks up to the limit,
 * so a file that grows while it is read cannot exceed it either. Throws InputFileError, with `path` in its message.
 */
export function readInputFile(path: string, options: ReadInputOptions = {}): string {
  return readInputBytes(path, options).toString("utf8");
}

/** Options for {@link readInputFile}. */
export interface ReadInputOptions {
  /** The file as named in messages. @default path */
  name?: string;
  /** @default MAX_FILE_BYTES */
  maxBytes?: number;
  /**
   * Refuse a symbolic link as the last component (opened with O_NOFOLLOW, so what is checked is what is read): for
   * a file that must be the repository's own, such as the answers file. @default false
   */
  noFollow?: boolean;
}

/** The bytes of the regular file at `path`, with the checks and limit of {@link readInputFile}. */
export function readInputBytes(path: string, options: ReadInputOptions = {}): Buffer {
  const name = options.name ?? path;
  const maxBytes = options.maxBytes ?? MAX_FILE_BYTES;
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (options.noFollow ? (constants.O_NOFOLLOW ?? 0) : 0));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") throw new InputFileError(name, "no such file", "missing");
    if (code === "ELOOP" && options.noFollow) throw new InputFileError(name, `it is a symbolic link${linkTarget(path)}, not a regular file`, "not-regular");
    // Opening a Unix socket fails with ENXIO: it is no file to read.
    if (code === "ENXIO") throw new InputFileError(name, `it is a socket${linkNote(path)}, not a regular file`, "not-regular");
    if (code === "EACCES" || code === "EPERM") throw new InputFileError(name, "permission denied", "unreadable");
    throw new InputFileError(name, (error as Error).message, "unreadable");
  }
  try {
    const problem = nonRegularFileDetail(path, fstatSync(fd));
    if (problem) throw new InputFileError(name, problem, "not-regular");
    return readUpTo(fd, name, maxBytes);
  } catch (error) {
    if (error instanceof InputFileError) throw error;
    throw new InputFileError(name, (error as Error).message, "unreadable");
  } finally {
    closeSync(fd);
  }
}

function readUpTo(fd: number, name: string, maxBytes: number): Buffer {
  const size = fstatSync(fd).size;
  if (size > maxBytes) throw tooLarge(name, maxBytes, size);
  // One byte more than the limit tells a file at the limit from one past it.
  let buffer = Buffer.allocUnsafe(Math.min(maxBytes + 1, Math.max(size + 1, 64 * 1024)));
  let length = 0;
  for (;;) {
    if (length === buffer.length) {
      const larger = Buffer.allocUnsafe(Math.min(maxBytes + 1, buffer.length * 2));
      buffer.copy(larger, 0, 0, length);
      buffer = larger;
    }
    const read = readSync(fd, buffer, length, buffer.length - length, null);
    if (read === 0) break;
    length += read;
    if (length > maxBytes) throw tooLarge(name, maxBytes);
  }
  return buffer.subarray(0, length);
}

export function tooLarge(name: string, maxBytes: number = MAX_FILE_BYTES, size?: number): InputFileError {
  const detail = size === undefined ? `it is larger than the limit of ${formatBytes(maxBytes)} per file` : `it is ${formatBytes(size)}, over the limit of ${formatBytes(maxBytes)} per file`;
  return new InputFileError(name, detail, "too-large", size);
}

/**
 * Standard input as text, up to the limit: `validate - < /dev/zero` stops at the limit instead of reading forever.
 * Resolves with the text, or with an InputFileError (not thrown: an oversized input is a result, not a crash).
 */
export async function readStdinText(stdin: AsyncIterable<Buffer | string> & { destroy?(): unknown } = process.stdin, maxBytes: number = MAX_FILE_BYTES): Promise<string | InputFileError> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const piece of stdin) {
    const chunk = typeof piece === "string" ? Buffer.from(piece) : piece;
    chunks.push(chunk);
    length += chunk.length;
    if (length > maxBytes) {
      stdin.destroy?.();
      return tooLarge("standard input", maxBytes);
    }
  }
  return Buffer.concat(chunks, length).toString("utf8");
}
