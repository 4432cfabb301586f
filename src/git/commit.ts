import { mkdir, realpath } from "node:fs/promises";
import type { FileTree } from "../file-tree.js";
import { DEFAULT_IDENTITY, gitAt, gitCommand, gitFailure, type GitIdentity } from "./client.js";
import { COMMIT_SETTINGS_PATTERN, parseCommitSettings, writeFirstCommit } from "./first-commit.js";
import { identityEnv, plumbing } from "./plumbing.js";

/** Options for {@link initRepository}. */
export interface InitRepositoryOptions {
  /**
   * Name of the initial branch.
   * @default "main"
   */
  branch?: string;
  /** Identity to record in the repository's own config (`user.name`/`user.email`); never credentials. */
  author?: GitIdentity;
  /**
   * The caller just made `dir` and knows it holds no repository: skip the check (one git process less), and start
   * `git init` before the returned promise's first wait, so that the caller can write files meanwhile.
   */
  fresh?: boolean;
}

/** Options for {@link commitAll}. */
export interface CommitOptions {
  /** `dir` is a repository just made by {@link initRepository} over a non-empty tree: skip the "anything staged?" check. */
  fresh?: boolean;
  /** Author and committer; defaults to git's configured identity, else {@link DEFAULT_IDENTITY}. */
  author?: GitIdentity;
}

/** Result of {@link commitAll}: nothing to commit is `{ changed: false }`, not an error. */
export interface CommitResult {
  changed: boolean;
  /** The new commit, when `changed`. */
  sha?: string;
}

/**
 * Creates a git repository in `dir` (creating the directory if needed). Re-running on an existing repository
 * is harmless: git keeps its branch and history.
 * @returns `created: false` when `dir` already was a repository.
 */
export async function initRepository(dir: string, options: InitRepositoryOptions = {}): Promise<{ created: boolean }> {
  try {
    if (!options.fresh) await mkdir(dir, { recursive: true });
    const existed = options.fresh ? false : await isRepositoryRoot(dir);
    if (!existed) await gitCommand(dir, ["init", "--initial-branch", options.branch ?? "main"]);
    if (options.author) {
      const git = gitAt(dir);
      await git.addConfig("user.name", options.author.name, false, "local");
      await git.addConfig("user.email", options.author.email, false, "local");
    }
    return { created: !existed };
  } catch (error) {
    throw gitFailure(`initialize a git repository in ${dir}`, error);
  }
}

/** Whether `dir` itself is the top level of a work tree (not merely inside another repository). */
async function isRepositoryRoot(dir: string): Promise<boolean> {
  try {
    const top = (await gitAt(dir).revparse(["--show-toplevel"])).trim();
    return (await realpath(top)) === (await realpath(dir));
  } catch {
    return false;
  }
}

/**
 * Stages every change in the work tree (additions, edits, deletions) and commits it.
 * Works on machines without a global git identity: the identity is passed per command with `-c`.
 */
export async function commitAll(dir: string, message: string, options: CommitOptions = {}): Promise<CommitResult> {
  try {
    const git = gitAt(dir);
    // The identity lookup is a separate git process: run it beside `git add`. `--verbose` because simple-git waits
    // an extra 50 ms after any git command that printed nothing.
    const [, configured] = await Promise.all([git.add(["--all", "--verbose"]), options.author ? undefined : configuredIdentity(dir)]);
    // A new repository with files always has something staged; elsewhere, nothing to commit is not an error.
    if (!options.fresh && (await git.diff(["--cached", "--name-only"])).trim() === "") return { changed: false };
    const identity = options.author ?? configured ?? DEFAULT_IDENTITY;
    // core.abbrev=40 makes git print the full hash in its summary line, which simple-git parses: no rev-parse needed.
    const committer = gitAt(dir, { config: [`user.name=${identity.name}`, `user.email=${identity.email}`, "core.abbrev=40"] });
    const sha = (await committer.commit(message)).commit || (await git.revparse(["HEAD"])).trim();
    return { changed: true, sha };
  } catch (error) {
    throw gitFailure(`commit in ${dir}`, error);
  }
}

/**
 * The first commit of a repository {@link initRepository} just made over exactly `tree` (written in `dir`): written
 * in this process (first-commit.ts) unless git's configuration or environment asks more of a commit, else by
 * {@link commitAll}. One git process (the configuration) instead of three.
 */
export async function commitNewTree(dir: string, tree: FileTree, message: string): Promise<CommitResult> {
  let listing = "";
  try {
    listing = await gitCommand(dir, ["config", "--get-regexp", COMMIT_SETTINGS_PATTERN]);
  } catch {
    // git exits 1 when no key matches
  }
  const settings = parseCommitSettings(listing);
  try {
    const sha = await writeFirstCommit(dir, tree, message, settings.identity ?? DEFAULT_IDENTITY, settings);
    if (sha) return { changed: true, sha };
  } catch (error) {
    throw gitFailure(`commit in ${dir}`, error);
  }
  return commitAll(dir, message, { fresh: true, author: settings.identity });
}

/** The identity from git config (repository, global or system), if both name and email are set. One git process. */
async function configuredIdentity(dir: string): Promise<GitIdentity | undefined> {
  let listing: string;
  try {
    listing = await gitAt(dir).raw(["config", "--get-regexp", "^user\\.(name|email)$"]);
  } catch {
    return undefined; // git exits 1 when neither is set
  }
  const values = new Map<string, string>();
  for (const line of listing.split("\n")) {
    const space = line.indexOf(" ");
    if (space > 0) values.set(line.slice(0, space).toLowerCase(), line.slice(space + 1));
  }
  const name = values.get("user.name");
  const email = values.get("user.email");
  return name && email ? { name, email } : undefined;
}

/**
 * Commits exactly `paths` (added even where a .gitignore would exclude them) and nothing else: files already in the
 * work tree that are not among them stay untracked, and nothing staged before is swept in.
 */
export async function commitPaths(dir: string, paths: readonly string[], message: string): Promise<CommitResult> {
  const pathspec = paths.map((path) => `${path}\0`).join("");
  // Literal pathspecs: a generated name with `*` or `:` in it means that file only.
  const literal = { GIT_LITERAL_PATHSPECS: "1" };
  try {
    await plumbing(dir, ["add", "--force", "--pathspec-from-file=-", "--pathspec-file-nul"], { input: pathspec, env: literal });
    const wanted = new Set(paths);
    const staged = (await plumbing(dir, ["-c", "core.quotePath=false", "diff", "--cached", "--name-only", "-z"])).split("\0").filter((path) => wanted.has(path));
    const unborn = (await plumbing(dir, ["rev-parse", "--verify", "--quiet", "HEAD"]).catch(() => "")) === "";
    if (staged.length === 0 && !unborn) return { changed: false };
    // Paths given to commit mean "only these" (git commit --only): whatever else is staged stays out.
    await plumbing(dir, ["commit", "--quiet", "-m", message, "--pathspec-from-file=-", "--pathspec-file-nul"], { input: pathspec, env: { ...literal, ...(await identityEnv(dir)) } });
    return { changed: true, sha: await plumbing(dir, ["rev-parse", "HEAD"]) };
  } catch (error) {
    throw gitFailure(`commit in ${dir}`, error);
  }
}
