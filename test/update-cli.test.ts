import { execFileSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { parse as parseYaml } from "yaml";
import { createClusterRepo } from "../src/pipeline.js";
import { runCli, tempDir } from "./helpers/cli.js";

const git = (dir: string, ...args: string[]) => execFileSync("git", ["-C", dir, ...args], { encoding: "utf8" }).trim();
const edit = (dir: string, path: string, from: string, to: string) => {
  const text = readFileSync(join(dir, path), "utf8");
  expect(text).toContain(from);
  writeFileSync(join(dir, path), text.replace(from, to));
};
const commitAs = (dir: string, who: string, message: string) => {
  git(dir, "add", "-A");
  git(dir, "-c", `user.name=${who}`, "-c", "user.email=someone@example.com", "commit", "-qm", message);
};

/** plan, update and check as a user (or CI) runs them: exit codes, messages, and what is (not) written. */
describe("plan, update and check from the command line", () => {
  const work = tempDir("ccr-update-cli-");
  let n = 0;
  const newRepo = async () => {
    const dir = join(work, `repo-${n++}`);
    await createClusterRepo({ blueprint: "kapsule-gpu", targetDir: dir, params: { values: { repoUrl: "https://github.com/acme/kapsule-gpu.git" } } });
    return dir;
  };

  test("check passes on a fresh render, fails on an unexplained hand edit naming it, and --allow accepts listed paths", async () => {
    const dir = await newRepo();
    const fresh = await runCli(["check", dir]);
    expect(fresh.stdout).toBe("All generated files match the answers file.\n");
    expect(fresh.status).toBe(0);

    edit(dir, "apps/gpu-smoke-test/job.yaml", "backoffLimit: 4", "backoffLimit: 9");
    commitAs(dir, "Team", "More retries");
    const edited = await runCli(["check", dir]);
    expect(edited.status).toBe(1);
    expect(edited.stdout).toContain("apps/gpu-smoke-test/job.yaml: edited by hand");
    expect(edited.stdout).toContain("-  backoffLimit: 4\n+  backoffLimit: 9");
    expect(edited.stdout).toMatch(/1 generated file\(s\) edited by hand\. Keep your own workloads in team\/ .*change parameters with `create-cluster-repo update --set \.\.\.`/);
    expect(edited.stdout).not.toContain("older release");
    expect((await runCli(["check", dir, "--allow", "apps/gpu-smoke-test/**"])).status).toBe(0);
  });

  test("an overlapping edit: plan shows the hunks (exit 1), update refuses and leaves everything as it was, --conflict markers commits markers", async () => {
    const dir = await newRepo();
    edit(dir, "terraform/main.tf", "max_size               = 2", "max_size               = 6");
    commitAs(dir, "Team", "Allow six GPU nodes");
    const head = git(dir, "rev-parse", "HEAD");

    const plan = await runCli(["plan", dir, "--set", "gpuPool.maxSize=3"]);
    expect(plan.status).toBe(1);
    expect(plan.stdout).toMatch(/- terraform\/main\.tf: your edits and the new render change the same lines\n  hunk 1:\n    yours:\n\s+max_size\s+= 6\n    generated before:\n\s+max_size\s+= 2\n    generated now:\n\s+max_size\s+= 3\n/);

    const refused = await runCli(["update", dir, "--set", "gpuPool.maxSize=3"]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/^error: 1 file\(s\) conflict with your edits; nothing was written\./);
    expect(refused.stderr).toContain("yours:");
    expect(git(dir, "rev-parse", "HEAD")).toBe(head);
    expect(git(dir, "rev-parse", "--abbrev-ref", "HEAD")).toBe("main");
    expect(git(dir, "status", "--porcelain")).toBe("");
    expect(git(dir, "branch", "--list", "create-cluster-repo/*")).toBe("");

    const markers = await runCli(["update", dir, "--set", "gpuPool.maxSize=3", "--conflict", "markers"]);
    expect(markers.stderr).toBe("");
    expect(markers.status).toBe(0);
    expect(readFileSync(join(dir, "terraform/main.tf"), "utf8")).toContain("<<<<<<< yours");
  });

  describe("a repository whose answers file records an older blueprint version", () => {
    let dir: string;
    let shipped: string;
    beforeAll(async () => {
      dir = await newRepo();
      shipped = parseYaml(readFileSync(join(dir, "cluster-repo.yaml"), "utf8")).blueprintVersion;
      // "The old tool" (a release before the record of the render existed): its render had backoffLimit 2, and it
      // recorded blueprint 0.9.0.
      edit(dir, "apps/gpu-smoke-test/job.yaml", "backoffLimit: 4", "backoffLimit: 2");
      edit(dir, "cluster-repo.yaml", `blueprintVersion: ${shipped}`, "blueprintVersion: 0.9.0");
      rmSync(join(dir, ".cluster-repo"), { recursive: true });
      commitAs(dir, "create-cluster-repo", "Add kapsule-gpu cluster (blueprint 0.9.0)");
      edit(dir, "apps/inference/service.yaml", "spec:\n", "spec:\n  sessionAffinity: ClientIP\n");
      commitAs(dir, "Team", "Pin inference sessions");
    });

    test("a parameter change on top of the upgrade needs --blueprint-version latest (exit 2); check names the release; an unknown version is a usage error", async () => {
      const plan = await runCli(["plan", dir, "--set", "gpuPool.maxSize=3"]);
      expect(plan.status).toBe(2);
      expect(plan.stderr).toContain(`records blueprint kapsule-gpu 0.9.0, and this create-cluster-repo ships ${shipped}; upgrade first with a plain \`update\``);
      expect(plan.stderr).toContain("or run again with --blueprint-version latest");
      const check = await runCli(["check", dir]);
      expect(check.status).toBe(1);
      expect(check.stdout).toMatch(new RegExp(`^Rendered by an older release: create-cluster-repo [^ ]+ rendered this repository \\(blueprint kapsule-gpu 0\\.9\\.0\\); this create-cluster-repo [^ ]+ renders kapsule-gpu ${shipped.replace(/\./g, "\\.")}\\. Run \`create-cluster-repo update\``));
      expect(check.stdout).toContain("apps/inference/service.yaml: edited by hand");
      const unknown = await runCli(["plan", dir, "--blueprint-version", "2.0.0"]);
      expect(unknown.status).toBe(2);
      expect(unknown.stderr).toContain(`--blueprint-version 2.0.0: this create-cluster-repo ships kapsule-gpu ${shipped} only`);
    });

    test("a plain plan shows the upgrade diff and writes nothing; update records the new version", async () => {
      const plan = await runCli(["plan", dir, "--diff"]);
      expect(plan.stderr).toBe("");
      expect(plan.status).toBe(0);
      expect(plan.stdout).toMatch(new RegExp(`^Blueprint kapsule-gpu: 0\\.9\\.0 -> ${shipped.replace(/\./g, "\\.")}\n`));
      expect(plan.stdout).toContain("~ Job gpu-smoke-test/gpu-smoke-test");
      expect(plan.stdout).toContain("-  backoffLimit: 2\n+  backoffLimit: 4");
      expect(plan.stdout).toContain(`-blueprintVersion: 0.9.0\n+blueprintVersion: ${shipped}`);
      expect(plan.stdout).not.toContain("sessionAffinity"); // the team's edit is not part of the upgrade
      const json = JSON.parse((await runCli(["plan", dir, "--blueprint-version", "latest", "--output", "json"])).stdout);
      expect(json.blueprintUpgrade).toEqual({ id: "kapsule-gpu", from: "0.9.0", to: shipped });
      expect(json.base).toBe("history");
      expect(git(dir, "status", "--porcelain")).toBe("");

      const update = await runCli(["update", dir]);
      expect(update.stderr).toBe("");
      expect(update.status).toBe(0);
      expect(update.stdout).toMatch(new RegExp(`^Committed [0-9a-f]{7} on create-cluster-repo/upgrade-${shipped.replace(/\./g, "-")}: blueprint kapsule-gpu 0\\.9\\.0 -> `));
      expect(parseYaml(readFileSync(join(dir, "cluster-repo.yaml"), "utf8")).blueprintVersion).toBe(shipped);
      expect(readFileSync(join(dir, "apps/inference/service.yaml"), "utf8")).toContain("sessionAffinity: ClientIP");
      expect(git(dir, "log", "-1", "--format=%B")).toMatch(new RegExp(`^Upgrade kapsule-gpu blueprint to ${shipped.replace(/\./g, "\\.")}\n\n- blueprint kapsule-gpu: 0\\.9\\.0 -> `));
      const check = await runCli(["check", dir]);
      expect(check.status).toBe(1); // the team's hand edit is now all check points at
      expect(check.stdout).toMatch(/^Generated files edited by hand \(1\)/);
      expect(check.stdout).toContain("apps/inference/service.yaml: edited by hand");
    });
  });
});
