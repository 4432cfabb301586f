/** How `plan` and `update` describe a plan on the terminal (the pull request's version is src/update/describe.ts). */
import { UsageError } from "../errors.js";
import { escapeText } from "../terminal-text.js";
import { confirmKinds, formatConsequences, type Consequence } from "../update/consequences.js";
import { PRE_CATALOG_VERSION } from "../generator/answers.js";
import type { Plan } from "../update/plan.js";
import { formatTerraformWarning } from "../update/summary.js";
import { formatReport } from "../validators/report/index.js";

/** `--confirm` values, each one of the known kinds (a usage error names them otherwise). */
export function confirmedKinds(values: string[] | undefined): string[] {
  for (const value of values ?? []) {
    if (!(confirmKinds as string[]).includes(value)) throw new UsageError(`--confirm must be one of ${confirmKinds.join(", ")} (got "${value}")`);
  }
  return values ?? [];
}

const indent = (text: string, by: string) => text.replace(/^(?=.)/gm, by);
const show = (value: unknown) => JSON.stringify(value);

/**
 * Everything before the file summary, most consequential first: what the merge does in the cluster, what Terraform
 * destroys, the release upgrade with its changelog, the answers file's migration, new parameters, and the change.
 */
export function formatPlanHeader(plan: Plan): string {
  const { tool } = plan.releases;
  const upgrade = plan.blueprintUpgrade;
  const tools = tool.from !== tool.to ? ` (rendered by create-cluster-repo ${tool.from}, now ${tool.to})` : "";
  const release = upgrade
    ? `Blueprint ${upgrade.id}: ${upgrade.from} -> ${upgrade.to}${tools}\n` + plan.changelog.map((entry) => `  What ${entry.version} changes:\n${indent(entry.text, "    ")}\n`).join("")
    : tool.from !== tool.to
      ? `Rendered by create-cluster-repo ${tool.from}, now by ${tool.to} (blueprint ${plan.answers.blueprint} ${plan.answers.blueprintVersion} both)\n`
      : "";
  const catalog =
    plan.catalog.from !== plan.catalog.to
      ? `Add-on catalog: ${plan.catalog.from === PRE_CATALOG_VERSION ? "none recorded (before the catalog)" : plan.catalog.from} -> ${plan.catalog.to}\n` +
        plan.catalogChangelog.map((entry) => `  What ${entry.version} changes:\n${indent(entry.text, "    ")}\n`).join("")
      : "";
  const migrations = plan.migrations.length ? `Answers file migrated:\n${plan.migrations.map((m) => `  ${m.text}\n`).join("")}` : "";
  const gained = plan.paramsGained.length
    ? `New parameters, at their defaults (change them with --set):\n${plan.paramsGained.map((p) => `  ${p.path}: ${show(p.value)}${p.description ? `\n${indent(p.description, "      ")}` : ""}\n`).join("")}`
    : "";
  const params = plan.paramChanges.map((c) => `  ${c.path}: ${show(c.from)} -> ${show(c.to)}`).join("\n");
  const kept = plan.keptValues.length
    ? `Values ${plan.rendered.params.clusterName} keeps over ${plan.environment}'s (addons.<name>.values of its answers file; ${plan.environment}'s values apply to every other key):\n` +
      plan.keptValues.map((k) => `  ${k.addon}: ${k.path}: ${show(k.cluster)} (${plan.environment}: ${show(k.environment)})\n`).join("")
    : "";
  return (
    formatConsequences(plan.consequences) +
    formatTerraformWarning(plan.summary.terraform) +
    release +
    catalog +
    migrations +
    gained +
    (params ? `Parameters:\n${params}\n` : "No parameter changes.\n") +
    kept
  );
}

/** What makes `update` refuse the plan, each with what to do: failing checks, steps to confirm. Empty when none. */
export function formatRefusals(plan: Plan, needConfirm: Consequence[]): string {
  let out = "";
  if (!plan.introduced.valid) out += `The change fails validation (update refuses it):\n${formatReport(plan.introduced, "text")}`;
  if (plan.preexisting.length > 0) {
    out += escapeText(
      `Already failing before this change (not caused by it; the validate workflow reports them too):\n${plan.preexisting.map((p) => `  ${p.file}${p.line ? `:${p.line}` : ""} ${p.message} [${p.rule}]\n`).join("")}`,
    );
  }
  if (needConfirm.length > 0) {
    out += `update refuses this change until the steps before merging are done: then run it with ${needConfirm.map((c) => `--confirm ${c.confirm}`).join(" ")}\n`;
  }
  return out;
}
