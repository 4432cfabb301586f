import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { parse as parseYaml } from "yaml";
import { blueprintIds } from "../src/blueprints/registry.js";
import { defaults } from "../src/defaults.js";
import { InputError } from "../src/errors.js";
import { gitBlobId, isTeamPath, parseRecordFile, recordOf, renderRecordFile } from "../src/generator/record.js";
import { createClusterRepo } from "../src/pipeline.js";
import { renderBlueprint } from "../src/render-blueprint.js";
import { runCli, tempDir } from "./helpers/cli.js";
import { git } from "./helpers/release-fixtures.js";

/**
 * The merge base is what the tool last wrote, from the record committed with every render: never a re-render by
 * today's templates, and still there after the merges teams do (squash, rebase), in shallow clones, with edits.
 */
const RECORD = defaults.renderRecord;
const work = tempDir("ccr-record-");
let n = 0;
const fresh = async () => {
  const dir = join(work, `repo-${n++}`);
  await createClusterRepo({ blueprint: "kapsule-gpu", targetDir: dir, params: { values: { repoUrl: "https://github.com/acme/kapsule-gpu.git" } } });
  git(dir, "config", "user.name", "Ada Team");
  git(dir, "config", "user.email", "ada@example.com");
  return dir;
};
const read = (dir: string, path: string) => readFileSync(join(dir, path), "utf8");
const edit = (dir: string, path: string, from: string, to: string) => {
  expect(read(dir, path)).toContain(from);
  writeFileSync(join(dir, path), read(dir, path).replace(from, to));
};
const commitAll = (dir: string, message: string, who = "Ada Team") => {
  git(dir, "add", "-A");
  git(dir, "-c", `user.name=${who}`, "commit", "--quiet", "-m", message);
};
const cli = (dir: string, ...args: string[]) => runCli(args, { cwd: dir });

describe("the record written with every render", () => {
  test.each(blueprintIds().flatMap((id) => (["flux", "argo"] as const).map((gitops) => [id, gitops] as const)))("%s (%s): every generated file by git's blob id, nothing else", async (id, gitops) => {
    const { tree } = await renderBlueprint(id, { values: { gitops } });
    const record = parseRecordFile(tree.get(RECORD)!);
    const owned = [...tree.keys()].filter((path) => path !== RECORD && !isTeamPath(path));
    expect([...record.files.keys()]).toEqual(owned);
    for (const path of owned) expect(record.files.get(path), path).toBe(gitBlobId(tree.get(path)!));
    expect(record.generated.size).toBe(0);
  });

  test("its ids are the ones git gives the files", async () => {
    const dir = await fresh();
    const record = parseRecordFile(read(dir, RECORD));
    for (const path of ["cluster-repo.yaml", "terraform/main.tf", "README.md"]) expect(record.files.get(path)).toBe(git(dir, "rev-parse", `HEAD:${path}`));
  });

  test("a record that is not one is refused, naming what is wrong (exit 2)", () => {
    const valid = renderRecordFile({ files: new Map([["a.yaml", gitBlobId("a\n")]]), generated: new Map() });
    expect(parseRecordFile(valid).files.get("a.yaml")).toBe(gitBlobId("a\n"));
    const cases: Array<[string, RegExp]> = [
      [valid.replace("a.yaml:", "../a.yaml:"), /names "\.\.\/a\.yaml", which is not a relative path inside the repository/],
      [valid.replace(gitBlobId("a\n"), "not-an-id"), /"files\.a\.yaml" must be a git blob id/],
      [valid.replace("format: 1", "format: 99"), /record format 99 is not one this create-cluster-repo reads \(it reads 1\); a newer create-cluster-repo wrote it/],
      [`${valid}generated:\n  a.yaml: "b\\n"\n`, /the text recorded for a\.yaml is not the content whose id "files" records/],
      ["files: [", /not valid YAML/],
    ];
    for (const [text, message] of cases) {
      const error = (() => {
        try {
          parseRecordFile(text);
        } catch (e) {
          return e;
        }
      })();
      expect(error, text).toBeInstanceOf(InputError);
      expect((error as InputError).message).toMatch(message);
      expect((error as InputError).exitCode).toBe(2);
    }
  });
});

describe("update merges from the record", () => {
  test("a file an older release wrote differently receives today's render, and the team's edit made since is kept", async () => {
    // The defect this replaces: the base was a re-render by today's templates, so a template change between two
    // releases was invisible ("No changes", "Already up to date").
    const dir = await fresh();
    const job = "apps/gpu-smoke-test/job.yaml";
    const today = read(dir, job);
    // What an older release wrote, and recorded: its job had another backoffLimit.
    edit(dir, job, "backoffLimit: 4", "backoffLimit: 2");
    const older = read(dir, job);
    const record = parseRecordFile(read(dir, RECORD));
    record.files.set(job, gitBlobId(older));
    writeFileSync(join(dir, RECORD), renderRecordFile(record));
    commitAll(dir, "Older release's render", "create-cluster-repo");
    edit(dir, job, "restartPolicy: OnFailure", "restartPolicy: Never");
    commitAll(dir, "Never restart the smoke test");

    const plan = await cli(dir, "plan", "--diff");
    expect(plan.status, plan.stderr).toBe(0);
    expect(plan.stdout).toContain(`~ ${job}`);
    expect(plan.stdout).toContain("-  backoffLimit: 2\n+  backoffLimit: 4");
    const update = await cli(dir, "update");
    expect(update.status, update.stderr).toBe(0);
    expect(read(dir, job)).toBe(today.replace("restartPolicy: OnFailure", "restartPolicy: Never"));
    // The new record keeps today's generated text of the job, which the committed copy (with the team's edit) is not.
    expect(parseRecordFile(read(dir, RECORD)).generated.get(job)).toBe(today);
  });

  test("after a squash merge (the tool's commit is not in main's history): no change left, the team's edit still told apart", async () => {
    const dir = await fresh();
    edit(dir, "apps/inference/service.yaml", "spec:\n", "spec:\n  sessionAffinity: ClientIP\n");
    commitAll(dir, "Pin sessions");
    expect((await cli(dir, "update", "--set", "gpuPool.maxSize=3")).status).toBe(0);
    const branch = git(dir, "rev-parse", "--abbrev-ref", "HEAD");
    git(dir, "checkout", "--quiet", "main");
    git(dir, "merge", "--quiet", "--squash", branch);
    git(dir, "commit", "--quiet", "-m", "Update gpuPool.maxSize (#1)");
    git(dir, "branch", "--quiet", "-D", branch);
    expect(git(dir, "log", "--format=%s")).not.toContain("Update gpuPool.maxSize=3");

    expect((await cli(dir, "plan")).stdout).toBe("No parameter changes.\nNo changes.\n");
    const check = await cli(dir, "check");
    expect(check.status).toBe(1);
    expect(check.stdout).toMatch(/^Generated files edited by hand \(1\), against what create-cluster-repo wrote:\napps\/inference\/service\.yaml: edited by hand\n/);
    expect(check.stdout).toContain("+  sessionAffinity: ClientIP");
    // The next change merges from the squashed record: the edit stays, nothing conflicts.
    const next = await cli(dir, "update", "--set", "gpuPool.maxSize=4");
    expect(next.status, next.stderr).toBe(0);
    expect(read(dir, "apps/inference/service.yaml")).toContain("sessionAffinity: ClientIP");
    expect(read(dir, "terraform/main.tf")).toMatch(/max_size\s+= 4/);
  });

  test("after a rebase merge onto a main that moved: no change left", async () => {
    const dir = await fresh();
    expect((await cli(dir, "update", "--set", "gpuPool.maxSize=3")).status).toBe(0);
    const branch = git(dir, "rev-parse", "--abbrev-ref", "HEAD");
    git(dir, "checkout", "--quiet", "main");
    writeFileSync(join(dir, "NOTES.md"), "# Notes\n");
    commitAll(dir, "Notes");
    git(dir, "cherry-pick", "--quiet", branch);
    expect(parseYaml(read(dir, "cluster-repo.yaml")).params.gpuPool.maxSize).toBe(3);
    expect((await cli(dir, "plan")).stdout).toBe("No parameter changes.\nNo changes.\n");
    expect((await cli(dir, "check")).status).toBe(0);
  });

  test("a shallow clone of a repository as the tool left it plans without its history", async () => {
    const dir = await fresh();
    const shallow = join(work, `shallow-${n++}`);
    execFileSync("git", ["clone", "--quiet", "--depth", "1", `file://${dir}`, shallow]);
    const plan = await cli(shallow, "plan", "--set", "gpuPool.maxSize=3");
    expect(plan.status, plan.stderr).toBe(0);
    expect(plan.stdout).toContain("~ terraform/main.tf");
  });

  test("recordOf keeps the generated text only where the committed copy differs, deleted files included", () => {
    const render = new Map([
      ["a.yaml", "a\n"],
      ["b.yaml", "b\n"],
      ["c.yaml", "c\n"],
      ["team/apps/kustomization.yaml", "x\n"],
      [RECORD, "old\n"],
    ]);
    const committed = new Map([
      ["a.yaml", "a\n"],
      ["b.yaml", "b edited\n"],
    ]);
    const record = recordOf(render, (path) => committed.get(path));
    expect([...record.files.keys()]).toEqual(["a.yaml", "b.yaml", "c.yaml"]);
    expect([...record.generated]).toEqual([
      ["b.yaml", "b\n"],
      ["c.yaml", "c\n"],
    ]);
  });
});
