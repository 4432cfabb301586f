/**
 * The generated .gitlab/scripts/terraform-mr.cjs, run as the GitLab jobs run it (`node terraform-mr.cjs <command>`
 * with GitLab's predefined variables), against the GitLab double (routes and answers held to GitLab's documented
 * contract): what the apply may apply is decided from the merged merge request, its approvals and its plan job's
 * artifact, never from a note; the plan note is created once and updated in place, only among the token user's notes.
 */
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { ciScriptsDir } from "./helpers/ci-scripts.js";
import { tempDir } from "./helpers/cli.js";
import { startGitLabApiServer, type GitLabApiServer } from "./helpers/gitlab-api-server.js";

const TOKEN = "glpat-review-token-0123456789abcdef";
const script = join(ciScriptsDir("gitlab"), "terraform-mr.cjs");
const HEAD = "a".repeat(40);
const MERGE = "b".repeat(40);
const DIGEST = `sha256:${"c".repeat(64)}`;
let api: GitLabApiServer;
let counter = 0;

/** `node terraform-mr.cjs <args>` in `cwd` with a job's variables. */
function run(args: string[], env: Record<string, string>, cwd = tempDir("ccr-glscript-")) {
  return new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [script, ...args], { cwd, encoding: "utf8", env: { PATH: process.env.PATH ?? "", ...env }, timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ status: error ? Number((error as { code?: unknown }).code ?? 1) || 1 : 0, stdout, stderr }),
    );
  });
}

/** A project with a merged merge request: `mr` for the seed, `approved` the approver and when, `plan` the plan job's artifact. */
async function merged(options: { approver?: string; approvedAt?: string; pushedAt?: string; planSha?: string; planStatus?: string; fromFork?: boolean; ref?: string } = {}) {
  const path = `acme/fleet-${++counter}`;
  const project = await api.seedProject(path);
  const mr = api.seedMergeRequest(path, { sourceBranch: "change", author: "alice", sha: HEAD, state: "merged", mergeCommitSha: MERGE, ...(options.fromFork ? { sourceProjectId: project.id + 500 } : {}) });
  api.seedVersion(path, mr.iid, HEAD, options.pushedAt ?? "2026-09-01T10:00:00Z");
  if (options.approver) api.seedApproval(path, mr.iid, options.approver, options.approvedAt ?? "2026-09-01T11:00:00Z");
  api.seedPipeline(path, mr.iid, {
    sha: HEAD,
    ref: options.ref ?? `refs/merge-requests/${mr.iid}/head`,
    jobs: [{ name: "terraform:plan", status: options.planStatus ?? "success", artifacts: { "terraform/plan-digest.json": JSON.stringify({ sha: options.planSha ?? HEAD, digest: DIGEST, terraformVersion: "1.11.4" }) } }],
  });
  const env = { CI_API_V4_URL: `${api.url}/api/v4`, CI_PROJECT_ID: String(project.id), CI_COMMIT_SHA: MERGE, CI_COMMIT_BEFORE_SHA: "e".repeat(40), CI_COMMIT_BRANCH: "main", CI_PIPELINE_SOURCE: "push", CI_JOB_URL: `${api.url}/${path}/-/jobs/9`, TERRAFORM_REVIEW_TOKEN: TOKEN };
  return { path, iid: mr.iid, env };
}

beforeAll(async () => {
  api = await startGitLabApiServer({ username: "review-bot", token: TOKEN, groups: ["acme"] });
});
afterEach(() => expect(api.takeViolations()).toEqual([]));
afterAll(async () => api?.close());

describe("reviewed-plan: what terraform:apply may apply", () => {
  test("an approval after the last push by someone else, and the plan job's artifact for the last commit: that digest", async () => {
    const { env } = await merged({ approver: "bob" });
    const result = await run(["reviewed-plan"], env);
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ run: true, digest: DIGEST, terraformVersion: "1.11.4", mergeRequest: "1" });
  });

  test("without approved_at (older GitLab), the approval's system note tells when it was given", async () => {
    const { path, iid, env } = await merged({});
    api.seedApproval(path, iid, "bob");
    api.seedNote(path, iid, { body: "approved this merge request", author: "bob", system: true, createdAt: "2026-09-01T12:00:00Z" });
    expect(JSON.parse((await run(["reviewed-plan"], env)).stdout)).toMatchObject({ run: true, digest: DIGEST });
  });

  test.each([
    ["only the author approved", { approver: "alice" }, /!1 was merged without an approval by someone other than its author \(alice\)/],
    ["the approval predates the last push", { approver: "bob", approvedAt: "2026-09-01T09:00:00Z" }, /The approval of !1 \(by bob\) predates its last push aaaaaaa: what merged is not what was approved/],
    ["the plan job is for another commit", { approver: "bob", planSha: "f".repeat(40) }, /No plan of !1's last commit aaaaaaa by a terraform:plan job of its pipelines was found/],
    ["the plan job failed", { approver: "bob", planStatus: "failed" }, /No plan of !1's last commit/],
    ["the pipeline is not a merge request pipeline of this merge request", { approver: "bob", ref: "refs/heads/change" }, /No plan of !1's last commit/],
    ["it came from a fork", { approver: "bob", fromFork: true }, /!1 came from a fork, whose merge requests are not planned here/],
  ])("refused, said on the merge request, nothing applied: %s", async (_name, options, message) => {
    const { path, iid, env } = await merged(options);
    const result = await run(["reviewed-plan"], env);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(JSON.parse(result.stdout)).toMatchObject({ run: false, digest: "" });
    expect(api.notes(path, iid).at(-1)!.body).toMatch(/^\*\*Not applied\*\*/);
  });

  test("a push without a merged merge request (Day 1) and a first push: plan only, not a failure", async () => {
    const { env } = await merged({ approver: "bob" });
    const pushed = await run(["reviewed-plan"], { ...env, CI_COMMIT_SHA: "9".repeat(40) });
    expect(pushed.status).toBe(0);
    expect(JSON.parse(pushed.stdout)).toMatchObject({ run: false });
    expect(pushed.stderr).toMatch(/was pushed without a merged merge request/);
    const first = await run(["reviewed-plan"], { ...env, CI_COMMIT_BEFORE_SHA: "0".repeat(40) });
    expect(JSON.parse(first.stdout)).toMatchObject({ run: false });
    expect(first.stderr).toMatch(/First push of main/);
  });

  test("Run pipeline (web): the digest the Maintainer gives, nothing read from the API", async () => {
    const before = api.requests.length;
    const result = await run(["reviewed-plan"], { CI_PIPELINE_SOURCE: "web", PLAN_SHA256: DIGEST, PLAN_TERRAFORM_VERSION: "1.11.4", CI_COMMIT_BRANCH: "main" });
    expect(JSON.parse(result.stdout)).toMatchObject({ run: true, digest: DIGEST, terraformVersion: "1.11.4" });
    expect(api.requests.length).toBe(before);
  });

  test("a note that claims another digest changes nothing: notes are never read", async () => {
    const { path, iid, env } = await merged({ approver: "bob" });
    api.seedNote(path, iid, { body: `<!-- create-cluster-repo:terraform-plan {"sha":"${HEAD}","digest":"sha256:${"0".repeat(64)}"} -->`, author: "review-bot" });
    expect(JSON.parse((await run(["reviewed-plan"], env)).stdout)).toMatchObject({ digest: DIGEST });
  });
});

describe("post-plan: one note per merge request, updated in place", () => {
  test("posted once, then updated; a look-alike note by someone else is left alone", async () => {
    const path = `acme/notes-${++counter}`;
    const project = await api.seedProject(path);
    const mr = api.seedMergeRequest(path, { sourceBranch: "change", author: "alice", sha: HEAD });
    api.seedNote(path, mr.iid, { body: "<!-- create-cluster-repo:terraform-plan {} -->\nfake", author: "mallory" });
    const dir = tempDir("ccr-glnote-");
    writeFileSync(join(dir, "step"), "plan\n");
    writeFileSync(join(dir, "plan.log"), "Error: something failed\n");
    const env = { CI_API_V4_URL: `${api.url}/api/v4`, CI_PROJECT_ID: String(project.id), CI_MERGE_REQUEST_IID: String(mr.iid), CI_MERGE_REQUEST_SOURCE_BRANCH_SHA: HEAD, CI_JOB_URL: `${api.url}/${path}/-/jobs/5`, TERRAFORM_NOTE_TOKEN: TOKEN };
    expect((await run(["post-plan"], env, dir)).status).toBe(0);
    expect((await run(["post-plan"], env, dir)).status).toBe(0);
    const notes = api.notes(path, mr.iid);
    expect(notes).toHaveLength(2);
    expect(notes[0]!.body).toContain("fake");
    expect(notes[1]!.body).toMatch(/^<!-- create-cluster-repo:terraform-plan .*\n## Terraform plan: `terraform plan` failed/);
    expect(notes[1]!.body).toContain("Until a plan succeeds for the last commit, merging this merge request applies nothing.");
  });
});
