import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { Octokit } from "@octokit/rest";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { tempDir } from "./helpers/cli.js";
import { repoRoot } from "./helpers/fixtures.js";
import { startGitHubApiServer, type GitHubApiServer } from "./helpers/github-api-server.js";

/**
 * The generated .github/scripts/terraform-pr.cjs (the GitHub half of .github/workflows/terraform.yml), run as
 * actions/github-script runs it: with a real Octokit against the local GitHub double, and on plans made by the
 * real Terraform binary (terraform_data resources need no provider download).
 */
const script = createRequire(import.meta.url)(join(repoRoot, "templates/common/_github/scripts/terraform-pr.cjs"));
const TOKEN = "ghs_WorkflowTokenForTheDouble0123456789";
const BOT = "github-actions[bot]";
const hasTerraform = spawnSync("terraform", ["version"], { encoding: "utf8" }).status === 0;
if (!hasTerraform) console.warn("terraform-workflow-script: no terraform binary on PATH, the tests on real plans are skipped");

function fakeCore() {
  const outputs: Record<string, string> = {};
  const failures: string[] = [];
  const notices: string[] = [];
  let summary = "";
  const core = {
    setOutput: (key: string, value: string) => (outputs[key] = value),
    setFailed: (message: string) => failures.push(message),
    notice: (message: string) => notices.push(message),
    info: () => {},
    summary: { addRaw: (text: string) => ((summary += text), core.summary), write: async () => core.summary },
  };
  return { core, outputs, failures, notices, summary: () => summary };
}

/** Runs Terraform in `dir`: apply `before`, then plan `after` the way the workflow's plan step does. */
function planIn(dir: string, before: string, after: string) {
  const tf = (...args: string[]) => execFileSync("terraform", args, { cwd: dir, encoding: "utf8", env: { ...process.env, TF_CLI_CONFIG_FILE: "/dev/null", CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: "1" } });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "main.tf"), before);
  tf("init", "-input=false", "-no-color");
  tf("apply", "-auto-approve", "-input=false", "-no-color");
  writeFileSync(join(dir, "main.tf"), after);
  tf("plan", "-input=false", "-no-color", "-out=tfplan");
  writeFileSync(join(dir, "plan.txt"), tf("show", "-no-color", "tfplan"));
  writeFileSync(join(dir, "plan.json"), tf("show", "-json", "tfplan"));
  writeFileSync(join(dir, "version.json"), tf("version", "-json"));
  return { replan: () => (tf("plan", "-input=false", "-no-color", "-out=tfplan2"), tf("show", "-no-color", "tfplan2")) };
}

const BEFORE = `
resource "terraform_data" "keep" { input = "a" }
resource "terraform_data" "change" { input = "v1" }
resource "terraform_data" "replace" {
  input            = "x"
  triggers_replace = ["one"]
}
resource "terraform_data" "gone" { input = "bye" }
`;
const AFTER = BEFORE.replace('"v1"', '"v2"').replace('["one"]', '["two"]').replace('resource "terraform_data" "gone" { input = "bye" }', 'resource "terraform_data" "new" { input = "hello" }');

describe.skipIf(!hasTerraform)("on plans made by the real Terraform", () => {
  const work = tempDir("ccr-tfscript-");
  const dir = join(work, "terraform");
  let replan: () => string;
  beforeAll(() => ({ replan } = planIn(dir, BEFORE, AFTER)), 120_000);

  test("classifies terraform show -json: replaced (with the attribute forcing it), destroyed, added, changed; no-ops left out", () => {
    const summary = script.summarizePlan(JSON.parse(readFileSync(join(dir, "plan.json"), "utf8")));
    expect(summary).toEqual({
      replace: [{ address: "terraform_data.replace", paths: ["triggers_replace"] }],
      destroy: [{ address: "terraform_data.gone", paths: [] }],
      add: [{ address: "terraform_data.new", paths: [] }],
      change: [{ address: "terraform_data.change", paths: [] }],
      forget: [],
      outputs: [],
    });
  });

  test("the digest is sha256sum's, and planning the same change again gives the same digest (what the apply compares)", () => {
    const text = readFileSync(join(dir, "plan.txt"), "utf8");
    const sha256sum = execFileSync("sha256sum", ["plan.txt"], { cwd: dir, encoding: "utf8" }).split(" ")[0];
    expect(script.planDigest(text)).toBe(`sha256:${sha256sum}`);
    expect(script.planDigest(replan())).toBe(script.planDigest(text));
    expect(script.planDigest(text.replace('"two"', '"three"'))).not.toBe(script.planDigest(text));
  });

  test("the comment puts replacements and destroys first, under a warning, and records sha, digest and version", () => {
    const text = readFileSync(join(dir, "plan.txt"), "utf8");
    const summary = script.summarizePlan(JSON.parse(readFileSync(join(dir, "plan.json"), "utf8")));
    const body: string = script.planCommentBody({ sha: "a".repeat(40), digest: script.planDigest(text), terraformVersion: "1.11.4", summary, planText: text, environment: "prod" });
    expect(script.parseMarker(body)).toEqual({ sha: "a".repeat(40), digest: script.planDigest(text), terraform: "1.11.4" });
    const order = ["[!WARNING]", "| **replace** | `terraform_data.replace`", "| **destroy** | `terraform_data.gone`", "| add | `terraform_data.new`", "| change | `terraform_data.change`", "terraform_data.replace must be replaced"];
    const positions = order.map((needle) => body.indexOf(needle));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(body).toContain("`triggers_replace` forces a new resource");
  });
});

describe("the plan comment and the reviewed plan on the GitHub double", () => {
  const work = tempDir("ccr-tfscript-gh-");
  let api: GitHubApiServer;
  let github: Octokit;
  const repo = { owner: "acme", repo: "fleet" };
  const context = (extra: Record<string, unknown>) => ({ repo, serverUrl: "https://github.example", runId: 42, ...extra });

  beforeAll(async () => {
    api = await startGitHubApiServer({ login: BOT, token: TOKEN, users: ["acme", "mallory"] });
    await api.seedRepository("acme", "fleet");
    github = new Octokit({ auth: TOKEN, baseUrl: api.url });
  });
  afterEach(() => expect(api.takeViolations()).toEqual([]));
  afterAll(async () => api?.close());

  /** The files the plan step leaves, for a plan with these resource changes. */
  function planFiles(name: string, changes: Array<{ address: string; actions: string[] }>) {
    const dir = join(work, name);
    mkdirSync(dir, { recursive: true });
    const text = changes.map((c) => `  # ${c.address} ${c.actions.join("/")}`).join("\n");
    writeFileSync(join(dir, "plan.txt"), `${text}\n`);
    writeFileSync(join(dir, "plan.json"), JSON.stringify({ resource_changes: changes.map((c) => ({ address: c.address, change: { actions: c.actions } })) }));
    writeFileSync(join(dir, "version.json"), JSON.stringify({ terraform_version: "1.15.9" }));
    return { dir, digest: script.planDigest(`${text}\n`) };
  }

  test("one comment per pull request, updated in place on every push; a pasted marker of someone else is ignored", async () => {
    const number = api.seedPullRequest("acme", "fleet", { head: "create-cluster-repo/cni-calico", base: "main", title: "Update cni=calico" });
    api.seedComment("acme", "fleet", number, { author: "mallory", body: `${script.MARKER} {"sha":"x","digest":"sha256:forged"} -->\nlooks legit` });
    // More than a page (100) of review comments before the plan comment: finding it means following the pages.
    for (let i = 0; i < 101; i++) api.seedComment("acme", "fleet", number, { author: "acme", body: `review note ${i}` });
    const first = planFiles("first", [{ address: "scaleway_k8s_cluster.this", actions: ["delete", "create"] }]);
    const payload = (sha: string) => ({ pull_request: { number, head: { sha } } });
    const posted = await script.postPlan({ github, context: context({ payload: payload("1".repeat(40)) }), core: fakeCore().core, dir: first.dir, environment: "prod" });
    expect(posted.created).toBe(true);

    const second = planFiles("second", [{ address: "scaleway_k8s_pool.gpu", actions: ["update"] }]);
    const updated = await script.postPlan({ github, context: context({ payload: payload("2".repeat(40)) }), core: fakeCore().core, dir: second.dir, environment: "prod" });
    expect(updated).toEqual({ id: posted.id, created: false });

    const ours = api.state().comments.filter((c) => c.issue === number && c.user === BOT);
    expect(ours).toHaveLength(1);
    expect(script.parseMarker(ours[0]!.body)).toEqual({ sha: "2".repeat(40), digest: second.digest, terraform: "1.15.9" });
    expect(api.state().comments.find((c) => c.user === "mallory")!.body).toContain("sha256:forged");
  });

  test("a failed step replaces the plan with the failure, so that no stale plan stays reviewable", async () => {
    const number = api.seedPullRequest("acme", "fleet", { head: "b", base: "main", title: "t" });
    const dir = join(work, "failed");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "init.log"), "Error: Failed to get existing workspaces: AccessDenied\n");
    process.env.OUTCOMES = JSON.stringify({ fmt: { outcome: "success" }, init: { outcome: "failure" } });
    try {
      await script.postPlan({ github, context: context({ payload: { pull_request: { number, head: { sha: "3".repeat(40) } } } }), core: fakeCore().core, dir, environment: "prod" });
    } finally {
      delete process.env.OUTCOMES;
    }
    const body = api.state().comments.find((c) => c.issue === number)!.body;
    expect(script.parseMarker(body)).toEqual({ sha: "3".repeat(40), digest: null, terraform: null });
    expect(body).toContain("`terraform init` failed");
    expect(body).toContain("AccessDenied");
  });

  describe("the apply job finds the plan that was reviewed", () => {
    const merged = (title: string, headSha: string, mergeSha: string) => api.seedPullRequest("acme", "fleet", { head: title, base: "main", title, headSha, mergeCommitSha: mergeSha });
    const push = (sha: string, before = "f".repeat(40)) => context({ eventName: "push", sha, ref: "refs/heads/main", payload: { before } });
    const comment = (number: number, meta: object, author = BOT) => api.seedComment("acme", "fleet", number, { author, body: `${script.MARKER} ${JSON.stringify(meta)} -->\n## Terraform plan` });

    test("after a merge: the digest and Terraform version of the merged pull request's last plan", async () => {
      const number = merged("ok", "4".repeat(40), "5".repeat(40));
      comment(number, { sha: "4".repeat(40), digest: "sha256:abc", terraform: "1.15.9" });
      const { core, outputs, failures } = fakeCore();
      await script.findReviewedPlan({ github, context: push("5".repeat(40)), core });
      expect(failures).toEqual([]);
      expect(outputs).toEqual({ run: "true", digest: "sha256:abc", "terraform-version": "1.15.9", "pull-request": String(number) });
    });

    test("refuses a plan made for an earlier commit of the pull request, a forged comment, a failed plan, and a push without a pull request", async () => {
      const stale = merged("stale", "6".repeat(40), "7".repeat(40));
      comment(stale, { sha: "0".repeat(40), digest: "sha256:old", terraform: "1.15.9" });
      const forged = merged("forged", "8".repeat(40), "9".repeat(40));
      comment(forged, { sha: "8".repeat(40), digest: "sha256:forged", terraform: "1.15.9" }, "mallory");
      const failed = merged("failed", "a".repeat(40), "b".repeat(40));
      comment(failed, { sha: "a".repeat(40), digest: null, terraform: null });
      const cases: Array<[string, RegExp]> = [
        ["7".repeat(40), /is for 0000000, but the pull request's last commit is 6666666/],
        ["9".repeat(40), /has no plan comment/],
        ["b".repeat(40), /last plan of #\d+ failed/],
        ["c".repeat(40), /pushed without a merged pull request/],
      ];
      for (const [sha, message] of cases) {
        const { core, outputs, failures } = fakeCore();
        await script.findReviewedPlan({ github, context: push(sha), core });
        expect(outputs.run).toBe("false");
        expect(failures).toHaveLength(1);
        expect(failures[0]).toMatch(message);
        expect(failures[0]).toContain("Nothing was applied");
      }
    });

    test("the first push of a new repository plans nothing and says how to make the first apply", async () => {
      const { core, outputs, failures, notices } = fakeCore();
      await script.findReviewedPlan({ github, context: push("d".repeat(40), "0".repeat(40)), core });
      expect(outputs.run).toBe("false");
      expect(failures).toEqual([]);
      expect(notices[0]).toContain("Run workflow");
    });

    test("Run workflow: the digest and version typed in, or none (plan only); never on another branch than the default", async () => {
      const dispatch = (ref: string) => context({ eventName: "workflow_dispatch", ref, payload: { repository: { default_branch: "main" }, inputs: { plan_sha256: "sha256:typed", terraform_version: "1.15.9" } } });
      const { core, outputs } = fakeCore();
      await script.findReviewedPlan({ github, context: dispatch("refs/heads/main"), core });
      expect(outputs).toEqual({ run: "true", digest: "sha256:typed", "terraform-version": "1.15.9", "pull-request": "" });
      const other = fakeCore();
      await script.findReviewedPlan({ github, context: dispatch("refs/heads/experiment"), core: other.core });
      expect(other.outputs.run).toBe("false");
      expect(other.failures[0]).toMatch(/on main, not on refs\/heads\/experiment/);
    });

    test("a plan that changes outputs only is a change to apply", () => {
      const summary = script.summarizePlan({ resource_changes: [{ address: "x.y", change: { actions: ["no-op"] } }], output_changes: { kubeconfig: { actions: ["update"] }, same: { actions: ["no-op"] } } });
      expect(summary.outputs).toEqual(["kubeconfig"]);
      expect(script.planCommentBody({ sha: "e".repeat(40), digest: "sha256:1", summary, planText: "Changes to Outputs:", environment: "prod" })).toContain("Merging applies this plan and no other");
    });
  });
});
