/**
 * The GitLab CI of a fleet (docs/FLEETS.md, "CI of a fleet (GitLab)"): a fleet of three clusters, one per cloud the
 * blueprints cover (the first cluster, and two added), rendered as the first cluster's render writes the
 * repository-wide files. The pipeline passes the project's GitLab CI checks, and each cluster has its own jobs, rules,
 * environments and resource group, with the variables its own Terraform reads. Then terraform-fleet.cjs: its pure
 * functions, and reviewed-plan against the GitLab double.
 */
import { execFile, spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { parse as parseYaml } from "yaml";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { listBlueprints } from "../src/blueprints/registry.js";
import { fleetCiOf, type FleetMemberInput } from "../src/generator/fleet-ci.js";
import { terraformPipelineFor } from "../src/generator/terraform-pipeline.js";
import type { ClusterParams } from "../src/params/parse.js";
import { renderBlueprint } from "../src/render-blueprint.js";
import { validateGitLabCi } from "../src/validators/gitlab-ci/index.js";
import { tempDir } from "./helpers/cli.js";
import { startGitLabApiServer, type GitLabApiServer } from "./helpers/gitlab-api-server.js";

const REPO = { forge: "gitlab", repoUrl: "https://gitlab.example.org/acme/fleet.git" };
/** One blueprint per cloud, from the blueprints' own data: a fleet of mixed clouds, as many as there are (up to 3). */
const perCloud = [...new Map(listBlueprints().map((bp) => [bp.provider, bp] as const)).values()].slice(0, 3);
const names = ["prod", "stg", "edge"].slice(0, perCloud.length);

type Job = Record<string, any>;

async function renderFleet() {
  const renders = await Promise.all(
    perCloud.map((bp, i) => renderBlueprint(bp.id, { values: { ...REPO, clusterName: names[i] } }, { toolVersion: "1.4.2", ...(i > 0 ? { root: `fleet/${names[i]}/` } : {}) })),
  );
  const members: FleetMemberInput[] = perCloud.map((bp, i) => ({ name: names[i]!, root: i > 0 ? `fleet/${names[i]}/` : "", provider: bp.provider, params: renders[i]!.params as unknown as Record<string, unknown> }));
  const fleet = fleetCiOf(members);
  const first = await renderBlueprint(perCloud[0]!.id, { values: { ...REPO, clusterName: names[0] } }, { toolVersion: "1.4.2", fleet });
  return { fleet, members, renders, single: renders[0]!.tree, tree: first.tree };
}
let rendered: ReturnType<typeof renderFleet> | undefined;
const fleetRender = () => (rendered ??= renderFleet());

/** The rendered scripts of the fleet, written as in the repository: `.gitlab/scripts/` under a temporary folder. */
let scriptsDir: string | undefined;
async function scripts() {
  if (scriptsDir) return scriptsDir;
  const { tree } = await fleetRender();
  const root = tempDir("ccr-t21-fleet-scripts-");
  for (const [path, content] of tree) {
    if (!path.startsWith(".gitlab/scripts/")) continue;
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  scriptsDir = join(root, ".gitlab", "scripts");
  return scriptsDir;
}

/** A child process awaited, not waited on synchronously (test/suite-under-load.test.ts): its status and output. */
const run = (command: string, args: string[], input = "") =>
  new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(command, args, { stdio: "pipe" });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(input);
  });

describe(`the GitLab CI of a fleet of ${perCloud.map((bp) => bp.provider).join(", ")}`, () => {
  test("it passes the project's GitLab CI checks; a single cluster's render has neither the fleet's jobs nor its script", async () => {
    const { tree, single } = await fleetRender();
    expect(perCloud.length).toBeGreaterThan(1);
    expect(validateGitLabCi(".gitlab-ci.yml", tree.get(".gitlab-ci.yml")!)).toMatchObject({ status: "valid", problems: [] });
    expect(tree.has(".gitlab/scripts/terraform-fleet.cjs")).toBe(true);
    expect(single.has(".gitlab/scripts/terraform-fleet.cjs")).toBe(false);
    expect(single.get(".gitlab-ci.yml")).not.toMatch(/^terraform:plan:[a-z]/m);
    expect(tree.get(".gitlab-ci.yml")).toMatch(/^terraform:plan:[a-z]/m);
    expect(await run("sh", ["-n", "-c", tree.get(".gitlab/scripts/publish-plan-state.sh")!])).toMatchObject({ status: 0, stdout: "" });
    const check = await run(process.execPath, ["--check", "-"], tree.get(".gitlab/scripts/terraform-fleet.cjs")!);
    expect(check.status, check.stderr).toBe(0);
  });

  test("each cluster has a plan, a reviewed-plan and an apply job of its own: rules, environments, resource group, artifacts", async () => {
    const { tree, fleet } = await fleetRender();
    const ci = parseYaml(tree.get(".gitlab-ci.yml")!) as Record<string, Job>;
    const ciFiles = [".gitlab-ci.yml", ".gitlab/scripts/*"];
    expect(fleet.gitlab.map((cluster) => cluster.cluster)).toEqual(names);
    for (const { cluster, dir, group } of fleet.gitlab) {
      const plan = ci[`terraform:plan:${cluster}`]!;
      const reviewed = ci[`terraform:reviewed-plan:${cluster}`]!;
      const apply = ci[`terraform:apply:${cluster}`]!;
      expect(plan.extends).toBe(`.terraform-plan-${group}`);
      expect(apply.extends).toBe(`.terraform-apply-${group}`);
      // Its root and the CI files, nothing of another cluster's; merge requests of this project only.
      expect(plan.rules).toEqual([{ if: expect.stringContaining("$CI_MERGE_REQUEST_SOURCE_PROJECT_ID == $CI_PROJECT_ID"), changes: [`${dir}/**/*`, ...ciFiles] }]);
      expect(plan.environment).toEqual({ name: `${cluster}-plan`, action: "prepare" });
      expect(plan.variables).toMatchObject({ TF_ROOT: dir, CLUSTER: cluster });
      expect(plan.artifacts.paths).toEqual([`${dir}/plan.txt`, `${dir}/plan-digest.json`]);
      expect(plan.artifacts.reports.terraform).toBe(`${dir}/plan-report.json`);
      expect(plan.artifacts.access).toBe("developer");
      // The apply: the default branch only, manual, in the cluster's environment, one at a time per state.
      expect(apply.environment).toEqual({ name: cluster, action: "start" });
      expect(apply.resource_group).toBe(`terraform-${cluster}`);
      expect(apply.rules).toEqual([
        { if: "$CI_COMMIT_BRANCH == 'main' && $CI_PIPELINE_SOURCE == \"push\"", changes: [`${dir}/**/*`, ...ciFiles], when: "manual" },
        { if: `$CI_COMMIT_BRANCH == 'main' && $CI_PIPELINE_SOURCE == "web" && $PLAN_CLUSTER == "${cluster}"`, when: "manual" },
      ]);
      expect(reviewed.rules.map((rule: Job) => rule.if)).toEqual(apply.rules.map((rule: Job) => rule.if));
      expect(reviewed.rules[0].changes).toEqual(apply.rules[0].changes);
      expect(reviewed.variables).toEqual({ TF_ROOT: dir, CLUSTER: cluster });
      // Its own reviewed plan's file; every other cluster's reviewed-plan job must not have failed (all or none).
      expect(apply.needs).toEqual([
        { job: `terraform:reviewed-plan:${cluster}`, artifacts: true },
        ...names.filter((name) => name !== cluster).map((name) => ({ job: `terraform:reviewed-plan:${name}`, artifacts: false, optional: true })),
      ]);
      expect(reviewed.script).toEqual([`node .gitlab/scripts/terraform-fleet.cjs reviewed-plan > "reviewed-plan-${cluster}.json"`]);
    }
    // One resource group per cluster: clusters never wait for each other.
    expect(new Set(fleet.gitlab.map(({ cluster }) => ci[`terraform:apply:${cluster}`]!.resource_group)).size).toBe(names.length);
  });

  test("each job's variables are the ones its cluster's Terraform reads: its plan identity in the plan, its apply identity in the apply", async () => {
    const { tree, fleet, members } = await fleetRender();
    const ci = parseYaml(tree.get(".gitlab-ci.yml")!) as Record<string, Job>;
    const own = new Set(["TF_ROOT", "CLUSTER", "PLAN_STATE_KEY"]);
    const variables = (job: Job) => Object.fromEntries(Object.entries(job.variables as Record<string, string>).filter(([name]) => !own.has(name)));
    for (const member of members) {
      const pipeline = terraformPipelineFor(member.provider, { ...member.params, clusterName: member.name } as unknown as ClusterParams).gitlab!;
      const plan = variables(ci[`terraform:plan:${member.name}`]!);
      const apply = variables(ci[`terraform:apply:${member.name}`]!);
      expect(plan).toEqual(Object.fromEntries(pipeline.planEnv.map((item) => [item.env, item.value])));
      expect(apply).toEqual(Object.fromEntries(pipeline.applyEnv.map((item) => [item.env, item.value])));
      expect(Object.values(plan).join(" ")).not.toMatch(/\$APPLY_/);
      expect(Object.values(apply).join(" ")).not.toMatch(/\$PLAN_[A-Z]/);
      const cluster = fleet.gitlab.find((item) => item.cluster === member.name)!;
      const key = cluster.planStateKey;
      expect(ci[`terraform:plan:${member.name}`]!.variables.PLAN_STATE_KEY).toBe(key);
    }
    // Mixed clouds: as many hidden plan jobs as credential shapes, each extended by its own clusters only.
    expect(fleet.groups.length).toBe(new Set(members.map((member) => member.provider)).size);
    for (const group of fleet.groups) {
      expect(ci[`.terraform-plan-${group.id}`]!.id_tokens !== undefined).toBe(group.oidc);
      expect(ci[`.terraform-apply-${group.id}`]!.id_tokens !== undefined).toBe(group.oidc);
    }
  });

  test("validate runs once over the repository, check per cluster and Terraform per root", async () => {
    const { tree, fleet } = await fleetRender();
    const ci = parseYaml(tree.get(".gitlab-ci.yml")!) as Record<string, Job>;
    expect(ci["validate:manifests"]!.script.at(-1)).toMatch(/ validate --strict --pod-security restricted \.$/);
    expect(ci.check!.parallel.matrix).toEqual([{ CLUSTER: names }]);
    expect(ci.check!.script.at(-1)).toMatch(/ check --cluster "\$CLUSTER" \.$/);
    expect(ci["validate:terraform"]!.parallel.matrix).toEqual([{ TF_ROOT: fleet.gitlab.map((cluster) => cluster.dir) }]);
    expect(ci[".terraform"]!.before_script).toContain('cd "$TF_ROOT"');
  });

  test("publish-plan-state.sh writes only a root of the fleet, with that cluster's backend settings", async () => {
    const { tree, fleet } = await fleetRender();
    const script = tree.get(".gitlab/scripts/publish-plan-state.sh")!;
    for (const cluster of fleet.gitlab) {
      const branch = script.slice(script.lastIndexOf(`  ${cluster.dir})\n`));
      const lines = branch.split("\n").slice(1, 3).join("\n");
      for (const value of cluster.publishBackendConfig) expect(lines).toContain(`"-backend-config=${value}"`);
    }
    const dir = await scripts();
    const refused = await run("sh", [join(dir, "publish-plan-state.sh"), "fleet/other/terraform"]);
    expect(refused.status).toBe(2);
  });
});

describe("terraform-fleet.cjs: names, paths and decisions", () => {
  const load = async () => createRequire(import.meta.url)(join(await scripts(), "terraform-fleet.cjs"));
  const SHA = "a".repeat(40);
  const DIGEST = `sha256:${"c".repeat(64)}`;

  test("the plan job and its artifact are the cluster's", async () => {
    const fleetScript = await load();
    expect(fleetScript.planJobOf("stg")).toBe("terraform:plan:stg");
    expect(fleetScript.digestArtifactPath("42", 7, "fleet/stg/terraform")).toBe("/projects/42/jobs/7/artifacts/fleet/stg/terraform/plan-digest.json");
    expect(fleetScript.clusterOf({ CLUSTER: "stg", TF_ROOT: "fleet/stg/terraform" })).toEqual({ cluster: "stg", root: "fleet/stg/terraform" });
    expect(fleetScript.clusterOf({ CLUSTER: "prod", TF_ROOT: "terraform" })).toEqual({ cluster: "prod", root: "terraform" });
    for (const bad of [{ CLUSTER: "stg", TF_ROOT: "fleet/prod/terraform" }, { CLUSTER: "../x", TF_ROOT: "terraform" }, { CLUSTER: "stg", TF_ROOT: "/etc" }, {}]) expect(() => fleetScript.clusterOf(bad)).toThrow(/not a cluster of this fleet/);
  });

  test.each([
    ["this cluster at this commit", { sha: SHA, cluster: "stg", digest: DIGEST, terraformVersion: "1.14.3" }, { digest: DIGEST, terraformVersion: "1.14.3" }],
    ["another cluster's", { sha: SHA, cluster: "prod", digest: DIGEST }, undefined],
    ["a single cluster's (no cluster)", { sha: SHA, digest: DIGEST }, undefined],
    ["another commit's", { sha: "b".repeat(40), cluster: "stg", digest: DIGEST }, undefined],
    ["not a digest", { sha: SHA, cluster: "stg", digest: "sha256:nope" }, undefined],
  ])("reviewedDigest: %s", async (_name, digest, expected) => {
    expect((await load()).reviewedDigest(digest, { sha: SHA, cluster: "stg" })).toEqual(expected);
  });

  test("ownPlanNote: the token user's note of this cluster, never another user's or another cluster's", async () => {
    const { ownPlanNote } = await load();
    const marker = (cluster?: string) => `<!-- create-cluster-repo:terraform-plan ${JSON.stringify({ sha: SHA, cluster })} -->\n## Terraform plan`;
    const notes = [
      { id: 1, author: { id: 9 }, body: marker("stg") },
      { id: 2, author: { id: 5 }, body: marker("prod") },
      { id: 3, author: { id: 5 }, body: marker("stg"), system: true },
      { id: 4, author: { id: 5 }, body: marker("stg") },
      { id: 5, author: { id: 5 }, body: "plain comment" },
      { id: 6, author: { id: 5 }, body: marker() },
    ];
    expect(ownPlanNote(notes, 5, "stg").id).toBe(4);
    expect(ownPlanNote(notes, 5, "prod").id).toBe(2);
    expect(ownPlanNote(notes, 5, "edge")).toBeUndefined();
    expect(ownPlanNote(notes, 9, "prod")).toBeUndefined();
  });

  test("webPlan: Run pipeline applies a given digest only to the cluster PLAN_CLUSTER names", async () => {
    const { webPlan } = await load();
    const variables = { PLAN_CLUSTER: "stg", PLAN_SHA256: DIGEST, PLAN_TERRAFORM_VERSION: "1.14.3" };
    expect(webPlan(variables, "stg")).toEqual({ run: true, digest: DIGEST, terraformVersion: "1.14.3" });
    expect(webPlan(variables, "prod")).toEqual({ run: false, digest: "", terraformVersion: "" });
  });

  test.each([
    ["no changes", { changes: false }, { run: true, cluster: "stg", digest: DIGEST }, "unchanged"],
    ["no reviewed plan", {}, undefined, "planned"],
    ["plan only (a push without a merge request)", {}, { run: false, cluster: "stg", digest: "" }, "planned"],
    ["another cluster's reviewed plan", {}, { run: true, cluster: "prod", digest: DIGEST }, "planned"],
    ["another digest", { digest: `sha256:${"d".repeat(64)}` }, { run: true, cluster: "stg", digest: DIGEST }, "differs"],
    ["another Terraform", {}, { run: true, cluster: "stg", digest: DIGEST, terraformVersion: "1.13.0" }, "differs"],
    ["the reviewed plan", {}, { run: true, cluster: "stg", digest: DIGEST, terraformVersion: "1.14.3" }, "apply"],
  ])("outcomeOf: %s", async (_name, mine, reviewed, expected) => {
    const { outcomeOf } = await load();
    expect(outcomeOf({ cluster: "stg", digest: DIGEST, version: "1.14.3", changes: true, ...mine }, reviewed)).toBe(expected);
  });

  test("applyReportBody names the cluster in every outcome", async () => {
    const { applyReportBody } = await load();
    for (const outcome of ["applied", "unchanged", "differs", "failed"]) expect(applyReportBody({ cluster: "stg", outcome, digest: DIGEST, sha: SHA, jobUrl: "https://gl/j/1" })).toContain("`stg`");
  });
});

describe("terraform-fleet.cjs reviewed-plan against the GitLab double", () => {
  const TOKEN = "glpat-fleet-review-token-0123456789abcdef";
  const HEAD = "a".repeat(40);
  const MERGE = "b".repeat(40);
  const digestOf = (c: string) => `sha256:${c.repeat(64)}`;
  let api: GitLabApiServer;
  let counter = 0;

  beforeAll(async () => {
    api = await startGitLabApiServer({ username: "review-bot", token: TOKEN, groups: ["acme"] });
  });
  afterEach(() => expect(api.takeViolations()).toEqual([]));
  afterAll(async () => api?.close());

  function run(env: Record<string, string>) {
    return scripts().then(
      (dir) =>
        new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
          execFile(process.execPath, [join(dir, "terraform-fleet.cjs"), "reviewed-plan"], { cwd: tempDir("ccr-t21-fleet-run-"), encoding: "utf8", env: { PATH: process.env.PATH ?? "", ...env }, timeout: 60_000 }, (error, stdout, stderr) =>
            resolve({ status: error ? Number((error as { code?: unknown }).code ?? 1) || 1 : 0, stdout, stderr }),
          );
        }),
    );
  }

  /** A merged, approved merge request whose pipeline planned `jobs` (name -> artifact of that job's root). */
  async function merged(jobs: Array<{ name: string; root: string; digest: Record<string, unknown> }>) {
    const path = `acme/fleet-ci-${++counter}`;
    const project = await api.seedProject(path);
    const mr = api.seedMergeRequest(path, { sourceBranch: "change", author: "alice", sha: HEAD, state: "merged", mergeCommitSha: MERGE });
    api.seedVersion(path, mr.iid, HEAD, "2026-09-01T10:00:00Z");
    api.seedApproval(path, mr.iid, "bob", "2026-09-01T11:00:00Z");
    api.seedPipeline(path, mr.iid, { sha: HEAD, ref: `refs/merge-requests/${mr.iid}/head`, jobs: jobs.map((job) => ({ name: job.name, status: "success", artifacts: { [`${job.root}/plan-digest.json`]: JSON.stringify(job.digest) } })) });
    const env = { CI_API_V4_URL: `${api.url}/api/v4`, CI_PROJECT_ID: String(project.id), CI_COMMIT_SHA: MERGE, CI_COMMIT_BEFORE_SHA: "e".repeat(40), CI_COMMIT_BRANCH: "main", CI_PIPELINE_SOURCE: "push", CI_JOB_URL: `${api.url}/${path}/-/jobs/9`, TERRAFORM_REVIEW_TOKEN: TOKEN };
    return { path, iid: mr.iid, env };
  }

  test("each cluster's reviewed-plan job finds its own plan job's digest", async () => {
    const { env } = await merged([
      { name: "terraform:plan:prod", root: "terraform", digest: { sha: HEAD, cluster: "prod", digest: digestOf("1"), terraformVersion: "1.14.3" } },
      { name: "terraform:plan:stg", root: "fleet/stg/terraform", digest: { sha: HEAD, cluster: "stg", digest: digestOf("2"), terraformVersion: "1.14.3" } },
    ]);
    const stg = await run({ ...env, CLUSTER: "stg", TF_ROOT: "fleet/stg/terraform" });
    expect(stg.status, stg.stderr).toBe(0);
    expect(JSON.parse(stg.stdout)).toMatchObject({ cluster: "stg", run: true, digest: digestOf("2"), terraformVersion: "1.14.3", mergeRequest: "1" });
    const prod = await run({ ...env, CLUSTER: "prod", TF_ROOT: "terraform" });
    expect(JSON.parse(prod.stdout)).toMatchObject({ cluster: "prod", run: true, digest: digestOf("1") });
  });

  test.each([
    ["a single cluster's plan job (terraform:plan)", [{ name: "terraform:plan", root: "fleet/stg/terraform", digest: { sha: HEAD, cluster: "stg", digest: digestOf("2") } }]],
    ["another cluster's job", [{ name: "terraform:plan:prod", root: "fleet/stg/terraform", digest: { sha: HEAD, cluster: "stg", digest: digestOf("2") } }]],
    ["its job, whose artifact names another cluster", [{ name: "terraform:plan:stg", root: "fleet/stg/terraform", digest: { sha: HEAD, cluster: "prod", digest: digestOf("2") } }]],
    ["its job, for another commit", [{ name: "terraform:plan:stg", root: "fleet/stg/terraform", digest: { sha: "f".repeat(40), cluster: "stg", digest: digestOf("2") } }]],
  ])("refused, said on the merge request, nothing applied: %s", async (_name, jobs) => {
    const { path, iid, env } = await merged(jobs);
    const result = await run({ ...env, CLUSTER: "stg", TF_ROOT: "fleet/stg/terraform" });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/No plan of stg for !1's last commit aaaaaaa by a terraform:plan:stg job/);
    expect(JSON.parse(result.stdout)).toMatchObject({ cluster: "stg", run: false, digest: "" });
    expect(api.notes(path, iid).at(-1)!.body).toMatch(/^\*\*Not applied\*\* \(`stg`/);
  });

  test("Run pipeline: the Maintainer's digest for the cluster PLAN_CLUSTER names, plan only for another", async () => {
    const web = { CI_PIPELINE_SOURCE: "web", CI_COMMIT_BRANCH: "main", PLAN_CLUSTER: "stg", PLAN_SHA256: digestOf("3"), PLAN_TERRAFORM_VERSION: "1.14.3" };
    const before = api.requests.length;
    expect(JSON.parse((await run({ ...web, CLUSTER: "stg", TF_ROOT: "fleet/stg/terraform" })).stdout)).toMatchObject({ cluster: "stg", run: true, digest: digestOf("3") });
    expect(JSON.parse((await run({ ...web, CLUSTER: "prod", TF_ROOT: "terraform" })).stdout)).toMatchObject({ cluster: "prod", run: false, digest: "" });
    expect(api.requests.length).toBe(before);
  });
});
