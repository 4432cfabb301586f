/**
 * `validate` on layouts of real repositories, round 5 (issue 23, Kubernetes and GitOps repositories not seen before),
 * through the CLI's own entry (run `npm run build` first). One corpus folder per root cause in
 * test/fixtures/real-world, written by hand (no copied content): each test names its cause, checks that the folder
 * validates with no false alarm (`kubectl kustomize` builds each kustomization in it), and that a real mistake in it is
 * still reported.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { copyOfCase, editCase, lineOfText, validateJson } from "./helpers/corpus-copy.js";

interface JsonReport {
  valid: boolean;
  problems: { file: string; line?: number; rule: string; message: string; severity: string }[];
}

const copyOf = (name: string): string => copyOfCase(name, "ccr-real-world-r5-");

const validate = (dir: string, args: string[] = []) => validateJson<JsonReport>(dir, ["--strict", ...args]);

const errors = (report: JsonReport) => report.problems.filter((problem) => problem.severity === "error").map((problem) => [problem.rule, problem.file, problem.line]);

describe("patches kept ready are patches: an unnamed file among a patch folder's, entries behind a marker or above the field", () => {
  test("a CRD patch no entry names, a commented entry above `patches:` and a `#MARKER - path:` entry are no incomplete objects", async () => {
    const dir = copyOf("kustomize-ready-patches");
    const clean = await validate(dir);
    expect(clean.report.problems).toEqual([]);
    expect(clean.status).toBe(0);
  });

  test("a wrong value in each such patch is still an error; an unlisted file beside a kustomization is still a whole object", async () => {
    const dir = copyOf("kustomize-ready-patches");
    const ca = editCase(dir, "config/crd/patches/cainjection_in_cogs.yaml", "inject-ca-from: toys-system/toys-serving-cert", "inject-ca-from: 5");
    const metrics = editCase(dir, "config/default/manager_metrics_patch.yaml", "containerPort: 8080", "containerPort: metrics");
    const webhook = editCase(dir, "config/release/webhook_patch.yaml", "containerPort: 9443", "containerPort: webhook");
    writeFileSync(join(dir, "config/manager/extra.yaml"), "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: extra\nspec:\n  template:\n    spec:\n      containers:\n        - name: extra\n          image: registry.example.org/extra:1\n");
    const { status, report } = await validate(dir);
    expect(status).toBe(1);
    expect(errors(report)).toEqual([
      ["k8s-schema", "config/crd/patches/cainjection_in_cogs.yaml", ca],
      ["k8s-schema", "config/default/manager_metrics_patch.yaml", metrics],
      ["k8s-schema", "config/manager/extra.yaml", lineOfText(dir, "config/manager/extra.yaml", "spec:")],
      ["k8s-schema", "config/release/webhook_patch.yaml", webhook],
    ]);
  });
});
