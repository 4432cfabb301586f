/**
 * The token reaches only the forge host the user named. A forge on 127.0.0.1 (the OpenAPI-checked GitHub double,
 * serving git from the same origin as GitHub Enterprise Server does, backed by git http-backend) and "another host"
 * on 127.0.0.2 (a second git server that accepts anonymous pushes, and a second GitHub double): every path that
 * could carry the token elsewhere (a redirect on push, a clone_url on another host or scheme, an API that
 * redirects, an origin on another host, a url.*.insteadOf rewrite) must end in exit 1 with a message naming the
 * host, and the other host must have received no credential and no commit.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { recordingCli, spawnCli, tempDir } from "./helpers/cli.js";
import { startGitHttpServer, type GitHttpServer } from "./helpers/git-http-server.js";
import { startGitHubApiServer, type GitHubApiServer } from "./helpers/github-api-server.js";

const TOKEN = "ghp_TrustBoundaryTestToken0123456789abcdXYZ";
const OTHER = "127.0.0.2";
const git = (dir: string, ...args: string[]) => execFileSync("git", ["-C", dir, ...args], { encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] }).trim();
const refsOf = (bare: string) => git(bare, "for-each-ref", "--format=%(refname)");

/** An HTTP server that answers every request with a 307 to the same path on `target`. */
async function redirectingServer(target: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    req.resume();
    res.writeHead(307, { location: `${target}${req.url}` }).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  server.unref();
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe("the token goes only to the forge the user named", () => {
  const work = tempDir("ccr-trust-");
  let forgeGit: GitHttpServer;
  let forge: GitHubApiServer;
  let otherGit: GitHttpServer;
  let otherApi: GitHubApiServer;
  const { cli, outputs } = recordingCli({ GITHUB_TOKEN: TOKEN, GH_TOKEN: "" }, spawnCli);
  const create = (name: string, apiUrl: string, ...extra: string[]) => cli(["-b", "kapsule-gpu", "-y", "--github", `octocat/${name}`, "--github-api-url", apiUrl, ...extra, join(work, name)]);
  /** A forge on 127.0.0.1 with its own options (a hostile API or git endpoint), stopped after the file. */
  const forges: GitHubApiServer[] = [];
  const hostileForge = async (options: Parameters<typeof startGitHubApiServer>[0]) => {
    const api = await startGitHubApiServer({ login: "octocat", token: TOKEN, git: forgeGit, ...options });
    forges.push(api);
    return api;
  };
  /** Nothing reached the other host with a credential, and no commit landed there. */
  const expectOtherHostUntouched = (name: string) => {
    expect(otherGit.credentialsSeen).toEqual([]);
    expect(otherApi.credentialsSeen).toEqual([]);
    expect(refsOf(otherGit.repoPath(`octocat/${name}`))).toBe("");
  };

  beforeAll(async () => {
    forgeGit = await startGitHttpServer({ auth: { username: "x-access-token", password: TOKEN } });
    forge = await startGitHubApiServer({ login: "octocat", token: TOKEN, git: forgeGit });
    // The other host takes anonymous pushes: had the push gone there, the repository would have landed.
    otherGit = await startGitHttpServer({ auth: false, host: OTHER });
    otherApi = await startGitHubApiServer({ login: "octocat", token: TOKEN, git: otherGit, host: OTHER });
  });
  afterEach(() => {
    for (const api of [forge, otherApi, ...forges]) expect(api.takeViolations()).toEqual([]);
  });
  afterAll(async () => {
    for (const output of outputs) expect(output).not.toContain(TOKEN);
    for (const api of [forge, otherApi, ...forges]) await api?.close();
    await forgeGit?.close();
    await otherGit?.close();
  });

  test("a redirect on the push's info/refs is not followed: exit 1 naming the other host, which got no credential", async () => {
    const name = "redirected";
    await otherGit.createBareRepo(`octocat/${name}`);
    const api = await hostileForge({
      interceptGit: (req, res) => {
        req.resume();
        res.writeHead(302, { location: `${otherGit.url}${req.url}` }).end();
        return true;
      },
    });
    const run = await create(name, api.url);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`redirected the request to ${OTHER}:${new URL(otherGit.url).port} (HTTP 302)`);
    expect(run.stderr).toMatch(/the token is sent only to 127\.0\.0\.1:\d+, so redirects are not followed/);
    expectOtherHostUntouched(name);
    // The local repository is complete and committed, as after any failed publish.
    expect(git(join(work, name), "status", "--porcelain")).toBe("");
  });

  test.each([
    ["plain http on another host", () => `${otherGit.url}/octocat/elsewhere-http.git`, "elsewhere-http", `on host ${OTHER}:`],
    ["file://", () => `file://${otherGit.repoPath("octocat/elsewhere-file")}`, "elsewhere-file", "a file URL"],
    ["https on the same host name but another port", () => "https://127.0.0.1:1/octocat/elsewhere-port.git", "elsewhere-port", "on host 127.0.0.1:1,"],
  ])("a clone_url %s is refused: exit 1 naming it, nothing sent there, origin not recorded", async (_label, url, name, named) => {
    await otherGit.createBareRepo(`octocat/${name}`);
    const api = await hostileForge({ cloneUrl: () => url() });
    const run = await create(name, api.url);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`the clone URL the GitHub API at ${api.url} answered for octocat/${name} is ${url()}`);
    expect(run.stderr).toContain(named);
    expect(run.stderr).toContain("refusing to send the GitHub token there");
    expectOtherHostUntouched(name);
    expect(git(join(work, name), "remote")).toBe("");
  });

  test("an API URL that only redirects to another host: the token is not sent after it, exit 1 naming that host", async () => {
    const name = "via-redirect";
    await otherGit.createBareRepo(`octocat/${name}`);
    const redirector = await redirectingServer(otherApi.url);
    try {
      const before = otherApi.requests.length;
      const run = await create(name, redirector.url);
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(new RegExp(`the GitHub API at 127\\.0\\.0\\.1:\\d+ redirected GET /repos/octocat/${name} to ${OTHER.replace(/\./g, "\\.")}:\\d+ \\(HTTP 307\\)`));
      expect(otherApi.requests.length).toBe(before); // not even asked
      expectOtherHostUntouched(name);
    } finally {
      await redirector.close();
    }
  });

  describe("update --pr", () => {
    const dir = join(work, "fleet");
    const updatePr = (set: string, env?: Record<string, string>) => cli(["update", dir, "--set", set, "--pr", "--github-api-url", forge.url], env);

    beforeAll(async () => {
      const created = await create("fleet", forge.url);
      expect(created.stderr).toBe("");
      expect(created.status).toBe(0);
      await otherGit.createBareRepo("octocat/fleet");
    });
    afterEach(() => {
      git(dir, "checkout", "-q", "main");
      git(dir, "remote", "set-url", "origin", forge.repoUrl("octocat/fleet"));
      spawnSync("git", ["-C", dir, "config", "--remove-section", `url.${otherGit.url}/`]); // absent after most tests
    });

    test("origin on another host: refused before anything is committed, exit 1 naming the host", async () => {
      git(dir, "remote", "set-url", "origin", otherGit.repoUrl("octocat/fleet"));
      const head = git(dir, "rev-parse", "HEAD");
      const run = await updatePr("inference.replicas=2");
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(`origin (its push URL, after url.*.insteadOf) is ${otherGit.repoUrl("octocat/fleet")}, on host ${OTHER}:`);
      expect(run.stderr).toContain("refusing to send the GitHub token there");
      expect(git(dir, "rev-parse", "HEAD")).toBe(head);
      expect(git(dir, "branch", "--list", "create-cluster-repo/*")).toBe("");
      expectOtherHostUntouched("fleet");
    });

    test("origin rewritten by url.*.insteadOf in .git/config to another host: refused, exit 1 naming it", async () => {
      git(dir, "config", `url.${otherGit.url}/.insteadOf`, `${forge.url}/`);
      const run = await updatePr("inference.replicas=3");
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(`is ${otherGit.repoUrl("octocat/fleet")}, on host ${OTHER}:`);
      expectOtherHostUntouched("fleet");
    });

    test("a pushInsteadOf that rewrites only pushes is seen too", async () => {
      git(dir, "config", `url.${otherGit.url}/.pushInsteadOf`, `${forge.url}/`);
      const run = await updatePr("inference.replicas=4");
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(`on host ${OTHER}:`);
      expectOtherHostUntouched("fleet");
    });

    test("an ssh origin on the forge's host name is the same repository: the push goes to the computed https URL", async () => {
      git(dir, "remote", "set-url", "origin", "git@127.0.0.1:octocat/fleet.git");
      const run = await updatePr("inference.replicas=5");
      expect(run.stderr).toBe("");
      expect(run.status).toBe(0);
      expect(git(forgeGit.repoPath("octocat/fleet"), "rev-parse", "refs/heads/create-cluster-repo/inference-replicas-5")).toBe(git(dir, "rev-parse", "HEAD"));
      expectOtherHostUntouched("fleet");
    });
  });

  test("a rewrite in the user's own git config that would move the computed push URL: refused, exit 1 naming the host", async () => {
    const name = "rewritten";
    await otherGit.createBareRepo(`octocat/${name}`);
    const home = join(work, "home-with-rewrite");
    mkdirSync(home, { recursive: true });
    writeFileSync(join(home, ".gitconfig"), `[url "${otherGit.url}/"]\n\tinsteadOf = ${forge.url}/\n`);
    const run = await cli(["-b", "kapsule-gpu", "-y", "--github", `octocat/${name}`, "--github-api-url", forge.url, join(work, name)], {
      GITHUB_TOKEN: TOKEN,
      GH_TOKEN: "",
      HOME: home,
      XDG_CONFIG_HOME: join(home, ".config"),
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`git's configuration rewrites ${forge.url}/ to ${otherGit.url}/ \\(url\\..*\\.insteadof in .*\\.gitconfig\\), so the push would go to ${OTHER.replace(/\./g, "\\.")}:\\d+ instead of 127\\.0\\.0\\.1:\\d+`));
    expectOtherHostUntouched(name);
  });

  test("an http:// API URL off loopback is refused before anything happens (exit 2); credentials in it are never echoed", async () => {
    const plain = await cli(["-b", "kapsule-gpu", "-y", "--github", "octocat/plain", "--github-api-url", "http://ghe.example.com/api/v3", join(work, "plain")]);
    expect(plain.status).toBe(2);
    expect(plain.stderr).toContain("--github-api-url must be an https:// URL (got http://ghe.example.com)");
    const secret = "s3cr3t-in-url";
    const withCredentials = await cli(["-b", "kapsule-gpu", "-y", "--github", "octocat/creds", "--github-api-url", `https://admin:${secret}@ghe.example.com/api/v3`, join(work, "creds")]);
    expect(withCredentials.status).toBe(2);
    expect(withCredentials.stderr).toContain("--github-api-url must not hold credentials");
    expect(withCredentials.stderr).not.toContain(secret);
    const withToken = await cli(["update", join(work, "fleet"), "--pr", "--github-api-url", `https://${secret}@ghe.example.com/api/v3`]);
    expect(withToken.status).toBe(2);
    expect(withToken.stderr).not.toContain(secret);
  });
});
