import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { parse as parseYaml } from "yaml";
import { runCli, tempDir, type CliRun } from "./helpers/cli.js";
import { git } from "./helpers/day1.js";
import { repoRoot } from "./helpers/fixtures.js";

/** `npx` as a user types it, offline: npm resolves the bin from the npm cache and this project only. */
function npx(args: string[], cwd: string): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn("npx", args, { cwd, env: { ...process.env, CI: "true", NO_COLOR: "1", npm_config_offline: "true", npm_config_update_notifier: "false" }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

/**
 * No silent placeholder: without repoUrl (or --github) a render still works offline, but says so loudly, records
 * it, and `validate` and `check` (what CI runs) fail until the URL is set.
 */
describe("repoUrl unset", () => {
  const work = tempDir("ccr-repo-url-");
  const dir = join(work, "my-cluster");

  test("the README's first command works offline and prints the warning with the command that sets repoUrl", async () => {
    // README: `npm install && npx create-cluster-repo --blueprint kosmos-multicloud --yes ./my-cluster` (npm install ran)
    const run = await npx(["create-cluster-repo", "--blueprint", "kosmos-multicloud", "--yes", dir], repoRoot);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^Created .*my-cluster from blueprint kosmos-multicloud/);
    expect(run.stderr).toMatch(/^warning: repoUrl is not set: the GitOps objects point at https:\/\/repo-url-not-set\.invalid\/kosmos-multicloud\.git/m);
    expect(run.stderr).toContain("`npx create-cluster-repo update --set repoUrl=<url the cluster pulls it from>`");
    expect(run.stdout).toMatch(/Next: set repoUrl \(see the warning: until then validate and check fail\)/);
  }, 180_000);

  test("the answers file records that it is unset, and the README says so at the top", () => {
    const answers = readFileSync(join(dir, "cluster-repo.yaml"), "utf8");
    expect(answers).toMatch(/^# repoUrl is unset: /m);
    expect((parseYaml(answers) as { params: { repoUrl: string } }).params.repoUrl).toBe("");
    expect(readFileSync(join(dir, "README.md"), "utf8")).toContain("> **The repository URL is not set.**");
  });

  test("validate --strict and check fail, naming the placeholder and the command that sets it", async () => {
    const validate = await runCli(["validate", "--strict", dir]);
    expect(validate.status).toBe(1);
    expect(validate.stdout).toMatch(/GitRepository flux-system\/flux-system: spec\.url "https:\/\/repo-url-not-set\.invalid\/kosmos-multicloud\.git" is a placeholder .*update --set repoUrl=<url>.* \[gitops-placeholder-url\]/);
    const check = await runCli(["check", dir]);
    expect(check.status).toBe(1);
    expect(check.stdout).toContain("cluster-repo.yaml: a required parameter is unset\nrepoUrl is not set");
  });

  test("the command the warning gives sets it: then validate and check pass", async () => {
    const url = "https://github.com/acme/my-cluster.git";
    const update = await runCli(["update", "--set", `repoUrl=${url}`], { cwd: dir });
    expect(update.status).toBe(0);
    git(dir, "checkout", "--quiet", "main");
    git(dir, "merge", "--quiet", "--ff-only", "-");
    const answers = readFileSync(join(dir, "cluster-repo.yaml"), "utf8");
    expect(answers).not.toContain("repoUrl is unset");
    expect(readFileSync(join(dir, "clusters/kosmos-multicloud/flux-system/gotk-sync.yaml"), "utf8")).toContain(`url: ${url}\n`);
    expect((await runCli(["validate", "--strict", dir])).status).toBe(0);
    expect((await runCli(["check", dir])).stdout).toBe("All generated files match the answers file.\n");
  });
});
