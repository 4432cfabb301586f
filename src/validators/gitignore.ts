/**
 * What a repository's Git ignores, as data: its .gitignore files (each for the folder it is in) and
 * .git/info/exclude, parsed by `ignore` (the package ESLint uses; Git's pattern rules). No `git` process is started:
 * the folder walk asks about a few symbolic links, and a repository may have no Git at all.
 */
import { join } from "node:path";
import ignore, { type Ignore } from "ignore";
import { readInputFile } from "../read-input.js";

export interface GitIgnore {
  /** Adds the rules of the .gitignore at `file`, for paths below `prefix` (POSIX, "" or ending in "/"). */
  add(prefix: string, file: string): void;
  /** Whether Git ignores `path` (POSIX, relative to the repository root); `dir` when it is a folder. */
  ignores(path: string, dir: boolean): boolean;
}

/** Rules of `root`'s .git/info/exclude; .gitignore files are added as the walk finds them. */
export function createGitIgnore(root: string): GitIgnore {
  const scopes: Array<{ prefix: string; rules: Ignore }> = [];
  const add = (prefix: string, file: string) => {
    let text: string;
    try {
      text = readInputFile(file);
    } catch {
      return; // unreadable or not a regular file: no rules from it
    }
    scopes.push({ prefix, rules: ignore().add(text) });
  };
  add("", join(root, ".git", "info", "exclude"));
  return {
    add,
    ignores(path, dir) {
      return scopes.some(({ prefix, rules }) => path.startsWith(prefix) && path.length > prefix.length && rules.ignores(`${path.slice(prefix.length)}${dir ? "/" : ""}`));
    },
  };
}
