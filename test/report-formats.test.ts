/**
 * The report-format registry: one file per format in src/validators/report/formats/, registered once; the --output
 * choices, `validate --help` and README.md follow it, and an unknown format is refused with exit 2.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, test } from "vitest";
import { UsageError } from "../src/errors.js";
import { formatReport, reportFormats, reportFormatters, type ReportFormat, type ReportFormatter } from "../src/validators/report/index.js";
import { summarize, type UnitResult } from "../src/validators/types.js";
import { runCli, tempDir } from "./helpers/cli.js";
import { repoRoot } from "./helpers/fixtures.js";

const FORMATS_DIR = join(repoRoot, "src", "validators", "report", "formats");

const results: UnitResult[] = [
  { file: "apps/web.yaml", line: 1, validator: "kubernetes", status: "valid", label: "Deployment web", problems: [] },
  {
    file: "apps/job.yaml",
    line: 3,
    validator: "kubernetes",
    status: "invalid",
    label: "Job smoke",
    problems: [{ file: "apps/job.yaml", line: 9, resource: "Job smoke", rule: "k8s-unknown-field", path: "spec.bogus", message: "unknown field bogus", severity: "error" }],
  },
  { file: "terraform/main.tf", line: 1, validator: "terraform", status: "skipped", label: "thing.x", problems: [] },
];
const report = summarize(results);

/** What each format must hold for this report. Typed by ReportFormat: a registered format without a check does not compile. */
const expectations: Record<ReportFormat, (out: string) => void> = {
  text: (out) => {
    expect(out).toContain("apps/job.yaml:9 error Job smoke: unknown field bogus [k8s-unknown-field]");
    // Kubernetes resources and the other checks (here a Terraform block) are counted apart.
    expect(out).toMatch(/Summary: 2 resources found - Valid: 1, Invalid: 1, Errors: 0, Skipped: 0\nChecks: 1 \(Terraform 1\) - Valid: 0, Invalid: 0, Errors: 0, Skipped: 1\n$/);
  },
  json: (out) => {
    const parsed = JSON.parse(out);
    expect(parsed.valid).toBe(false);
    expect(parsed.problems).toEqual([expect.objectContaining({ file: "apps/job.yaml", line: 9, rule: "k8s-unknown-field" })]);
    expect(parsed.resources).toHaveLength(3);
  },
  junit: (out) => {
    expect(out).toMatch(/^<\?xml/);
    expect(out).toMatch(/<testsuite name="kubernetes"[^>]*tests="2"[^>]*failures="1"/);
    expect(out).toContain("apps/job.yaml:9 unknown field bogus [k8s-unknown-field]");
  },
  sarif: (out) => {
    const parsed = JSON.parse(out);
    expect(parsed.version).toBe("2.1.0");
    expect(parsed.runs[0].results).toEqual([expect.objectContaining({ ruleId: "k8s-unknown-field", level: "error" })]);
    expect(parsed.runs[0].results[0].locations[0].physicalLocation.region.startLine).toBe(9);
  },
  tap: (out) => {
    expect(out.split("\n").slice(0, 2)).toEqual(["TAP version 13", "1..3"]);
    expect(out).toContain("not ok 2 - apps/job.yaml Job smoke");
    expect(out).toContain("ok 3 - terraform/main.tf thing.x # SKIP");
  },
};

describe("report formats", () => {
  test("every file in src/validators/report/formats/ is a registered format, and every format has its file", async () => {
    const registered = new Set<ReportFormatter>(Object.values(reportFormatters));
    const found = new Set<ReportFormatter>();
    for (const file of readdirSync(FORMATS_DIR).filter((name) => name.endsWith(".ts"))) {
      const module = (await import(pathToFileURL(join(FORMATS_DIR, file)).href)) as Record<string, unknown>;
      const formatters = Object.values(module).filter((value): value is ReportFormatter => typeof (value as ReportFormatter)?.format === "function");
      expect(formatters, `src/validators/report/formats/${file} exports no formatter`).not.toEqual([]);
      for (const formatter of formatters) {
        expect(registered.has(formatter), `register src/validators/report/formats/${file} in src/validators/report/index.ts`).toBe(true);
        found.add(formatter);
      }
    }
    expect(found.size).toBe(registered.size);
  });

  test.each(reportFormats)("%s", (format) => {
    expectations[format](formatReport(report, format, { toolVersion: "1.2.3" }));
  });

  test("an unknown format is a usage error, not text", () => {
    const error = (() => {
      try {
        formatReport(report, "xml");
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(2);
    expect((error as Error).message).toBe(`--output must be one of ${reportFormats.join(", ")} (got "xml")`);
  });

  test("validate --help and README.md list every format; validate -o <unknown> exits 2", async () => {
    const help = await runCli(["validate", "--help"]);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain(`--output ${reportFormats.join("|")}`);
    for (const format of reportFormats) expect(help.stdout).toContain(`${format}: ${reportFormatters[format].description}`);
    const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
    expect(readme.split("\n").find((line) => line.startsWith("create-cluster-repo validate [paths...]"))).toContain(`[--output ${reportFormats.join("|")}]`);
    for (const format of reportFormats) expect(readme, `README.md's Validation section: add \`${format}\` to "Reports:"`).toMatch(new RegExp(`^Reports: .*\`(--output )?${format}\``, "m"));

    const run = await runCli(["validate", "-o", "xml", tempDir()]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`--output must be one of ${reportFormats.join(", ")} (got "xml")`);
  });
});
