import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, test } from "vitest";
import { parse as parseYaml } from "yaml";
import { createClusterRepo } from "../src/pipeline.js";
import { parseSetFlag } from "../src/params/set-flags.js";
import { ConflictError, updateRepository } from "../src/update/apply.js";
import { checkRepository } from "../src/update/check.js";
import { planUpdate } from "../src/update/plan.js";
import { tempDir } from "./helpers/cli.js";

const git = (dir: string, ...args: string[]) => execFileSync("git", ["-C", dir, ...args], { encoding: "utf8" }).trim();
const set = (...flags: string[]) => ({ sets: flags.map(parseSetFlag) });
const commitAllAs = (dir: string, message: string) => {
  git(dir, "add", "-A");
  git(dir, "-c", "user.name=Team", "-c", "user.email=team@example.com", "commit", "-qm", message);
};

describe("re-render from the answers file with a three-way merge", () => {
  const work = tempDir("ccr-update-");
  let dir: string;
  let n = 0;

  beforeEach(async () => {
    dir = join(work, `repo-${n++}`);
    await createClusterRepo({ blueprint: "kapsule-gpu", targetDir: dir, params: { values: { repoUrl: "https://github.com/acme/kapsule-gpu.git" } } });
  });

  test("a pool size change lands on its own branch, touching only what the parameter governs", async () => {
    const result = await updateRepository(dir, set("gpuPool.maxSize=3"));
    expect(result.upToDate).toBe(false);
    expect(result.branch).toBe("create-cluster-repo/gpupool-maxsize-3");
    expect(git(dir, "rev-parse", "--abbrev-ref", "HEAD")).toBe(result.branch);
    const changed = git(dir, "diff", "--name-only", "main", "HEAD").split("\n");
    expect(changed).toEqual(["README.md", "cluster-repo.yaml", "terraform/main.tf"]);
    expect(git(dir, "diff", "main", "HEAD", "--", "terraform/main.tf")).toMatch(/-\s+max_size\s+= 2\n\+\s+max_size\s+= 3/);
    expect(parseYaml(readFileSync(join(dir, "cluster-repo.yaml"), "utf8")).params.gpuPool.maxSize).toBe(3);
    expect(git(dir, "log", "-1", "--format=%B")).toContain("- gpuPool.maxSize: 2 -> 3");
    // The same change again: same branch, nothing new.
    const again = await updateRepository(dir, set("gpuPool.maxSize=3"));
    expect(again.upToDate).toBe(true);
    expect(again.branch).toBe(result.branch);
  });

  test("a hand edit to a generated manifest survives an unrelated update", async () => {
    const service = join(dir, "apps/inference/service.yaml");
    writeFileSync(service, readFileSync(service, "utf8").replace("spec:\n", "spec:\n  sessionAffinity: ClientIP\n"));
    commitAllAs(dir, "Pin inference sessions");
    await updateRepository(dir, set("gpuPool.maxSize=4"));
    expect(readFileSync(service, "utf8")).toContain("sessionAffinity: ClientIP");
    expect(readFileSync(join(dir, "terraform/main.tf"), "utf8")).toContain("max_size               = 4");
  });

  test("an overlapping edit is reported with its hunks and the work tree is left as it was", async () => {
    const main = join(dir, "terraform/main.tf");
    writeFileSync(main, readFileSync(main, "utf8").replace("max_size               = 2", "max_size               = 6"));
    commitAllAs(dir, "Allow six GPU nodes");
    const head = git(dir, "rev-parse", "HEAD");
    const error = await updateRepository(dir, set("gpuPool.maxSize=3")).catch((e) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.message).toContain("terraform/main.tf: your edits and the new render change the same lines");
    const conflict = (error as ConflictError).plan.conflicts[0]!;
    expect(conflict.hunks[0]!.theirs.join("")).toContain("= 6");
    expect(conflict.hunks[0]!.ours.join("")).toContain("= 3");
    expect(git(dir, "rev-parse", "--abbrev-ref", "HEAD")).toBe("main");
    expect(git(dir, "rev-parse", "HEAD")).toBe(head);
    expect(git(dir, "status", "--porcelain")).toBe("");
    // Asked for, the conflict is written with markers on the branch.
    await updateRepository(dir, set("gpuPool.maxSize=3"), { conflict: "markers" });
    expect(readFileSync(main, "utf8")).toMatch(/<<<<<<< yours\n.*= 6\n\|\|\|\|\|\|\| generated before\n.*= 2\n=======\n.*= 3\n>>>>>>> generated now/);
  });

  test("a generated file the team deleted stays deleted unless the blueprint changes it", async () => {
    // The team drops the smoke test: its folder, and its entry in apps/kustomization.yaml.
    rmSync(join(dir, "apps/gpu-smoke-test"), { recursive: true });
    const apps = join(dir, "apps/kustomization.yaml");
    writeFileSync(apps, readFileSync(apps, "utf8").replace("  - gpu-smoke-test\n", ""));
    commitAllAs(dir, "No smoke test");
    await updateRepository(dir, set("gpuPool.maxSize=3"));
    expect(existsSync(join(dir, "apps/gpu-smoke-test/job.yaml"))).toBe(false);
    git(dir, "checkout", "-q", "main");
    const plan = await planUpdate(dir, set("smokeTest.image=nvcr.io/nvidia/cuda:13.0.0-base-ubuntu24.04"));
    expect(plan.outcomes.find((o) => o.path === "apps/gpu-smoke-test/job.yaml")?.action).toBe("write");
  });

  test("plan summarises Terraform and Kubernetes changes and writes nothing", async () => {
    const plan = await planUpdate(dir, set("inference.replicas=2", "gpuPool.maxSize=3"));
    expect(plan.summary.terraform.changed).toEqual(["scaleway_k8s_pool.gpu"]);
    expect(plan.summary.kubernetes.changed).toEqual(["StatefulSet inference/inference"]);
    expect(plan.paramChanges.map((c) => c.path)).toEqual(["gpuPool.maxSize", "inference.replicas"]);
    expect(plan.report.valid).toBe(true);
    expect(git(dir, "status", "--porcelain")).toBe("");
  });

  test("check passes on a fresh render and points at an unexplained hand edit", async () => {
    expect(await checkRepository(dir)).toEqual([]);
    const job = join(dir, "apps/gpu-smoke-test/job.yaml");
    writeFileSync(job, readFileSync(job, "utf8").replace("backoffLimit: 4", "backoffLimit: 9"));
    const differences = await checkRepository(dir);
    expect(differences.map((d) => d.path)).toEqual(["apps/gpu-smoke-test/job.yaml"]);
    expect(differences[0]!.diff).toContain("+  backoffLimit: 9");
    expect(await checkRepository(dir, ["apps/**"])).toEqual([]);
  });
});
