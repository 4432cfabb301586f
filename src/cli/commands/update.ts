import { resolve } from "node:path";
import { ValidationFailedError } from "../../errors.js";
import { networkTimeoutMs } from "../../network.js";
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

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values: opts, positionals } = parseCommand(updateCommand, argv);
  if (opts.help) {
    io.stdout.write(commandHelp(updateCommand));
    return 0;
  }
  const dir = resolve(positionals[0] ?? ".");
  const conflict = opts.conflict;
  const options: UpdateOptions = { branch: opts.branch, message: opts.message, conflict, blueprintVersion: opts["blueprint-version"], confirm: confirmedKinds(opts.confirm) };
  if (opts.pr) {
    const { connectForge, pullRequestPublisher } = await import("../../publish.js");
    options.pr = await pullRequestPublisher(connectForge({ apiUrl: opts["github-api-url"], timeoutMs: networkTimeoutMs(opts["network-timeout"], io.env), env: io.env }), dir);
  }
  // Branch names, parameter paths and the forge's URLs are shown escaped.
  const print = (stream: CliOutput, text: string) => stream.write(escapeText(text));
  let result;
  try {
    result = await updateRepository(dir, paramsInputFromFlags(opts), options);
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
  if (result.pullRequest) print(io.stdout, `Pull request #${result.pullRequest.number} ${result.pullRequest.created ? "opened" : "updated"}: ${result.pullRequest.url}\n`);
  return 0;
}
