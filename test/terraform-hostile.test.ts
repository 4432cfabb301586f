/**
 * Hostile Terraform input (issue 14): heredocs cost the HCL tools time quadratic in their line count, so a large
 * one used to take minutes. Files past the documented limit are refused with a clear error, the other files of the
 * folder are still validated, and a heredoc under the limit validates. Kill timeouts are generous and nothing here
 * asserts a duration: bench/terraform-hostile.mjs measures time against a same-size benign file.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MAX_TERRAFORM_FILE_BYTES } from "../src/validators/terraform/index.js";
import { spawnCli, tempDir, type CliRun } from "./helpers/cli.js";

const KILL_AFTER_MS = 240_000;

function validate(dir: string): Promise<CliRun> {
  return spawnCli(["validate", "-o", "json", "."], { cwd: dir, timeoutMs: KILL_AFTER_MS });
}

/** `locals { doc = <<EOT ... EOT }` of about `bytes` bytes, made of 71-byte lines. */
function heredocModule(bytes: number): string {
  const line = "x".repeat(70) + "\n";
  return `locals {\n  doc = <<EOT\n${line.repeat(Math.ceil(bytes / line.length))}EOT\n}\n`;
}

const GOOD = 'resource "scaleway_vpc" "main" {\n  name = "main"\n}\n';

/** The JSON report: units under `resources` (label in `resource`), problems in one list. */
interface Report {
  resources: { file: string; resource?: string; status: string }[];
  problems: { file: string; rule: string; message: string; line?: number }[];
}

describe("validate: Terraform files past the size limit", () => {
  it("refuses a 4 MiB heredoc file by name and limit, exit 1, and still validates the file beside it", async () => {
    const dir = join(tempDir("ccr-tf-hostile-"), "repo");
    mkdirSync(join(dir, "terraform"), { recursive: true });
    writeFileSync(join(dir, "terraform", "big.tf"), heredocModule(4 * 1024 * 1024));
    writeFileSync(join(dir, "terraform", "main.tf"), GOOD.replace("  name", "  nmae"));
    const run = await validate(dir);
    expect(run.signal).toBeNull();
    expect(run.status).toBe(1);
    const report = JSON.parse(run.stdout) as Report;
    expect(report.resources.find((unit) => unit.file === "terraform/big.tf")!.status).toBe("error");
    expect(report.problems.filter((problem) => problem.file === "terraform/big.tf")).toEqual([
      expect.objectContaining({ rule: "tf-file-too-large", message: expect.stringMatching(/^terraform\/big\.tf is 4\.0 MiB; Terraform files are validated up to 1 MiB/) }),
    ]);
    // the other file of the module is still checked against the provider table (references across the module are
    // not judged while one of its files is unread, as with a syntax error)
    expect(report.resources.find((unit) => unit.resource === "scaleway_vpc.main")!.status).toBe("invalid");
    expect(report.problems.filter((problem) => problem.file === "terraform/main.tf").map((problem) => problem.message)).toEqual([
      "nmae is not an argument or block of scaleway_vpc.main; did you mean name?",
    ]);
    expect(run.stderr).toBe("");
  }, KILL_AFTER_MS + 10_000);

  it("refuses a 50 MiB heredoc at once instead of running out of time", async () => {
    const dir = join(tempDir("ccr-tf-hostile-"), "repo");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "huge.tf"), heredocModule(50 * 1024 * 1024));
    writeFileSync(join(dir, "ok.tf"), GOOD);
    const run = await validate(dir);
    expect(run.signal).toBeNull();
    expect(run.status).toBe(1);
    const report = JSON.parse(run.stdout) as Report;
    expect(report.problems.map((problem) => [problem.file, problem.rule])).toEqual([["huge.tf", "tf-file-too-large"]]);
    expect(report.problems[0]!.message).toContain("huge.tf is 50.0 MiB; Terraform files are validated up to 1 MiB");
    expect(report.resources.find((unit) => unit.resource === "scaleway_vpc.main")!.status).toBe("valid");
  }, KILL_AFTER_MS + 10_000);

  it("validates a large heredoc under the limit (formatting, syntax and references), exit 0", async () => {
    const dir = join(tempDir("ccr-tf-hostile-"), "repo");
    mkdirSync(dir, { recursive: true });
    const almost = heredocModule(MAX_TERRAFORM_FILE_BYTES / 2).replace("EOT\n}", 'tail ${var.name}\nEOT\n}\n\nvariable "name" {\n  type = string\n}');
    expect(Buffer.byteLength(almost)).toBeLessThan(MAX_TERRAFORM_FILE_BYTES);
    writeFileSync(join(dir, "doc.tf"), almost);
    const run = await validate(dir);
    expect(run.signal).toBeNull();
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    // and a reference inside it is still resolved: an undeclared one is reported
    writeFileSync(join(dir, "doc.tf"), almost.replace("${var.name}", "${var.missing}"));
    const broken = await validate(dir);
    expect(broken.status).toBe(1);
    const problems = (JSON.parse(broken.stdout) as Report).problems;
    expect(problems).toEqual([expect.objectContaining({ rule: "tf-undeclared-reference", message: expect.stringContaining("var.missing") })]);
  }, 2 * KILL_AFTER_MS + 10_000);
});
