import { describe, expect, test } from "vitest";
import { clusterOfPath, groupByCluster, type ReportCluster } from "../src/validators/report/fleet-groups.js";
import { formatReport } from "../src/validators/report/index.js";
import { summarize, type UnitResult } from "../src/validators/types.js";

/** validate's report of a fleet: a heading per cluster (its folders), repository-wide files last; text and JSON. */
const clusters: ReportCluster[] = [
  { name: "stg", environment: "staging", root: "fleet/stg/" },
  { name: "prod", environment: "production", root: "" },
];
const ok = (file: string, validator: UnitResult["validator"] = "kubernetes"): UnitResult => ({ file, validator, status: "valid", problems: [] });
const bad = (file: string, message: string, validator: UnitResult["validator"] = "kubernetes"): UnitResult => ({
  file,
  validator,
  status: "invalid",
  problems: [{ file, line: 3, rule: "k8s-schema", message, severity: "error" }],
});
const results = [
  bad("fleet/stg/apps/job.yaml", "spec.template: required"),
  ok("clusters/stg/apps.yaml"),
  bad("apps/web.yaml", "spec.replicas: must be integer"),
  ok("terraform/main.tf", "terraform"),
  ok("clusters/prod/apps.yaml"),
  bad(".github/workflows/terraform.yml", "unknown key", "workflows"),
];

describe("which cluster a file belongs to", () => {
  test.each([
    ["fleet/stg/terraform/main.tf", "stg"],
    ["clusters/stg/flux-system/gotk-sync.yaml", "stg"],
    ["clusters/prod/apps.yaml", "prod"],
    ["terraform/main.tf", "prod"],
    ["infrastructure/x/helmrelease.yaml", "prod"],
    ["cluster-repo.yaml", "prod"],
    [".cluster-repo/rendered.yaml", "prod"],
    // A folder fleet.yaml does not list is not a cluster's: the top-level (first) cluster is where it sits.
    ["fleet/old/terraform/main.tf", "prod"],
    ["fleet/prod/x.yaml", "prod"],
    [".github/workflows/validate.yml", null],
    [".gitlab-ci.yml", null],
    ["fleet.yaml", null],
    // An environment's overlay is shared by its clusters: the repository's.
    ["environments/staging/addons/kustomization.yaml", null],
  ])("%s -> %s", (path, expected) => {
    expect(clusterOfPath(path, clusters)?.name ?? null).toBe(expected);
  });

  test("paths shown from another folder (validate path/to/repo) are grouped by what follows the folder", () => {
    const report = summarize([ok("repo/fleet/stg/a.yaml"), ok("repo/.github/workflows/x.yml", "workflows")]);
    expect(groupByCluster(report, clusters, "repo").map((group) => [group.cluster?.name ?? null, group.results.map((r) => r.file)])).toEqual([
      ["stg", ["repo/fleet/stg/a.yaml"]],
      ["prod", []],
      [null, ["repo/.github/workflows/x.yml"]],
    ]);
  });
});

describe("the grouped report", () => {
  const report = { ...summarize(results), fleet: { clusters } };

  test("text: a heading per cluster in the fleet's order, its problems under it, the repository-wide files last, then the summary as before", () => {
    const text = formatReport(report, "text");
    expect(text.split("Summary:")[0]).toBe(
      [
        "== cluster stg (staging), fleet/stg/ ==",
        "fleet/stg/apps/job.yaml",
        "  fleet/stg/apps/job.yaml:3 error spec.template: required [k8s-schema]",
        "== cluster prod (production) ==",
        "apps/web.yaml",
        "  apps/web.yaml:3 error spec.replicas: must be integer [k8s-schema]",
        "== repository-wide files ==",
        ".github/workflows/terraform.yml",
        "  .github/workflows/terraform.yml:3 error unknown key [k8s-schema]",
        "",
      ].join("\n"),
    );
    expect(text.slice(text.indexOf("Summary:"))).toBe(formatReport(summarize(results), "text").slice(formatReport(summarize(results), "text").indexOf("Summary:")));
    const clean = formatReport({ ...summarize([ok("fleet/stg/a.yaml"), ok("terraform/main.tf", "terraform")]), fleet: { clusters } }, "text");
    expect(clean).toContain("== cluster stg (staging), fleet/stg/ ==\nNo problems (1 resource, 0 checks).\n== cluster prod (production) ==\nNo problems (0 resources, 1 check).\n");
  });

  test("JSON: each problem names its cluster, and each cluster has its verdict", () => {
    const json = JSON.parse(formatReport(report, "json"));
    expect(json.problems.map((p: { file: string; cluster: string | null }) => [p.cluster, p.file])).toEqual([
      ["stg", "fleet/stg/apps/job.yaml"],
      ["prod", "apps/web.yaml"],
      [null, ".github/workflows/terraform.yml"],
    ]);
    expect(json.clusters).toEqual([
      { cluster: "stg", environment: "staging", root: "fleet/stg/", valid: false, resources: 2, checks: 0, problems: 1 },
      { cluster: "prod", environment: "production", root: "", valid: false, resources: 2, checks: 1, problems: 1 },
      { cluster: null, environment: null, root: null, valid: false, resources: 0, checks: 1, problems: 1 },
    ]);
  });

  test("a single cluster's report is as it was: no headings, no cluster fields", () => {
    const single = summarize(results);
    expect(formatReport(single, "text")).not.toContain("==");
    const json = JSON.parse(formatReport(single, "json"));
    expect(Object.keys(json)).toEqual(["valid", "summary", "problems", "resources"]);
    expect(Object.keys(json.problems[0])).not.toContain("cluster");
  });
});
