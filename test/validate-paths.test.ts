/**
 * Which files `validate` reads: a path the user names is validated whatever its name or folder (dot-folders
 * included); a folder walk leaves out CI workflows (linted as workflows), Helm values and the answers file. Runs
 * the built CLI.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { isManifestCandidate } from "../src/validators/index.js";
import { runCli, tempDir } from "./helpers/cli.js";

const BAD = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad\ndata:\n  key: [not, a, string]\n";
const GOOD = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: good\n";

interface JsonReport {
  summary: { resources: number; invalid: number; checks: { total: number }; leftOut?: number };
  resources: { file: string; validator: string; resource: string | null; notChecked?: string }[];
  problems: { file: string; line: number; rule: string }[];
}

describe("paths named on the command line", () => {
  const dir = tempDir("ccr-paths-");
  mkdirSync(join(dir, ".hidden", "deep"), { recursive: true });
  mkdirSync(join(dir, "repo", ".github", "workflows"), { recursive: true });
  writeFileSync(join(dir, ".hidden", "bad.yaml"), BAD);
  writeFileSync(join(dir, ".hidden", "deep", "good.yaml"), GOOD);
  writeFileSync(join(dir, "bad.yaml"), BAD);
  writeFileSync(join(dir, "repo", "good.yaml"), GOOD);
  writeFileSync(join(dir, "repo", "values.yaml"), "replicaCount: 2\n");
  writeFileSync(join(dir, "repo", ".github", "workflows", "ci.yml"), "on: push\njobs:\n  test:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ok\n");

  const json = async (args: string[]) => {
    const run = await runCli(["validate", "-o", "json", ...args], { cwd: dir });
    return { status: run.status, report: JSON.parse(run.stdout) as JsonReport };
  };

  test("a file inside a dot-folder, named explicitly, is validated", async () => {
    const { status, report } = await json([join(dir, ".hidden", "bad.yaml")]);
    expect(status).toBe(1);
    expect(report.summary).toMatchObject({ resources: 1, invalid: 1 });
    expect(report.problems).toEqual([expect.objectContaining({ file: join(dir, ".hidden", "bad.yaml"), line: 6, rule: "k8s-schema" })]);
  });

  test("a relative path starting with ./ is validated", async () => {
    const { status, report } = await json(["./bad.yaml", ".hidden/bad.yaml"]);
    expect(status).toBe(1);
    expect(report.summary).toMatchObject({ resources: 2, invalid: 2 });
    expect(report.problems.map((p) => p.file)).toEqual(["./bad.yaml", ".hidden/bad.yaml"]);
  });

  test("a dot-folder named explicitly is walked", async () => {
    const { status, report } = await json([".hidden"]);
    expect(status).toBe(1);
    expect(report.summary).toMatchObject({ resources: 2, invalid: 1 });
    expect(report.problems.map((p) => p.file)).toEqual([join(".hidden", "bad.yaml")]);
  });

  test("a folder walk reads workflows as workflows (actionlint), not as manifests, and leaves out Helm values, saying so", async () => {
    const { status, report } = await json(["repo"]);
    expect(status).toBe(0);
    expect(report.summary).toMatchObject({ resources: 1, checks: { total: 1 }, leftOut: 1 });
    expect(report.resources.filter((unit) => unit.validator !== "kubernetes")).toEqual([
      expect.objectContaining({ file: join("repo", "values.yaml"), validator: "walk", resource: join("repo", "values.yaml"), notChecked: "Helm values file, not a manifest" }),
      expect.objectContaining({ file: join("repo", ".github", "workflows", "ci.yml"), validator: "workflows" }),
    ]);
    expect(isManifestCandidate(".github/workflows/ci.yml")).toBe(false);
    expect(isManifestCandidate("values.yaml")).toBe(false);
    // Renovate's configuration, which every render has (and many repositories do): JSON, not a manifest.
    expect(isManifestCandidate("renovate.json")).toBe(false);
    expect(isManifestCandidate("deploy/renovate.json5")).toBe(false);
    expect(isManifestCandidate("deploy/renovate-config.json")).toBe(true);
  });
});
