/**
 * `update --pr` pushes with the maintainer's token and opens the pull request in the maintainer's name: it pushes
 * only the commit it makes itself on top of the base. A local branch that already has the predictable name
 * (`create-cluster-repo/<change>`, fetched from someone, or made by hand) and holds other commits is refused, named,
 * with nothing committed, pushed or proposed; the tool's own commit, left by a failed push, is recognised by its
 * content and the re-run resumes (from main, from the update branch, and after main moved).
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, test } from "vitest";
import { recordingCli, tempDir, type CliRun } from "./helpers/cli.js";
import { useGitHubDouble } from "./helpers/github-api-server.js";

const TOKEN = "ghp_UpdateBranchTrustToken0123456789abcdeXYZ";
const BRANCH = "create-cluster-repo/gpupool-maxsize-3";
const git = (dir: string, ...args: string[]) =>
  execFileSync("git", ["-C", dir, "-c", "user.name=Mallory", "-c", "user.email=mallory@example.com", ...args], { encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] }).trim();

describe("update --pr pushes only its own commit", () => {
  const work = tempDir("ccr-trust-branch-");
  const servers = useGitHubDouble(TOKEN);
  const { cli, outputs } = recordingCli({ GITHUB_TOKEN: TOKEN, GH_TOKEN: "" });
  let n = 0;
  /** A published repository of its own (its own remote), so each case starts from a clean forge. */
  const published = async () => {
    const name = `fleet-${n++}`;
    const dir = join(work, name);
    const created = await cli(["-b", "kapsule-gpu", "-y", "--github", `octocat/${name}`, "--github-api-url", servers.api.url, dir]);
    expect(created.status, created.stderr).toBe(0);
    return { dir, name, bare: servers.git.repoPath(`octocat/${name}`) };
  };
  const updatePr = (dir: string, ...extra: string[]) => cli(["update", dir, "--set", "gpuPool.maxSize=3", "--pr", "--github-api-url", servers.api.url, ...extra]);
  const remoteBranches = (bare: string) => git(bare, "for-each-ref", "--format=%(refname:short)", "refs/heads/").split("\n").filter(Boolean);
  const pullsOf = (name: string) => servers.api.state().pulls.filter((pull) => pull.repo === `octocat/${name}`);
  /** Refused by name: exit 1, nothing pushed or proposed, the branch and the checkout as they were. */
  const expectRefused = (run: CliRun, repo: { dir: string; name: string; bare: string }, tip: string, foreign: string[]) => {
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`branch ${BRANCH} already exists and holds`);
    for (const sha of foreign) expect(run.stderr).toContain(sha.slice(0, 12));
    expect(run.stderr).toContain(`update --pr pushes only its own commit, with your token: nothing was committed or pushed. If the branch is a leftover, delete it (git branch -D ${BRANCH})`);
    expect(remoteBranches(repo.bare)).toEqual(["main"]);
    expect(pullsOf(repo.name)).toEqual([]);
    expect(git(repo.dir, "rev-parse", BRANCH)).toBe(tip);
    expect(git(repo.dir, "rev-parse", "--abbrev-ref", "HEAD")).toBe("main");
    expect(git(repo.dir, "status", "--porcelain")).toBe("");
  };

  afterEach(() => {
    expect(servers.api.takeViolations()).toEqual([]);
    for (const output of outputs) expect(output).not.toContain(TOKEN);
  });

  test("a local branch of that name with someone's commit (the change itself plus a workflow of theirs): refused, named", async () => {
    const repo = await published();
    // What a fetched pull request could hold: the very change update would make, and one thing more.
    git(repo.dir, "checkout", "-q", "-b", BRANCH);
    const made = await cli(["update", repo.dir, "--set", "gpuPool.maxSize=3", "--branch", "scratch"]);
    expect(made.status, made.stderr).toBe(0);
    git(repo.dir, "checkout", "-q", BRANCH);
    git(repo.dir, "merge", "-q", "--ff-only", "scratch");
    mkdirSync(join(repo.dir, ".github", "workflows"), { recursive: true });
    writeFileSync(join(repo.dir, ".github", "workflows", "exfiltrate.yml"), "on: push\njobs: {}\n");
    git(repo.dir, "add", "-A");
    git(repo.dir, "commit", "-q", "-m", "Update gpuPool.maxSize=3");
    const foreign = git(repo.dir, "rev-parse", "HEAD");
    git(repo.dir, "checkout", "-q", "main");
    git(repo.dir, "branch", "-q", "-D", "scratch");
    const run = await updatePr(repo.dir);
    expectRefused(run, repo, foreign, [foreign]);
    expect(run.stderr).toContain('"Update gpuPool.maxSize=3" by Mallory <mallory@example.com>');
    // The tool's own commit below it is not blamed: only the foreign one is named.
    expect(run.stderr).toContain("holds a commit on top of main");
  });

  test.each([
    ["the same files, another message", (dir: string) => git(dir, "commit", "-q", "--amend", "-m", "Looks like an update")],
    ["the same message, one file more", (dir: string) => {
      writeFileSync(join(dir, "extra.txt"), "x\n");
      git(dir, "add", "extra.txt");
      git(dir, "commit", "-q", "--amend", "--no-edit");
    }],
    ["a merge commit", (dir: string) => {
      git(dir, "checkout", "-q", "-b", "side", "main");
      git(dir, "commit", "-q", "--allow-empty", "-m", "side");
      git(dir, "checkout", "-q", BRANCH);
      git(dir, "merge", "-q", "--no-ff", "--no-edit", "side");
    }],
  ])("a commit that only resembles the tool's (%s): refused", async (_label, tamper) => {
    const repo = await published();
    const made = await cli(["update", repo.dir, "--set", "gpuPool.maxSize=3"]);
    expect(made.status, made.stderr).toBe(0);
    tamper(repo.dir);
    const tip = git(repo.dir, "rev-parse", BRANCH);
    git(repo.dir, "checkout", "-q", "main");
    expectRefused(await updatePr(repo.dir), repo, tip, []);
  });

  test("--branch puts the update elsewhere: only its own commit is pushed", async () => {
    const repo = await published();
    git(repo.dir, "checkout", "-q", "-b", BRANCH);
    git(repo.dir, "commit", "-q", "--allow-empty", "-m", "someone else's");
    git(repo.dir, "checkout", "-q", "main");
    const run = await updatePr(repo.dir, "--branch", "create-cluster-repo/mine");
    expect(run.status, run.stderr).toBe(0);
    expect(remoteBranches(repo.bare).sort()).toEqual(["create-cluster-repo/mine", "main"]);
    expect(git(repo.bare, "rev-list", "--count", "main..create-cluster-repo/mine")).toBe("1");
  });

  describe("the tool's own commit, left by a failed push, resumes", () => {
    /** `update --pr` whose push fails (GitHub's host down), leaving the tool's commit on its branch. */
    const failedPush = async () => {
      const repo = await published();
      await servers.api.refuseConnections(true);
      let failed: CliRun;
      try {
        failed = await updatePr(repo.dir);
      } finally {
        await servers.api.refuseConnections(false);
      }
      expect(failed.status).toBe(1);
      expect(failed.stderr).toMatch(/failed to push create-cluster-repo\/gpupool-maxsize-3 .*Your local commit [0-9a-f]{12} on create-cluster-repo\/gpupool-maxsize-3 is kept/);
      return { ...repo, kept: git(repo.dir, "rev-parse", BRANCH) };
    };
    const expectResumed = (run: CliRun, repo: Awaited<ReturnType<typeof failedPush>>) => {
      expect(run.stderr).toBe("");
      expect(run.status).toBe(0);
      expect(run.stdout).toContain(`Already up to date on ${BRANCH}.`);
      expect(run.stdout).toMatch(/Pull request #\d+ opened/);
      expect(git(repo.bare, "rev-parse", BRANCH)).toBe(repo.kept);
    };

    test("re-run from the update branch (where update left the checkout)", async () => {
      const repo = await failedPush();
      expect(git(repo.dir, "rev-parse", "--abbrev-ref", "HEAD")).toBe(BRANCH);
      expectResumed(await updatePr(repo.dir), repo);
    });

    test("re-run from main", async () => {
      const repo = await failedPush();
      git(repo.dir, "checkout", "-q", "main");
      expectResumed(await updatePr(repo.dir), repo);
    });

    test("re-run after main moved on: the commit is checked against the main it was made on", async () => {
      const repo = await failedPush();
      git(repo.dir, "checkout", "-q", "main");
      git(repo.dir, "commit", "-q", "--allow-empty", "-m", "the team moves on");
      expectResumed(await updatePr(repo.dir), repo);
    });

    test("a copy of the repository (another clone's commit of the same change, other author and dates): resumes too", async () => {
      const repo = await failedPush();
      const copy = join(work, `${repo.name}-copy`);
      cpSync(repo.dir, copy, { recursive: true });
      // Recreate the tool's commit with another identity and date: the same content is the same update.
      git(copy, "checkout", "-q", "main");
      git(copy, "branch", "-q", "-D", BRANCH);
      const again = await cli(["update", copy, "--set", "gpuPool.maxSize=3"]);
      expect(again.status, again.stderr).toBe(0);
      git(copy, "checkout", "-q", "main");
      const run = await updatePr(copy);
      expect(run.status, run.stderr).toBe(0);
    });
  });
});
