/**
 * The model of what the engines apply (src/validators/engines), on repositories held in memory: which Kustomization
 * substitutes what into which file, and which of several same-named ConfigMaps it reads.
 */
import { describe, expect, it } from "vitest";
import { treeSource, validateSource } from "../src/validators/index.js";
import type { ValidationReport } from "../src/validators/types.js";

const source = (name: string, namespace = "flux-system") => `apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: ${name}
  namespace: ${namespace}
spec:
  interval: 1m
  url: https://git.example.org/fleet.git
  ref:
    branch: main
`;

const kustomization = (name: string, path: string, postBuild = "") => `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: ${name}
  namespace: flux-system
spec:
  interval: 10m
  path: ${path}
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
${postBuild}`;

const settings = (data: Record<string, string>) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: cluster-settings
  namespace: flux-system
data:
${Object.entries(data).map(([key, value]) => `  ${key}: ${value}`).join("\n")}
`;

const FROM_SETTINGS = "  postBuild:\n    substituteFrom:\n      - kind: ConfigMap\n        name: cluster-settings\n";

const CLAIM = `apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: data
  namespace: apps
spec:
  accessModes: ["\${ACCESS:=ReadWriteOnce}"]
  resources:
    requests:
      storage: 1Gi
`;

async function validate(files: Record<string, string>): Promise<ValidationReport> {
  return validateSource(treeSource(new Map(Object.entries(files))), { strict: true, workflows: false, terraform: false });
}

const problems = (report: ValidationReport) => report.results.flatMap((result) => result.problems.map((problem) => [problem.file, problem.rule, problem.message]));
const unit = (report: ValidationReport, file: string) => report.results.find((result) => result.file === file && result.validator === "kubernetes");

describe("Flux post-build substitution", () => {
  it("checks a file once per Kustomization that applies it with other values, and reports a problem once", async () => {
    const files = {
      "flux.yaml": `${source("flux-system")}---\n${kustomization("flux-system", "./clusters")}`,
      "clusters/staging.yaml": kustomization("staging", "./apps", "  postBuild:\n    substitute:\n      ACCESS: ReadWriteOnce\n"),
      "clusters/production.yaml": kustomization("production", "./apps", "  postBuild:\n    substitute:\n      ACCESS: ReadWriteEverywhere\n"),
      "apps/claim.yaml": CLAIM,
    };
    const report = await validate(files);
    expect(problems(report)).toEqual([["apps/claim.yaml", "k8s-schema", expect.stringMatching(/^spec\.accessModes\[0\] must be one of /)]]);
    files["clusters/production.yaml"] = files["clusters/production.yaml"].replace("ReadWriteEverywhere", "ReadWriteMany");
    expect(unit(await validate(files), "apps/claim.yaml")?.status).toBe("valid");
  });

  it("reads the ConfigMap of the Kustomization's own cluster when every cluster has one of that name", async () => {
    const files = {
      "flux-staging.yaml": `${source("flux-system")}---\n${kustomization("flux-system", "./clusters/staging")}`,
      "clusters/staging/settings.yaml": settings({ ACCESS: "ReadWriteOnce" }),
      "clusters/staging/apps.yaml": kustomization("apps", "./apps", FROM_SETTINGS),
      "clusters/production/settings.yaml": settings({ ACCESS: "ReadWriteEverywhere" }),
      "apps/claim.yaml": CLAIM,
    };
    // Only the staging cluster's tree is applied here: its ConfigMap is the one read.
    expect(problems(await validate(files))).toEqual([]);
    expect(unit(await validate(files), "apps/claim.yaml")?.status).toBe("valid");
  });

  it("leaves a value unchecked, naming why, when same-named ConfigMaps of no applied tree disagree", async () => {
    const files = {
      "flux.yaml": `${source("flux-system")}---\n${kustomization("flux-system", "./clusters")}`,
      "clusters/apps.yaml": kustomization("apps", "./apps", FROM_SETTINGS),
      "config/staging/settings.yaml": settings({ ACCESS: "ReadWriteOnce" }),
      "config/production/settings.yaml": settings({ ACCESS: "ReadWriteEverywhere" }),
      "apps/claim.yaml": CLAIM,
    };
    const report = await validate(files);
    expect(problems(report)).toEqual([]);
    expect(unit(report, "apps/claim.yaml")).toMatchObject({ status: "skipped", notChecked: expect.stringContaining("ConfigMap flux-system/cluster-settings (the repository has 2 of that name that disagree)") });
  });

  it("evaluates defaults only when Flux substitutes: with substituteStrategy Always and no variable", async () => {
    const files = {
      "flux.yaml": `${source("flux-system")}---\n${kustomization("flux-system", "./clusters")}`,
      "clusters/apps.yaml": kustomization("apps", "./apps", "  postBuild:\n    substituteStrategy: Always\n"),
      "apps/claim.yaml": CLAIM.replace("ACCESS:=ReadWriteOnce", "ACCESS:=ReadWriteSometimes"),
    };
    expect(problems(await validate(files))).toEqual([["apps/claim.yaml", "k8s-schema", expect.stringMatching(/^spec\.accessModes\[0\] must be one of /)]]);
  });

  it("follows a generated kustomization: every YAML below the path, a folder with a kustomization as one build", async () => {
    const files = {
      "flux.yaml": `${source("flux-system")}---\n${kustomization("flux-system", "./clusters")}`,
      "clusters/apps.yaml": kustomization("apps", "./apps", "  postBuild:\n    substitute:\n      ACCESS: ReadWriteEverywhere\n"),
      "apps/deep/claim.yaml": CLAIM,
      "apps/packaged/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - listed.yaml\n",
      "apps/packaged/listed.yaml": CLAIM.replace("name: data", "name: listed"),
      "apps/packaged/unlisted.yaml": CLAIM.replace("name: data", "name: unlisted"),
    };
    const report = await validate(files);
    expect(problems(report).map(([file]) => file)).toEqual(["apps/deep/claim.yaml", "apps/packaged/listed.yaml"]);
    // Not in any build: nothing substitutes it.
    expect(unit(report, "apps/packaged/unlisted.yaml")).toMatchObject({ status: "skipped", notChecked: expect.stringContaining("no Flux Kustomization of these files substitutes") });
  });
});

describe("a parent Kustomization's spec.patches", () => {
  const parent = (target: string) =>
    kustomization(
      "apps",
      "./apps",
      `  postBuild:\n    substitute:\n      ACCESS: ReadWriteEverywhere\n  patches:\n    - patch: |-\n        apiVersion: kustomize.toolkit.fluxcd.io/v1\n        kind: Kustomization\n        metadata:\n          name: not-used\n        spec:\n          postBuild:\n            substitute:\n              ACCESS: ReadWriteEverywhere\n      target:\n        kind: Kustomization\n${target}`,
    );
  const files = (target: string, childName: string) => ({
    "flux.yaml": `${source("flux-system")}---\n${kustomization("flux-system", "./clusters")}`,
    "clusters/apps.yaml": parent(target),
    "apps/child.yaml": kustomization(childName, "./workloads"),
    "workloads/claim.yaml": CLAIM,
  });

  it("give the children they select their postBuild, selected by name as a regular expression", async () => {
    expect(problems(await validate(files("        name: db-.*\n", "db-main"))).map(([file]) => file)).toEqual(["workloads/claim.yaml"]);
    // Not selected: the child substitutes nothing, so its file stays unchecked.
    const other = await validate(files("        name: db-.*\n", "web"));
    expect(problems(other)).toEqual([]);
    expect(unit(other, "workloads/claim.yaml")?.status).toBe("skipped");
  });

  it("read a target's name pattern with RE2: a pattern that backtracks for ever in JavaScript matches in linear time", async () => {
    const report = await validate(files("        name: (a+)+\n", `${"a".repeat(60)}b`));
    expect(unit(report, "workloads/claim.yaml")?.status).toBe("skipped");
  });
});
