import { mkdir, realpath } from "node:fs/promises";
import { DEFAULT_IDENTITY, gitAt, gitFailure, type GitIdentity } from "./client.js";

/** Options for {@link initRepository}. */
export interface InitRepositoryOptions {
  /**
   * Name of the initial branch.
   * @default "main"
   */
  branch?: string;
  /** Identity to record in the repository's own config (`user.name`/`user.email`); never credentials. */
  author?: GitIdentity;
}

/** Options for {@link commitAll}. */
export interface CommitOptions {
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
    await mkdir(dir, { recursive: true });
    const git = gitAt(dir);
    const existed = await isRepositoryRoot(dir);
    if (!existed) await git.init(["--initial-branch", options.branch ?? "main"]);
    if (options.author) {
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
    await git.add(["--all"]);
    const staged = (await git.diff(["--cached", "--name-only"])).trim();
    if (staged === "") return { changed: false };
    const identity = options.author ?? (await configuredIdentity(dir)) ?? DEFAULT_IDENTITY;
    const committer = gitAt(dir, { config: [`user.name=${identity.name}`, `user.email=${identity.email}`] });
    await committer.commit(message);
    const sha = (await git.revparse(["HEAD"])).trim();
    return { changed: true, sha };
  } catch (error) {
    throw gitFailure(`commit in ${dir}`, error);
  }
}

/** The identity from git config (repository, global or system), if both name and email are set. */
async function configuredIdentity(dir: string): Promise<GitIdentity | undefined> {
  const git = gitAt(dir);
  const [name, email] = await Promise.all([git.getConfig("user.name"), git.getConfig("user.email")]);
  return name.value && email.value ? { name: name.value, email: email.value } : undefined;
}
