/**
 * The secrets rules of `validate` on a corpus case (test/fixtures/real-world/plaintext-secrets): every way the case
 * keeps a secret out of plain text passes, each way of writing one in is reported at its line with its rule and fix,
 * `--allow` and the allow comment pass a deliberate one, and the rules run where the repository declares them.
 */
import { cpSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { runCli, tempDir } from "./helpers/cli.js";
import { fixturesDir } from "./helpers/fixtures.js";

interface JsonReport {
  valid: boolean;
  problems: { file: string; line?: number; rule: string; message: string; severity: string }[];
  resources: { validator: string; status: string }[];
}

function copy(): string {
  const dir = join(tempDir("ccr-validate-secrets-"), "repo");
  cpSync(join(fixturesDir, "real-world", "plaintext-secrets"), dir, { recursive: true });
  return dir;
}

/** Replaces `from` in a file of `dir`; returns the 1-based line of the change. */
function edit(dir: string, file: string, from: string, to: string): number {
  const text = readFileSync(join(dir, file), "utf8");
  const at = text.indexOf(from);
  if (at < 0) throw new Error(`"${from}" not in ${file}`);
  writeFileSync(join(dir, file), text.slice(0, at) + to + text.slice(at + from.length));
  return text.slice(0, at).split("\n").length;
}

async function validate(dir: string, args: string[] = []) {
  const run = await runCli(["validate", "--strict", "--ignore-missing-schemas", "-o", "json", ...args, "."], { cwd: dir, env: { GITHUB_BASE_REF: "" } });
  return { status: run.status, report: JSON.parse(run.stdout) as JsonReport };
}

const secretsProblems = (report: JsonReport) => report.problems.filter((p) => p.rule.startsWith("secrets-")).map((p) => [p.rule, p.file, p.line]);

/** One plaintext secret of each kind, written into a copy of the case; returns the expected findings. */
function leak(dir: string): Array<[string, string, number]> {
  return [
    ["secrets-plaintext-secret", "apps/web/settings.yaml", edit(dir, "apps/web/settings.yaml", "session-key: ${WEB_SESSION_KEY}", "session-key: 7hN2kQ9xLmP4vR8wZ1cB5yT3")],
    ["secrets-high-entropy-env", "apps/billing/deployment.yaml", edit(dir, "apps/billing/deployment.yaml", "value: checkoutV2,invoicePdf,taxRatesEU", "value: Xk9mP2vL8qR4wN7tZ3cB6yH1")],
    ["secrets-token", "terraform/main.tf", edit(dir, "terraform/main.tf", '  region     = "fr-par"', '  region     = "fr-par"\n  # token = "glpat-Ab3dEf6hIj9kLm2nOp5q"') + 1],
    ["secrets-private-key", "apps/billing/registry.yaml", edit(dir, "apps/billing/registry.yaml", "type: kubernetes.io/service-account-token\n", "type: kubernetes.io/service-account-token\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deploy-key\ndata:\n  id: |\n    -----BEGIN OPENSSH PRIVATE KEY-----\n    b3BlbnNzaC1rZXktdjEAAAAABG5vbmU=\n    -----END OPENSSH PRIVATE KEY-----\n") + 8],
  ];
}

describe("secrets rules on the plaintext-secrets corpus case", () => {
  test("every way the case keeps secrets out of plain text passes: SOPS, Flux substitutions, ExternalSecret, SealedSecret, token Secrets, references in env, IDs in Terraform", async () => {
    const { status, report } = await validate(copy());
    expect(report.problems).toEqual([]);
    expect(status).toBe(0);
    expect(report.resources.filter((unit) => unit.validator === "secrets")).toEqual([expect.objectContaining({ status: "valid" })]);
  });

  test("a secret written in is reported at its line, with its rule and how to fix it; exit 1", async () => {
    const dir = copy();
    const expected = leak(dir);
    const { status, report } = await validate(dir);
    expect(secretsProblems(report).sort()).toEqual(expected.sort());
    expect(status).toBe(1);
    const message = (rule: string) => report.problems.find((p) => p.rule === rule)!.message;
    expect(message("secrets-plaintext-secret")).toContain('stringData holds "session-key" in plain text');
    expect(message("secrets-plaintext-secret")).toContain("sops -e -i apps/web/settings.yaml");
    expect(message("secrets-high-entropy-env")).toContain("env FEATURE_FLAGS looks like a secret");
    expect(message("secrets-token")).toContain("a GitLab token in plain text");
    expect(message("secrets-private-key")).toContain("a private key in plain text");
  });

  test("--allow passes a rule or a path; an allow comment passes one line", async () => {
    const dir = copy();
    leak(dir);
    const byRule = await validate(dir, ["--allow", "secrets-token", "--allow", "secrets-private-key"]);
    expect(secretsProblems(byRule.report).map(([rule]) => rule).sort()).toEqual(["secrets-high-entropy-env", "secrets-plaintext-secret"]);
    const byPath = await validate(dir, ["--allow", "apps/", "--allow", "*.tf"]);
    expect(secretsProblems(byPath.report)).toEqual([]);
    expect(byPath.status).toBe(0);
    edit(dir, "apps/web/settings.yaml", "stringData:\n", "# create-cluster-repo: allow secrets-plaintext-secret (a test fixture's key)\nstringData:\n");
    edit(dir, "apps/web/settings.yaml", "session-key:", "# create-cluster-repo: allow secrets-plaintext-secret\n  session-key:");
    expect(secretsProblems((await validate(dir)).report).map(([rule]) => rule)).not.toContain("secrets-plaintext-secret");
  });

  test("the rules run where the answers file records the secrets parameter, or with --refuse-plaintext-secrets", async () => {
    const dir = copy();
    leak(dir);
    rmSync(join(dir, "cluster-repo.yaml"));
    const undeclared = await validate(dir);
    expect(undeclared.report.resources.some((unit) => unit.validator === "secrets")).toBe(false);
    expect(undeclared.status).toBe(0);
    expect(secretsProblems((await validate(dir, ["--refuse-plaintext-secrets"])).report)).toHaveLength(4);
  });
});
