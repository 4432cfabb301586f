import { resolve } from "node:path";
import { commandHelp, parseCommand } from "../args.js";
import { planCommand } from "../flags.js";
import { paramsInputFromFlags } from "../params-input.js";
import { formatConflict, planDiff } from "../../update/apply.js";
import { assertToolRepository } from "../../update/locate.js";
import { planUpdate } from "../../update/plan.js";
import { formatSummary, formatTerraformWarning } from "../../update/summary.js";
import { escapeText } from "../../terminal-text.js";
import { formatReport } from "../../validators/report/index.js";
import type { CliIo } from "../io.js";

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values: opts, positionals } = parseCommand(planCommand, argv);
  if (opts.help) {
    io.stdout.write(commandHelp(planCommand));
    return 0;
  }
  const output = opts.output ?? "text";
  const dir = resolve(positionals[0] ?? ".");
  // The history is read only for a blueprint upgrade; otherwise plan works on the files alone.
  await assertToolRepository(dir, "plan", { git: opts["blueprint-version"] !== undefined });
  const plan = await planUpdate(dir, paramsInputFromFlags(opts), { blueprintVersion: opts["blueprint-version"] });
  for (const warning of plan.rendered.warnings) io.stderr.write(`warning: ${warning}\n`);
  if (output === "json") {
    const { summary, paramChanges, conflicts, report, blueprintUpgrade } = plan;
    io.stdout.write(`${JSON.stringify({ blueprintUpgrade: blueprintUpgrade ?? null, paramChanges, summary, conflicts: conflicts.map((c) => ({ path: c.path, reason: c.reason, hunks: c.hunks })), validation: { valid: report.valid, summary: report.summary } }, null, 2)}\n`);
  } else {
    const params = plan.paramChanges.map((c) => `  ${c.path}: ${JSON.stringify(c.from)} -> ${JSON.stringify(c.to)}`).join("\n");
    const upgrade = plan.blueprintUpgrade ? `Blueprint ${plan.blueprintUpgrade.id}: ${plan.blueprintUpgrade.from} -> ${plan.blueprintUpgrade.to}\n` : "";
    // Values, paths and file contents come from the user and the repository: escaped for the terminal. Replacements
    // and destroys first: the blast radius is what a reviewer must not miss.
    io.stdout.write(escapeText(`${formatTerraformWarning(plan.summary.terraform)}${upgrade}${params ? `Parameters:\n${params}\n` : "No parameter changes.\n"}${formatSummary(plan.summary)}`));
    if (plan.conflicts.length > 0) io.stdout.write(escapeText(`Conflicts with your edits (update refuses them unless --conflict markers):\n${plan.conflicts.map(formatConflict).join("")}`));
    if (opts.diff) io.stdout.write(escapeText(planDiff(plan)));
    if (!plan.report.valid) io.stdout.write(formatReport(plan.report, "text"));
  }
  return plan.report.valid && plan.conflicts.length === 0 ? 0 : 1;
}
