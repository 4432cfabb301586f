import { resolve } from "node:path";
import { oneOf, parseFlags } from "../args.js";
import { paramsInputFromFlags } from "../params-input.js";
import { formatConflict, planDiff } from "../../update/apply.js";
import { assertToolRepository } from "../../update/locate.js";
import { planUpdate } from "../../update/plan.js";
import { formatSummary, formatTerraformWarning } from "../../update/summary.js";
import { escapeText } from "../../terminal-text.js";
import { formatReport } from "../../validators/report/index.js";

const flags = {
  set: { type: "string", multiple: true, short: "s" },
  values: { type: "string", short: "f" },
  gitops: { type: "string" },
  "blueprint-version": { type: "string" },
  diff: { type: "boolean" },
  output: { type: "string", short: "o" },
  verbose: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

export async function run(argv: string[]): Promise<number> {
  const { values: opts, positionals } = parseFlags(argv, flags);
  if (opts.help) {
    process.stdout.write("Usage: create-cluster-repo plan [dir] [--set key=value]... [--values file] [--blueprint-version latest] [--diff] [--output text|json]\nShows what a re-render with these changes would do; writes nothing.\n");
    return 0;
  }
  const output = oneOf("output", opts.output, ["text", "json"] as const) ?? "text";
  const dir = resolve(positionals[0] ?? ".");
  // The history is read only for a blueprint upgrade; otherwise plan works on the files alone.
  await assertToolRepository(dir, "plan", { git: opts["blueprint-version"] !== undefined });
  const plan = await planUpdate(dir, paramsInputFromFlags(opts), { blueprintVersion: opts["blueprint-version"] });
  for (const warning of plan.rendered.warnings) process.stderr.write(`warning: ${warning}\n`);
  if (output === "json") {
    const { summary, paramChanges, conflicts, report, blueprintUpgrade } = plan;
    process.stdout.write(`${JSON.stringify({ blueprintUpgrade: blueprintUpgrade ?? null, paramChanges, summary, conflicts: conflicts.map((c) => ({ path: c.path, reason: c.reason, hunks: c.hunks })), validation: { valid: report.valid, summary: report.summary } }, null, 2)}\n`);
  } else {
    const params = plan.paramChanges.map((c) => `  ${c.path}: ${JSON.stringify(c.from)} -> ${JSON.stringify(c.to)}`).join("\n");
    const upgrade = plan.blueprintUpgrade ? `Blueprint ${plan.blueprintUpgrade.id}: ${plan.blueprintUpgrade.from} -> ${plan.blueprintUpgrade.to}\n` : "";
    // Values, paths and file contents come from the user and the repository: escaped for the terminal. Replacements
    // and destroys first: the blast radius is what a reviewer must not miss.
    process.stdout.write(escapeText(`${formatTerraformWarning(plan.summary.terraform)}${upgrade}${params ? `Parameters:\n${params}\n` : "No parameter changes.\n"}${formatSummary(plan.summary)}`));
    if (plan.conflicts.length > 0) process.stdout.write(escapeText(`Conflicts with your edits (update refuses them unless --conflict markers):\n${plan.conflicts.map(formatConflict).join("")}`));
    if (opts.diff) process.stdout.write(escapeText(planDiff(plan)));
    if (!plan.report.valid) process.stdout.write(formatReport(plan.report, "text"));
  }
  return plan.report.valid && plan.conflicts.length === 0 ? 0 : 1;
}
