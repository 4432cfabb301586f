/**
 * The IP address formats the API server checks in custom resources (kube-openapi's format registry: `ipv4`,
 * `ipv6`), as RE2 patterns the schemas carry (formats are otherwise annotations here, see compile.ts). The
 * expressions are ajv-formats' own; `(?i)` stands for the `i` flag of its IPv6 expression.
 */
import { fullFormats } from "ajv-formats/dist/formats.js";

export const ADDRESS_PATTERNS: Readonly<Record<string, string>> = {
  ipv4: (fullFormats.ipv4 as RegExp).source,
  ipv6: `(?i)${(fullFormats.ipv6 as RegExp).source}`,
};

const FORMAT_OF_PATTERN = new Map(Object.entries(ADDRESS_PATTERNS).map(([format, pattern]) => [pattern, format]));

/** The format a pattern stands for ("ipv4"), so that an error names it instead of printing the expression. */
export function addressFormatOf(pattern: unknown): string | undefined {
  return typeof pattern === "string" ? FORMAT_OF_PATTERN.get(pattern) : undefined;
}
