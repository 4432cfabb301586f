import type { ValidationReport } from "../types.js";

export interface FormatOptions {
  /** ANSI colours (text only). @default false */
  color?: boolean;
  /** The tool's version, where a format records it (SARIF). */
  toolVersion?: string;
}

/** One report format: a file in formats/, registered in index.ts. */
export interface ReportFormatter {
  /** One line for `validate --help`: what the format is and who reads it. */
  description: string;
  format(report: ValidationReport, options?: FormatOptions): string;
}
