import { defaults } from "../defaults.js";
import { CliError, GitError, ValidationFailedError } from "../errors.js";
import { sortedTree } from "../file-tree.js";
import { assertBranchName, currentBranch, headCommit, pushBranch } from "../git/repo.js";
import { branchExistsInProcess } from "../git/ref-files.js";
import { advanceBranch, commitChanges, treeWithChanges, type TreeChanges } from "../git/tree-commit.js";
import { operationInProgress } from "../git/work-tree-state.js";
import { assertPathsInside } from "../git/write-tree.js";
import { gitAt } from "../git/client.js";
import type { RawParamsInput } from "../params/parse.js";
import { branchForChanges, commitMessageFor, describeBranch, describePlan, keptOf, pullRequestBody } from "./describe.js";
import { assertToolRepository } from "./locate.js";
import { formatConsequences, type Consequence } from "./consequences.js";
import { assertOwnCommits, type ExpectedCommit } from "./own-commits.js";
import { planUpdate, type Plan } from "./plan.js";
import { finishInterruptedSwitch, workTreeChanges } from "./resume.js";

type Conflict = Plan["conflicts"][number];

/** One conflicting file with its hunks: the team's lines, the lines generated last time, the lines generated now. */
export function formatConflict(conflict: Conflict): string {
  const block = (label: string, lines: string[]) =>
    `    ${label}:\n${lines.length ? lines.map((line) => `      ${line.replace(/\n$/, "")}`).join("\n") : "      (no lines)"}\n`;
  const hunks = conflict.hunks.map(
    (hunk, i) => `  hunk ${i + 1}:\n${block("yours", hunk.theirs)}${block("generated before", hunk.base)}${block("generated now", hunk.ours)}`,
  );
  return `  - ${conflict.path}: ${conflict.reason}\n${hunks.join("")}`;
}

export class ConflictError extends CliError {
  constructor(readonly plan: Plan) {
    super(
      `${plan.conflicts.length} file(s) conflict with your edits; nothing was written. Resolve them by hand, or run again with --conflict markers to write conflict markers:\n` +
        plan.conflicts.map(formatConflict).join("").trimEnd(),
      "E_CONFLICT",
      1,
    );
  }
}

/**
 * A change whose merge would make the cluster's GitOps engine delete what it applied unless steps are taken first
 * (src/update/consequences.ts): refused, with the steps, until `--confirm <kind>` says they are done.
 */
export class UnconfirmedChangeError extends CliError {
  constructor(
    readonly plan: Plan,
    readonly unconfirmed: Consequence[],
  ) {
    super(
      `this change cannot be merged safely as it is; nothing was written.\n${formatConsequences(unconfirmed).trimEnd()}\n` +
        `Do the steps before merging first, then run again with ${unconfirmed.map((c) => `--confirm ${c.confirm}`).join(" ")}; the commit message and the pull request list the steps after merging.`,
      "E_UNCONFIRMED",
      1,
    );
  }
}

/** The consequences of a plan that need a `--confirm` the options do not give. */
export function unconfirmed(plan: Plan, confirmed: readonly string[] = []): Consequence[] {
  return plan.consequences.filter((c) => c.confirm !== undefined && !confirmed.includes(c.confirm));
}

export interface UpdateOptions {
  branch?: string;
  message?: string;
  /** "markers": write conflicting files with conflict markers instead of refusing. */
  conflict?: "refuse" | "markers";
  /** `latest` to change parameters in the same run as a blueprint upgrade (see {@link planUpdate}). */
  blueprintVersion?: string;
  /** Consequences in the cluster whose steps before the merge are done (`--confirm engine-switch`...). */
  confirm?: readonly string[];
  /** Recorded in the answers file; defaults to this package's version. */
  toolVersion?: string;
  /** The cluster of a fleet to update, by its folder ("" for the repository's first cluster; docs/FLEETS.md). */
  root?: string;
  /** In a fleet, the cluster's name, which starts its branch name: one branch (and pull request) per cluster and change. */
  cluster?: string;
  /** Push the branch and open or update a pull request. */
  pr?: {
    /** `plan` is absent for a fleet's changes (add-cluster, remove-cluster, promote), which are not one cluster's update. */
    open(plan: Plan | undefined, branch: string, base: string, title: string, body: string): Promise<{ url: string; number: number; created: boolean }>;
    /** Where the branch is pushed; the token is sent there only. */
    remoteUrl: string;
    token?: string;
    /** User name git sends with the token, and where the token came from (messages): the forge's. */
    username?: string;
    tokenSource?: string;
    /** Milliseconds the push may go without progress. */
    timeoutMs?: number;
  };
}

export interface UpdateResult {
  upToDate: boolean;
  plan: Plan;
  /** The branch the result is on (the current branch when nothing had to change). */
  branch?: string;
  sha?: string;
  pullRequest?: { url: string; number: number; created: boolean };
  /** Set when this run first finished the checkout of an earlier, interrupted run. */
  resumed?: string;
}

export { branchForChanges, commitMessageFor, planDiff, pullRequestBody } from "./describe.js";

export async function assertCleanWorkTree(dir: string) {
  const status = await gitAt(dir).status();
  if (!status.isClean()) throw new GitError(`${dir} has uncommitted changes (${status.files.length} files); commit or stash them, then run update again`);
}

export async function branchExists(dir: string, branch: string): Promise<boolean> {
  const known = branchExistsInProcess(dir, branch);
  if (known !== undefined) return known;
  const result = await gitAt(dir).raw(["branch", "--list", branch]);
  return result.trim() !== "";
}

/**
 * The branch update branches start from and pull requests go into: the remote's default branch when a clone
 * recorded it (`origin/HEAD`), else {@link defaults.branch}. Never an update branch: a second change proposed
 * while one is checked out must not carry the first one along.
 */
export async function defaultBaseBranch(dir: string): Promise<string> {
  const remoteHead = (await gitAt(dir).raw(["symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD"]).catch(() => "")).trim();
  const fromRemote = remoteHead.replace(/^origin\//, "");
  if (fromRemote && fromRemote !== remoteHead && (await branchExists(dir, fromRemote))) return fromRemote;
  if (await branchExists(dir, defaults.branch)) return defaults.branch;
  throw new GitError(`cannot tell which branch update branches start from: there is no ${defaults.branch} branch and no origin/HEAD; check out the base branch and run update there`);
}

/** Waits for all of `work`, then throws the first failure in the order given (not in the order they happened). */
async function inOrder<T extends readonly unknown[]>(work: readonly [...{ [K in keyof T]: T[K] | Promise<T[K]> }]): Promise<T> {
  const settled = await Promise.allSettled(work);
  for (const result of settled) if (result.status === "rejected") throw result.reason;
  return settled.map((result) => (result as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/** In a fleet, a cluster's commit and pull request title name the cluster first: the same change lands once per cluster. */
const clusterMessage = (options: UpdateOptions, message: string) => (options.cluster ? `${options.cluster}: ${message}` : message);

/** The file changes a plan commits: merged and new files, conflict markers when asked for, and deletions. */
export function changesOf(plan: Plan): TreeChanges {
  const writes = new Map<string, string>();
  const deletes: string[] = [];
  for (const outcome of plan.outcomes) {
    if (outcome.action === "write") writes.set(outcome.path, outcome.content);
    if (outcome.action === "conflict" && outcome.withMarkers !== undefined) writes.set(outcome.path, outcome.withMarkers);
    if (outcome.action === "delete") deletes.push(outcome.path);
  }
  return { writes: sortedTree(writes), deletes };
}

/**
 * Re-render with the changes, merge with the team's edits, and commit on a branch; optionally push and open a PR.
 * Re-running with the same change lands on the same branch: nothing new to commit is "already up to date".
 * Nothing to change creates no branch; a refused update (conflict, invalid render) leaves the checkout as it was.
 *
 * A new change starts from the default branch (see {@link defaultBaseBranch}) when an update branch is checked
 * out, else from the current branch. The commit is built in git's object store and put on its branch before
 * the work tree is touched, so an interruption leaves either the old checkout or the finished commit (and a
 * re-run finishes a checkout that was cut short): the work tree is never half-merged.
 */
export async function updateRepository(dir: string, changes: RawParamsInput, options: UpdateOptions = {}): Promise<UpdateResult> {
  const root = await assertToolRepository(dir, "update", { git: true });
  // A rebase, merge, cherry-pick, revert or bisect owns the checkout: switching branches under it would make its
  // `--continue` land on the wrong branch (a rebase would move main onto the update commit).
  const operation = await operationInProgress(dir, root?.operationMarkers);
  if (operation) throw new GitError(`${dir} is in the middle of ${operation.name}; finish it first (${operation.finish}), then run update again`);
  const changed = await workTreeChanges(dir);
  const resumed = await finishInterruptedSwitch(dir, changed);
  // Nothing listed and nothing finished: the tree is clean, and git need not be asked a second time.
  if (resumed !== undefined || changed?.length !== 0) await assertCleanWorkTree(dir);
  const planOptions = { blueprintVersion: options.blueprintVersion, toolVersion: options.toolVersion, root: options.root };
  // Three reads of the same clean checkout, at once (two git processes beside the render): their errors in this order.
  const [start, startSha, planned] = await inOrder([currentBranch(dir), headCommit(dir), planUpdate(dir, changes, planOptions)]);
  let plan = planned;
  let position = start;
  let positionSha = startSha;
  const moveTo = async (branch: string) => {
    await gitAt(dir).checkout(branch);
    position = branch;
    positionSha = (await gitAt(dir).revparse(["HEAD"])).trim();
    plan = await planUpdate(dir, changes, planOptions);
  };
  const restore = async () => {
    if (position !== start) await gitAt(dir).checkout(start ?? startSha);
  };
  // Re-run on an update branch that already holds the change: stay on it instead of starting a "rerender" branch.
  const onUpdateBranch = start?.startsWith(defaults.branchPrefix) ?? false;
  const sameChange = onUpdateBranch && plan.paramChanges.length === 0 && !plan.blueprintUpgrade;
  const prBase = onUpdateBranch ? await defaultBaseBranch(dir) : (start ?? defaults.branch);
  // Another change while an update branch is checked out: plan it from the base, as if run there.
  if (onUpdateBranch && !sameChange && options.branch !== start) await moveTo(prBase);
  const branch = options.branch ?? (sameChange ? start! : branchForChanges(plan.paramChanges, plan.blueprintUpgrade, options.cluster));
  // The name's check and whether a branch has it, asked of git at once; a name git would read as an option is
  // refused before any other git process sees it.
  if (/^[-+]/.test(branch)) await assertBranchName(dir, branch);
  const [, exists] = await inOrder([assertBranchName(dir, branch), branch !== position || (options.pr && branch !== prBase) ? branchExists(dir, branch) : false]);
  // What --pr pushes must be this run's own commit on the base: an existing branch of that name is checked first.
  if (options.pr && branch !== prBase && exists) {
    const expected = expectedCommit(dir, changes, options, { sha: positionSha, plan });
    try {
      await assertOwnCommits(dir, { branch, base: prBase, expected });
    } catch (error) {
      await restore();
      throw error;
    }
  }
  // An existing branch holds an earlier run's commit: build on it (fast-forward only, never a force-push).
  if (branch !== position && exists) await moveTo(branch);
  const info = resumed ? { resumed } : {};
  if (!plan.outcomes.some((o) => o.action !== "keep")) {
    if (position === prBase && start !== prBase) {
      // The base already has these values: nothing to propose; leave the checkout where it was.
      await restore();
      return { upToDate: true, plan, branch: prBase, ...info };
    }
    // Push and open the PR only for a branch that exists: a re-run after a failed push resumes here.
    const at = position ?? prBase;
    return { upToDate: true, plan, branch: at, ...info, ...(await pushAndOpen(dir, plan, at, prBase, options, false)) };
  }
  const refuse = async (error: Error) => {
    await restore();
    throw error;
  };
  const needConfirm = unconfirmed(plan, options.confirm);
  if (needConfirm.length > 0) return refuse(new UnconfirmedChangeError(plan, needConfirm));
  if (plan.conflicts.length > 0 && options.conflict !== "markers") return refuse(new ConflictError(plan));
  if (!plan.introduced.valid) return refuse(new ValidationFailedError(plan.introduced));
  const fileChanges = changesOf(plan);
  try {
    await assertPathsInside(dir, fileChanges.writes.keys(), "write");
    await assertPathsInside(dir, fileChanges.deletes, "delete");
  } catch (error) {
    return refuse(error as Error);
  }
  const parent = (await gitAt(dir).revparse(["HEAD"])).trim();
  const sha = await commitChanges(dir, { parent, changes: fileChanges, message: options.message ?? clusterMessage(options, commitMessageFor(describePlan(plan))) });
  const checkedOut = branch === position;
  await advanceBranch(dir, { branch, sha, checkedOut, ...(checkedOut ? { from: parent } : {}) });
  return { upToDate: false, plan, branch, sha, ...info, ...(await pushAndOpen(dir, plan, branch, prBase, options, true)) };
}

/**
 * What this run commits on a parent (tree and message, as {@link updateRepository} would make it), to recognise its
 * own commit on an existing branch. The plan of the checkout (`current`, a clean work tree) is the plan of its
 * commit; another parent is planned from git's objects.
 */
function expectedCommit(dir: string, changes: RawParamsInput, options: UpdateOptions, current: { sha: string; plan: Plan }): ExpectedCommit {
  return async (parent) => {
    const planOptions = { blueprintVersion: options.blueprintVersion, toolVersion: options.toolVersion, at: parent, root: options.root };
    const there = parent === current.sha ? current.plan : await planUpdate(dir, changes, planOptions);
    if (!there.outcomes.some((o) => o.action !== "keep") || !there.report.valid) return undefined;
    if (there.conflicts.length > 0 && options.conflict !== "markers") return undefined;
    const tree = await treeWithChanges(dir, { parent, changes: changesOf(there) });
    return { tree, message: options.message ?? clusterMessage(options, commitMessageFor(describePlan(there))) };
  };
}

/** `committed`: the branch tip is this run's commit of `plan`, whose validation can be reused. */
async function pushAndOpen(dir: string, plan: Plan, branch: string, base: string, options: UpdateOptions, committed: boolean) {
  if (!options.pr || branch === base) return {};
  const { remoteUrl, token, username, tokenSource, timeoutMs } = options.pr;
  await pushBranch(dir, { remoteUrl, branch, ...(token ? { token } : {}), ...(username ? { username } : {}), ...(tokenSource ? { tokenSource } : {}), ...(timeoutMs !== undefined ? { timeoutMs } : {}) });
  // Described from the branch against its base, not from this run's plan: a re-run that finds the work done
  // (after a failed push, or to refresh the PR) must not rewrite the PR as "no changes".
  const described = await describeBranch(dir, base, branch, { repoUrls: [plan.rendered.context.gitops.repoUrl], root: options.root, ...(committed ? { report: plan.report } : {}) });
  // What the cluster keeps over its environment's is of the render, which this run's plan is (the branch holds it).
  const kept = keptOf(plan);
  const change = kept ? { ...described, kept } : described;
  const title = clusterMessage(options, commitMessageFor(change)).split("\n")[0]!;
  return { pullRequest: await options.pr.open(plan, branch, base, title, pullRequestBody(change, { base, head: branch })) };
}
