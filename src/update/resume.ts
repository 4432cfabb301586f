import { lstat } from "node:fs/promises";
import { join } from "node:path";
import { defaults } from "../defaults.js";
import { gitAt } from "../git/client.js";
import { plumbing } from "../git/plumbing.js";

/**
 * Finishes the last step of an interrupted `update`: the commit is on its branch, and git was stopped while
 * updating the work tree to it (Ctrl-C during the checkout). The work tree then holds some files of the old
 * commit and some of the new one, which looks like uncommitted changes. That state is recognised only when
 * - the index still is the old commit's (`from`: HEAD, or HEAD's parent when the branch itself moved), and
 * - every file that differs from `from` in the work tree has exactly its content in the new commit (`to`),
 * or when git had finished the index and the work tree but not yet moved HEAD (the last step of `git checkout`):
 * - HEAD is the parent of a new update branch's commit, the index is exactly that commit's tree, and the work tree
 *   matches the index with nothing untracked,
 * so finishing the switch loses nothing that is not in history. Anything else is the team's own work and is left
 * for the clean-tree check to refuse.
 * `changed` is {@link workTreeChanges} of `dir` when the caller has it already.
 * @returns a sentence saying what was finished, or `undefined` when there was nothing to finish.
 */
export async function finishInterruptedSwitch(dir: string, changed?: string[]): Promise<string | undefined> {
  changed ??= await workTreeChanges(dir);
  if (changed === undefined || changed.length === 0) return undefined;
  const branch = (await plumbing(dir, ["symbolic-ref", "--quiet", "--short", "HEAD"]).catch(() => "")) || undefined;
  const head = await plumbing(dir, ["rev-parse", "--verify", "HEAD"]).catch(() => "");
  if (head === "") return undefined;

  // The branch moved to the new commit, the index and work tree were still following it.
  const parent = await plumbing(dir, ["rev-parse", "--verify", "--quiet", "HEAD^1"]).catch(() => "");
  if (branch?.startsWith(defaults.branchPrefix) && parent !== "" && (await isSwitchBetween(dir, parent, head))) {
    await gitAt(dir).raw(["reset", "--quiet", "--hard", "HEAD"]);
    return `finished updating the work tree to ${branch} (an earlier update was interrupted)`;
  }
  // A new update branch was made, the checkout of it was interrupted.
  const toolBranches = (await plumbing(dir, ["for-each-ref", "--format=%(refname:short)", `refs/heads/${defaults.branchPrefix}`])).split("\n").filter(Boolean);
  for (const candidate of toolBranches) {
    if (candidate === branch) continue;
    if (await isSwitchBetween(dir, head, candidate)) {
      await gitAt(dir).raw(["checkout", "--quiet", "--force", candidate]);
      return `finished checking out ${candidate} (an earlier update was interrupted)`;
    }
    if (await isSwitchButHead(dir, head, candidate)) {
      // Everything but HEAD is already the branch's: pointing HEAD at it is the whole of what is left.
      await plumbing(dir, ["symbolic-ref", "-m", "create-cluster-repo: finish an interrupted checkout", "HEAD", `refs/heads/${candidate}`]);
      return `finished checking out ${candidate} (an earlier update was interrupted after the files were written)`;
    }
  }
  return undefined;
}

/** `to`'s parent is `from` (HEAD), the index is `to`'s tree, and the work tree is the index with nothing untracked. */
async function isSwitchButHead(dir: string, from: string, to: string): Promise<boolean> {
  const parent = await plumbing(dir, ["rev-parse", "--verify", "--quiet", `${to}^1`]).catch(() => "");
  if (parent !== from) return false;
  const quiet = (args: string[]) =>
    plumbing(dir, args).then(
      () => true,
      () => false,
    );
  if (!(await quiet(["diff-index", "--cached", "--quiet", to, "--"]))) return false;
  if (!(await quiet(["diff-files", "--quiet"]))) return false;
  return (await plumbing(dir, ["ls-files", "--others", "--exclude-standard"])) === "";
}

/** Paths whose work-tree state differs from the index or HEAD (untracked files listed one by one); `undefined` outside git. */
export async function workTreeChanges(dir: string): Promise<string[] | undefined> {
  const status = await plumbing(dir, ["-c", "core.quotePath=false", "status", "--porcelain=v1", "-z", "--untracked-files=all"]).catch(() => undefined);
  return status?.split("\0").filter(Boolean);
}

/** The index is `from`'s tree and every work-tree difference from `from` is `to`'s content. */
async function isSwitchBetween(dir: string, from: string, to: string): Promise<boolean> {
  const indexIsFrom = await plumbing(dir, ["diff-index", "--cached", "--quiet", from, "--"]).then(
    () => true,
    () => false,
  );
  if (!indexIsFrom) return false;
  const tracked = (await plumbing(dir, ["-c", "core.quotePath=false", "diff", "--name-only", "-z", "--no-renames", from, "--"])).split("\0").filter(Boolean);
  const untracked = (await plumbing(dir, ["-c", "core.quotePath=false", "ls-files", "-z", "--others", "--exclude-standard"])).split("\0").filter(Boolean);
  const paths = [...tracked, ...untracked];
  if (paths.length === 0) return false;
  const expected = await blobsAt(dir, to, paths);
  const present = new Set(await existing(dir, paths));
  const actual = present.size === 0 ? [] : (await plumbing(dir, ["hash-object", "--", ...present])).split("\n");
  const hashes = new Map([...present].map((path, i) => [path, actual[i]]));
  // Present files must be `to`'s blob; absent ones must be absent in `to` too.
  return paths.every((path) => hashes.get(path) === expected.get(path));
}

/** path -> blob sha at `ref` for those of `paths` it has. */
async function blobsAt(dir: string, ref: string, paths: string[]): Promise<Map<string, string>> {
  const listing = await plumbing(dir, ["-c", "core.quotePath=false", "ls-tree", "-z", "--full-tree", ref, "--", ...paths]);
  const blobs = new Map<string, string>();
  for (const record of listing.split("\0")) {
    const match = /^\d+ blob ([0-9a-f]+)\t(.*)$/s.exec(record);
    if (match) blobs.set(match[2]!, match[1]!);
  }
  return blobs;
}

/** Those of `paths` that exist in the work tree, as regular files. */
async function existing(dir: string, paths: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const path of paths) if ((await lstat(join(dir, path)).catch(() => undefined))?.isFile()) out.push(path);
  return out;
}
