import { escapeLine, jsonLine } from "../../../terminal-text.js";
import type { ValidationReport } from "../../types.js";
import type { ReportFormatter } from "../types.js";

/** TAP version 13: one test point per checked unit, problems as YAML diagnostics. */
export const tap: ReportFormatter = {
  description: "TAP version 13: a test point per checked unit, problems as YAML diagnostics",
  format(report: ValidationReport): string {
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
  },
};
