import { constants } from "node:fs";
import { open, realpath } from "node:fs/promises";
import path from "node:path";
import { TargetError } from "../errors.js";
import { symlinkLeadingOutside } from "./write-tree.js";

/**
 * A reader for the target's copies of generated files that follows the same rule as writes: `create --dry-run
 * --diff`, `plan --diff` and `check` print what they read, and a `terraform -> /home/me/.ssh` symlink must not make
 * them print files from elsewhere, nor a FIFO make them wait forever. A path through a symlink out of the target is
 * refused with the symlink named; anything but a regular file (FIFO, socket, device, directory) is refused with its
 * kind. An absent file reads as `undefined`.
 */
export async function targetReader(dir: string): Promise<(relPath: string) => Promise<string | undefined>> {
  const target = path.resolve(dir);
  const root = await realpath(target).catch(() => target);
  return async (relPath) => {
    const link = await symlinkLeadingOutside(root, target, relPath, { last: true });
    if (link !== undefined) {
      throw new TargetError(`refusing to read ${relPath}: ${link} is a symlink that points outside ${target}; remove it (or replace it by the files themselves) and re-run`, 1);
    }
    return readRegularFile(path.join(target, ...relPath.split("/")), relPath);
  };
}

/**
 * The text of a regular file, `undefined` when there is none. Opened non-blocking (a FIFO's open would wait for a
 * writer) and checked on the open descriptor, so what is read is what was checked.
 */
async function readRegularFile(file: string, shown: string): Promise<string | undefined> {
  let handle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    if (code === "ENXIO") throw new TargetError(`refusing to read ${shown}: it is a socket, not a regular file; remove it and re-run`, 1, error);
    throw new TargetError(`cannot read ${shown}: ${(error as Error).message}`, 1, error);
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) {
      const kind = stats.isDirectory() ? "a directory" : stats.isFIFO() ? "a FIFO (named pipe)" : stats.isSocket() ? "a socket" : "a device";
      throw new TargetError(`refusing to read ${shown}: it is ${kind}, not a regular file; remove it (the render writes a file there) and re-run`, 1);
    }
    return await handle.readFile("utf8");
  } finally {
    await handle.close();
  }
}
