/**
 * Reads of a repository someone else prepared: a committed symlink must not make `check`, `plan --diff` or
 * `update --conflict markers --pr` print, commit, push or quote a file of this clone that is not the repository's:
 * git's own directory (`.git/config`, which can hold a credential in a remote URL) or a file git does not track
 * (`.envrc`, Terraform state: git-ignored, where local secrets live). Each is refused with the link named, exit 1.
 * The answers file is read only as a regular file of the repository, never through a symlink (exit 2).
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { InputError } from "../src/errors.js";
import { planUpdate } from "../src/update/plan.js";
import { runCli, tempDir, type CliRun } from "./helpers/cli.js";
import { useGitHubDouble } from "./helpers/github-api-server.js";

const CANARY = "ccr-private-canary-5f3a9e";
const TOKEN = "ghp_RepoReadsTrustToken0123456789abcdefXYZ";
const git = (dir: string, ...args: string[]) =>
  execFileSync("git", ["-C", dir, "-c", "user.name=Someone", "-c", "user.email=someone@example.com", ...args], { encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] }).trim();

/** The local, private files of a clone: a credential in .git/config, an .envrc and Terraform state (both git-ignored). */
function plantPrivateFiles(dir: string): void {
  git(dir, "config", "remote.backup.url", `https://x-access-token:${CANARY}@github.com/acme/fleet.git`);
  writeFileSync(join(dir, ".envrc"), `export SCW_SECRET_KEY=${CANARY}\n`);
  writeFileSync(join(dir, "terraform", "terraform.tfstate"), `{"outputs": {"kubeconfig": "${CANARY}"}}\n`);
  mkdirSync(join(dir, ".terraform"), { recursive: true });
  writeFileSync(join(dir, ".terraform", "main.tf"), `# ${CANARY}\n`);
  writeFileSync(join(dir, "NOTES.local.md"), `${CANARY}\n`); // untracked, not ignored
}

/** Replaces `path` (a generated file or folder) by a committed symlink to `to`, as a prepared repository would. */
function commitLink(dir: string, path: string, to: string): void {
  rmSync(join(dir, path), { recursive: true, force: true });
  symlinkSync(to, join(dir, path));
  git(dir, "add", "-A", "--", path);
  git(dir, "commit", "-q", "-m", `link ${path}`);
}

const expectNoCanary = (run: CliRun) => expect(run.stdout + run.stderr).not.toContain(CANARY);

describe("reads of the work tree do not follow a link into .git or to a file git does not track", () => {
  const work = tempDir("ccr-trust-reads-");
  const base = join(work, "base");
  let n = 0;
  const copy = () => {
    const dir = join(work, `repo-${n++}`);
    cpSync(base, dir, { recursive: true, verbatimSymlinks: true });
    plantPrivateFiles(dir);
    return dir;
  };

  beforeAll(async () => {
    const run = await runCli(["-b", "kapsule-gpu", "-y", "--set", "repoUrl=https://github.com/acme/fleet.git", base]);
    expect(run.status, run.stderr).toBe(0);
    // The generated .gitignore keeps these out of git: the premise of the attack.
    const probe = copy();
    expect(git(probe, "check-ignore", ".envrc", "terraform/terraform.tfstate", ".terraform/main.tf").split("\n")).toHaveLength(3);
  });

  const cases: Array<[string, string, string, RegExp]> = [
    ["README.md -> .git/config", "README.md", ".git/config", /README\.md is a symlink that leads to \.git\/config, inside \.git/],
    ["README.md -> .envrc", "README.md", ".envrc", /README\.md is a symlink that leads to \.envrc, a file git ignores/],
    ["terraform/main.tf -> terraform.tfstate", "terraform/main.tf", "terraform.tfstate", /terraform\/main\.tf is a symlink that leads to terraform\/terraform\.tfstate, a file git ignores/],
    ["the folder terraform -> .terraform", "terraform", ".terraform", /terraform is a symlink that leads to \.terraform\/main\.tf, a file git ignores/],
    ["README.md -> a file git neither tracks nor ignores", "README.md", "NOTES.local.md", /README\.md is a symlink that leads to NOTES\.local\.md, a file git does not track/],
  ];

  test.each(cases)("%s: check and plan --diff refuse it by name (exit 1) and print nothing of it", async (_label, path, to, named) => {
    const dir = copy();
    commitLink(dir, path, to);
    for (const args of [["check", dir], ["plan", dir, "--set", "gpuPool.maxSize=3", "--diff"]]) {
      const run = await runCli(args);
      expectNoCanary(run);
      expect(run.stderr, args[0]).toMatch(named);
      expect(run.stderr).toMatch(/only files of the repository are read through a link\. Remove the link \(or replace it by the file itself\) and re-run/);
      expect(run.status, args[0]).toBe(1);
    }
  });

  test("a symlink to a tracked file of the repository is followed", async () => {
    const dir = copy();
    mkdirSync(join(dir, "docs"));
    cpSync(join(base, "README.md"), join(dir, "docs", "README.md"));
    git(dir, "add", "docs/README.md");
    commitLink(dir, "README.md", "docs/README.md");
    const run = await runCli(["check", dir]);
    expect(run.stderr).toBe("");
    expect(run.stdout).toBe("All generated files match the answers file.\n");
    expect(run.status).toBe(0);
  });

  describe("update --conflict markers --pr", () => {
    const servers = useGitHubDouble(TOKEN);
    const env = { GITHUB_TOKEN: TOKEN, GH_TOKEN: "" };
    let dir: string;
    let published: string;

    beforeAll(async () => {
      dir = join(work, "published");
      const created = await runCli(["-b", "kapsule-gpu", "-y", "--github", "octocat/fleet", "--github-api-url", servers.api.url, dir], { env });
      expect(created.status, created.stderr).toBe(0);
      plantPrivateFiles(dir);
      rmSync(join(dir, "NOTES.local.md")); // update needs a clean work tree: only ignored files stay
      published = git(dir, "rev-parse", "main");
    });
    afterAll(() => expect(servers.api.takeViolations()).toEqual([]));

    test.each([
      ["README.md -> .envrc", "README.md", ".envrc"],
      ["README.md -> .git/config", "README.md", ".git/config"],
    ])("%s: refused before anything is committed, pushed or proposed", async (_label, path, to) => {
      git(dir, "checkout", "-q", "main");
      git(dir, "reset", "-q", "--hard", published);
      commitLink(dir, path, to);
      const head = git(dir, "rev-parse", "HEAD");
      const run = await runCli(["update", dir, "--set", "gpuPool.maxSize=3", "--conflict", "markers", "--pr", "--github-api-url", servers.api.url], { env });
      expectNoCanary(run);
      expect(run.stderr).toMatch(new RegExp(`refusing to read ${path.replace(".", "\\.")}: ${path.replace(".", "\\.")} is a symlink that leads to ${to.replace(/\./g, "\\.")}`));
      expect(run.status).toBe(1);
      expect(git(dir, "rev-parse", "HEAD")).toBe(head);
      expect(git(dir, "branch", "--list", "create-cluster-repo/*")).toBe("");
      expect(git(servers.git.repoPath("octocat/fleet"), "for-each-ref", "--format=%(refname)")).toBe("refs/heads/main");
      expect(servers.api.state().pulls).toEqual([]);
      expect(git(dir, "cat-file", "--batch-all-objects", "--batch-check")).not.toContain(CANARY); // nothing hashed into the store either
    });
  });
});

describe("the answers file is read only as a regular file of the repository", () => {
  const work = tempDir("ccr-trust-answers-");
  const base = join(work, "base");
  let n = 0;

  beforeAll(async () => {
    const run = await runCli(["-b", "kapsule-gpu", "-y", base]);
    expect(run.status, run.stderr).toBe(0);
  });

  test.each([
    ["outside the repository", (dir: string) => join(work, `elsewhere-${n}.yaml`)],
    ["to a tracked copy inside it", (dir: string) => join(dir, "answers", "cluster-repo.yaml")],
  ])("a symlink %s: plan, check and update refuse it (exit 2) naming it; the library call too", async (_label, where) => {
    const dir = join(work, `repo-${n++}`);
    cpSync(base, dir, { recursive: true });
    const target = where(dir);
    mkdirSync(join(target, ".."), { recursive: true });
    writeFileSync(target, readFileSync(join(dir, "cluster-repo.yaml"), "utf8").replace("maxSize: 2", "maxSize: 7"));
    commitLink(dir, "cluster-repo.yaml", target);
    for (const args of [["plan", dir], ["check", dir], ["update", dir, "--set", "gpuPool.maxSize=3"]]) {
      const run = await runCli(args);
      expect(run.stderr, args[0]).toMatch(/cluster-repo\.yaml is a symbolic link \(to .*\); the answers file is read only as a regular file in the repository: replace the link by the file itself, then re-run/);
      expect(run.status, args[0]).toBe(2);
    }
    const error = await planUpdate(dir, {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(/cluster-repo\.yaml: it is a symbolic link \(to .*\), not a regular file/);
  });
});
