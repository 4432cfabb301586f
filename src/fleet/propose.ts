/**
 * A fleet's change (add-cluster, remove-cluster, promote) proposed as `update` proposes one: a commit built in git's
 * object store on top of the base branch, put on its own branch `create-cluster-repo/<...>` and checked out only once
 * it exists, then with --pr pushed (never forced) and opened as a pull request. Re-running the same change finds its
 * branch ("already proposed") and only pushes and opens what is missing; any other commit on that branch is refused.
 */
import { defaults } from "../defaults.js";
import { GitError } from "../errors.js";
import { sortedTree, type FileTree } from "../file-tree.js";
import { gitAt } from "../git/client.js";
import { assertBranchName, currentBranch, pushBranch } from "../git/repo.js";
import { advanceBranch, commitChanges, treeWithChanges } from "../git/tree-commit.js";
import { operationInProgress } from "../git/work-tree-state.js";
import { assertPathsInside } from "../git/write-tree.js";
import { assertCleanWorkTree, branchExists, defaultBaseBranch, type UpdateOptions } from "../update/apply.js";
import { assertToolRepository } from "../update/locate.js";

export type PullRequestTarget = NonNullable<UpdateOptions["pr"]>;

export interface FleetChange {
  branch: string;
  message: string;
  writes: FileTree;
  deletes: string[];
  /** The pull request's body (markdown), read when --pr opens it. */
  body: () => Promise<string> | string;
}

export interface ProposeResult {
  branch: string;
  base: string;
  sha: string;
  /** The branch already held exactly this change. */
  already: boolean;
  pullRequest?: { url: string; number: number; created: boolean };
}

/** Refuses what would make a commit land in the wrong place: another operation under way, local changes. */
export async function assertReadyToPropose(dir: string, command: string): Promise<void> {
  const root = await assertToolRepository(dir, command, { git: true });
  const operation = await operationInProgress(dir, root?.operationMarkers);
  if (operation) throw new GitError(`${dir} is in the middle of ${operation.name}; finish it first (${operation.finish}), then run ${command} again`);
  await assertCleanWorkTree(dir);
}

/**
 * Runs a fleet command from the base branch its change starts from: the repository ready, the base checked out; back
 * on the branch the user was on afterwards, unless the command proposed a change (its branch is then checked out).
 */
export async function fromProposalBase<T extends { proposal?: unknown }>(dir: string, command: string, work: () => Promise<T>): Promise<T> {
  await assertReadyToPropose(dir, command);
  const start = await currentBranch(dir);
  const base = await proposalBase(dir);
  if (start !== base) await gitAt(dir).checkout(base);
  const back = async () => {
    if (start !== base) await gitAt(dir).checkout(start ?? base);
  };
  try {
    const result = await work();
    if (!result.proposal) await back();
    return result;
  } catch (error) {
    await back();
    throw error;
  }
}

/** Where the change starts: the current branch, or the default branch while one of the tool's branches is checked out. */
export async function proposalBase(dir: string): Promise<string> {
  const start = await currentBranch(dir);
  return start && !start.startsWith(defaults.branchPrefix) ? start : defaultBaseBranch(dir);
}

export async function proposeChange(dir: string, change: FleetChange, options: { pr?: PullRequestTarget } = {}): Promise<ProposeResult> {
  const base = await proposalBase(dir);
  await assertBranchName(dir, change.branch);
  await assertPathsInside(dir, change.writes.keys(), "write");
  await assertPathsInside(dir, change.deletes, "delete");
  const parent = (await gitAt(dir).revparse([base])).trim();
  const changes = { writes: sortedTree(change.writes), deletes: change.deletes };
  let sha: string;
  let already = false;
  if (await branchExists(dir, change.branch)) {
    // Only this run's own commit may be there: same parent, same files, same message.
    const tip = (await gitAt(dir).revparse([change.branch])).trim();
    const [tipParent, tipTree, tipMessage] = (await gitAt(dir).raw(["log", "-1", "--format=%P%x00%T%x00%B", tip])).split("\0");
    const tree = await treeWithChanges(dir, { parent, changes });
    if (tipParent !== parent || tipTree !== tree || tipMessage!.trim() !== change.message.trim()) {
      throw new GitError(`branch ${change.branch} already exists and holds another commit (${tip.slice(0, 7)}); nothing was written. Delete or rename that branch, then run again`);
    }
    sha = tip;
    already = true;
    if ((await currentBranch(dir)) !== change.branch) await gitAt(dir).checkout(change.branch);
  } else {
    sha = await commitChanges(dir, { parent, changes, message: change.message });
    if ((await currentBranch(dir)) !== base) await gitAt(dir).checkout(base);
    await advanceBranch(dir, { branch: change.branch, sha, checkedOut: false });
  }
  const result: ProposeResult = { branch: change.branch, base, sha, already };
  if (!options.pr) return result;
  const { remoteUrl, token, username, tokenSource, timeoutMs } = options.pr;
  await pushBranch(dir, { remoteUrl, branch: change.branch, ...(token ? { token } : {}), ...(username ? { username } : {}), ...(tokenSource ? { tokenSource } : {}), ...(timeoutMs !== undefined ? { timeoutMs } : {}) });
  const title = change.message.split("\n")[0]!;
  return { ...result, pullRequest: await options.pr.open(undefined, change.branch, base, title, await change.body()) };
}
