/**
 * `create --gitlab` and `update --pr` through the CLI as typed, against the GitLab double (its routes and answers held
 * to GitLab's documented contract) in front of a real git server: every blueprint, both engines, a project in a
 * subgroup, --pr-first, and the merge request of an update opened then updated. Then the bad input that must exit 2
 * with nothing written, and the trust rules of the GitHub path on GitLab: the token goes to the named instance only.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { blueprintIds } from "../src/blueprints/registry.js";
import { recordingCli, tempDir } from "./helpers/cli.js";
import { allFiles } from "./helpers/files.js";
import { startGitHttpServer, type GitHttpServer } from "./helpers/git-http-server.js";
import { startGitLabApiServer, type GitLabApiServer } from "./helpers/gitlab-api-server.js";

const TOKEN = "glpat-RecognisableTestToken0123456789abcdef";
const git = (dir: string, ...args: string[]) => execFileSync("git", ["-C", dir, ...args], { encoding: "utf8" }).trim();
const engines = ["flux", "argo"] as const;

describe("create --gitlab, then update --pr, against a local GitLab and a real git server", () => {
  const work = tempDir("ccr-gl-");
  let gitServer: GitHttpServer;
  let api: GitLabApiServer;
  const { cli, outputs } = recordingCli({ GITLAB_TOKEN: TOKEN });

  beforeAll(async () => {
    gitServer = await startGitHttpServer({ auth: { username: "oauth2", password: TOKEN } });
    api = await startGitLabApiServer({ username: "root", token: TOKEN, groups: ["acme", "acme/platform"], git: gitServer });
  });
  afterEach(() => expect(api.takeViolations()).toEqual([]));
  afterAll(async () => {
    // No token in anything the tool printed, in any repository it wrote, or in git configuration.
    for (const output of outputs) expect(output).not.toContain(TOKEN);
    for (const dir of readdirSync(work)) {
      for (const file of allFiles(join(work, dir))) expect(readFileSync(file).includes(TOKEN), file).toBe(false);
    }
    await api?.close();
    await gitServer?.close();
  });

  // Every blueprint, the engines in turn: the project is created in a subgroup and main pushed there.
  test.each(blueprintIds().map((id, index) => [id, engines[index % engines.length]!] as const))("%s (%s): the project is created, main pushed, and the render holds GitLab CI", async (blueprint, engine) => {
    const name = `${blueprint}-${engine}`;
    const dir = join(work, name);
    const run = await cli(["-b", blueprint, "-y", "--gitops", engine, "--gitlab", `acme/platform/${name}`, "--gitlab-url", api.url, dir]);
    expect(run.stderr, run.stdout).not.toMatch(/^error/m); // a blueprint may warn (an unset admin group)
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`Created repository ${api.url}/acme/platform/${name}; pushed main.`);
    expect(git(gitServer.repoPath(`acme/platform/${name}`), "rev-parse", "refs/heads/main")).toBe(git(dir, "rev-parse", "HEAD"));
    // GitLab CI instead of GitHub's; the answers file records the forge and the repository on the instance.
    expect(existsSync(join(dir, ".gitlab-ci.yml"))).toBe(true);
    expect(existsSync(join(dir, ".github"))).toBe(false);
    const answers = parseYaml(readFileSync(join(dir, "cluster-repo.yaml"), "utf8"));
    expect(answers.params).toMatchObject({ forge: "gitlab", repoUrl: `${api.url}/acme/platform/${name}.git` });
    expect(git(dir, "remote", "get-url", "origin")).toBe(`${api.url}/acme/platform/${name}.git`);
  });

  test("--pr-first: GitLab makes the first commit, the render is proposed as a merge request on top of it", async () => {
    const dir = join(work, "first");
    const run = await cli(["-b", "kapsule-gpu", "-y", "--gitlab", "acme/first", "--gitlab-url", api.url, "--pr-first", "--private", dir]);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/Merge request !1 opened: .*\/acme\/first\/-\/merge_requests\/1/);
    expect(api.project("acme/first")).toMatchObject({ visibility: "private" });
    expect(api.mergeRequests("acme/first")).toEqual([expect.objectContaining({ sourceBranch: "create-cluster-repo/initial", targetBranch: "main" })]);
    const bare = gitServer.repoPath("acme/first");
    expect(git(bare, "merge-base", "--is-ancestor", "main", "create-cluster-repo/initial")).toBe("");
  });

  test("update --pr on the answers file's forge: one merge request with the summary, updated in place by a re-run", async () => {
    const dir = join(work, "fleet");
    expect((await cli(["-b", "kapsule-gpu", "-y", "--gitlab", "root/fleet", "--gitlab-url", api.url, dir])).status).toBe(0);
    const update = await cli(["update", dir, "--set", "gpuPool.maxSize=3", "--pr", "--gitlab-url", api.url]);
    expect(update.stderr).toBe("");
    expect(update.status).toBe(0);
    expect(update.stdout).toMatch(/Merge request !1 opened: /);
    const [mr] = api.mergeRequests("root/fleet");
    expect(mr).toMatchObject({ sourceBranch: "create-cluster-repo/gpupool-maxsize-3", targetBranch: "main", title: "Update gpuPool.maxSize=3" });
    expect(mr!.description).toContain("| `gpuPool.maxSize` | `2` | `3` |");
    expect(git(gitServer.repoPath("root/fleet"), "diff", "--name-only", "main", "create-cluster-repo/gpupool-maxsize-3").split("\n")).toEqual([".cluster-repo/rendered.yaml", "README.md", "cluster-repo.yaml", "terraform/main.tf"]);
    const again = await cli(["update", dir, "--set", "gpuPool.maxSize=3", "--pr", "--gitlab-url", api.url]);
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(/Merge request !1 updated/);
    expect(api.mergeRequests("root/fleet")).toHaveLength(1);
  });
});

describe("bad input: exit 2, nothing written, nothing sent", () => {
  const work = tempDir("ccr-gl-bad-");
  const { cli } = recordingCli({ GITLAB_TOKEN: TOKEN, GITHUB_TOKEN: "ghp_unused0123456789abcdefghijklmnop" });
  test.each([
    ["--gitlab with --github", ["--gitlab", "acme/x", "--github", "acme/x"], /--github and --gitlab are mutually exclusive/],
    ["an unknown forge", ["--set", "forge=gitea"], /forge: must be one of "github", "gitlab" \(got "gitea"\)/],
    ["--gitlab with a forge=github", ["--gitlab", "acme/x", "--set", "forge=github"], /--set forge=github disagrees with --gitlab/],
    ["a non-https GitLab that is not loopback", ["--gitlab", "acme/x", "--gitlab-url", "http://gitlab.example.org"], /--gitlab-url must be an https:\/\/ URL \(got http:\/\/gitlab\.example\.org\)/],
    ["a GitLab URL with credentials", ["--gitlab", "acme/x", "--gitlab-url", "https://root:secret@gitlab.example.org"], /--gitlab-url must not hold credentials/],
    ["--gitlab-url without --gitlab", ["--gitlab-url", "https://gitlab.example.org"], /--gitlab-url goes with --gitlab/],
    ["--github-api-url with --gitlab", ["--gitlab", "acme/x", "--github-api-url", "https://ghe.example.com/api/v3"], /--github-api-url goes with --github/],
    ["a path that is not group/project", ["--gitlab", "just-a-name"], /--gitlab must be group\/project \(subgroups allowed\)/],
    ["a path segment GitLab refuses", ["--gitlab", "acme/-x"], /--gitlab must be group\/project/],
  ])("%s", async (_name, flags, message) => {
    const dir = join(work, `t${Math.random().toString(36).slice(2)}`);
    const run = await cli(["-b", "kapsule-gpu", "-y", ...flags, dir]);
    expect(run.stderr).toMatch(message);
    expect(run.status).toBe(2);
    expect(existsSync(dir)).toBe(false);
  });

  test("update: --gitlab-url without --pr, or with --github-api-url, is a usage error", async () => {
    const dir = join(work, "repo");
    expect((await cli(["-b", "kapsule-gpu", "-y", "--set", "forge=gitlab", dir])).status).toBe(0);
    const before = git(dir, "rev-parse", "HEAD");
    const lone = await cli(["update", dir, "--set", "gpuPool.maxSize=3", "--gitlab-url", "https://gitlab.example.org"]);
    expect(lone.stderr).toMatch(/--gitlab-url goes with --pr/);
    expect(lone.status).toBe(2);
    const both = await cli(["update", dir, "--pr", "--gitlab-url", "https://gitlab.example.org", "--github-api-url", "https://ghe.example.com/api/v3"]);
    expect(both.stderr).toMatch(/mutually exclusive/);
    expect(both.status).toBe(2);
    expect(git(dir, "rev-parse", "HEAD")).toBe(before);
    expect(git(dir, "branch", "--list", "create-cluster-repo/*")).toBe("");
  });
});

describe("the GitLab token goes only to the instance the user named", () => {
  const work = tempDir("ccr-gl-trust-");
  const { cli, outputs } = recordingCli({ GITLAB_TOKEN: TOKEN });
  let forgeGit: GitHttpServer;
  let otherGit: GitHttpServer;
  const doubles: GitLabApiServer[] = [];
  const double = async (options: Parameters<typeof startGitLabApiServer>[0]) => {
    const api = await startGitLabApiServer({ token: TOKEN, groups: ["acme"], ...options });
    doubles.push(api);
    return api;
  };
  beforeAll(async () => {
    forgeGit = await startGitHttpServer({ auth: { username: "oauth2", password: TOKEN } });
    // The other host takes anonymous pushes: had anything gone there, it would have landed.
    otherGit = await startGitHttpServer({ auth: false, host: "127.0.0.2" });
  });
  afterEach(() => {
    for (const api of doubles) expect(api.takeViolations()).toEqual([]);
  });
  afterAll(async () => {
    for (const output of outputs) expect(output).not.toContain(TOKEN);
    for (const api of doubles) await api.close();
    await forgeGit?.close();
    await otherGit?.close();
  });

  test("a clone URL on another host (a hostile API answer) is refused before any push: exit 1, the other host untouched", async () => {
    await otherGit.createBareRepo("acme/stolen");
    const api = await double({ git: forgeGit, cloneUrl: (path) => `${otherGit.url}/${path}.git` });
    const run = await cli(["-b", "kapsule-gpu", "-y", "--gitlab", "acme/stolen", "--gitlab-url", api.url, join(work, "stolen")]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/the clone URL the GitLab API at .* answered for acme\/stolen is http:\/\/127\.0\.0\.2:\d+\/acme\/stolen\.git, on host 127\.0\.0\.2:\d+, not 127\.0\.0\.1:\d+; refusing to send the GitLab token there/);
    expect(otherGit.credentialsSeen).toEqual([]);
    expect(git(otherGit.repoPath("acme/stolen"), "for-each-ref")).toBe("");
  });

  test("an API that redirects to another host is not followed: exit 1 naming --gitlab-url", async () => {
    const other = await double({ host: "127.0.0.2" });
    const api = await double({ redirectTo: other.url });
    const run = await cli(["-b", "kapsule-gpu", "-y", "--gitlab", "acme/moved", "--gitlab-url", api.url, join(work, "moved")]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/redirected GET \/api\/v4\/projects\/acme%2Fmoved to 127\.0\.0\.2:\d+.*Check the API URL \(--gitlab-url\)/);
    expect(other.credentialsSeen).toEqual([]);
    // The render is complete and committed: re-running publishes it (the checkout is kept).
    expect(run.stderr).toMatch(/is complete and committed: once that is fixed, re-run the same command/);
  });

  test("update --pr with origin on another host: refused, nothing pushed there", async () => {
    const api = await double({ git: forgeGit });
    const dir = join(work, "elsewhere");
    expect((await cli(["-b", "kapsule-gpu", "-y", "--gitlab", "acme/elsewhere", "--gitlab-url", api.url, dir])).status).toBe(0);
    await otherGit.createBareRepo("acme/elsewhere");
    git(dir, "remote", "set-url", "origin", otherGit.repoUrl("acme/elsewhere"));
    const run = await cli(["update", dir, "--set", "gpuPool.maxSize=3", "--pr", "--gitlab-url", api.url]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/origin \(its push URL, after url\.\*\.insteadOf\) is http:\/\/127\.0\.0\.2:\d+\/acme\/elsewhere\.git, on host 127\.0\.0\.2:\d+, not 127\.0\.0\.1:\d+; refusing to send the GitLab token there/);
    expect(otherGit.credentialsSeen).toEqual([]);
    expect(git(otherGit.repoPath("acme/elsewhere"), "for-each-ref")).toBe("");
  });

  test("a server that echoes the token in its errors: what the tool prints is redacted", async () => {
    const api = await double({ token: "glpat-another-valid-token-0123456789", echoToken: true });
    const run = await cli(["-b", "kapsule-gpu", "-y", "--gitlab", "acme/echo", "--gitlab-url", api.url, "--verbose", join(work, "echo")]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/GITLAB_TOKEN is missing, invalid or expired/);
    expect(run.stderr).not.toContain(TOKEN);
  });
});
