import { readFile, realpath } from "node:fs/promises";
import path from "node:path";
import { TargetError } from "../errors.js";
import { symlinkLeadingOutside } from "../git/write-tree.js";

/**
 * A reader for the repository's copies of generated files that never follows a symlink out of the repository:
 * `plan --diff` and `check` print what they read, and a committed `terraform -> /home/me/.ssh` must not make them
 * print files from elsewhere. Such a path is refused with the symlink named (the write side refuses it too).
 * An absent file reads as `undefined`.
 */
export async function repoReader(dir: string): Promise<(relPath: string) => Promise<string | undefined>> {
  const target = path.resolve(dir);
  const root = await realpath(target).catch(() => target);
  return async (relPath) => {
    const link = await symlinkLeadingOutside(root, target, relPath, { last: true });
    if (link !== undefined) {
      throw new TargetError(`refusing to read ${relPath}: ${link} is a symlink that points outside ${target}; remove it (or replace it by the files themselves) and re-run`, 1);
    }
    try {
      return await readFile(path.join(target, ...relPath.split("/")), "utf8");
    } catch {
      return undefined;
    }
  };
}
