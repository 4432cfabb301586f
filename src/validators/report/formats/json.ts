import type { ValidationReport } from "../../types.js";
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
    return `${JSON.stringify({ valid: report.valid, summary: report.summary, problems: reportProblems(report), resources }, null, 2)}\n`;
  },
};
