import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { recordingCli, tempDir } from "./helpers/cli.js";
import { allFiles } from "./helpers/files.js";
import { useGitHubDouble } from "./helpers/github-api-server.js";

const TOKEN = "ghp_RecognisableTestToken0123456789abcdefXYZ";


describe("create --github, then update --pr, against a local GitHub and a real git server", () => {
  const work = tempDir("ccr-gh-");
  const servers = useGitHubDouble(TOKEN);
  const { cli, outputs } = recordingCli({ GITHUB_TOKEN: TOKEN });


  test("a pool size change becomes one pull request with the summary; a re-run updates it; the token is nowhere", async () => {
    const dir = join(work, "fleet");
    const created = await cli(["-b", "kapsule-gpu", "-y", "--github", "octocat/fleet", "--github-api-url", servers.api.url, dir]);
    expect(created.stderr).toBe("");
    expect(created.status).toBe(0);
    const remoteMain = execFileSync("git", ["rev-parse", "refs/heads/main"], { cwd: servers.git.repoPath("octocat/fleet"), encoding: "utf8" }).trim();
    expect(remoteMain).toBe(execFileSync("git", ["-C", dir, "rev-parse", "HEAD"], { encoding: "utf8" }).trim());

    const update = await cli(["update", dir, "--set", "gpuPool.maxSize=3", "--pr", "--github-api-url", servers.api.url]);
    expect(update.stderr).toBe("");
    expect(update.status).toBe(0);
    expect(update.stdout).toMatch(/Pull request #\d+ opened/);
    const pulls = servers.api.state().pulls;
    expect(pulls).toHaveLength(1);
    expect(pulls[0]).toMatchObject({ head: "create-cluster-repo/gpupool-maxsize-3", base: "main", title: "Update gpuPool.maxSize=3" });
    expect(pulls[0]!.body).toContain("| `gpuPool.maxSize` | `2` | `3` |");
    expect(pulls[0]!.body).toContain("~ scaleway_k8s_pool.gpu");
    expect(pulls[0]!.body).toContain("<details><summary>Diff</summary>");
    // On the server: the branch touches only what gpuPool.maxSize governs, and its answers file has the new value.
    const bare = servers.git.repoPath("octocat/fleet");
    const remote = (...args: string[]) => execFileSync("git", ["-C", bare, ...args], { encoding: "utf8" }).trim();
    expect(remote("diff", "--name-only", "main", "create-cluster-repo/gpupool-maxsize-3").split("\n")).toEqual([".cluster-repo/rendered.yaml", "README.md", "cluster-repo.yaml", "terraform/main.tf"]);
    expect(remote("diff", "main", "create-cluster-repo/gpupool-maxsize-3", "--", "terraform/main.tf")).toMatch(/-\s+max_size\s+= 2\n\+\s+max_size\s+= 3\n/);
    expect(remote("show", "create-cluster-repo/gpupool-maxsize-3:cluster-repo.yaml")).toMatch(/gpuPool:\n(?:    .*\n)*?    maxSize: 3\n/);
    const firstBody = pulls[0]!.body;

    const again = await cli(["update", dir, "--set", "gpuPool.maxSize=3", "--pr", "--github-api-url", servers.api.url]);
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(/Already up to date.*\n.*Pull request #\d+ updated/);
    expect(servers.api.state().pulls).toHaveLength(1);
    // The re-run describes the same change: the PR is not rewritten as "no parameter changes".
    expect(servers.api.state().pulls[0]!.body).toBe(firstBody);

    // Another change while that branch is checked out: its own branch from main, and its PR goes into main.
    const second = await cli(["update", dir, "--set", "inference.replicas=2", "--pr", "--github-api-url", servers.api.url]);
    expect(second.stderr).toBe("");
    expect(second.status).toBe(0);
    expect(servers.api.state().pulls[1]).toMatchObject({ head: "create-cluster-repo/inference-replicas-2", base: "main", title: "Update inference.replicas=2" });
    expect(remote("rev-parse", "create-cluster-repo/inference-replicas-2~1")).toBe(remote("rev-parse", "main"));
    expect(remote("diff", "--name-only", "main", "create-cluster-repo/inference-replicas-2")).not.toContain("terraform/main.tf");
    expect(servers.api.state().pulls[1]!.body).not.toContain("gpuPool.maxSize");
    expect(servers.api.takeViolations()).toEqual([]);

    // No token in the repository (work tree and .git), in git config, or in anything the tool printed.
    for (const file of allFiles(dir)) expect(readFileSync(file).includes(TOKEN), file).toBe(false);
    expect(execFileSync("git", ["-C", dir, "config", "--list"], { encoding: "utf8" })).not.toContain(TOKEN);
    for (const output of outputs) expect(output).not.toContain(TOKEN);
  });
});
