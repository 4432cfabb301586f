import { createRequire } from "node:module";
import type { ValidationReport } from "../../types.js";
import type { ReportFormatter } from "../types.js";

const require = createRequire(import.meta.url);

/** One JUnit test case per checked unit, grouped in suites by validator; failures carry the problems. */
export const junit: ReportFormatter = {
  description: "JUnit XML: a test case per checked unit, in suites by validator (CI test reports)",
  format(report: ValidationReport): string {
    // The package is CommonJS whose module.exports is the builder itself (no `default`).
    const junitReportBuilder = require("junit-report-builder") as { newBuilder(): any };
    const builder = junitReportBuilder.newBuilder();
    for (const validator of ["kubernetes", "terraform", "gitops", "workflows", "gitlab-ci", "secrets"] as const) {
      const units = report.results.filter((r) => r.validator === validator);
      if (units.length === 0) continue;
      const suite = builder.testSuite().name(validator);
      for (const unit of units) {
        const testCase = suite.testCase().className(unit.file).name(unit.label ?? unit.file);
        const text = unit.problems.map((p) => `${p.file}${p.line ? `:${p.line}` : ""} ${p.message} [${p.rule}]`).join("\n");
        if (unit.status === "invalid") testCase.failure(text || "invalid", "invalid");
        else if (unit.status === "error") testCase.error(text || "error", "error");
        else if (unit.status === "skipped") testCase.skipped();
      }
    }
    return `${builder.build()}\n`;
  },
};
