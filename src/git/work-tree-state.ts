// What state a git work tree is in, before the tool writes to it: an operation in progress, local changes, which
// branch. Shared by `create --force` (into an existing repository) and `update`.
import { access, realpath } from "node:fs/promises";
import { plumbing } from "./plumbing.js";

/** git operations that leave the repository mid-way, with how the user finishes each. */
const OPERATIONS: Array<{ path: string; name: string; finish: string }> = [
  { path: "rebase-merge", name: "a rebase", finish: "git rebase --continue (or --abort)" },
  { path: "rebase-apply", name: "a rebase or git am", finish: "git rebase --continue or git am --continue (or --abort)" },
  { path: "MERGE_HEAD", name: "a merge", finish: "commit the merge (or git merge --abort)" },
  { path: "CHERRY_PICK_HEAD", name: "a cherry-pick", finish: "git cherry-pick --continue (or --abort)" },
  { path: "REVERT_HEAD", name: "a revert", finish: "git revert --continue (or --abort)" },
  { path: "sequencer", name: "a cherry-pick or revert sequence", finish: "git cherry-pick --continue or git revert --continue (or --quit)" },
  { path: "BISECT_LOG", name: "a bisect", finish: "git bisect reset" },
];

/** `git rev-parse` arguments printing where git keeps each operation's marker, one line each in order. */
export const OPERATION_MARKER_ARGS: readonly string[] = OPERATIONS.flatMap((op) => ["--git-path", op.path]);

/**
 * The git operation in progress in `dir` (rebase, merge, cherry-pick, revert, bisect), if any. `markers`: what
 * rev-parse printed for {@link OPERATION_MARKER_ARGS} when the caller asked already (a git process less).
 */
export async function operationInProgress(dir: string, markers?: readonly string[]): Promise<{ name: string; finish: string } | undefined> {
  const paths = markers ?? (await plumbing(dir, ["rev-parse", ...OPERATION_MARKER_ARGS])).split("\n");
  for (const [i, op] of OPERATIONS.entries()) {
    const path = paths[i]!;
    if (await access(path.startsWith("/") ? path : `${dir}/${path}`).then(() => true, () => false)) return op;
  }
  return undefined;
}

/** Changes a commit or checkout could lose: tracked files staged or edited, and untracked files not ignored. */
export interface LocalChanges {
  tracked: string[];
  untracked: string[];
}

export async function localChanges(dir: string): Promise<LocalChanges> {
  const status = await plumbing(dir, ["-c", "core.quotePath=false", "status", "--porcelain=v1", "-z", "--untracked-files=all"], { raw: true });
  const tracked: string[] = [];
  const untracked: string[] = [];
  const records = status.split("\0");
  for (let i = 0; i < records.length; i++) {
    const record = records[i]!;
    if (record.length < 4) continue;
    const path = record.slice(3);
    if (record.startsWith("??")) untracked.push(path);
    else tracked.push(path);
    if (record[0] === "R" || record[0] === "C") i++; // a rename's source path follows
  }
  return { tracked, untracked };
}

/** Where `dir` stands relative to git: a plain folder, the top level of a work tree, or a folder inside one. */
export type GitPlace = { kind: "none" } | { kind: "top-level" } | { kind: "inside"; top: string };

export async function gitPlace(dir: string): Promise<GitPlace> {
  const top = await plumbing(dir, ["rev-parse", "--show-toplevel"]).catch(() => undefined);
  if (!top) return { kind: "none" };
  const [realTop, realDir] = await Promise.all([realpath(top), realpath(dir)]);
  return realTop === realDir ? { kind: "top-level" } : { kind: "inside", top };
}

/** The checked-out branch (also before the first commit), or `undefined` on a detached HEAD; and whether HEAD has a commit. */
export async function headState(dir: string): Promise<{ branch?: string; unborn: boolean }> {
  const branch = (await plumbing(dir, ["symbolic-ref", "--quiet", "--short", "HEAD"]).catch(() => "")) || undefined;
  const unborn = (await plumbing(dir, ["rev-parse", "--verify", "--quiet", "HEAD"]).catch(() => "")) === "";
  return { ...(branch ? { branch } : {}), unborn };
}
