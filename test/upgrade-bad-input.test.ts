import { execFileSync } from "node:child_process";
import { cpSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { readPackageVersion } from "../src/_utils.js";
import { readManifest } from "../src/blueprints/registry.js";
import { createClusterRepo } from "../src/pipeline.js";
import { runCli, tempDir, type CliRun } from "./helpers/cli.js";
import { cloneRelease, cloneRepository, git, releaseCases } from "./helpers/release-fixtures.js";

/**
 * What plan, update and check refuse before anything is written (exit 2, what is wrong and what to do): an answers
 * file from a newer release, a repository whose last render by the tool cannot be found, a shallow clone that lacks
 * the history the merge base is in.
 */
const TOOL = readPackageVersion();
const work = tempDir("ccr-upgrade-bad-");
let n = 0;
const fresh = async () => {
  const dir = join(work, `repo-${n++}`);
  await createClusterRepo({ blueprint: "kapsule-gpu", targetDir: dir, params: { values: { repoUrl: "https://github.com/acme/kapsule-gpu.git" } } });
  git(dir, "config", "user.name", "Ada Team");
  git(dir, "config", "user.email", "ada@example.com");
  return dir;
};
const commitAll = (dir: string, message: string) => {
  git(dir, "add", "-A");
  git(dir, "commit", "--quiet", "-m", message);
};
const edit = (dir: string, path: string, from: string, to: string) => {
  const text = readFileSync(join(dir, path), "utf8");
  expect(text).toContain(from);
  writeFileSync(join(dir, path), text.replace(from, to));
};
/** The repository's state: what must not move when a command refuses. */
const state = (dir: string) => [git(dir, "rev-parse", "HEAD"), git(dir, "status", "--porcelain"), git(dir, "branch", "--list")].join("\n");

async function refused(dir: string, args: string[], message: string | RegExp): Promise<CliRun> {
  const before = state(dir);
  const run = await runCli(args, { cwd: dir });
  expect(run.status, `${args.join(" ")}: ${run.stderr}`).toBe(2);
  if (typeof message === "string") expect(run.stderr).toContain(message);
  else expect(run.stderr).toMatch(message);
  expect(run.stderr).not.toMatch(/fatal:|--verbose|at .*\.ts:\d+/);
  expect(state(dir), `${args.join(" ")} wrote nothing`).toBe(before);
  return run;
}

describe("an answers file from a newer release", () => {
  test("plan, update and check refuse it, naming both versions (exit 2, nothing written)", async () => {
    const dir = await fresh();
    edit(dir, "cluster-repo.yaml", `toolVersion: ${TOOL}`, "toolVersion: 9.0.0");
    commitAll(dir, "Written by a newer release");
    const message = `cluster-repo.yaml was written by create-cluster-repo 9.0.0, newer than this one (${TOOL}); run that release (\`npx create-cluster-repo@9.0.0 ...\`)`;
    for (const command of ["plan", "update", "check"]) await refused(dir, [command], message);
  });

  test("a blueprint version newer than the one this release ships is refused too", async () => {
    const dir = await fresh();
    const shipped = readManifest("kapsule-gpu").version;
    edit(dir, "cluster-repo.yaml", `blueprintVersion: ${shipped}`, "blueprintVersion: 99.0.0");
    commitAll(dir, "A newer blueprint");
    for (const command of ["plan", "update", "check"]) await refused(dir, [command], `records blueprint kapsule-gpu 99.0.0, newer than the ${shipped} this create-cluster-repo ${TOOL} ships`);
  });
});

describe("a repository whose last render by the tool cannot be found", () => {
  const old = releaseCases()[0]!;

  test("made by 0.1.0 (no record) with no commit that wrote the answers file: what to commit", async () => {
    const dir = join(work, `untracked-${n++}`);
    cpSync(cloneRelease(old, join(work, "source")), dir, { recursive: true, filter: (path) => !path.includes("/.git") });
    git(dir, "init", "--quiet", "--initial-branch", "main");
    git(dir, "add", "-A");
    git(dir, "rm", "--quiet", "--cached", "cluster-repo.yaml");
    git(dir, "-c", "user.name=Ada", "-c", "user.email=ada@example.com", "commit", "--quiet", "-m", "Everything but the answers file");
    await refused(dir, ["plan"], /^error: cluster-repo\.yaml has no \.cluster-repo\/rendered\.yaml beside it \(create-cluster-repo 0\.1\.0 wrote none\), so what the tool last wrote is read from the history, and no commit of this branch wrote cluster-repo\.yaml: .*Commit the repository as create-cluster-repo made it/);
  });

  test("with a record whose texts were in a history that is gone (re-initialised): names the files and what to do", async () => {
    const dir = await fresh();
    edit(dir, "apps/inference/service.yaml", "spec:\n", "spec:\n  sessionAffinity: ClientIP\n");
    rmSync(join(dir, ".git"), { recursive: true });
    git(dir, "init", "--quiet", "--initial-branch", "main");
    commitAll(dir, "History starts again");
    const run = await refused(dir, ["plan"], "the commits that held it are not in this clone's history (rewritten, or a copy without them)");
    expect(run.stderr).toContain("\n  - apps/inference/service.yaml\n");
    await refused(dir, ["update", "--set", "gpuPool.maxSize=3"], "apps/inference/service.yaml");
    // check tells the hand edit by its id alone, without the text
    const check = await runCli(["check"], { cwd: dir });
    expect(check.status).toBe(1);
    expect(check.stdout).toContain("apps/inference/service.yaml: edited by hand");
  });
});

describe("a shallow clone (actions/checkout's default depth)", () => {
  let old: string;
  let current: string;
  beforeAll(async () => {
    old = cloneRelease(releaseCases()[0]!, join(work, "old"));
    current = await fresh();
    edit(current, "apps/inference/service.yaml", "spec:\n", "spec:\n  sessionAffinity: ClientIP\n");
    commitAll(current, "Pin sessions");
  });

  test("made by 0.1.0: says to fetch the history, and works once it is fetched", async () => {
    const shallow = cloneRepository(old, join(work, `shallow-old-${n++}`), { depth: 1 });
    await refused(shallow, ["plan"], "and this clone is shallow: fetch the history with `git fetch --unshallow` (in GitHub Actions: `fetch-depth: 0` on actions/checkout), then run again");
    await refused(shallow, ["update"], "this clone is shallow");
    await refused(shallow, ["check"], "this clone is shallow");
    execFileSync("git", ["-C", shallow, "fetch", "--quiet", "--unshallow"]);
    const plan = await runCli(["plan"], { cwd: shallow });
    expect(plan.status, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(/^Blueprint /);
  });

  test("with a record: works while the files are as the tool wrote them; a file edited since needs the history, and says so", async () => {
    const untouched = cloneRepository(await fresh(), join(work, `shallow-new-${n++}`), { depth: 1 });
    const plan = await runCli(["plan", "--set", "gpuPool.maxSize=3"], { cwd: untouched });
    expect(plan.status, plan.stderr).toBe(0);

    const shallow = cloneRepository(current, join(work, `shallow-edited-${n++}`), { depth: 1 });
    const run = await refused(shallow, ["plan"], "this clone is shallow, and the text is in the history it left out. Fetch it with `git fetch --unshallow`");
    expect(run.stderr).toContain("\n  - apps/inference/service.yaml\n");
    // check still tells the hand edit, by its id
    const check = await runCli(["check"], { cwd: shallow });
    expect(check.status).toBe(1);
    expect(check.stdout).toContain("apps/inference/service.yaml: edited by hand\n(what create-cluster-repo wrote there is in git history this clone lacks: `git fetch --unshallow` shows the diff)");
    execFileSync("git", ["-C", shallow, "fetch", "--quiet", "--unshallow"]);
    expect((await runCli(["plan"], { cwd: shallow })).status).toBe(0);
  });
});
