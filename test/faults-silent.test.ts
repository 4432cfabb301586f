/**
 * Servers that accept the connection and never answer: the GitHub API, and git on the forge's host. Every network
 * call has a timeout (--network-timeout, CCR_NETWORK_TIMEOUT), and when it fires the command exits 1 with a message
 * that names the host and the timeout, keeping the local commit. The tests set a 1 s timeout so they stay quick;
 * they assert the exit code and the message, never the elapsed time.
 */
import { execFileSync } from "node:child_process";
import type http from "node:http";
import { createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { recordingCli, tempDir } from "./helpers/cli.js";
import { startGitHttpServer, type GitHttpServer } from "./helpers/git-http-server.js";
import { startGitHubApiServer, type GitHubApiServer } from "./helpers/github-api-server.js";

const TOKEN = "ghp_SilentServersTestToken0123456789abcdXYZ";
const git = (dir: string, ...args: string[]) => execFileSync("git", ["-C", dir, ...args], { encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] }).trim();

/** Accepts TCP connections on 127.0.0.1 and never sends a byte. */
async function silentServer(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  server.unref();
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe("silent servers meet the network timeout", () => {
  const work = tempDir("ccr-silent-");
  let forgeGit: GitHttpServer;
  let api: GitHubApiServer;
  let silentGit = false;
  const held: http.ServerResponse[] = [];
  const { cli, outputs } = recordingCli({ GITHUB_TOKEN: TOKEN, GH_TOKEN: "" });

  beforeAll(async () => {
    forgeGit = await startGitHttpServer({ auth: { username: "x-access-token", password: TOKEN } });
    api = await startGitHubApiServer({
      login: "octocat",
      token: TOKEN,
      git: forgeGit,
      // While `silentGit`, git requests are read and never answered.
      interceptGit: (req, res) => {
        if (!silentGit) return false;
        req.resume();
        held.push(res);
        return true;
      },
    });
  });
  afterAll(async () => {
    for (const res of held) res.destroy();
    for (const output of outputs) expect(output).not.toContain(TOKEN);
    await api?.close();
    await forgeGit?.close();
  });

  test("a GitHub API that never answers: create --github exits 1 naming the host and the timeout; the local commit is kept", async () => {
    const silent = await silentServer();
    try {
      const dir = join(work, "api-silent");
      const run = await cli(["-b", "kapsule-gpu", "-y", "--github", "octocat/api-silent", "--github-api-url", silent.url, "--network-timeout", "1", dir]);
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(`error: the GitHub API at ${new URL(silent.url).host} did not answer within 1 s (network timeout)`);
      expect(run.stderr).toContain("raise it with --network-timeout <seconds> (or CCR_NETWORK_TIMEOUT)");
      expect(git(dir, "status", "--porcelain")).toBe("");
      expect(git(dir, "log", "--format=%s")).toBe("Add kapsule-gpu cluster kapsule-gpu");
    } finally {
      await silent.close();
    }
  });

  test("a forge host that never answers, the timeout set by CCR_NETWORK_TIMEOUT: update --pr's push exits 1, the commit is kept", async () => {
    const dir = join(work, "fleet");
    expect((await cli(["-b", "kapsule-gpu", "-y", "--github", "octocat/fleet", "--github-api-url", api.url, dir])).status).toBe(0);
    const silent = await silentServer();
    try {
      // The repository now lives on a host that accepts connections and never answers: the push (the first network
      // call of update --pr) meets the timeout.
      git(dir, "remote", "set-url", "origin", `${silent.url}/octocat/fleet.git`);
      const run = await cli(["update", dir, "--set", "inference.replicas=2", "--pr", "--github-api-url", silent.url], { GITHUB_TOKEN: TOKEN, GH_TOKEN: "", CCR_NETWORK_TIMEOUT: "1" });
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(`${new URL(silent.url).host} did not answer for 1 s (network timeout)`);
      expect(git(dir, "log", "-1", "--format=%s", "create-cluster-repo/inference-replicas-2")).toBe("Update inference.replicas=2");
    } finally {
      git(dir, "remote", "set-url", "origin", api.repoUrl("octocat/fleet"));
      git(dir, "checkout", "-q", "main");
      await silent.close();
    }
  });

  test("git on the forge's host that accepts the push and never answers: exit 1 naming the host and the timeout, commit kept", async () => {
    const dir = join(work, "fleet");
    silentGit = true;
    try {
      const run = await cli(["update", dir, "--set", "inference.replicas=3", "--pr", "--github-api-url", api.url, "--network-timeout", "1"]);
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(`failed to push create-cluster-repo/inference-replicas-3 to ${api.repoUrl("octocat/fleet")}: ${new URL(api.url).host} did not answer for 1 s (network timeout)`);
      expect(run.stderr).toContain("Your local commit");
      expect(git(dir, "log", "-1", "--format=%s", "create-cluster-repo/inference-replicas-3")).toBe("Update inference.replicas=3");
    } finally {
      silentGit = false;
    }
    // Once the server answers again, the plain re-run pushes and opens the pull request.
    const again = await cli(["update", dir, "--set", "inference.replicas=3", "--pr", "--github-api-url", api.url]);
    expect(again.stderr).toBe("");
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(/Pull request #\d+ opened/);
  });

  test("a bad --network-timeout is a usage error", async () => {
    const run = await cli(["-b", "kapsule-gpu", "-y", "--dry-run", "--network-timeout", "soon"]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--network-timeout must be a number of seconds greater than 0, such as 60 (got "soon")');
  });
});
