/**
 * `create` commits only what it generated, never the user's files, and never mixes with someone else's git work:
 * - `--force` into a folder with private files: only the render (and its answers file) is committed and pushed;
 *   the private files stay where they were, untracked, and the summary lists them;
 * - `--force` into another repository with local changes, an operation in progress, or simply someone else's
 *   history: refused with exit 2 and `git status`, branches and files exactly as they were;
 * - every read of the target (`--dry-run --diff`, `check`) follows the rule writes follow: no symlink out of the
 *   target, regular files only (a FIFO is refused, not waited on).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { recordingCli, runCli, tempDir } from "./helpers/cli.js";
import { startGitHttpServer, type GitHttpServer } from "./helpers/git-http-server.js";
import { startGitHubApiServer, type GitHubApiServer } from "./helpers/github-api-server.js";

const TOKEN = "ghp_CreateTargetTestToken0123456789abcdXYZ";
const work = tempDir("ccr-create-target-");
let counter = 0;
const fresh = (name: string) => {
  const dir = join(work, `${name}-${counter++}`);
  mkdirSync(dir, { recursive: true });
  return dir;
};
const git = (dir: string, ...args: string[]) =>
  execFileSync("git", ["-C", dir, "-c", "user.name=Someone", "-c", "user.email=someone@example.com", ...args], { encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] }).trimEnd();

const PRIVATE: Record<string, string> = {
  id_rsa: "-----BEGIN OPENSSH PRIVATE KEY-----\nprivate-rsa\n-----END OPENSSH PRIVATE KEY-----\n",
  id_ed25519: "-----BEGIN OPENSSH PRIVATE KEY-----\nprivate-ed25519\n-----END OPENSSH PRIVATE KEY-----\n",
  "secrets.env": "SCW_SECRET_KEY=not-for-git\n",
  "credentials.json": '{"client_secret":"not-for-git"}\n',
  "notes/plan.md": "my own notes\n",
};

function plant(dir: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
}

/** Every file below `dir` (outside .git) with its content: what "nothing changed" compares. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      if (entry.name === ".git") continue;
      const full = join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else out[relative(dir, full)] = readFileSync(full, "latin1");
    }
  };
  walk(dir);
  return out;
}

/** The whole git state a refusal must leave alone: status, branches, HEAD, the index and the work tree. */
function gitState(dir: string) {
  return {
    status: git(dir, "status", "--porcelain=v2", "--branch", "--untracked-files=all"),
    branches: git(dir, "for-each-ref", "--format=%(refname) %(objectname)"),
    staged: git(dir, "diff", "--cached"),
    unstaged: git(dir, "diff"),
    files: snapshot(dir),
  };
}

/** The files a blueprint renders with these flags, from a dry run. */
const rendered = (...flags: string[]) => runCli(["-b", "kapsule-gpu", "-y", "--set", "repoUrl=https://github.com/acme/cluster.git", "--dry-run", ...flags]).stdout.trim().split("\n").sort();

describe("create --force into a folder with private files", () => {
  test("only the render is committed; the private files stay, untracked, and the summary lists them", () => {
    const dir = fresh("private");
    plant(dir, PRIVATE);
    const run = runCli(["-b", "kapsule-gpu", "-y", "--set", "repoUrl=https://github.com/acme/cluster.git", "--force", dir]);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(git(dir, "ls-files").split("\n").sort()).toEqual(rendered());
    for (const [path, content] of Object.entries(PRIVATE)) expect(readFileSync(join(dir, path), "utf8")).toBe(content);
    // Untracked, or kept out of Git by the generated .gitignore (SSH keys): never added either way.
    const untracked = git(dir, "status", "--porcelain", "--untracked-files=all", "--ignored").split("\n").sort();
    expect(untracked).toEqual(["!! id_ed25519", "!! id_rsa", "?? credentials.json", "?? notes/plan.md", "?? secrets.env"]);
    expect(run.stdout).toContain(`commit ${git(dir, "rev-parse", "--short=7", "HEAD")} on main.`);
    expect(run.stdout).toMatch(/\nLeft 3 files that were already in \S+ untracked, not committed: credentials\.json, notes\/plan\.md, secrets\.env\. /);
  });

  describe("with --github", () => {
    let server: GitHttpServer;
    let api: GitHubApiServer;
    const { cli, outputs } = recordingCli({ GITHUB_TOKEN: TOKEN, GH_TOKEN: "" });
    beforeAll(async () => {
      server = await startGitHttpServer({ auth: { username: "x-access-token", password: TOKEN } });
      api = await startGitHubApiServer({ login: "octocat", token: TOKEN, git: server });
    });
    afterAll(async () => {
      for (const output of outputs) expect(output).not.toContain(TOKEN);
      await api?.close();
      await server?.close();
    });

    test("the pushed repository holds the render and none of the private files", async () => {
      const dir = fresh("private-pushed");
      plant(dir, PRIVATE);
      const run = await cli(["-b", "kapsule-gpu", "-y", "--set", "repoUrl=https://github.com/acme/cluster.git", "--force", "--github", "octocat/private-pushed", "--github-api-url", api.url, dir]);
      expect(run.stderr).toBe("");
      expect(run.status).toBe(0);
      const pushed = git(server.repoPath("octocat/private-pushed"), "ls-tree", "-r", "--name-only", "main").split("\n").sort();
      expect(pushed).toEqual(git(dir, "ls-files").split("\n").sort());
      for (const path of Object.keys(PRIVATE)) expect(pushed).not.toContain(path);
      expect(api.takeViolations()).toEqual([]);
    });
  });
});

describe("create --force into a git repository", () => {
  /** Someone's repository on branch trunk: two commits, a staged change, an unstaged edit and an untracked secret. */
  function busyRepository(): string {
    const dir = fresh("busy");
    git(dir, "init", "--quiet", "--initial-branch=trunk");
    plant(dir, { "README.md": "# ours\n", "app.py": "print('v1')\n", "config.yaml": "a: 1\n" });
    git(dir, "add", "-A");
    git(dir, "commit", "--quiet", "-m", "first");
    plant(dir, { "app.py": "print('v2')\n" });
    git(dir, "commit", "--quiet", "-am", "second");
    plant(dir, { "config.yaml": "a: 2\n" });
    git(dir, "add", "config.yaml");
    plant(dir, { "app.py": "print('v3, not saved anywhere else')\n", "id_ed25519": PRIVATE.id_ed25519! });
    return dir;
  }

  test("with local changes (staged, unstaged, untracked secret): exit 2, and git status, branches and files are identical", () => {
    const dir = busyRepository();
    const before = gitState(dir);
    const run = runCli(["-b", "kapsule-gpu", "-y", "--set", "repoUrl=https://github.com/acme/cluster.git", "--force", dir]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`target directory ${dir} is a git repository with uncommitted changes (app.py, config.yaml); nothing was written. Commit or stash them, then re-run`);
    expect(gitState(dir)).toEqual(before);
  });

  test("clean, but with a history this tool did not make: exit 2, nothing touched, and the way to propose the render instead", () => {
    const dir = busyRepository();
    writeFileSync(join(dir, ".gitignore"), "id_ed25519\n");
    git(dir, "add", "-A");
    git(dir, "commit", "--quiet", "-m", "third");
    const before = gitState(dir);
    const run = runCli(["-b", "kapsule-gpu", "-y", "--set", "repoUrl=https://github.com/acme/cluster.git", "--force", dir]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`is a git repository that create-cluster-repo did not make (trunk has no cluster-repo.yaml); nothing was written`);
    expect(run.stderr).toContain("--github owner/repo --pr-first");
    expect(gitState(dir)).toEqual(before);
  });

  test.each([
    ["a merge", (dir: string) => git(dir, "merge", "--no-commit", "--no-ff", "side"), "a merge"],
    ["a cherry-pick", (dir: string) => git(dir, "cherry-pick", "--no-commit", "side"), undefined],
  ])("in the middle of %s: exit 2, nothing touched", (_label, start, named) => {
    const dir = fresh("mid-op");
    git(dir, "init", "--quiet", "--initial-branch=main");
    plant(dir, { "a.txt": "a\n" });
    git(dir, "add", "-A");
    git(dir, "commit", "--quiet", "-m", "a");
    git(dir, "checkout", "--quiet", "-b", "side");
    plant(dir, { "b.txt": "b\n" });
    git(dir, "add", "-A");
    git(dir, "commit", "--quiet", "-m", "b");
    git(dir, "checkout", "--quiet", "main");
    start(dir);
    const before = gitState(dir);
    const run = runCli(["-b", "kapsule-gpu", "-y", "--set", "repoUrl=https://github.com/acme/cluster.git", "--force", dir]);
    expect(run.status).toBe(2);
    // A --no-commit cherry-pick leaves staged changes and no CHERRY_PICK_HEAD: refused as local changes.
    expect(run.stderr).toMatch(named ? new RegExp(`is in the middle of ${named}; finish it first`) : /uncommitted changes/);
    expect(gitState(dir)).toEqual(before);
  });

  test("a repository without commits gets the render on main; its own file stays untracked", () => {
    const dir = fresh("unborn");
    git(dir, "init", "--quiet", "--initial-branch=master");
    plant(dir, { "TODO.txt": "mine\n" });
    const run = runCli(["-b", "kapsule-gpu", "-y", "--set", "repoUrl=https://github.com/acme/cluster.git", "--force", dir]);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(git(dir, "symbolic-ref", "--short", "HEAD")).toBe("main");
    expect(run.stdout).toContain(" on main.");
    expect(git(dir, "status", "--porcelain")).toBe("?? TODO.txt");
  });

  test("a repository made by this tool, on an update branch: the re-render is committed there and the summary names that branch", () => {
    const dir = join(fresh("own"), "repo");
    expect(runCli(["-b", "kapsule-gpu", "-y", "--set", "repoUrl=https://github.com/acme/cluster.git", dir]).status).toBe(0);
    git(dir, "checkout", "--quiet", "-b", "create-cluster-repo/bigger");
    const run = runCli(["-b", "kapsule-gpu", "-y", "--set", "repoUrl=https://github.com/acme/cluster.git", "--set", "gpuPool.maxSize=3", "--force", dir]);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`commit ${git(dir, "rev-parse", "--short=7", "HEAD")} on create-cluster-repo/bigger.`);
    expect(git(dir, "rev-parse", "main")).toBe(git(dir, "rev-parse", "HEAD~1"));
  });

  test("an untracked file where the render writes one is not overwritten: exit 2", () => {
    const dir = join(fresh("own-untracked"), "repo");
    expect(runCli(["-b", "kapsule-gpu", "-y", "--set", "repoUrl=https://github.com/acme/cluster.git", dir]).status).toBe(0);
    git(dir, "rm", "--quiet", "README.md");
    git(dir, "commit", "--quiet", "-m", "our README lives elsewhere");
    writeFileSync(join(dir, "README.md"), "# written by hand, never committed\n");
    const before = gitState(dir);
    const run = runCli(["-b", "kapsule-gpu", "-y", "--set", "repoUrl=https://github.com/acme/cluster.git", "--force", dir]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("has untracked files where the render writes its own (README.md); nothing was written");
    expect(gitState(dir)).toEqual(before);
  });

  test("a folder inside another repository: exit 2, the outer repository untouched", () => {
    const outer = fresh("outer");
    git(outer, "init", "--quiet");
    plant(outer, { "infra/README.md": "infra\n" });
    const before = gitState(outer);
    const run = runCli(["-b", "kapsule-gpu", "-y", "--set", "repoUrl=https://github.com/acme/cluster.git", "--force", join(outer, "infra")]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`is inside the git repository ${outer}`);
    expect(gitState(outer)).toEqual(before);
  });
});

describe("reads of the target follow the write rules", () => {
  test("--dry-run --diff does not print a file that a symlink out of the target leads to", () => {
    const outside = fresh("outside");
    writeFileSync(join(outside, "main.tf"), "# PRIVATE-OUTSIDE-TF\n");
    writeFileSync(join(outside, "key"), "PRIVATE-OUTSIDE-KEY\n");
    for (const [link, to] of [
      ["terraform", outside],
      ["README.md", join(outside, "key")],
    ] as const) {
      const dir = fresh("preview-link");
      symlinkSync(to, join(dir, link));
      const run = runCli(["-b", "kapsule-gpu", "-y", "--set", "repoUrl=https://github.com/acme/cluster.git", "--dry-run", "--diff", dir]);
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(new RegExp(`refusing to read (${link}|${link}/\\S+): ${link} is a symlink that points outside ${dir}`));
      expect(run.stdout).not.toContain("PRIVATE-OUTSIDE");
    }
  });

  test("a symlink that stays inside the target is read through", () => {
    const dir = fresh("preview-inside");
    writeFileSync(join(dir, "real.md"), "# mine\n");
    symlinkSync("real.md", join(dir, "README.md"));
    const run = runCli(["-b", "kapsule-gpu", "-y", "--set", "repoUrl=https://github.com/acme/cluster.git", "--dry-run", "--diff", dir]);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("--- a/README.md");
    expect(run.stdout).toContain("-# mine");
  });

  test("a FIFO where a generated file goes is refused by --dry-run --diff and by check, not waited on", () => {
    const dir = fresh("preview-fifo");
    execFileSync("mkfifo", [join(dir, "README.md")]);
    const preview = runCli(["-b", "kapsule-gpu", "-y", "--set", "repoUrl=https://github.com/acme/cluster.git", "--dry-run", "--diff", dir]);
    expect(preview.status).toBe(1);
    expect(preview.stderr).toContain("refusing to read README.md: it is a FIFO (named pipe), not a regular file");

    const repo = join(fresh("check-fifo"), "repo");
    expect(runCli(["-b", "kapsule-gpu", "-y", "--set", "repoUrl=https://github.com/acme/cluster.git", repo]).status).toBe(0);
    execFileSync("rm", [join(repo, "README.md")]);
    execFileSync("mkfifo", [join(repo, "README.md")]);
    const check = runCli(["check", repo]);
    expect(check.status).toBe(1);
    expect(check.stderr).toContain("refusing to read README.md: it is a FIFO (named pipe), not a regular file");
    expect(statSync(join(repo, "README.md")).isFIFO()).toBe(true);
  });
});
