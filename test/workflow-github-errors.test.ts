import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { recordingCli, tempDir } from "./helpers/cli.js";
import { allFiles } from "./helpers/files.js";
import { startGitHttpServer, type GitHttpServer } from "./helpers/git-http-server.js";
import { startGitHubApiServer, type GitHubApiServer } from "./helpers/github-api-server.js";

const TOKEN = "ghp_ErrorPathsTestToken0123456789abcdefXYZ";
const WRONG = "ghp_ExpiredTokenThatMustNotBePrinted0000";

const git = (dir: string, ...args: string[]) => execFileSync("git", ["-C", dir, ...args], { encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] }).trim();
const remoteSha = (bare: string, branch: string) => {
  try {
    return git(bare, "rev-parse", "--verify", `refs/heads/${branch}`);
  } catch {
    return undefined;
  }
};


/**
 * `update --pr` and `create --github` when GitHub or the network says no: each failure names the cause and the
 * next step, exits non-zero, and keeps the local commit; re-running resumes. Real Octokit against the
 * OpenAPI-checked GitHub double, real git against git http-backend.
 */
describe("GitHub and network failures through the CLI", () => {
  const work = tempDir("ccr-gh-errors-");
  const dir = join(work, "fleet");
  let server: GitHttpServer;
  let api: GitHubApiServer;
  let bare: string;
  const { cli, outputs } = recordingCli({ GITHUB_TOKEN: TOKEN, GH_TOKEN: "" });
  const updatePr = (set: string, env?: Record<string, string>) => cli(["update", dir, "--set", set, "--pr", "--github-api-url", api.url], env);
  /** The local branch holds the update commit: nothing was lost. */
  const expectKept = (branch: string, set: string) => {
    expect(git(dir, "rev-parse", "--abbrev-ref", "HEAD")).toBe(branch);
    expect(git(dir, "log", "-1", "--format=%s")).toBe(`Update ${set}`);
    expect(git(dir, "status", "--porcelain")).toBe("");
  };

  beforeAll(async () => {
    server = await startGitHttpServer({ auth: { username: "x-access-token", password: TOKEN } });
    api = await startGitHubApiServer({ login: "octocat", token: TOKEN, git: server, checkRefs: true });
    const created = await cli(["-b", "kapsule-gpu", "-y", "--github", "octocat/fleet", "--github-api-url", api.url, dir]);
    expect(created.stderr).toBe("");
    bare = server.repoPath("octocat/fleet");
  });
  beforeEach(() => {
    git(dir, "checkout", "-q", "main");
  });
  afterEach(() => {
    expect(api.takeViolations()).toEqual([]);
    expect(api.clearInjected()).toBe(0);
  });
  afterAll(async () => {
    // Whatever failed, the token is in no file of the repository, not in its git config, and in no output.
    for (const file of allFiles(work)) expect(readFileSync(file).includes(TOKEN) || readFileSync(file).includes(WRONG), file).toBe(false);
    expect(git(dir, "config", "--list")).not.toContain(TOKEN);
    for (const output of outputs) {
      expect(output).not.toContain(TOKEN);
      expect(output).not.toContain(WRONG);
    }
    await api?.close();
    await server?.close();
  });

  test("no token: says which variables to set; nothing is committed", async () => {
    const head = git(dir, "rev-parse", "HEAD");
    const run = await updatePr("inference.replicas=2", { GITHUB_TOKEN: "", GH_TOKEN: "" });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^error: no GitHub token: set GITHUB_TOKEN \(or GH_TOKEN\) to a token with the `repo` scope/);
    expect(git(dir, "rev-parse", "HEAD")).toBe(head);
    expect(git(dir, "branch", "--list", "create-cluster-repo/*")).toBe("");
  });

  test("401: an expired token fails the push with the fix, keeps the commit; the API's 401 says the same, and a re-run resumes", async () => {
    const branch = "create-cluster-repo/inference-replicas-3";
    const expired = await updatePr("inference.replicas=3", { GITHUB_TOKEN: WRONG, GH_TOKEN: "" });
    expect(expired.status).toBe(1);
    expect(expired.stderr).toMatch(/authentication to http:\/\/127\.0\.0\.1:\d+\/octocat\/fleet\.git failed while pushing create-cluster-repo\/inference-replicas-3\. Your local commit [0-9a-f]{12} on create-cluster-repo\/inference-replicas-3 is kept\. Check that the token \(GITHUB_TOKEN or GH_TOKEN\) is valid/);
    expectKept(branch, "inference.replicas=3");
    expect(remoteSha(bare, branch)).toBeUndefined();

    // The git server takes the push, GitHub's API answers 401: the message names the token, the branch is pushed.
    api.failNext(1, 401, { path: /\/pulls$/ });
    const apiExpired = await updatePr("inference.replicas=3");
    expect(apiExpired.status).toBe(1);
    expect(apiExpired.stderr).toMatch(/^error: failed to open a pull request from create-cluster-repo\/inference-replicas-3 into main in octocat\/fleet: GITHUB_TOKEN is missing, invalid or expired/);
    expect(remoteSha(bare, branch)).toBe(git(dir, "rev-parse", branch));

    const resumed = await updatePr("inference.replicas=3");
    expect(resumed.stderr).toBe("");
    expect(resumed.status).toBe(0);
    expect(resumed.stdout).toMatch(/Already up to date on create-cluster-repo\/inference-replicas-3\.\nPull request #\d+ opened/);
    expect(api.state().pulls.filter((p) => p.head === branch)).toHaveLength(1);
  });

  test("403: the missing OAuth scope or fine-grained permission is named; the commit is kept", async () => {
    const forbidden = { message: "Resource not accessible by personal access token", documentation_url: "https://docs.github.com/rest/pulls/pulls#create-a-pull-request", status: "403" };
    api.failNext(1, 403, { method: "POST", body: forbidden, headers: { "x-oauth-scopes": "read:org, gist", "x-accepted-oauth-scopes": "repo" } });
    const scope = await updatePr("inference.replicas=4");
    expect(scope.status).toBe(1);
    expect(scope.stderr).toMatch(/the token lacks the `repo` scope \(it has: read:org, gist\); create a token with the `repo` scope and export it as GITHUB_TOKEN or GH_TOKEN/);
    expectKept("create-cluster-repo/inference-replicas-4", "inference.replicas=4");

    api.failNext(1, 403, { method: "POST", body: forbidden, headers: { "x-accepted-github-permissions": "pull_requests=write" } });
    const permission = await updatePr("inference.replicas=4");
    expect(permission.status).toBe(1);
    expect(permission.stderr).toMatch(/the token lacks a permission GitHub requires here \(pull_requests=write\)/);
    expect(api.state().pulls.filter((p) => p.head === "create-cluster-repo/inference-replicas-4")).toEqual([]);
  });

  test("404: a repository the token cannot see, and an unknown owner on create, are named", async () => {
    // origin points at a repository the git server has but GitHub's API does not show to this token.
    await server.createBareRepo("octocat/ghost");
    git(dir, "remote", "set-url", "origin", api.repoUrl("octocat/ghost"));
    try {
      const run = await updatePr("inference.replicas=5");
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(/repository octocat\/ghost not found or not visible to this token; check the name and that the token has access to it/);
      expectKept("create-cluster-repo/inference-replicas-5", "inference.replicas=5");
    } finally {
      git(dir, "remote", "set-url", "origin", api.repoUrl("octocat/fleet"));
    }

    const other = join(work, "nobody");
    const create = await cli(["-b", "kapsule-gpu", "-y", "--github", "no-such-org/fleet", "--github-api-url", api.url, other]);
    expect(create.status).toBe(1);
    expect(create.stderr).toMatch(/cannot create a repository for no-such-org: no such user or organization is visible to this token; check the owner name/);
    expect(git(other, "log", "--format=%s")).toBe("Add kapsule-gpu cluster kapsule-gpu"); // the local repository is kept
  });

  test("422 'a pull request already exists' (a concurrent run): the existing PR is updated, exit 0", async () => {
    const branch = "create-cluster-repo/inference-replicas-6";
    const first = await updatePr("inference.replicas=6");
    expect(first.status).toBe(0);
    const [pull] = api.state().pulls.filter((p) => p.head === branch);
    git(dir, "checkout", "-q", "main");
    // The list does not show the other run's PR yet, so the create call gets GitHub's 422.
    api.injectNext(1, { status: 200, body: [], method: "GET", path: /\/pulls$/ });
    const before = api.requests.length;
    const again = await updatePr("inference.replicas=6");
    expect(again.stderr).toBe("");
    expect(again.status).toBe(0);
    expect(again.stdout).toContain(`Pull request #${pull!.number} updated`);
    expect(api.requests.slice(before).map((r) => `${r.method} ${r.path.split("?")[0]} ${r.status}`)).toContain("POST /repos/octocat/fleet/pulls 422");
    expect(api.state().pulls.filter((p) => p.head === branch)).toHaveLength(1);
  });

  test("a connection dropped mid-push: reported, the commit kept, and a re-run completes the push and the PR", async () => {
    const branch = "create-cluster-repo/inference-replicas-7";
    server.dropNextPush(10);
    const dropped = await updatePr("inference.replicas=7");
    expect(dropped.status).toBe(1);
    expect(dropped.stderr).toMatch(/failed to push create-cluster-repo\/inference-replicas-7 to http:\/\/127\.0\.0\.1:\d+\/octocat\/fleet\.git\. Your local commit [0-9a-f]{12} on create-cluster-repo\/inference-replicas-7 is kept\. Re-running resumes the push/);
    expectKept(branch, "inference.replicas=7");
    expect(remoteSha(bare, branch)).toBeUndefined();
    expect(api.state().pulls.filter((p) => p.head === branch)).toEqual([]);

    // From main, as a user would re-run it: the same branch, no second commit, then the push and the PR.
    git(dir, "checkout", "-q", "main");
    const sha = git(dir, "rev-parse", branch);
    const resumed = await updatePr("inference.replicas=7");
    expect(resumed.stderr).toBe("");
    expect(resumed.status).toBe(0);
    expect(resumed.stdout).toMatch(/Already up to date on create-cluster-repo\/inference-replicas-7\.\nPull request #\d+ opened/);
    expect(git(dir, "rev-parse", branch)).toBe(sha);
    expect(remoteSha(bare, branch)).toBe(sha);
    const [pull] = api.state().pulls.filter((p) => p.head === branch);
    expect(pull).toMatchObject({ base: "main", title: "Update inference.replicas=7" });
    // Described from the branch against main, though this run itself had nothing left to commit.
    expect(pull!.body).toContain("| `inference.replicas` | `1` | `7` |");
    expect(pull!.body).toContain("~ StatefulSet inference/inference");
    expect(pull!.body).toContain("✅ valid");
  });

  test("nothing to change: 'already up to date', exit 0, no branch, no push, no PR", async () => {
    const before = { requests: api.requests.length, pulls: api.state().pulls.length, branches: git(dir, "branch", "--list") };
    const run = await cli(["update", dir, "--set", "gpuPool.maxSize=2", "--pr", "--github-api-url", api.url]);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toBe("Already up to date on main.\n");
    expect(git(dir, "branch", "--list")).toBe(before.branches);
    expect(git(dir, "rev-parse", "--abbrev-ref", "HEAD")).toBe("main");
    expect(api.requests.length).toBe(before.requests);
    expect(api.state().pulls.length).toBe(before.pulls);
  });
});
