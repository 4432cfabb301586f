import { resolve } from "node:path";
import { UsageError, ValidationFailedError } from "../../errors.js";
import { leftOutLines, notPromotedLines, overlayChanges, overlayValuesChanges, ownValuesLines, promote } from "../../fleet/promote.js";
import { escapeText } from "../../terminal-text.js";
import { formatTerraformWarning, formatSummary } from "../../update/summary.js";
import { assertToolRepository } from "../../update/locate.js";
import { formatReport } from "../../validators/report/index.js";
import { commandHelp, parseCommand } from "../args.js";
import { promoteCommand } from "../flags.js";
import type { CliIo } from "../io.js";
import { pullRequestTarget } from "../pr-target.js";
import { formatPlanHeader } from "../plan-text.js";
import { changeRequestLine, repositoryForge } from "./add-cluster.js";

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values: opts, positionals } = parseCommand(promoteCommand, argv);
  if (opts.help) {
    io.stdout.write(commandHelp(promoteCommand));
    return 0;
  }
  const [from, to, target, ...extra] = positionals;
  if (from === undefined || to === undefined) throw new UsageError("promote needs two environments: promote <from-env> <to-env> [dir]");
  if (extra.length > 0) throw new UsageError(`promote takes two environments and a directory; unexpected ${extra.join(" ")}`);
  if (opts["dry-run"] && opts.pr) throw new UsageError("--dry-run writes nothing, so it opens no pull request: give one of them");
  const dir = resolve(target ?? ".");
  await assertToolRepository(dir, "promote", { git: true });
  let pr;
  const kind = opts.pr ? repositoryForge(dir, opts) : "github";
  if (opts.pr) pr = await pullRequestTarget(kind, dir, opts, io);
  let result;
  try {
    result = await promote(dir, from, to, { dryRun: opts["dry-run"] ?? false, ...(pr ? { pr } : {}) });
  } catch (error) {
    if (error instanceof ValidationFailedError) io.stdout.write(formatReport(error.report, "text"));
    throw error;
  }
  const print = (text: string) => io.stdout.write(escapeText(text));
  // Every target's replacements and destroys first, then each cluster's change.
  for (const { member, plan } of result.promotion.plans) {
    const warning = formatTerraformWarning(plan.summary.terraform);
    if (warning) print(`${member.name}: ${warning}`);
  }
  const notPromoted = notPromotedLines(result.promotion, (text) => text);
  if (notPromoted.length > 0) print(`${notPromoted.join("\n")}`);
  const leftOut = leftOutLines(result.promotion, (text) => text);
  if (leftOut.length > 0) print(`${leftOut.join("\n")}`);
  const overlay = result.promotion.overlay;
  const versions = overlay ? overlayChanges(overlay) : [];
  if (overlay && versions.length > 0) print(`Chart versions in ${overlay.path}:\n${versions.map(({ name, from, to }) => `  ${name}: ${from !== undefined ? `${from} -> ` : ""}${to}\n`).join("")}`);
  const values = overlay ? overlayValuesChanges(overlay) : [];
  if (overlay && values.length > 0) print(`Environment values in ${overlay.path}:\n${values.map(({ name, change, values }) => `  ${name}: ${change}${values ? ` ${JSON.stringify(values)}` : ""}\n`).join("")}`);
  const ownValues = ownValuesLines(result.promotion, (text) => text);
  if (ownValues.length > 0) print(`${ownValues.join("\n")}`);
  for (const { member, plan } of result.promotion.plans) print(`== cluster ${member.name} (${to}) ==\n${formatPlanHeader(plan)}${formatSummary(plan.summary)}`);
  if (!result.proposal) {
    print(opts["dry-run"] ? "Nothing was written (--dry-run).\n" : `${to} already has the platform state of ${from}: nothing to promote.\n`);
    return 0;
  }
  print(`${result.proposal.already ? "Already proposed" : `Committed ${result.proposal.sha.slice(0, 7)}`} on ${result.proposal.branch}: ${from} -> ${to}.\n`);
  if (result.proposal.pullRequest) print(changeRequestLine(kind, result.proposal.pullRequest));
  return 0;
}
