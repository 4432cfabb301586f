import { resolve } from "node:path";
import { createTwoFilesPatch } from "diff";
import { oneOf, parseFlags } from "../args.js";
import { paramsInputFromFlags } from "../params-input.js";
import { planUpdate } from "../../update/plan.js";
import { formatSummary } from "../../update/summary.js";
import { formatReport } from "../../validators/report/index.js";

const flags = {
  set: { type: "string", multiple: true, short: "s" },
  values: { type: "string", short: "f" },
  gitops: { type: "string" },
  diff: { type: "boolean" },
  output: { type: "string", short: "o" },
  verbose: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

export async function run(argv: string[]): Promise<number> {
  const { values: opts, positionals } = parseFlags(argv, flags);
  if (opts.help) {
    process.stdout.write("Usage: create-cluster-repo plan [dir] [--set key=value]... [--values file] [--diff] [--output text|json]\nShows what a re-render with these changes would do; writes nothing.\n");
    return 0;
  }
  const output = oneOf("output", opts.output, ["text", "json"] as const) ?? "text";
  const plan = await planUpdate(resolve(positionals[0] ?? "."), paramsInputFromFlags(opts));
  if (output === "json") {
    const { summary, paramChanges, conflicts, report } = plan;
    process.stdout.write(`${JSON.stringify({ paramChanges, summary, conflicts: conflicts.map((c) => ({ path: c.path, reason: c.reason, hunks: c.hunks })), validation: { valid: report.valid, summary: report.summary } }, null, 2)}\n`);
  } else {
    const params = plan.paramChanges.map((c) => `  ${c.path}: ${JSON.stringify(c.from)} -> ${JSON.stringify(c.to)}`).join("\n");
    process.stdout.write(`${params ? `Parameters:\n${params}\n` : "No parameter changes.\n"}${formatSummary(plan.summary)}`);
    for (const conflict of plan.conflicts) process.stdout.write(`conflict: ${conflict.path}: ${conflict.reason}\n`);
    if (opts.diff) {
      for (const [path, content] of plan.after) {
        const before = plan.before.get(path);
        if (before !== content) process.stdout.write(createTwoFilesPatch(before === undefined ? "/dev/null" : `a/${path}`, `b/${path}`, before ?? "", content, "", ""));
      }
      for (const [path, content] of plan.before) if (!plan.after.has(path)) process.stdout.write(createTwoFilesPatch(`a/${path}`, "/dev/null", content, "", "", ""));
    }
    if (!plan.report.valid) process.stdout.write(formatReport(plan.report, "text"));
  }
  return plan.report.valid && plan.conflicts.length === 0 ? 0 : 1;
}
