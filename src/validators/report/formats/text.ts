import pc from "picocolors";
import { escapeLine, escapeText } from "../../../terminal-text.js";
import type { Problem, ValidationReport } from "../../types.js";
import { groupByCluster } from "../fleet-groups.js";
import type { ReportFormatter } from "../types.js";

/** The problems of `results`, grouped by file, sorted by line. */
function problemLines(results: ValidationReport["results"], c: ReturnType<typeof pc.createColors>): string {
  const byFile = new Map<string, Problem[]>();
  for (const result of results) {
    for (const problem of result.problems) {
      if (!byFile.has(problem.file)) byFile.set(problem.file, []);
      byFile.get(problem.file)!.push(problem);
    }
  }
  let out = "";
  for (const file of [...byFile.keys()].sort()) {
    out += `${c.bold(escapeLine(file))}\n`;
    for (const problem of byFile.get(file)!.sort((a, b) => (a.line ?? 0) - (b.line ?? 0))) {
      const where = `${escapeLine(file)}${problem.line ? `:${problem.line}` : ""}`;
      const label = problem.severity === "warning" ? c.yellow("warning") : c.red("error");
      // File and resource names come from the repository: escaped, so they can neither colour the terminal nor
      // start a line of their own. A message keeps its own newlines (a terraform fmt diff).
      out += `  ${where} ${label} ${problem.resource ? `${escapeLine(problem.resource)}: ` : ""}${escapeText(problem.message)} ${c.dim(`[${problem.rule}]`)}\n`;
    }
  }
  return out;
}

/** In a fleet, a heading per cluster (as `check` writes it) and the repository-wide files last, each with its problems. */
function fleetGroups(report: ValidationReport, c: ReturnType<typeof pc.createColors>): string {
  let out = "";
  for (const { cluster, results } of groupByCluster(report, report.fleet!.clusters, report.fleet!.prefix)) {
    out += cluster ? `== cluster ${escapeLine(cluster.name)}${cluster.environment ? ` (${escapeLine(cluster.environment)})` : ""}${cluster.root ? `, ${escapeLine(cluster.root)}` : ""} ==\n` : "== repository-wide files ==\n";
    const lines = problemLines(results, c);
    const resources = results.filter((result) => result.validator === "kubernetes").length;
    const checks = results.filter((result) => result.validator !== "kubernetes" && result.validator !== "walk").length;
    out += lines || `No problems (${resources} resource${resources === 1 ? "" : "s"}, ${checks} check${checks === 1 ? "" : "s"}).\n`;
  }
  return out;
}

/** Problems grouped by file (by cluster first, in a fleet), sorted by line, then a kubeconform-like summary line. */
function formatText(report: ValidationReport, options: { color?: boolean } = {}): string {
  const c = pc.createColors(options.color ?? false);
  let out = report.fleet ? fleetGroups(report, c) : problemLines(report.results, c);
  const { resources, valid, invalid, errors, skipped, checks, leftOut } = report.summary;
  const notChecked = (validators: (result: ValidationReport["results"][number]) => boolean) => {
    const count = report.results.filter((result) => validators(result) && result.status === "skipped" && result.notChecked).length;
    return count > 0 ? ` (not checked: ${count}, see below)` : "";
  };
  out += `Summary: ${resources} resource${resources === 1 ? "" : "s"} found - Valid: ${valid}, Invalid: ${invalid}, Errors: ${errors}, Skipped: ${skipped}${notChecked((result) => result.validator === "kubernetes")}\n`;
  if (checks.total > 0) {
    const names = { gitops: "GitOps", terraform: "Terraform", workflows: "Workflows", "gitlab-ci": "GitLab CI", secrets: "Secrets" } as const;
    const kinds = (["gitops", "terraform", "workflows", "gitlab-ci", "secrets"] as const)
      .map((validator) => [names[validator], report.results.filter((result) => result.validator === validator).length] as const)
      .filter(([, count]) => count > 0)
      .map(([name, count]) => `${name} ${count}`);
    out += `Checks: ${checks.total} (${kinds.join(", ")}) - Valid: ${checks.valid}, Invalid: ${checks.invalid}, Errors: ${checks.errors}, Skipped: ${checks.skipped}${notChecked((result) => result.validator !== "kubernetes" && result.validator !== "walk")}\n`;
  }
  out += reasonLines(report, (result) => result.validator !== "walk", "not checked");
  if (leftOut) {
    out += `Left out of the folder walk: ${leftOut}\n`;
    out += reasonLines(report, (result) => result.validator === "walk", "left out");
  }
  return out;
}

/** One line per reason units were not checked (or left out), with a count and the first few labels. */
function reasonLines(report: ValidationReport, which: (result: ValidationReport["results"][number]) => boolean, heading: string): string {
  const byReason = new Map<string, string[]>();
  for (const result of report.results) {
    if (result.status !== "skipped" || !result.notChecked || !which(result)) continue;
    const labels = byReason.get(result.notChecked) ?? [];
    labels.push(escapeLine(result.label ?? result.file));
    byReason.set(result.notChecked, labels);
  }
  let out = "";
  for (const [reason, labels] of [...byReason].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const shown = labels.slice(0, 3).join(", ") + (labels.length > 3 ? `, and ${labels.length - 3} more` : "");
    out += `  ${heading}: ${labels.length} - ${reason}: ${shown}\n`;
  }
  return out;
}

export const text: ReportFormatter = {
  description: "problems grouped by file with line numbers, then a summary line (the default)",
  format: formatText,
};
