import { summarize, type ValidationReport } from "../../types.js";
import { groupByCluster } from "../fleet-groups.js";
import type { ReportFormatter } from "../types.js";

/** Flat list of problems, the shape CI tools consume. */
export function reportProblems(report: ValidationReport) {
  return report.results.flatMap((result) =>
    result.problems.map((p) => ({ file: p.file, line: p.line ?? null, resource: p.resource ?? result.label ?? null, rule: p.rule, severity: p.severity, path: p.path ?? null, message: p.message })),
  );
}

/** `{valid, summary, problems, resources}`: problems flat, for scripts and CI annotations. */
export const json: ReportFormatter = {
  description: "one JSON object: valid, summary, problems (file, line, rule, message) and resources",
  format(report) {
    const resources = report.results.map((r) => ({ file: r.file, line: r.line ?? null, validator: r.validator, status: r.status, resource: r.label ?? null, ...(r.notChecked ? { notChecked: r.notChecked } : {}) }));
    if (!report.fleet) return `${JSON.stringify({ valid: report.valid, summary: report.summary, problems: reportProblems(report), resources }, null, 2)}\n`;
    // A fleet: each problem names its cluster (null: a repository-wide file), and `clusters` gives each one's verdict.
    const groups = groupByCluster(report, report.fleet.clusters, report.fleet.prefix);
    const problems = groups.flatMap(({ cluster, results }) => reportProblems({ ...report, results }).map((problem) => ({ ...problem, cluster: cluster?.name ?? null })));
    const clusters = groups.map(({ cluster, results }) => {
      const tally = summarize(results);
      return { cluster: cluster?.name ?? null, environment: cluster?.environment ?? null, root: cluster?.root ?? null, valid: tally.valid, resources: tally.summary.resources, checks: tally.summary.checks.total, problems: results.reduce((sum, result) => sum + result.problems.length, 0) };
    });
    return `${JSON.stringify({ valid: report.valid, summary: report.summary, problems, resources, clusters }, null, 2)}\n`;
  },
};
