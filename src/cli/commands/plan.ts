import { resolve } from "node:path";
import { commandHelp, parseCommand } from "../args.js";
import { planCommand } from "../flags.js";
import { confirmedKinds, formatPlanHeader, formatRefusals } from "../plan-text.js";
import { paramsInputFromFlags } from "../params-input.js";
import { formatConflict, planDiff, unconfirmed } from "../../update/apply.js";
import { assertToolRepository } from "../../update/locate.js";
import { planUpdate, type Plan } from "../../update/plan.js";
import { clusterHeading, selectClusters, unrenderableCluster } from "../fleet-selection.js";
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
  const { fleet, members } = selectClusters(dir, opts, "first");
  const changes = paramsInputFromFlags(opts);
  const results: Array<{ cluster: string; environment: string | null; plan: object | null; error?: string }> = [];
  let status = 0;
  // One plan per cluster, in environment order: each cluster is its own render, state and branch.
  const changesParams = (changes.sets?.length ?? 0) > 0 || Object.keys(changes.values ?? {}).length > 0;
  for (const member of members) {
    let plan: Plan;
    try {
      plan = await planUpdate(dir, changes, { blueprintVersion: opts["blueprint-version"], root: member.root });
    } catch (error) {
      const verdict = unrenderableCluster(error, members, changesParams);
      if (output === "json") results.push({ cluster: member.name, environment: member.environment ?? null, plan: null, error: verdict.trimEnd() });
      else io.stdout.write(escapeText(clusterHeading(fleet, member) + verdict));
      status = Math.max(status, 1);
      continue;
    }
    if (output !== "json") io.stdout.write(escapeText(clusterHeading(fleet, member)));
    const result = reportPlan(plan, output, Boolean(opts.diff), confirmed, io);
    status = Math.max(status, result.status);
    results.push({ cluster: member.name, environment: member.environment ?? null, plan: result.json });
  }
  // One cluster asked for the usual way: the object plan always printed; a fleet's: one per cluster.
  if (output === "json") io.stdout.write(`${JSON.stringify(opts.all || opts.env !== undefined || opts.cluster !== undefined ? results : results[0]!.plan, null, 2)}\n`);
  return status;
}

function reportPlan(plan: Plan, output: string, diff: boolean, confirmed: string[], io: CliIo): { status: number; json: object } {
  for (const warning of plan.rendered.warnings) io.stderr.write(`warning: ${warning}\n`);
  const needConfirm = unconfirmed(plan, confirmed);
  const status = plan.introduced.valid && plan.conflicts.length === 0 && needConfirm.length === 0 ? 0 : 1;
  if (output === "json") {
    const { summary, paramChanges, paramsGained, migrations, changelog, consequences, releases, conflicts, report, introduced, preexisting, blueprintUpgrade, base, keptValues } = plan;
    return {
      status,
      json: {
          releases,
          blueprintUpgrade: blueprintUpgrade ?? null,
          base,
          consequences,
          changelog,
          migrations,
          paramsGained,
          paramChanges,
          // In a fleet only: a single cluster's plan reads as it always did.
          ...(plan.environment ? { keptValues } : {}),
          summary,
          conflicts: conflicts.map((c) => ({ path: c.path, reason: c.reason, hunks: c.hunks })),
          validation: { valid: introduced.valid, summary: report.summary, introduced: introduced.summary, preexisting },
          refused: needConfirm.map((c) => c.confirm),
      },
    };
  } else {
    // Values, paths and file contents come from the user and the repository: escaped for the terminal. What the
    // merge does in the cluster and what Terraform destroys come first: the blast radius is what a reviewer must not miss.
    io.stdout.write(escapeText(`${formatPlanHeader(plan)}${formatSummary(plan.summary)}`));
    if (plan.conflicts.length > 0) io.stdout.write(escapeText(`Conflicts with your edits (update refuses them unless --conflict markers):\n${plan.conflicts.map(formatConflict).join("")}`));
    if (diff) io.stdout.write(escapeText(planDiff(plan)));
    io.stdout.write(formatRefusals(plan, needConfirm));
  }
  return { status, json: {} };
}
