import { resolve } from "node:path";
import { commandHelp, parseCommand } from "../args.js";
import { planCommand } from "../flags.js";
import { confirmedKinds, formatPlanHeader, formatRefusals } from "../plan-text.js";
import { paramsInputFromFlags } from "../params-input.js";
import { formatConflict, planDiff, unconfirmed } from "../../update/apply.js";
import { assertToolRepository } from "../../update/locate.js";
import { planUpdate } from "../../update/plan.js";
import { formatSummary } from "../../update/summary.js";
import { escapeText } from "../../terminal-text.js";
import type { CliIo } from "../io.js";

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values: opts, positionals } = parseCommand(planCommand, argv);
  if (opts.help) {
    io.stdout.write(commandHelp(planCommand));
    return 0;
  }
  const output = opts.output ?? "text";
  const dir = resolve(positionals[0] ?? ".");
  const confirmed = confirmedKinds(opts.confirm);
  // Without git, plan works on the files alone while the record holds what it needs (last-render.ts says when not).
  await assertToolRepository(dir, "plan", { git: false });
  const plan = await planUpdate(dir, paramsInputFromFlags(opts), { blueprintVersion: opts["blueprint-version"] });
  for (const warning of plan.rendered.warnings) io.stderr.write(`warning: ${warning}\n`);
  const needConfirm = unconfirmed(plan, confirmed);
  if (output === "json") {
    const { summary, paramChanges, paramsGained, migrations, changelog, consequences, releases, conflicts, report, introduced, preexisting, blueprintUpgrade, base } = plan;
    io.stdout.write(
      `${JSON.stringify(
        {
          releases,
          blueprintUpgrade: blueprintUpgrade ?? null,
          base,
          consequences,
          changelog,
          migrations,
          paramsGained,
          paramChanges,
          summary,
          conflicts: conflicts.map((c) => ({ path: c.path, reason: c.reason, hunks: c.hunks })),
          validation: { valid: introduced.valid, summary: report.summary, introduced: introduced.summary, preexisting },
          refused: needConfirm.map((c) => c.confirm),
        },
        null,
        2,
      )}\n`,
    );
  } else {
    // Values, paths and file contents come from the user and the repository: escaped for the terminal. What the
    // merge does in the cluster and what Terraform destroys come first: the blast radius is what a reviewer must not miss.
    io.stdout.write(escapeText(`${formatPlanHeader(plan)}${formatSummary(plan.summary)}`));
    if (plan.conflicts.length > 0) io.stdout.write(escapeText(`Conflicts with your edits (update refuses them unless --conflict markers):\n${plan.conflicts.map(formatConflict).join("")}`));
    if (opts.diff) io.stdout.write(escapeText(planDiff(plan)));
    io.stdout.write(formatRefusals(plan, needConfirm));
  }
  return plan.introduced.valid && plan.conflicts.length === 0 && needConfirm.length === 0 ? 0 : 1;
}
