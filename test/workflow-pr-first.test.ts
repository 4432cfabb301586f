import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { recordingCli, tempDir } from "./helpers/cli.js";
import { allFiles } from "./helpers/files.js";
import { startGitHttpServer, type GitHttpServer } from "./helpers/git-http-server.js";
import { startGitHubApiServer, type GitHubApiServer } from "./helpers/github-api-server.js";

const TOKEN = "ghp_PrFirstTestToken0123456789abcdefXYZ";
const INITIAL = "create-cluster-repo/initial";

const git = (dir: string, ...args: string[]) => execFileSync("git", ["-C", dir, ...args], { encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] }).trim();
const gitOrUndefined = (dir: string, ...args: string[]) => {
  try {
    return git(dir, ...args);
  } catch {
    return undefined;
  }
};
const filesAt = (dir: string, ref: string) => git(dir, "ls-tree", "-r", "--name-only", ref).split("\n");

/** A commit made on the server side (as GitHub's web UI would), bypassing push rules: `files` at the root. */
function commitInBare(bare: string, branch: string, files: Record<string, string>, message: string): string {
  const entries = Object.entries(files).map(([path, content]) => `100644 blob ${execFileSync("git", ["-C", bare, "hash-object", "-w", "--stdin"], { input: content, encoding: "utf8" }).trim()}\t${path}`);
  const tree = execFileSync("git", ["-C", bare, "mktree"], { input: `${entries.join("\n")}\n`, encoding: "utf8" }).trim();
  const env = { ...process.env, GIT_AUTHOR_NAME: "Web UI", GIT_AUTHOR_EMAIL: "web@example.com", GIT_COMMITTER_NAME: "GitHub", GIT_COMMITTER_EMAIL: "noreply@github.com" };
  const sha = execFileSync("git", ["-C", bare, "commit-tree", tree, "-m", message], { env, encoding: "utf8" }).trim();
  git(bare, "update-ref", `refs/heads/${branch}`, sha);
  return sha;
}


/**
 * `create --github --pr-first` and "repository already exists", against the OpenAPI-checked GitHub double (which,
 * with checkRefs, refuses pull requests whose base branch is missing or shares no history, as GitHub does) and a
 * real git server whose pre-receive hook refuses pushes to main (branch protection).
 */
describe("create --github: branch protection with --pr-first, and existing repositories", () => {
  const work = tempDir("ccr-pr-first-");
  let server: GitHttpServer;
  let api: GitHubApiServer;
  const { cli, outputs } = recordingCli({ GITHUB_TOKEN: TOKEN, GH_TOKEN: "" });
  const create = (name: string, ...extra: string[]) => cli(["-b", "kapsule-gpu", "-y", "--github", `octocat/${name}`, "--github-api-url", api.url, ...extra, join(work, name)]);
  const pullsOf = (name: string) => api.state().pulls.filter((p) => p.repo === `octocat/${name}`);

  beforeAll(async () => {
    server = await startGitHttpServer({ auth: { username: "x-access-token", password: TOKEN } });
    api = await startGitHubApiServer({ login: "octocat", token: TOKEN, git: server, checkRefs: true });
  });
  afterEach(() => expect(api.takeViolations()).toEqual([]));
  afterAll(async () => {
    // No token in any repository made here (work tree and .git), in their git config, or in any output.
    for (const name of readdirSync(work)) {
      for (const file of allFiles(join(work, name))) expect(readFileSync(file).includes(TOKEN), file).toBe(false);
      expect(git(join(work, name), "config", "--list")).not.toContain(TOKEN);
    }
    for (const output of outputs) expect(output).not.toContain(TOKEN);
    await api?.close();
    await server?.close();
  });

  test("--pr-first on a new repository with a protected main: GitHub's first commit is the base, the render is a PR", async () => {
    // The hook is in place before GitHub (the double) creates the repository over this bare one.
    await server.createBareRepo("octocat/guarded");
    await server.protectBranch("octocat/guarded", "main");
    const run = await create("guarded", "--pr-first");
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/Created repository https:\/\/github\.example\/octocat\/guarded; the render is on branch create-cluster-repo\/initial\./);
    expect(run.stdout).toMatch(/Pull request #1 opened: https:\/\/github\.example\/octocat\/guarded\/pull\/1/);
    expect(pullsOf("guarded")).toMatchObject([{ head: INITIAL, base: "main", state: "open", title: "Add guarded cluster repository" }]);

    const bare = server.repoPath("octocat/guarded");
    const dir = join(work, "guarded");
    const remoteMain = git(bare, "rev-parse", "refs/heads/main");
    expect(filesAt(bare, remoteMain)).toEqual(["README.md"]); // GitHub's auto-init commit, not a push to main
    expect(git(bare, "rev-parse", `refs/heads/${INITIAL}^`)).toBe(remoteMain);
    expect(filesAt(bare, `refs/heads/${INITIAL}`)).toContain("cluster-repo.yaml");
    expect(git(bare, "show", `refs/heads/${INITIAL}:README.md`)).toBe(readFileSync(join(dir, "README.md"), "utf8").trim());
    // Locally: main is where GitHub's main is (a pull after the merge just works), the work tree is on the PR branch.
    expect(git(dir, "rev-parse", "main")).toBe(remoteMain);
    expect(git(dir, "rev-parse", "--abbrev-ref", "HEAD")).toBe(INITIAL);
    expect(git(dir, "rev-parse", "HEAD")).toBe(git(bare, "rev-parse", `refs/heads/${INITIAL}`));
    expect(git(dir, "status", "--porcelain")).toBe("");
    expect(git(dir, "remote", "get-url", "origin")).toBe(api.repoUrl("octocat/guarded"));
  });

  test("a protected main without --pr-first is refused with the way out; on an empty repository main must exist first", async () => {
    await server.createBareRepo("octocat/locked");
    await server.protectBranch("octocat/locked", "main");
    const dir = join(work, "locked");
    const refused = await create("locked");
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/the remote refused the push of main .*GH006: Protected branch update failed/s);
    expect(refused.stderr).toContain("Re-run with --pr-first --force");
    const render = git(dir, "rev-parse", "main"); // the local commit is kept
    expect(filesAt(dir, render)).toContain("cluster-repo.yaml");

    // The repository now exists, empty (no auto-init), and its main cannot be created by a push.
    const empty = await create("locked", "--pr-first", "--force");
    expect(empty.status).toBe(1);
    expect(empty.stderr).toMatch(/The repository is empty and a pull request needs a base branch: create main on GitHub \(add a README there\), then re-run with --force\./);
    expect(pullsOf("locked")).toEqual([]);

    // Someone adds a README on GitHub; the re-run rebuilds the unpushed branch on it and opens the PR.
    const bare = server.repoPath("octocat/locked");
    const remoteMain = commitInBare(bare, "main", { "README.md": "# locked\n" }, "Initial commit");
    const resumed = await create("locked", "--pr-first", "--force");
    expect(resumed.stderr).toBe("");
    expect(resumed.status).toBe(0);
    expect(resumed.stdout).toContain("Using existing repository https://github.example/octocat/locked");
    expect(pullsOf("locked")).toMatchObject([{ head: INITIAL, base: "main" }]);
    expect(git(bare, "rev-parse", `refs/heads/${INITIAL}^`)).toBe(remoteMain);
    expect(git(bare, "rev-parse", "refs/heads/main")).toBe(remoteMain);
    expect(git(bare, "diff", "--name-only", "main", INITIAL)).toContain("terraform/main.tf");
  });

  test("an existing repository with a main of its own: a plain push is refused without force, --pr-first proposes the render on top", async () => {
    await api.seedRepository("octocat", "existing");
    const bare = server.repoPath("octocat/existing");
    const theirs = commitInBare(bare, "main", { "README.md": "# existing\n", LICENSE: "MIT License\n" }, "Initial commit");
    const creates = () => api.requests.filter((r) => r.method === "POST" && r.path === "/user/repos").length;
    const before = creates();

    const refused = await create("existing");
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/push of main to .* was rejected: the remote branch has commits your local branch does not have/);
    expect(refused.stderr).toContain("already has a main branch: re-run with --pr-first --force");
    expect(git(bare, "rev-parse", "refs/heads/main")).toBe(theirs); // never forced

    const run = await create("existing", "--pr-first", "--force");
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(creates()).toBe(before); // found, not created again
    expect(pullsOf("existing")).toMatchObject([{ head: INITIAL, base: "main" }]);
    expect(git(bare, "rev-parse", `refs/heads/${INITIAL}^`)).toBe(theirs);
    const proposed = filesAt(bare, `refs/heads/${INITIAL}`);
    expect(proposed).toContain("LICENSE"); // their files stay
    expect(proposed).toContain("cluster-repo.yaml");
    expect(git(join(work, "existing"), "rev-parse", "main")).toBe(theirs);
  });

  test("an existing empty repository is used as is: main is pushed, nothing is created", async () => {
    await api.seedRepository("octocat", "vacant");
    const before = api.requests.length;
    const run = await create("vacant");
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("Using existing repository https://github.example/octocat/vacant; pushed main.");
    expect(api.requests.slice(before).map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual(["GET /repos/octocat/vacant 200"]);
    expect(git(server.repoPath("octocat/vacant"), "rev-parse", "refs/heads/main")).toBe(git(join(work, "vacant"), "rev-parse", "HEAD"));
    expect(gitOrUndefined(server.repoPath("octocat/vacant"), "rev-parse", "--verify", `refs/heads/${INITIAL}`)).toBeUndefined();
  });
});
