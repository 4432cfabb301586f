import { realpath } from "node:fs/promises";
import path from "node:path";
import { plumbing } from "./plumbing.js";

/**
 * What in a work tree belongs to this clone and not to the repository: git's own directory (its config can hold
 * credentials and rewrite URLs, its hooks run code) and the files git does not track. The ignored ones are where
 * local secrets and state live (`.envrc`, `*.tfstate`, kubeconfigs); an untracked one that is not ignored is still
 * the user's own (a commit can also change `.gitignore`, so "not ignored" alone proves nothing). A read of the
 * repository that follows a symlink (one a pull request can commit) must land on a tracked file, or it would print,
 * commit or publish a local file under the name of a generated one.
 *
 * Outside a git work tree only git's directory is private: nothing tells a local file from the folder's own.
 */
export interface WorkTreePrivacy {
  /**
   * Why `realPath` (absolute, every symlink resolved, inside the work tree) is private to this clone, as a phrase
   * for messages ("inside .git, ..."), or `undefined` when it is a file of the repository.
   */
  privateReason(realPath: string): Promise<string | undefined>;
}

/** A `.git` segment in any case: git's directory, or a nested repository's (case-insensitive file systems alike). */
export function isInsideGitDir(relPath: string): boolean {
  return relPath.split(/[\\/]/).some((segment) => segment.toLowerCase() === ".git");
}

/**
 * The privacy rules of the work tree that holds `dir` (git is asked once, lazily: which files it tracks, where its
 * directory is; whether an untracked path is ignored is asked per path, for the message).
 */
export async function workTreePrivacy(dir: string): Promise<WorkTreePrivacy> {
  const root = await realpath(dir);
  const [top, gitDir] = await Promise.all([
    plumbing(root, ["rev-parse", "--show-toplevel"]).then((found) => realpath(found), () => undefined),
    plumbing(root, ["rev-parse", "--absolute-git-dir"]).then((found) => realpath(found), () => undefined),
  ]);
  let tracked: Promise<Set<string>> | undefined;
  const trackedFiles = () =>
    (tracked ??= plumbing(top!, ["-c", "core.quotePath=false", "ls-files", "-z", "--full-name"], { raw: true }).then((listing) => new Set(listing.split("\0").filter(Boolean))));
  return {
    async privateReason(realPath) {
      const inGitDir = gitDir !== undefined && (realPath === gitDir || realPath.startsWith(gitDir + path.sep));
      if (inGitDir || isInsideGitDir(path.relative(root, realPath))) return "inside .git (git's own files, which can hold credentials)";
      if (top === undefined) return undefined;
      const relative = path.relative(top, realPath).split(path.sep).join("/");
      if ((await trackedFiles()).has(relative)) return undefined;
      const ignored = await plumbing(top, ["check-ignore", "-q", "--", relative]).then(
        () => true,
        () => false,
      );
      return ignored ? "a file git ignores (a local file, such as .envrc, Terraform state or a kubeconfig)" : "a file git does not track (a local file, not part of the repository)";
    },
  };
}
