/**
 * Where `update` starts from and what it finds: a checkout an earlier run did not finish, the team's own
 * uncommitted work, another update branch checked out, and directories that are not a generated repository.
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { runCli, tempDir } from "./helpers/cli.js";

const git = (dir: string, ...args: string[]) => execFileSync("git", ["-C", dir, ...args], { encoding: "utf8" }).trim();
const BRANCH = "create-cluster-repo/gpupool-maxsize-3";

describe("update resumes and starts from the right place", () => {
  const work = tempDir("ccr-update-resume-");
  const base = join(work, "base");
  /** The repository right after `update --set gpuPool.maxSize=3` (on its branch). */
  const updated = join(work, "updated");
  let n = 0;
  const copyOf = (from: string) => {
    const dir = join(work, `repo-${n++}`);
    cpSync(from, dir, { recursive: true });
    return dir;
  };
  /** Paths that differ between two commits, with their content at `to` (undefined = deleted). */
  const changedFiles = (dir: string, from: string, to: string) =>
    git(dir, "diff", "--name-only", from, to)
      .split("\n")
      .map((path) => [path, git(dir, "ls-tree", "--name-only", to, "--", path) ? git(dir, "show", `${to}:${path}`) + "\n" : undefined] as const);

  beforeAll(async () => {
    expect((await runCli(["-b", "kapsule-gpu", "-y", "--set", "repoUrl=https://github.com/acme/kapsule-gpu.git", base])).status).toBe(0);
    cpSync(base, updated, { recursive: true });
    const run = await runCli(["update", updated, "--set", "gpuPool.maxSize=3"]);
    expect(run.status, run.stderr).toBe(0);
  });

  test("the commit exists before the work tree changes: the update commit's tree is complete and the checkout is clean", () => {
    expect(git(updated, "rev-parse", "--abbrev-ref", "HEAD")).toBe(BRANCH);
    expect(git(updated, "status", "--porcelain", "--ignored")).toBe("");
    expect(git(updated, "rev-parse", `${BRANCH}~1`)).toBe(git(updated, "rev-parse", "main"));
    expect(git(updated, "diff", "--name-only", "main", BRANCH).split("\n")).toEqual([".cluster-repo/rendered.yaml", "README.md", "cluster-repo.yaml", "terraform/main.tf"]);
  });

  test("a checkout of the new branch cut short (some files new, some old): a plain re-run finishes it", async () => {
    const dir = copyOf(updated);
    git(dir, "checkout", "-q", "main");
    // As git leaves it when stopped mid-checkout: the index and HEAD still main, one file already the branch's.
    const [first] = changedFiles(dir, "main", BRANCH);
    writeFileSync(join(dir, first![0]), first![1]!);
    expect(git(dir, "status", "--porcelain")).not.toBe("");
    const run = await runCli(["update", dir, "--set", "gpuPool.maxSize=3"]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toBe(`note: finished checking out ${BRANCH} (an earlier update was interrupted)\n`);
    expect(run.stdout).toBe(`Already up to date on ${BRANCH}.\n`);
    expect(git(dir, "rev-parse", "--abbrev-ref", "HEAD")).toBe(BRANCH);
    expect(git(dir, "status", "--porcelain")).toBe("");
  });

  test("the update branch moved and its work tree update was cut short: a plain re-run finishes it", async () => {
    const dir = copyOf(updated);
    // HEAD is the new commit; the index (and one file) are still its parent's.
    git(dir, "read-tree", "HEAD~1");
    git(dir, "checkout-index", "-f", "--", "terraform/main.tf");
    expect(git(dir, "status", "--porcelain")).not.toBe("");
    const run = await runCli(["update", dir, "--set", "gpuPool.maxSize=3"]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toBe(`note: finished updating the work tree to ${BRANCH} (an earlier update was interrupted)\n`);
    expect(git(dir, "status", "--porcelain")).toBe("");
    expect(readFileSync(join(dir, "terraform/main.tf"), "utf8")).toMatch(/max_size\s+= 3/);
  });

  test("killed after git wrote the index and work tree but before it moved HEAD: a plain re-run finishes the switch, main untouched", async () => {
    const dir = copyOf(updated);
    git(dir, "checkout", "-q", "main");
    const main = git(dir, "rev-parse", "main");
    // What `git checkout <branch>` has done when it is stopped just before it updates HEAD: the index and the work
    // tree are the branch's (git's own two-tree read-tree -m -u, as checkout runs it), HEAD is still main.
    git(dir, "read-tree", "-m", "-u", "main", BRANCH);
    expect(git(dir, "rev-parse", "--abbrev-ref", "HEAD")).toBe("main");
    expect(git(dir, "status", "--porcelain")).toMatch(/^M {2}terraform\/main\.tf$/m); // the update, staged on main
    const run = await runCli(["update", dir, "--set", "gpuPool.maxSize=3"]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toBe(`note: finished checking out ${BRANCH} (an earlier update was interrupted after the files were written)\n`);
    expect(run.stdout).toBe(`Already up to date on ${BRANCH}.\n`);
    expect(git(dir, "rev-parse", "--abbrev-ref", "HEAD")).toBe(BRANCH);
    expect(git(dir, "status", "--porcelain")).toBe("");
    expect(git(dir, "rev-parse", "main")).toBe(main);
    expect(git(dir, "rev-parse", BRANCH)).toBe(git(updated, "rev-parse", BRANCH));
  });

  test("the same index on main with one more edit of the team's own is not taken for it: refused, nothing lost", async () => {
    const dir = copyOf(updated);
    git(dir, "checkout", "-q", "main");
    git(dir, "read-tree", "-m", "-u", "main", BRANCH);
    writeFileSync(join(dir, "README.md"), `${readFileSync(join(dir, "README.md"), "utf8")}# my own edit\n`);
    const run = await runCli(["update", dir, "--set", "gpuPool.maxSize=3"]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/has uncommitted changes/);
    expect(git(dir, "rev-parse", "--abbrev-ref", "HEAD")).toBe("main");
    expect(readFileSync(join(dir, "README.md"), "utf8")).toContain("# my own edit");
  });

  test("the team's own uncommitted change is never taken for an interrupted run", async () => {
    const dir = copyOf(updated);
    git(dir, "checkout", "-q", "main");
    const [first] = changedFiles(dir, "main", BRANCH);
    writeFileSync(join(dir, first![0]), `${first![1]}# my own edit\n`);
    const run = await runCli(["update", dir, "--set", "gpuPool.maxSize=3"]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/has uncommitted changes \(1 files?\); commit or stash them, then run update again/);
    expect(readFileSync(join(dir, first![0]), "utf8")).toContain("# my own edit");
    expect(git(dir, "rev-parse", "--abbrev-ref", "HEAD")).toBe("main");
  });

  test("another change while an update branch is checked out starts from main, and its branch holds only that change", async () => {
    const dir = copyOf(updated);
    const run = await runCli(["update", dir, "--set", "inference.replicas=2"]);
    expect(run.status, run.stderr).toBe(0);
    const other = "create-cluster-repo/inference-replicas-2";
    expect(run.stdout).toMatch(new RegExp(`^Committed [0-9a-f]{7} on ${other}: inference\\.replicas\\.\\n$`));
    expect(git(dir, "rev-parse", `${other}~1`)).toBe(git(dir, "rev-parse", "main"));
    expect(git(dir, "diff", "main", other, "--", "terraform/main.tf")).toBe("");
    expect(git(dir, "show", `${other}:cluster-repo.yaml`)).not.toMatch(/maxSize: 3/);
    // The first update branch is untouched.
    expect(git(dir, "rev-parse", BRANCH)).toBe(git(updated, "rev-parse", BRANCH));
  });

  test("a change main already has, asked for on an update branch: up to date on main, the checkout stays put", async () => {
    const dir = copyOf(updated);
    const run = await runCli(["update", dir, "--set", "gpuPool.maxSize=2"]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toBe("Already up to date on main.\n");
    expect(git(dir, "rev-parse", "--abbrev-ref", "HEAD")).toBe(BRANCH);
  });

  test("outside a generated repository: what is wrong, where, and what to do (exit 2), for update, plan and check", async () => {
    const empty = join(work, "empty");
    mkdirSync(empty);
    const noGit = copyOf(base);
    rmSync(join(noGit, ".git"), { recursive: true });
    const noGitNoRecord = copyOf(noGit);
    rmSync(join(noGitNoRecord, ".cluster-repo"), { recursive: true });
    const missing = join(work, "missing");
    const cases: Array<[string[], RegExp]> = [
      [["update", empty], /^error: update: .*empty\/cluster-repo\.yaml not found: .*empty is not a repository made by create-cluster-repo; run it in the root of a repository made by create-cluster-repo/],
      [["plan", empty], /^error: plan: .*empty\/cluster-repo\.yaml not found/],
      [["check", empty], /^error: check: .*empty\/cluster-repo\.yaml not found/],
      [["update", missing], /^error: update: .*missing does not exist; run it in the root/],
      [["update", noGit, "--set", "gpuPool.maxSize=3"], /^error: update: .* is not a git repository; update reads the repository's history and commits on a branch\. Run it in a clone of the repository, or run `git init/],
      // A repository from before the record of the render (release 0.1.0) is read from the history, which needs git.
      [["plan", noGitNoRecord], /^error: cluster-repo\.yaml has no \.cluster-repo\/rendered\.yaml beside it .* is not a git clone: run this in a clone of the repository/],
      [["update", join(updated, "terraform")], /^error: update: .*terraform\/cluster-repo\.yaml not found/],
    ];
    for (const [args, message] of cases) {
      const run = await runCli(args);
      expect(run.stderr, args.join(" ")).toMatch(message);
      expect(run.stderr).not.toMatch(/fatal:|--verbose/);
      expect(run.status, args.join(" ")).toBe(2);
    }
    // Without git, plan and check still work on the files, from the record of what the tool wrote.
    expect((await runCli(["check", noGit])).status).toBe(0);
    expect((await runCli(["plan", noGit])).stdout).toMatch(/No parameter changes\.\nNo changes\.\n$/);
  });
});

describe("update refuses while a git operation is in progress", () => {
  const work = tempDir("ccr-update-in-progress-");
  const base = join(work, "base");
  let n = 0;
  const gitQuiet = (dir: string, ...args: string[]) =>
    execFileSync("git", ["-C", dir, "-c", "user.name=Team", "-c", "user.email=team@example.com", ...args], { encoding: "utf8", stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, GIT_EDITOR: "true" } });
  const tryGit = (dir: string, ...args: string[]) => {
    try {
      gitQuiet(dir, ...args);
    } catch {
      // a conflict stops the operation: that is the state under test
    }
  };
  /** The generated repository with two commits of the team's on main and one on a side branch, all on README.md's last line. */
  const repository = () => {
    const dir = join(work, `repo-${n++}`);
    cpSync(base, dir, { recursive: true });
    return dir;
  };
  const state = (dir: string) => ({
    head: git(dir, "rev-parse", "HEAD"),
    refs: git(dir, "for-each-ref", "--format=%(refname) %(objectname)"),
    status: git(dir, "status", "--porcelain=v2", "--branch"),
  });

  beforeAll(async () => {
    expect((await runCli(["-b", "kapsule-gpu", "-y", base])).status).toBe(0);
    const readme = readFileSync(join(base, "README.md"), "utf8");
    gitQuiet(base, "checkout", "-q", "-b", "side");
    writeFileSync(join(base, "README.md"), `${readme}side line\n`);
    gitQuiet(base, "commit", "-qam", "side");
    gitQuiet(base, "checkout", "-q", "main");
    writeFileSync(join(base, "README.md"), `${readme}main line 1\n`);
    gitQuiet(base, "commit", "-qam", "main 1");
    writeFileSync(join(base, "README.md"), `${readme}main line 1, edited\n`);
    gitQuiet(base, "commit", "-qam", "main 2");
  });

  test.each([
    ["an interactive rebase stopped to edit a commit", (dir: string) => gitQuiet(dir, "-c", "sequence.editor=sed -i s/^pick/edit/", "rebase", "-q", "-i", "HEAD~1"), "a rebase", "git rebase --continue"],
    ["a merge with a conflict", (dir: string) => tryGit(dir, "merge", "side"), "a merge", "commit the merge"],
    ["a cherry-pick with a conflict", (dir: string) => tryGit(dir, "cherry-pick", "side"), "a cherry-pick", "git cherry-pick --continue"],
    ["a revert with a conflict", (dir: string) => tryGit(dir, "revert", "--no-edit", "HEAD~1"), "a revert", "git revert --continue"],
    ["a bisect", (dir: string) => gitQuiet(dir, "bisect", "start"), "a bisect", "git bisect reset"],
  ])("during %s: exit 1 naming it, nothing changed", async (_label, start, name, finish) => {
    const dir = repository();
    start(dir);
    const before = state(dir);
    const run = await runCli(["update", dir, "--set", "gpuPool.maxSize=3"]);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`is in the middle of ${name}; finish it first (${finish}`);
    expect(state(dir)).toEqual(before);
    expect(git(dir, "branch", "--list", "create-cluster-repo/*")).toBe("");
  });

  test("after the rebase is finished, main is where the rebase put it and the update starts from there", async () => {
    const dir = repository();
    gitQuiet(dir, "-c", "sequence.editor=sed -i s/^pick/edit/", "rebase", "-q", "-i", "HEAD~1");
    expect((await runCli(["update", dir, "--set", "gpuPool.maxSize=3"])).status).toBe(1);
    gitQuiet(dir, "rebase", "--continue");
    const main = git(dir, "rev-parse", "main");
    expect(git(dir, "log", "-1", "--format=%s", "main")).toBe("main 2");
    const run = await runCli(["update", dir, "--set", "gpuPool.maxSize=3"]);
    expect(run.status, run.stderr).toBe(0);
    expect(git(dir, "rev-parse", "main")).toBe(main);
    expect(git(dir, "rev-parse", `${BRANCH}~1`)).toBe(main);
  });
});
