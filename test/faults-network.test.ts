/**
 * Network faults through the built CLI: the git server down (connection refused), GitHub unreachable, GitHub 5xx
 * and rate limits. Transient ones are retried with backoff and the command succeeds; lasting ones end in a clear
 * error that keeps the local commit, and re-running the same command (once the fault is gone) completes.
 * 401/403/404/422 and a connection dropped mid-push are in workflow-github-errors.test.ts. The CLI's backoff is
 * 1 s then 4 s; the persistent-5xx case shortens it with CCR_GITHUB_RETRY_AFTER_MS (a test-only knob) to show the
 * whole retry sequence through the CLI. Retries are checked by the requests the GitHub double saw, never by the
 * clock: timings belong in bench/.
 */
import { execFileSync } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { runCli, tempDir, type CliRun, recordingCli } from "./helpers/cli.js";
import { startGitHttpServer, type GitHttpServer } from "./helpers/git-http-server.js";
import { startGitHubApiServer, type GitHubApiServer } from "./helpers/github-api-server.js";

const TOKEN = "ghp_NetworkFaultsToken0123456789abcdefXYZ";
const git = (dir: string, ...args: string[]) => execFileSync("git", ["-C", dir, ...args], { encoding: "utf8" }).trim();
const remote = (bare: string, branch: string) => {
  try {
    return git(bare, "rev-parse", "--verify", "--quiet", `refs/heads/${branch}`);
  } catch {
    return undefined;
  }
};

/** A port on 127.0.0.1 that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("network faults", () => {
  const work = tempDir("ccr-net-");
  let server: GitHttpServer;
  let api: GitHubApiServer;
  let scenarios = 0;
  const { cli, outputs } = recordingCli({ GITHUB_TOKEN: TOKEN, GH_TOKEN: "" });
  const createGithub = (name: string, apiUrl = api.url, ...extra: string[]) => cli(["-b", "kapsule-gpu", "-y", "--github", `octocat/${name}`, "--github-api-url", apiUrl, ...extra, join(work, name)]);

  beforeAll(async () => {
    server = await startGitHttpServer({ auth: { username: "x-access-token", password: TOKEN } });
    api = await startGitHubApiServer({ login: "octocat", token: TOKEN, git: server });
  });
  afterEach(() => {
    expect(api.takeViolations()).toEqual([]);
    expect(api.clearInjected()).toBe(0);
  });
  afterAll(async () => {
    for (const output of outputs) expect(output).not.toContain(TOKEN);
    console.log(`network fault scenarios run: ${scenarios}`);
    await api?.close();
    await server?.close();
  });

  test("GitHub's host down during update --pr: a clear error, the commit is kept; when it is back, the re-run pushes and opens the PR", async () => {
    scenarios++;
    const dir = join(work, "down");
    expect((await createGithub("down")).status).toBe(0);
    // Git is served from the forge's own host (as on GitHub), so the push meets the host being down first.
    await api.refuseConnections(true);
    let failed: CliRun;
    try {
      failed = await cli(["update", dir, "--set", "gpuPool.maxSize=3", "--pr", "--github-api-url", api.url]);
    } finally {
      await api.refuseConnections(false);
    }
    expect(failed.status).toBe(1);
    expect(failed.stderr).toMatch(/failed to push create-cluster-repo\/gpupool-maxsize-3 to http:\/\/127\.0\.0\.1:\d+\/octocat\/down\.git\. Your local commit [0-9a-f]{12} on create-cluster-repo\/gpupool-maxsize-3 is kept\. Re-running resumes the push once the remote is reachable\./);
    expect(failed.stderr).toMatch(/Connection refused|Failed to connect/i);
    const kept = git(dir, "rev-parse", "create-cluster-repo/gpupool-maxsize-3");
    expect(git(dir, "log", "-1", "--format=%s", kept)).toBe("Update gpuPool.maxSize=3");
    expect(api.state().pulls.filter((p) => p.repo === "octocat/down")).toEqual([]);

    const again = await cli(["update", dir, "--set", "gpuPool.maxSize=3", "--pr", "--github-api-url", api.url]);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/Pull request #1 opened/);
    expect(remote(server.repoPath("octocat/down"), "create-cluster-repo/gpupool-maxsize-3")).toBe(kept);
  });

  test("GitHub unreachable during create --github: the local repository is complete; re-running with --force publishes it", async () => {
    scenarios++;
    const dir = join(work, "offline");
    const failed = await createGithub("offline", `http://127.0.0.1:${await closedPort()}`);
    expect(failed.status).toBe(1);
    expect(failed.stderr).toMatch(/cannot reach GitHub .*check the network/);
    const commit = git(dir, "rev-parse", "HEAD");
    expect(git(dir, "status", "--porcelain")).toBe("");
    const again = await createGithub("offline", api.url, "--force");
    expect(again.status, again.stderr).toBe(0);
    // The repoUrl in the files follows --github-api-url's host, so the re-run commits that change on top.
    expect(git(dir, "rev-parse", "HEAD~1")).toBe(commit);
    expect(remote(server.repoPath("octocat/offline"), "main")).toBe(git(dir, "rev-parse", "HEAD"));
  });

  test("a 429 secondary rate limit (retry-after: 1) and a 502 in the same run: both retried with backoff, the command succeeds", async () => {
    scenarios += 2;
    const name = "transient";
    api.failNext(1, 429, { method: "GET", path: /^\/repos\/octocat\/transient$/ });
    api.failNext(1, 502, { method: "POST", path: /^\/user\/repos$/ });
    const from = api.requests.length;
    const run = await createGithub(name);
    expect(run.status, run.stderr).toBe(0);
    const seen = api.requests.slice(from).filter((r) => r.path.startsWith("/repos/octocat/transient") || r.path === "/user/repos").map((r) => `${r.method} ${r.path} ${r.status}`);
    expect(seen).toEqual(["GET /repos/octocat/transient 429", "GET /repos/octocat/transient 404", "POST /user/repos 502", "POST /user/repos 201"]);
    expect(remote(server.repoPath(`octocat/${name}`), "main")).toBe(git(join(work, name), "rev-parse", "HEAD"));
  });

  test("GitHub answers 502 to every pull-request call: retried twice, then a clear error (exit 1); the commit is kept and pushed", async () => {
    scenarios++;
    const dir = join(work, "outage");
    expect((await createGithub("outage")).status).toBe(0);
    api.failNext(3, 502, { method: "POST", path: /^\/repos\/octocat\/outage\/pulls$/ });
    const from = api.requests.length;
    // A 20 ms backoff unit keeps the three tries short; the test's timeout is what a real 1 s unit would exceed.
    const failed = await runCli(["update", dir, "--set", "gpuPool.maxSize=5", "--pr", "--github-api-url", api.url], {
      env: { GITHUB_TOKEN: TOKEN, GH_TOKEN: "", CCR_GITHUB_RETRY_AFTER_MS: "20" },
    });
    outputs.push(failed.stdout, failed.stderr);
    expect(failed.status).toBe(1);
    expect(failed.stderr).toMatch(/^error: failed to open a pull request from create-cluster-repo\/gpupool-maxsize-5 into main in octocat\/outage: GitHub answered 502: .*; re-run later\n$/);
    const posts = api.requests.slice(from).filter((r) => r.method === "POST" && r.path === "/repos/octocat/outage/pulls");
    expect(posts.map((r) => r.status)).toEqual([502, 502, 502]); // the first try and two retries
    const kept = git(dir, "rev-parse", "create-cluster-repo/gpupool-maxsize-5");
    expect(git(dir, "log", "-1", "--format=%s", kept)).toBe("Update gpuPool.maxSize=5");
    expect(git(dir, "status", "--porcelain")).toBe("");
    expect(remote(server.repoPath("octocat/outage"), "create-cluster-repo/gpupool-maxsize-5")).toBe(kept);
    expect(api.state().pulls.filter((p) => p.repo === "octocat/outage")).toEqual([]);

    const again = await cli(["update", dir, "--set", "gpuPool.maxSize=5", "--pr", "--github-api-url", api.url]);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/Pull request #\d+ opened/);
  });

  test("create --github whose publish fails: the error says to re-run the same command, and that plain re-run publishes", async () => {
    scenarios++;
    const name = "resume";
    const dir = join(work, name);
    const args = ["-b", "kapsule-gpu", "-y", "--github", `octocat/${name}`, "--github-api-url", api.url, dir];
    const env = { GITHUB_TOKEN: TOKEN, GH_TOKEN: "", CCR_GITHUB_RETRY_AFTER_MS: "5" };
    api.failNext(3, 503, { method: "POST", path: /^\/user\/repos$/ });
    const failed = await runCli(args, { env });
    outputs.push(failed.stdout, failed.stderr);
    expect(failed.status).toBe(1);
    expect(failed.stderr).toMatch(/GitHub answered 503: .*\nThe repository in .*resume is complete and committed: once that is fixed, re-run the same command to publish it \(nothing is rendered again\)\.\n$/);
    const commit = git(dir, "rev-parse", "HEAD");

    const again = await runCli(args, { env });
    outputs.push(again.stdout, again.stderr);
    expect(again.stderr).toMatch(/^note: .*resume already holds this render, committed; publishing it\n$/);
    expect(again.status).toBe(0);
    expect(git(dir, "rev-parse", "HEAD")).toBe(commit); // nothing rewritten or re-committed
    expect(remote(server.repoPath(`octocat/${name}`), "main")).toBe(commit);

    // A different render in the same directory is still refused without --force.
    const other = await runCli([...args.slice(0, -1), "--set", "gpuPool.maxSize=4", dir], { env });
    expect(other.status).toBe(2);
    expect(other.stderr).toMatch(/is not empty; choose an empty directory, or pass --force/);
  });

  test("rate limit exhausted for an hour: no long wait, a clear error with the reset time, the commit is kept; later the re-run completes", async () => {
    scenarios++;
    const dir = join(work, "limited");
    expect((await createGithub("limited")).status).toBe(0);
    const reset = Math.floor(Date.now() / 1000) + 3600;
    api.failNext(1, 403, { headers: { "x-ratelimit-limit": "5000", "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(reset), "x-ratelimit-resource": "core" }, path: /\/pulls$/ });
    // Waiting for the reset (an hour) would run far past this test's timeout: failing at once is what passes.
    const failed = await cli(["update", dir, "--set", "gpuPool.maxSize=4", "--pr", "--github-api-url", api.url]);
    expect(failed.status).toBe(1);
    expect(failed.stderr).toContain(`GitHub API rate limit exceeded (resets at ${new Date(reset * 1000).toISOString()}); wait and re-run`);
    const kept = git(dir, "rev-parse", "create-cluster-repo/gpupool-maxsize-4");
    expect(remote(server.repoPath("octocat/limited"), "create-cluster-repo/gpupool-maxsize-4")).toBe(kept); // pushed before the API call

    const again = await cli(["update", dir, "--set", "gpuPool.maxSize=4", "--pr", "--github-api-url", api.url]);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/Pull request #\d+ opened/);
    expect(git(dir, "rev-parse", "create-cluster-repo/gpupool-maxsize-4")).toBe(kept);
  });
});
