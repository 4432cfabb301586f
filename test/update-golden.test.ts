import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { describe, expect, test } from "vitest";
import { parse as parseYaml } from "yaml";
import { readManifest } from "../src/blueprints/registry.js";
import { createClusterRepo } from "../src/pipeline.js";
import type { RawParamsInput } from "../src/params/parse.js";
import { parseSetFlag } from "../src/params/set-flags.js";
import { ConflictError, planDiff, updateRepository, type UpdateResult } from "../src/update/apply.js";
import type { MergeOutcome } from "../src/update/merge.js";
import { planUpdate, type Plan } from "../src/update/plan.js";
import { formatSummary } from "../src/update/summary.js";
import { tempDir } from "./helpers/cli.js";
import { repoRoot } from "./helpers/fixtures.js";

/**
 * Golden scenarios for the three-way merge of `update`: each scenario's outcome (actions per file, the commit's
 * diff, the conflict report, the resulting files) must equal test/golden-update/<scenario>/. The files change only
 * on purpose: `UPDATE_GOLDEN=1 npx vitest run test/update-golden.test.ts`, then review the diff in git. Beside the
 * goldens, each scenario asserts its point directly, so regenerating them blindly cannot hide a regression.
 */
const GOLDEN_DIR = join(repoRoot, "test", "golden-update");
const UPDATE = process.env.UPDATE_GOLDEN === "1";
const TOOL_VERSION = "0.0.0-golden";
const SHIPPED = readManifest("kapsule-gpu").version;

const git = (dir: string, ...args: string[]) => execFileSync("git", ["-C", dir, ...args], { encoding: "utf8" });
const set = (...flags: string[]) => ({ sets: flags.map(parseSetFlag) });
const edit = (dir: string, path: string, from: string, to: string) => {
  const file = join(dir, path);
  const text = readFileSync(file, "utf8");
  expect(text, `${path} should contain ${JSON.stringify(from)}`).toContain(from);
  writeFileSync(file, text.replace(from, to));
};
const commitAs = (dir: string, who: string, message: string) => {
  git(dir, "add", "-A");
  git(dir, "-c", `user.name=${who}`, "-c", "user.email=someone@example.com", "commit", "-qm", message);
};
/** The commit's diff as git shows it, without the blob ids (`index` lines) that add noise to reviews. */
const commitDiff = (dir: string, from: string, to = "HEAD") =>
  git(dir, "-c", "diff.noprefix=false", "diff", "--no-color", "--no-ext-diff", from, to).replace(/^index [0-9a-f]+\.\.[0-9a-f]+.*\n/gm, "");

function describeOutcomes(outcomes: MergeOutcome[]): string {
  const lines = outcomes.filter((o) => o.action !== "keep").map((o) => `${o.action.padEnd(8)} ${o.path}${o.action === "conflict" ? `  (${o.reason})` : ""}`);
  return `${lines.join("\n") || "(nothing changes)"}\n`;
}

function describePlan(plan: Plan): string {
  const upgrade = plan.blueprintUpgrade ? `blueprint ${plan.blueprintUpgrade.id}: ${plan.blueprintUpgrade.from} -> ${plan.blueprintUpgrade.to}\n` : "";
  const params = plan.paramChanges.map((c) => `param ${c.path}: ${JSON.stringify(c.from)} -> ${JSON.stringify(c.to)}\n`).join("");
  return `${upgrade}${params}\n# outcomes\n${describeOutcomes(plan.outcomes)}\n# summary\n${formatSummary(plan.summary)}`;
}

function describeResult(result: UpdateResult, dir: string): string {
  return `branch: ${result.branch}\nupToDate: ${result.upToDate}\n\n# commit message\n${git(dir, "log", "-1", "--format=%B").trimEnd()}\n\n${describePlan(result.plan)}`;
}

/** Compares (or, with UPDATE_GOLDEN=1, writes) the golden files of one scenario; stray golden files fail too. */
function goldens(scenario: string) {
  const dir = join(GOLDEN_DIR, scenario);
  const seen = new Set<string>();
  if (UPDATE) rmSync(dir, { recursive: true, force: true });
  return {
    expect(name: string, actual: string) {
      seen.add(name);
      const file = join(dir, name);
      if (UPDATE) {
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, actual);
        return;
      }
      if (!existsSync(file)) throw new Error(`missing golden ${relative(repoRoot, file)}: run UPDATE_GOLDEN=1 npx vitest run test/update-golden.test.ts and review it`);
      expect(actual, `${relative(repoRoot, file)} (accept a change on purpose with UPDATE_GOLDEN=1)`).toBe(readFileSync(file, "utf8"));
    },
    /** Every file of the scenario's golden directory was compared. */
    done() {
      const list = (d: string): string[] => (existsSync(d) ? readdirSync(d).flatMap((n) => (statSync(join(d, n)).isDirectory() ? list(join(d, n)) : [join(d, n)])) : []);
      expect(list(dir).map((f) => relative(dir, f)).filter((f) => !seen.has(f))).toEqual([]);
    },
  };
}

describe("three-way merge golden scenarios (kapsule-gpu)", () => {
  const work = tempDir("ccr-update-golden-");
  let n = 0;
  const newRepo = async () => {
    const dir = join(work, `repo-${n++}`);
    await createClusterRepo({ blueprint: "kapsule-gpu", targetDir: dir, params: {}, toolVersion: TOOL_VERSION });
    return dir;
  };
  const update = (dir: string, changes: RawParamsInput, options: Parameters<typeof updateRepository>[2] = {}) =>
    updateRepository(dir, changes, { toolVersion: TOOL_VERSION, ...options });
  const gpuMaxSize = (dir: string) => parseYaml(readFileSync(join(dir, "cluster-repo.yaml"), "utf8")).params.gpuPool.maxSize;

  test("(a) a parameter change with no edits", async () => {
    const golden = goldens("a-parameter-change");
    const dir = await newRepo();
    const result = await update(dir, set("gpuPool.maxSize=3"));
    golden.expect("result.txt", describeResult(result, dir));
    golden.expect("update.diff", commitDiff(dir, "main"));
    golden.done();
    expect(git(dir, "diff", "--name-only", "main", "HEAD").trim().split("\n")).toEqual([".cluster-repo/rendered.yaml", "README.md", "cluster-repo.yaml", "terraform/main.tf"]);
    expect(gpuMaxSize(dir)).toBe(3);
  });

  test("(b) a parameter change with non-overlapping edits of the team", async () => {
    const golden = goldens("b-non-overlapping-edits");
    const dir = await newRepo();
    edit(dir, "apps/inference/service.yaml", "spec:\n", "spec:\n  sessionAffinity: ClientIP\n");
    edit(dir, "terraform/main.tf", "max_size    = 4", "max_size    = 5"); // the system pool, far from the GPU pool's lines
    commitAs(dir, "Team", "Pin inference sessions, allow five system nodes");
    const result = await update(dir, set("gpuPool.maxSize=3"));
    golden.expect("result.txt", describeResult(result, dir));
    golden.expect("update.diff", commitDiff(dir, "main"));
    golden.expect("files/terraform/main.tf", readFileSync(join(dir, "terraform/main.tf"), "utf8"));
    golden.done();
    const main = readFileSync(join(dir, "terraform/main.tf"), "utf8");
    expect(main).toContain("max_size    = 5");
    expect(main).toContain("max_size               = 3");
    expect(readFileSync(join(dir, "apps/inference/service.yaml"), "utf8")).toContain("sessionAffinity: ClientIP");
    expect(git(dir, "diff", "--name-only", "main", "HEAD").trim().split("\n")).toEqual([".cluster-repo/rendered.yaml", "README.md", "cluster-repo.yaml", "terraform/main.tf"]);
  });

  test("(c) an overlapping edit: reported per file with hunks, work tree unchanged; --conflict markers writes markers", async () => {
    const golden = goldens("c-overlapping-edit");
    const dir = await newRepo();
    edit(dir, "terraform/main.tf", "max_size               = 2", "max_size               = 6");
    commitAs(dir, "Team", "Allow six GPU nodes");
    const head = git(dir, "rev-parse", "HEAD");
    const error = await update(dir, set("gpuPool.maxSize=3")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    golden.expect("conflict-report.txt", `${(error as ConflictError).message}\n`);
    golden.expect("plan.txt", describePlan((error as ConflictError).plan));
    expect(git(dir, "rev-parse", "HEAD")).toBe(head);
    expect(git(dir, "rev-parse", "--abbrev-ref", "HEAD").trim()).toBe("main");
    expect(git(dir, "status", "--porcelain")).toBe("");
    expect(git(dir, "branch", "--list", "create-cluster-repo/*")).toBe("");

    const result = await update(dir, set("gpuPool.maxSize=3"), { conflict: "markers" });
    golden.expect("markers/result.txt", describeResult(result, dir));
    golden.expect("markers/update.diff", commitDiff(dir, "main"));
    golden.expect("markers/files/terraform/main.tf", readFileSync(join(dir, "terraform/main.tf"), "utf8"));
    golden.done();
    expect(readFileSync(join(dir, "terraform/main.tf"), "utf8")).toMatch(/<<<<<<< yours\n.*= 6\n\|\|\|\|\|\|\| generated before\n.*= 2\n=======\n.*= 3\n>>>>>>> generated now\n/);
  });

  test("(d) a deleted generated file stays deleted unless the blueprint changed it", async () => {
    const golden = goldens("d-deleted-file");
    const dir = await newRepo();
    rmSync(join(dir, "apps/gpu-smoke-test"), { recursive: true });
    edit(dir, "apps/kustomization.yaml", "  - gpu-smoke-test\n", "");
    commitAs(dir, "Team", "No smoke test");
    const result = await update(dir, set("gpuPool.maxSize=3"));
    golden.expect("result.txt", describeResult(result, dir));
    golden.expect("update.diff", commitDiff(dir, "main"));
    expect(existsSync(join(dir, "apps/gpu-smoke-test"))).toBe(false);
    expect(readFileSync(join(dir, "apps/kustomization.yaml"), "utf8")).not.toContain("gpu-smoke-test");

    // The blueprint now changes the deleted job (its image): that file comes back, the untouched ones do not.
    git(dir, "checkout", "-q", "main");
    const plan = await planUpdate(dir, set("smokeTest.image=nvcr.io/nvidia/cuda:13.0.0-base-ubuntu24.04"), { toolVersion: TOOL_VERSION });
    golden.expect("changed-by-blueprint/plan.txt", describePlan(plan));
    golden.expect("changed-by-blueprint/plan.diff", planDiff(plan));
    golden.done();
    const actions = new Map(plan.outcomes.map((o) => [o.path, o.action]));
    expect(actions.get("apps/gpu-smoke-test/job.yaml")).toBe("write");
    expect(actions.get("apps/gpu-smoke-test/kustomization.yaml")).toBe("keep");
  });

  test("(e) a blueprint-version upgrade shows the upgrade diff and keeps the team's edits made since", async () => {
    const golden = goldens("e-blueprint-upgrade");
    const dir = await newRepo();
    // The team's own file, committed before the last render: not part of any render, never deleted by one.
    mkdirSync(join(dir, "docs"));
    writeFileSync(join(dir, "docs/runbook.md"), "# Runbook\n\nPage the GPU on-call.\n");
    commitAs(dir, "Team", "Add a runbook");
    // "The old tool": blueprint 0.9.0 rendered a retry limit of 2, a legacy dashboard, and recorded 0.9.0.
    edit(dir, "apps/gpu-smoke-test/job.yaml", "backoffLimit: 4", "backoffLimit: 2");
    writeFileSync(join(dir, "infrastructure/legacy-dashboard.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: legacy-dashboard\n  namespace: default\ndata: {}\n");
    edit(dir, "cluster-repo.yaml", `blueprintVersion: ${SHIPPED}`, "blueprintVersion: 0.9.0");
    rmSync(join(dir, ".cluster-repo"), { recursive: true }); // a release before the record of the render
    commitAs(dir, "create-cluster-repo", "Re-render kapsule-gpu 0.9.0");
    const oldRender = git(dir, "rev-parse", "HEAD").trim();
    // The team's edits after that render.
    edit(dir, "apps/inference/service.yaml", "spec:\n", "spec:\n  sessionAffinity: ClientIP\n");
    edit(dir, "apps/gpu-smoke-test/job.yaml", "restartPolicy: OnFailure", "restartPolicy: Never");
    commitAs(dir, "Team", "Pin sessions; never restart the smoke test");

    // An upgrade is asked for, not a side effect of another change.
    await expect(planUpdate(dir, set("gpuPool.maxSize=3"))).rejects.toThrow(`records blueprint kapsule-gpu 0.9.0, and this create-cluster-repo ships ${SHIPPED}; upgrade first`);
    await expect(planUpdate(dir, {}, { blueprintVersion: "0.9.0" })).rejects.toThrow(`ships kapsule-gpu ${SHIPPED} only; use --blueprint-version latest`);

    const plan = await planUpdate(dir, {}, { blueprintVersion: "latest", toolVersion: TOOL_VERSION });
    golden.expect("plan.txt", describePlan(plan));
    golden.expect("plan.diff", planDiff(plan));
    expect(plan.blueprintUpgrade).toEqual({ id: "kapsule-gpu", from: "0.9.0", to: SHIPPED });
    expect(plan.base).toBe("history");
    expect(git(dir, "status", "--porcelain")).toBe("");

    const result = await update(dir, {}, { blueprintVersion: "latest" });
    golden.expect("result.txt", describeResult(result, dir));
    golden.expect("update.diff", commitDiff(dir, "main"));
    golden.done();
    expect(result.branch).toBe(`create-cluster-repo/upgrade-${SHIPPED.replace(/\./g, "-")}`);
    const answers = parseYaml(readFileSync(join(dir, "cluster-repo.yaml"), "utf8"));
    expect(answers.blueprintVersion).toBe(SHIPPED);
    const job = readFileSync(join(dir, "apps/gpu-smoke-test/job.yaml"), "utf8");
    expect(job).toContain("backoffLimit: 4");
    expect(job).toContain("restartPolicy: Never");
    expect(readFileSync(join(dir, "apps/inference/service.yaml"), "utf8")).toContain("sessionAffinity: ClientIP");
    expect(existsSync(join(dir, "infrastructure/legacy-dashboard.yaml"))).toBe(false);
    expect(readFileSync(join(dir, "docs/runbook.md"), "utf8")).toContain("Page the GPU on-call");
    expect(git(dir, "rev-parse", "HEAD~1").trim()).not.toBe(oldRender); // the team's commit sits between

    // Upgraded: the same command again has nothing to do, and so does a plain update.
    expect((await update(dir, {}, { blueprintVersion: "latest" })).upToDate).toBe(true);
    expect((await update(dir, {})).upToDate).toBe(true);
  });
});
