import { createRequire } from "node:module";
import type { ValidationReport } from "../../types.js";
import type { ReportFormatter } from "../types.js";

const require = createRequire(import.meta.url);

/** SARIF 2.1.0 for GitHub code scanning: one result per problem, with its file and line. */
export const sarif: ReportFormatter = {
  description: "SARIF 2.1.0: a result per problem with file and line (GitHub code scanning)",
  format(report: ValidationReport, { toolVersion = "0.0.0" } = {}): string {
    const { SarifBuilder, SarifRunBuilder, SarifResultBuilder, SarifRuleBuilder } = require("node-sarif-builder");
    const run = new SarifRunBuilder().initSimple({ toolDriverName: "create-cluster-repo", toolDriverVersion: toolVersion, url: "https://www.npmjs.com/package/create-cluster-repo" });
    const problems = report.results.flatMap((r) => r.problems);
    for (const rule of [...new Set(problems.map((p) => p.rule))].sort()) run.addRule(new SarifRuleBuilder().initSimple({ ruleId: rule, shortDescriptionText: rule }));
    for (const p of problems) {
      run.addResult(
        new SarifResultBuilder().initSimple({
          ruleId: p.rule,
          level: p.severity === "warning" ? "warning" : "error",
          messageText: p.resource ? `${p.resource}: ${p.message}` : p.message,
          fileUri: p.file,
          ...(p.line ? { startLine: p.line } : {}),
        }),
      );
    }
    const sarif = new SarifBuilder();
    sarif.addRun(run);
    return `${sarif.buildSarifJsonString({ indent: true })}\n`;
  },
};
