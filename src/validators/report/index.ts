import { createRequire } from "node:module";
import type { ValidationReport } from "../types.js";
import { escapeLine, jsonLine } from "../../terminal-text.js";
import { formatText } from "./text.js";

export const reportFormats = ["text", "json", "junit", "sarif", "tap"] as const;
export type ReportFormat = (typeof reportFormats)[number];

const require = createRequire(import.meta.url);

/** Flat list of problems, the shape CI tools consume. */
export function reportProblems(report: ValidationReport) {
  return report.results.flatMap((result) =>
    result.problems.map((p) => ({ file: p.file, line: p.line ?? null, resource: p.resource ?? result.label ?? null, rule: p.rule, severity: p.severity, path: p.path ?? null, message: p.message })),
  );
}

function formatJson(report: ValidationReport): string {
  const resources = report.results.map((r) => ({ file: r.file, line: r.line ?? null, validator: r.validator, status: r.status, resource: r.label ?? null, ...(r.notChecked ? { notChecked: r.notChecked } : {}) }));
  return `${JSON.stringify({ valid: report.valid, summary: report.summary, problems: reportProblems(report), resources }, null, 2)}\n`;
}

/** One JUnit test case per checked unit, grouped in suites by validator; failures carry the problems. */
function formatJunit(report: ValidationReport): string {
  const builder = require("junit-report-builder").default.newBuilder();
  for (const validator of ["kubernetes", "terraform", "gitops", "workflows"] as const) {
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
}

/** SARIF 2.1.0 for GitHub code scanning: one result per problem, with its file and line. */
function formatSarif(report: ValidationReport, toolVersion: string): string {
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
}

/** TAP version 13: one test point per checked unit, problems as YAML diagnostics. */
function formatTap(report: ValidationReport): string {
  const lines = ["TAP version 13", `1..${report.results.length}`];
  report.results.forEach((unit, i) => {
    // One line per test point: a newline in a file or resource name must not forge another one.
    const name = escapeLine(`${unit.file}${unit.label ? ` ${unit.label}` : ""}`).replace(/#/g, "\\#");
    if (unit.status === "skipped") lines.push(`ok ${i + 1} - ${name} # SKIP`);
    else if (unit.status === "valid") lines.push(`ok ${i + 1} - ${name}`);
    else {
      lines.push(`not ok ${i + 1} - ${name}`, "  ---", `  status: ${unit.status}`, "  problems:");
      for (const p of unit.problems) lines.push(`    - ${jsonLine(`${p.file}${p.line ? `:${p.line}` : ""} ${p.message} [${p.rule}]`)}`);
      lines.push("  ...");
    }
  });
  return `${lines.join("\n")}\n`;
}

export function formatReport(report: ValidationReport, format: ReportFormat, options: { color?: boolean; toolVersion?: string } = {}): string {
  switch (format) {
    case "json":
      return formatJson(report);
    case "junit":
      return formatJunit(report);
    case "sarif":
      return formatSarif(report, options.toolVersion ?? "0.0.0");
    case "tap":
      return formatTap(report);
    default:
      return formatText(report, options);
  }
}
