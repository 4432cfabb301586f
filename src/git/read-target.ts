import { closeSync, constants, fstatSync, lstatSync, openSync, readFileSync } from "node:fs";
import { realpath } from "node:fs/promises";
import path from "node:path";
import { TargetError } from "../errors.js";
import { workTreePrivacy, type WorkTreePrivacy } from "./private-paths.js";
import { symlinkLeadingOutside } from "./write-tree.js";

/**
 * A reader for the target's copies of generated files that follows the same rule as writes: `create --dry-run
 * --diff`, `plan --diff`, `check` and `update` print, merge, commit and publish what they read, and a committed
 * symlink must not make them do that with another file. Refused, with the symlink named:
 * - a path through a symlink out of the target (`terraform -> /home/me/.ssh`);
 * - a path through a symlink to a file of this clone that is not the repository's: inside `.git`, or a file git
 *   does not track (`README.md -> .envrc`, `-> terraform/terraform.tfstate`; see {@link workTreePrivacy});
 * - anything but a regular file (FIFO, socket, device, directory), with its kind: a FIFO would block forever.
 * A symlink to a tracked file of the repository is followed. An absent file reads as `undefined`.
 *
 * The checks and the read of a file are synchronous calls: plan, check and update read every generated file (some
 * twice), and each awaited call (an `lstat` per path segment, twice, then open, stat, read, close) was a round trip
 * through libuv's thread pool, which left the main thread waiting for a fifth of a plan.
 */
export async function targetReader(dir: string): Promise<(relPath: string) => Promise<string | undefined>> {
  const target = path.resolve(dir);
  const root = await realpath(target).catch(() => target);
  let privacy: Promise<WorkTreePrivacy> | undefined;
  return async (relPath) => {
    const outside = symlinkLeadingOutside(root, target, relPath, { last: true });
    if (outside !== undefined) {
      throw new TargetError(`refusing to read ${relPath}: ${outside} is a symlink that points outside ${target}; remove it (or replace it by the files themselves) and re-run`, 1);
    }
    const file = path.join(target, ...relPath.split("/"));
    const link = firstSymlink(target, relPath);
    if (link === undefined) return readRegularFile(file, relPath);
    // Through a link that stays inside: what is read is the file it leads to, so that file is checked and opened.
    const real = await realpath(file).catch(() => undefined);
    if (real === undefined) return undefined; // `terraform -> infra` without infra/main.tf: absent
    const reason = await (await (privacy ??= workTreePrivacy(root))).privateReason(real);
    if (reason !== undefined) {
      const shown = path.relative(root, real).split(path.sep).join("/");
      throw new TargetError(
        `refusing to read ${relPath}: ${link} is a symlink that leads to ${shown}, ${reason}; only files of the repository are read through a link. ` +
          `Remove the link (or replace it by the file itself) and re-run`,
        1,
      );
    }
    return readRegularFile(real, relPath);
  };
}

/** The first symlink on the way to `relPath` (its directories and the file itself), relative to `target`. */
function firstSymlink(target: string, relPath: string): string | undefined {
  let current = target;
  for (const segment of relPath.split("/")) {
    current = path.join(current, segment);
    let stats;
    try {
      stats = lstatSync(current, { throwIfNoEntry: false });
    } catch {
      stats = undefined;
    }
    if (stats === undefined) return undefined;
    if (stats.isSymbolicLink()) return path.relative(target, current).split(path.sep).join("/");
  }
  return undefined;
}

/**
 * The text of a regular file, `undefined` when there is none. Opened non-blocking (a FIFO's open would wait for a
 * writer) and checked on the open descriptor, so what is read is what was checked.
 */
function readRegularFile(file: string, shown: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    if (code === "ENXIO") throw new TargetError(`refusing to read ${shown}: it is a socket, not a regular file; remove it and re-run`, 1, error);
    throw new TargetError(`cannot read ${shown}: ${(error as Error).message}`, 1, error);
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) {
      const kind = stats.isDirectory() ? "a directory" : stats.isFIFO() ? "a FIFO (named pipe)" : stats.isSocket() ? "a socket" : "a device";
      throw new TargetError(`refusing to read ${shown}: it is ${kind}, not a regular file; remove it (the render writes a file there) and re-run`, 1);
    }
    return readFileSync(fd, "utf8");
  } finally {
    closeSync(fd);
  }
}
