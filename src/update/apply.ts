import { rm } from "node:fs/promises";
import { join } from "node:path";
import { defaults } from "../defaults.js";
import { CliError, GitError, ValidationFailedError } from "../errors.js";
import { sortedTree } from "../generator/file-tree.js";
import { commitAll, createOrResetBranch, currentBranch, pushBranch, writeTreeAtomically } from "../git/repo.js";
import { gitAt } from "../git/client.js";
import type { RawParamsInput } from "../params/parse.js";
import { branchForChanges, commitMessageFor, describeBranch, describePlan, pullRequestBody } from "./describe.js";
import { planUpdate, type Plan } from "./plan.js";

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

export interface UpdateOptions {
  branch?: string;
  message?: string;
  /** "markers": write conflicting files with conflict markers instead of refusing. */
  conflict?: "refuse" | "markers";
  /** `latest` to upgrade the blueprint the answers file records (see {@link planUpdate}). */
  blueprintVersion?: string;
  /** Recorded in the answers file; defaults to this package's version. */
  toolVersion?: string;
  /** Push the branch and open or update a pull request. */
  pr?: { open(plan: Plan, branch: string, base: string, title: string, body: string): Promise<{ url: string; number: number; created: boolean }>; remoteUrl: string; token?: string };
}

export interface UpdateResult {
  upToDate: boolean;
  plan: Plan;
  /** The branch the result is on (the current branch when nothing had to change). */
  branch?: string;
  sha?: string;
  pullRequest?: { url: string; number: number; created: boolean };
}

export { branchForChanges, commitMessageFor, planDiff, pullRequestBody } from "./describe.js";

async function assertCleanWorkTree(dir: string) {
  const status = await gitAt(dir).status();
  if (!status.isClean()) throw new GitError(`${dir} has uncommitted changes (${status.files.length} files); commit or stash them, then run update again`);
}

async function branchExists(dir: string, branch: string): Promise<boolean> {
  const result = await gitAt(dir).raw(["branch", "--list", branch]);
  return result.trim() !== "";
}

/**
 * Re-render with the changes, merge with the team's edits, and commit on a branch; optionally push and open a PR.
 * Re-running with the same change lands on the same branch: nothing new to commit is "already up to date".
 * Nothing to change creates no branch; a refused update (conflict, invalid render) leaves the checkout as it was.
 */
export async function updateRepository(dir: string, changes: RawParamsInput, options: UpdateOptions = {}): Promise<UpdateResult> {
  await assertCleanWorkTree(dir);
  const baseBranch = (await currentBranch(dir)) ?? defaults.branch;
  const planOptions = { blueprintVersion: options.blueprintVersion, toolVersion: options.toolVersion };
  let plan = await planUpdate(dir, changes, planOptions);
  // Re-run on an update branch that already holds the change: stay on it instead of starting a "rerender" branch.
  const onUpdateBranch = baseBranch.startsWith(defaults.branchPrefix) && plan.paramChanges.length === 0 && !plan.blueprintUpgrade;
  const branch = options.branch ?? (onUpdateBranch ? baseBranch : branchForChanges(plan.paramChanges, plan.blueprintUpgrade));
  const prBase = onUpdateBranch ? defaults.branch : baseBranch;
  // An existing branch holds an earlier run's commit: build on it (fast-forward only, never a force-push).
  const switched = branch !== baseBranch && (await branchExists(dir, branch));
  if (switched) {
    await gitAt(dir).checkout(branch);
    plan = await planUpdate(dir, changes, planOptions);
  }
  const changed = plan.outcomes.some((o) => o.action !== "keep");
  if (!changed) {
    // Push and open the PR only for a branch that exists: a re-run after a failed push resumes here.
    const at = switched ? branch : baseBranch;
    return { upToDate: true, plan, branch: at, ...(await pushAndOpen(dir, plan, at, prBase, options, false)) };
  }
  const refuse = async (error: Error) => {
    if (switched) await gitAt(dir).checkout(baseBranch);
    throw error;
  };
  if (plan.conflicts.length > 0 && options.conflict !== "markers") return refuse(new ConflictError(plan));
  if (!plan.report.valid) return refuse(new ValidationFailedError(plan.report));
  if (branch !== baseBranch && !switched) await createOrResetBranch(dir, branch, "HEAD");
  // Write everything first (atomically per file), then delete; the work tree is never half-merged.
  const writes = new Map<string, string>();
  for (const outcome of plan.outcomes) {
    if (outcome.action === "write") writes.set(outcome.path, outcome.content);
    if (outcome.action === "conflict" && outcome.withMarkers !== undefined) writes.set(outcome.path, outcome.withMarkers);
  }
  if (writes.size > 0) await writeTreeAtomically(dir, sortedTree(writes), { force: true });
  for (const outcome of plan.outcomes) if (outcome.action === "delete") await rm(join(dir, outcome.path), { force: true });
  const commit = await commitAll(dir, options.message ?? commitMessageFor(describePlan(plan)));
  return { upToDate: false, plan, branch, sha: commit.sha, ...(await pushAndOpen(dir, plan, branch, prBase, options, true)) };
}

/** `committed`: the branch tip is this run's commit of `plan`, whose validation can be reused. */
async function pushAndOpen(dir: string, plan: Plan, branch: string, base: string, options: UpdateOptions, committed: boolean) {
  if (!options.pr || branch === base) return {};
  await pushBranch(dir, { remoteUrl: options.pr.remoteUrl, branch, token: options.pr.token });
  // Described from the branch against its base, not from this run's plan: a re-run that finds the work done
  // (after a failed push, or to refresh the PR) must not rewrite the PR as "no changes".
  const change = await describeBranch(dir, base, branch, { repoUrls: [plan.rendered.context.gitops.repoUrl], ...(committed ? { report: plan.report } : {}) });
  const title = commitMessageFor(change).split("\n")[0]!;
  return { pullRequest: await options.pr.open(plan, branch, base, title, pullRequestBody(change)) };
}
