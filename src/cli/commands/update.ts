import { resolve } from "node:path";
import { UsageError, ValidationFailedError } from "../../errors.js";
import { forges, inferForge, isForgeKind, type ForgeKind } from "../../forge/registry.js";
import { readAnswers } from "../../update/plan.js";
import { escapeText } from "../../terminal-text.js";
import { updateRepository, type UpdateOptions } from "../../update/apply.js";
import { formatConsequences } from "../../update/consequences.js";
import { formatTerraformWarning } from "../../update/summary.js";
import { formatReport } from "../../validators/report/index.js";
import { commandHelp, parseCommand } from "../args.js";
import { updateCommand } from "../flags.js";
import { confirmedKinds } from "../plan-text.js";
import { paramsInputFromFlags } from "../params-input.js";
import type { CliIo, CliOutput } from "../io.js";
import type { RawParamsInput } from "../../params/parse.js";
import { gitAt } from "../../git/client.js";
import { currentBranch } from "../../git/repo.js";
import { proposalBase } from "../../fleet/propose.js";
import { assertToolRepository } from "../../update/locate.js";
import { clusterHeading, selectClusters } from "../fleet-selection.js";
import { pullRequestTarget } from "../pr-target.js";

/**
 * With --pr, the forge the change request goes to: the one whose API flag is given, else the repository's own (the
 * answers file's `forge`, read as update reads it; a repository rendered before the parameter existed is inferred
 * from its repoUrl). `undefined` without --pr.
 * @throws UsageError (exit 2) for an API flag without --pr, or flags of two forges.
 */
function prForge(opts: { pr?: boolean; "github-api-url"?: string; "gitlab-url"?: string }, dir: string): ForgeKind | undefined {
  const given = (["github", "gitlab"] as const).filter((kind) => opts[kind === "github" ? "github-api-url" : "gitlab-url"] !== undefined);
  if (!opts.pr) {
    if (given.length > 0) throw new UsageError(`${forges[given[0]!].apiUrlFlag} goes with --pr: it names the forge the ${forges[given[0]!].changeRequest} is opened on`);
    return undefined;
  }
  if (given.length > 1) throw new UsageError("--github-api-url and --gitlab-url are mutually exclusive: the repository is on one forge");
  if (given[0]) return given[0];
  try {
    const answers = readAnswers(dir);
    const recorded = answers.params.forge;
    return typeof recorded === "string" && isForgeKind(recorded) ? recorded : inferForge(typeof answers.params.repoUrl === "string" ? answers.params.repoUrl : undefined);
  } catch {
    return "github"; // no readable answers file: update says what is wrong with it, before anything is pushed
  }
}

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values: opts, positionals } = parseCommand(updateCommand, argv);
  if (opts.help) {
    io.stdout.write(commandHelp(updateCommand));
    return 0;
  }
  const dir = resolve(positionals[0] ?? ".");
  const conflict = opts.conflict;
  const options: UpdateOptions = { branch: opts.branch, message: opts.message, conflict, blueprintVersion: opts["blueprint-version"], confirm: confirmedKinds(opts.confirm) };
  const kind = prForge(opts, dir);
  if (kind) options.pr = await pullRequestTarget(kind, dir, opts, io);
  // Branch names, parameter paths and the forge's URLs are shown escaped.
  const print = (stream: CliOutput, text: string) => stream.write(escapeText(text));
  await assertToolRepository(dir, "update", { git: true });
  const { fleet, members } = selectClusters(dir, opts, "first");
  const changes = paramsInputFromFlags(opts);
  // Every cluster's branch starts where the first one's did: one branch (and pull request) per cluster, in
  // environment order, none carrying another cluster's change.
  const start = members.length > 1 ? await proposalBase(dir) : undefined;
  for (const member of members) {
    if (start !== undefined && (await currentBranch(dir)) !== start) await gitAt(dir).checkout(start);
    print(io.stdout, clusterHeading(fleet, member));
    const clusterOptions: UpdateOptions = { ...options, root: member.root, ...(fleet.file ? { cluster: member.name } : {}) };
    await updateCluster(dir, changes, clusterOptions, kind, io);
  }
  return 0;
}

async function updateCluster(dir: string, changes: RawParamsInput, options: UpdateOptions, kind: ForgeKind | undefined, io: CliIo): Promise<void> {
  const print = (stream: CliOutput, text: string) => stream.write(escapeText(text));
  let result;
  try {
    result = await updateRepository(dir, changes, options);
  } catch (error) {
    // A refusal shows the failing checks themselves, not only their count.
    if (error instanceof ValidationFailedError) io.stdout.write(formatReport(error.report, "text"));
    throw error;
  }
  if (result.resumed) print(io.stderr, `note: ${result.resumed}\n`);
  for (const warning of result.plan.rendered.warnings) print(io.stderr, `warning: ${warning}\n`);
  for (const problem of result.plan.preexisting) {
    print(io.stderr, `warning: already failing before this change (not caused by it): ${problem.file}${problem.line ? `:${problem.line}` : ""} ${problem.message} [${problem.rule}]\n`);
  }
  // What the merge does in the cluster, then what Terraform destroys: first, as in plan and the pull request.
  print(io.stdout, formatConsequences(result.plan.consequences) + formatTerraformWarning(result.plan.summary.terraform));
  const upgrade = result.plan.blueprintUpgrade;
  const what = [...(upgrade ? [`blueprint ${upgrade.id} ${upgrade.from} -> ${upgrade.to}`] : []), ...result.plan.paramChanges.map((c) => c.path)].join(", ") || "re-render";
  if (result.upToDate) print(io.stdout, `Already up to date on ${result.branch}.\n`);
  else print(io.stdout, `Committed ${result.sha?.slice(0, 7)} on ${result.branch}: ${what}.\n`);
  if (result.pullRequest && kind) {
    const { changeRequest, changeRequestRef } = forges[kind];
    const noun = `${changeRequest[0]!.toUpperCase()}${changeRequest.slice(1)}`;
    print(io.stdout, `${noun} ${changeRequestRef(result.pullRequest.number)} ${result.pullRequest.created ? "opened" : "updated"}: ${result.pullRequest.url}\n`);
  }
}
