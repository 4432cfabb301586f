import { rm } from "node:fs/promises";
import { join } from "node:path";
import { createTwoFilesPatch } from "diff";
import { defaults } from "../defaults.js";
import { CliError, GitError, ValidationFailedError } from "../errors.js";
import { sortedTree } from "../generator/file-tree.js";
import { commitAll, createOrResetBranch, currentBranch, pushBranch, writeTreeAtomically } from "../git/repo.js";
import { gitAt } from "../git/client.js";
import type { RawParamsInput } from "../params/parse.js";
import { planUpdate, type ParamChange, type Plan } from "./plan.js";
import { formatSummary } from "./summary.js";

export class ConflictError extends CliError {
  constructor(readonly plan: Plan) {
    super(
      `${plan.conflicts.length} file(s) conflict with your edits; nothing was written. Resolve them by hand, or run again with --conflict markers to write conflict markers:\n` +
        plan.conflicts.map((c) => `  - ${c.path}: ${c.reason}`).join("\n"),
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
  /** Push the branch and open or update a pull request. */
  pr?: { open(plan: Plan, branch: string, base: string, title: string, body: string): Promise<{ url: string; number: number; created: boolean }>; remoteUrl: string; token?: string };
}

export interface UpdateResult {
  upToDate: boolean;
  plan: Plan;
  branch?: string;
  sha?: string;
  pullRequest?: { url: string; number: number; created: boolean };
}

const show = (value: unknown) => (value === undefined ? "(unset)" : typeof value === "string" ? value : JSON.stringify(value));

/** `create-cluster-repo/gpupool-maxsize-3`: a stable branch per change, so a re-run finds the same branch and PR. */
export function branchForChanges(changes: ParamChange[]): string {
  const text = changes.map((c) => `${c.path}-${show(c.to)}`).join("-") || "rerender";
  const slug = text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 50).replace(/-+$/, "");
  return `${defaults.branchPrefix}${slug || "rerender"}`;
}

export function commitMessageFor(plan: Plan): string {
  const title = plan.paramChanges.length
    ? `Update ${plan.paramChanges.map((c) => `${c.path}=${show(c.to)}`).join(", ")}`.slice(0, 72)
    : `Re-render ${plan.answers.blueprint} ${plan.rendered.blueprint.version}`;
  const body = plan.paramChanges.map((c) => `- ${c.path}: ${show(c.from)} -> ${show(c.to)}`).join("\n");
  return body ? `${title}\n\n${body}\n` : `${title}\n`;
}

/** The PR body: parameter table, resource summary, validation, and the diff folded away (truncated if huge). */
export function pullRequestBody(plan: Plan, maxDiff = 50_000): string {
  const rows = plan.paramChanges.map((c) => `| \`${c.path}\` | \`${show(c.from)}\` | \`${show(c.to)}\` |`).join("\n");
  let diff = "";
  for (const [path, content] of plan.after) {
    const before = plan.before.get(path);
    if (before !== content) diff += createTwoFilesPatch(before === undefined ? "/dev/null" : `a/${path}`, `b/${path}`, before ?? "", content, "", "");
  }
  for (const path of plan.before.keys()) if (!plan.after.has(path)) diff += createTwoFilesPatch(`a/${path}`, "/dev/null", plan.before.get(path)!, "", "", "");
  const truncated = diff.length > maxDiff;
  const { valid, summary } = plan.report;
  return [
    `Re-rendered by ${defaults.toolName} from \`${defaults.answersFile}\` (blueprint \`${plan.answers.blueprint}\` ${plan.rendered.blueprint.version}).`,
    "",
    rows ? `| parameter | from | to |\n|---|---|---|\n${rows}` : "No parameter changes (re-render).",
    "",
    "### What changes",
    "```",
    formatSummary(plan.summary).trimEnd(),
    "```",
    "",
    `### Validation\n${valid ? "✅ valid" : "❌ invalid"}: ${summary.resources} checked, ${summary.invalid} invalid, ${summary.errors} errors.`,
    "",
    "<details><summary>Diff</summary>",
    "",
    "```diff",
    truncated ? `${diff.slice(0, maxDiff)}\n... (diff truncated: ${diff.length - maxDiff} more characters; see the Files tab)` : diff.trimEnd(),
    "```",
    "",
    "</details>",
  ].join("\n");
}

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
 */
export async function updateRepository(dir: string, changes: RawParamsInput, options: UpdateOptions = {}): Promise<UpdateResult> {
  await assertCleanWorkTree(dir);
  const baseBranch = (await currentBranch(dir)) ?? defaults.branch;
  let plan = await planUpdate(dir, changes);
  // Re-run on an update branch that already holds the change: stay on it instead of starting a "rerender" branch.
  const onUpdateBranch = baseBranch.startsWith(defaults.branchPrefix) && plan.paramChanges.length === 0;
  const branch = options.branch ?? (onUpdateBranch ? baseBranch : branchForChanges(plan.paramChanges));
  const prBase = onUpdateBranch ? defaults.branch : baseBranch;
  if (branch !== baseBranch) {
    // Build on the branch if it exists (fast-forward only, never a force-push), else start it here.
    if (await branchExists(dir, branch)) {
      await gitAt(dir).checkout(branch);
      plan = await planUpdate(dir, changes);
    } else await createOrResetBranch(dir, branch, "HEAD");
  }
  const changed = plan.outcomes.some((o) => o.action !== "keep");
  if (!changed) return { upToDate: true, plan, branch, ...(await pushAndOpen(dir, plan, branch, prBase, options)) };
  if (plan.conflicts.length > 0 && options.conflict !== "markers") {
    await gitAt(dir).checkout(baseBranch);
    throw new ConflictError(plan);
  }
  if (!plan.report.valid) {
    await gitAt(dir).checkout(baseBranch);
    throw new ValidationFailedError(plan.report);
  }
  // Write everything first (atomically per file), then delete; the work tree is never half-merged.
  const writes = new Map<string, string>();
  for (const outcome of plan.outcomes) {
    if (outcome.action === "write") writes.set(outcome.path, outcome.content);
    if (outcome.action === "conflict" && outcome.withMarkers !== undefined) writes.set(outcome.path, outcome.withMarkers);
  }
  if (writes.size > 0) await writeTreeAtomically(dir, sortedTree(writes), { force: true });
  for (const outcome of plan.outcomes) if (outcome.action === "delete") await rm(join(dir, outcome.path), { force: true });
  const commit = await commitAll(dir, options.message ?? commitMessageFor(plan));
  return { upToDate: false, plan, branch, sha: commit.sha, ...(await pushAndOpen(dir, plan, branch, prBase, options)) };
}

async function pushAndOpen(dir: string, plan: Plan, branch: string, base: string, options: UpdateOptions) {
  if (!options.pr || branch === base) return {};
  await pushBranch(dir, { remoteUrl: options.pr.remoteUrl, branch, token: options.pr.token });
  const title = commitMessageFor(plan).split("\n")[0]!;
  return { pullRequest: await options.pr.open(plan, branch, base, title, pullRequestBody(plan)) };
}
