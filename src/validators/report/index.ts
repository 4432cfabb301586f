/**
 * The report formats: one file each in formats/, registered once here. The --output choices, `validate --help` and
 * the unknown-format error are derived from this record; a test checks that every file in formats/ is registered
 * and that README.md lists every format.
 */
import { UsageError } from "../../errors.js";
import type { ValidationReport } from "../types.js";
import { json } from "./formats/json.js";
import { junit } from "./formats/junit.js";
import { sarif } from "./formats/sarif.js";
import { tap } from "./formats/tap.js";
import { text } from "./formats/text.js";
import type { FormatOptions, ReportFormatter } from "./types.js";

export type { FormatOptions, ReportFormatter } from "./types.js";
export { reportProblems } from "./formats/json.js";

/** Every report format, by the name --output takes; `text` first: it is the default. */
export const reportFormatters = { text, json, junit, sarif, tap } as const satisfies Record<string, ReportFormatter>;

export type ReportFormat = keyof typeof reportFormatters;
export const reportFormats = Object.keys(reportFormatters) as ReportFormat[];

export function isReportFormat(name: string): name is ReportFormat {
  return Object.hasOwn(reportFormatters, name);
}

/** The report in one format; an unknown format is a usage error (exit 2), never a silent fallback to text. */
export function formatReport(report: ValidationReport, format: string, options: FormatOptions = {}): string {
  if (!isReportFormat(format)) throw new UsageError(`--output must be one of ${reportFormats.join(", ")} (got "${format}")`);
  return reportFormatters[format].format(report, options);
}
