import { execFile } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { branchExistsInProcess, headInProcess, surelyValidBranchName } from "../src/git/ref-files.js";
import { tempDir } from "./helpers/cli.js";
import { repoRoot } from "./helpers/fixtures.js";

// src/git/ref-files.ts reads HEAD and branches from git's files instead of asking git: each answer it gives must be
// git's own, in each kind of repository, and it must decline (undefined) where it cannot be sure.
const GIT_ENV = { ...process.env, GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1", GIT_TERMINAL_PROMPT: "0", GIT_AUTHOR_NAME: "Ada", GIT_AUTHOR_EMAIL: "ada@example.com", GIT_COMMITTER_NAME: "Ada", GIT_COMMITTER_EMAIL: "ada@example.com" };

async function git(cwd: string, ...args: string[]): Promise<{ ok: boolean; out: string }> {
  try {
    const { stdout } = await promisify(execFile)("git", args, { cwd, env: GIT_ENV });
    return { ok: true, out: stdout.trim() };
  } catch {
    return { ok: false, out: "" };
  }
}

/** What git answers to the questions ref-files.ts answers for it. */
async function gitAnswers(dir: string, branches: string[]) {
  const [branch, sha] = await Promise.all([git(dir, "symbolic-ref", "--quiet", "--short", "HEAD"), git(dir, "rev-parse", "--verify", "--quiet", "HEAD")]);
  const listed = await Promise.all(branches.map(async (name) => (await git(dir, "branch", "--list", name)).out !== ""));
  return { head: { branch: branch.ok ? branch.out : undefined, sha: sha.ok ? sha.out : undefined }, listed };
}

async function repository(): Promise<string> {
  const dir = tempDir("ccr-ref-files-");
  await git(dir, "init", "--quiet", "--initial-branch", "main");
  writeFileSync(join(dir, "a.txt"), "a\n");
  await git(dir, "add", "a.txt");
  await git(dir, "commit", "--quiet", "-m", "first");
  return dir;
}

const NAMES = ["main", "feature/x", "feature", "create-cluster-repo/rerender", "v1", "missing", "deep/er/name"];

/** Each state a repository can be in, made by git itself. */
const STATES: Array<{ name: string; make: (dir: string) => Promise<unknown> }> = [
  { name: "a fresh commit on main", make: async () => undefined },
  { name: "branches, loose", make: (dir) => Promise.all(["feature/x", "deep/er/name"].map((name) => git(dir, "branch", name))) },
  { name: "branches packed (git pack-refs), then one loose over its packed line", make: async (dir) => {
    for (const name of ["feature/x", "v1"]) await git(dir, "branch", name);
    await git(dir, "pack-refs", "--all");
    writeFileSync(join(dir, "b.txt"), "b\n");
    await git(dir, "add", "b.txt");
    await git(dir, "commit", "--quiet", "-m", "second"); // main's loose file now differs from its packed line
  } },
  { name: "a detached HEAD", make: (dir) => git(dir, "checkout", "--quiet", "--detach") },
  { name: "a tag named as the branch (git shortens to heads/main)", make: (dir) => git(dir, "tag", "main") },
  { name: "a packed tag named as the branch", make: async (dir) => {
    await git(dir, "tag", "main");
    await git(dir, "pack-refs", "--all");
  } },
  { name: "an unborn branch", make: (dir) => git(dir, "checkout", "--quiet", "--orphan", "fresh") },
  { name: "a branch whose name is a folder of other branches", make: async (dir) => {
    await git(dir, "branch", "feature/x");
    await git(dir, "checkout", "--quiet", "-b", "feature/y");
  } },
];

describe("HEAD and branches read from git's files", () => {
  for (const state of STATES) {
    test(`${state.name}: the same answers as git's, or none`, async () => {
      const dir = await repository();
      await state.make(dir);
      const expected = await gitAnswers(dir, NAMES);
      const head = headInProcess(dir);
      if (head) expect(head).toEqual(expected.head);
      NAMES.forEach((name, i) => {
        const listed = branchExistsInProcess(dir, name);
        if (listed !== undefined) expect({ name, listed }).toEqual({ name, listed: expected.listed[i] });
      });
    });
  }

  test("it answers in a plain repository (not only declines)", async () => {
    const dir = await repository();
    await git(dir, "branch", "feature/x");
    const expected = await gitAnswers(dir, NAMES);
    expect(headInProcess(dir)).toEqual(expected.head);
    expect(NAMES.map((name) => branchExistsInProcess(dir, name))).toEqual(expected.listed);
  });

  test("it declines where git decides otherwise: a linked work tree, a sub-folder, GIT_DIR, an extension, a glob", async () => {
    const dir = await repository();
    const linked = join(tempDir("ccr-ref-files-"), "linked");
    await git(dir, "worktree", "add", "--quiet", "-b", "side", linked);
    expect(headInProcess(linked)).toBeUndefined();
    mkdirSync(join(dir, "sub"));
    expect(headInProcess(join(dir, "sub"))).toBeUndefined();
    expect(branchExistsInProcess(dir, "ma*")).toBeUndefined();
    // in a process of its own: the variable is process-wide
    const module = pathToFileURL(join(repoRoot, "dist", "git", "ref-files.js")).href;
    const program = `import { headInProcess } from ${JSON.stringify(module)}; console.log(JSON.stringify(headInProcess(process.argv[1]) ?? "declined"));`;
    const withGitDir = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", program, dir], { env: { ...process.env, GIT_DIR: join(dir, ".git") } });
    expect(JSON.parse(withGitDir.stdout)).toBe("declined");
    expect(headInProcess(dir)).toBeDefined();
    await git(dir, "config", "extensions.worktreeConfig", "true");
    expect(headInProcess(dir)).toBeUndefined();
  });
});

describe("branch names taken without git", () => {
  test("every name taken is one `git check-ref-format --branch` takes; the usual ones are taken", async () => {
    const dir = await repository();
    // parts near the edge of the names taken (dots, dashes, ".lock"), and parts with characters git refuses
    const part = fc.oneof(fc.stringMatching(/^[A-Za-z0-9._-]{1,6}(\.lock)?$/), fc.stringMatching(/^[A-Za-z0-9._\-@{}~^:?*[\\ ]{1,8}$/));
    const generated = fc.sample(fc.array(part, { minLength: 1, maxLength: 3 }).map((parts) => parts.join("/")), { numRuns: 200, seed: 28 });
    const names = [...generated, "main", "HEAD", "a..b", "x.lock", "x/", "x.", ".x", "a//b", "create-cluster-repo/rerender", "update/replicas-3", "v1.2.3", "a@{1}", "@"];
    const taken = names.filter(surelyValidBranchName);
    expect(taken).toEqual(expect.arrayContaining(["main", "create-cluster-repo/rerender", "update/replicas-3", "v1.2.3"]));
    expect(taken.length).toBeGreaterThan(10);
    for (const name of taken) expect({ name, git: (await git(dir, "check-ref-format", "--branch", name)).ok }).toEqual({ name, git: true });
    for (const name of ["HEAD", "a..b", "x.lock", "x.", ".x", "a//b", "a@{1}", "-x", "+x"]) expect({ name, taken: surelyValidBranchName(name) }).toEqual({ name, taken: false });
  });
});
