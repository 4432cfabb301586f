import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { chmod, lstat, mkdir, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { GitError, TargetError } from "../src/errors.js";
import {
  DEFAULT_IDENTITY,
  commitAll,
  createOrResetBranch,
  currentBranch,
  fileAtCommit,
  initRepository,
  lastCommitTouching,
  pushBranch,
  readTreeAtRef,
  writeTreeAtomically,
} from "../src/git/repo.js";
import { readBlobsIfWorkTree, trackedFilesIfWorkTree } from "../src/git/blobs.js";
import { commitChanges } from "../src/git/tree-commit.js";
import { startGitHttpServer, type GitHttpServer } from "./helpers/git-http-server.js";

const TOKEN = "ghp_testTOKEN1234567890abcdefSECRET";
const TOKEN_B64 = Buffer.from(`x-access-token:${TOKEN}`).toString("base64");
const sandbox = mkdtempSync(path.join(os.tmpdir(), "ccr-git-test-"));
const savedEnv = { HOME: process.env.HOME, XDG_CONFIG_HOME: process.env.XDG_CONFIG_HOME };
let counter = 0;
let server: GitHttpServer;

/** Runs git for assertions, isolated from any global config on this machine. */
async function git(cwd: string, ...args: string[]): Promise<string> {
  const env = { ...process.env, GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1", GIT_TERMINAL_PROMPT: "0" };
  const { stdout } = await promisify(execFile)("git", args, { cwd, env });
  return stdout.trim();
}

function freshDir(name = "dir"): string {
  const dir = path.join(sandbox, `${name}-${++counter}`);
  if (!dir.startsWith(os.tmpdir())) throw new Error("test directories must live under the OS temp dir");
  return dir;
}

async function repoWithCommit(files: Record<string, string> = { "README.md": "# fleet\n" }): Promise<{ dir: string; sha: string }> {
  const dir = freshDir("repo");
  await initRepository(dir);
  for (const [file, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), content);
  }
  const result = await commitAll(dir, "initial");
  return { dir, sha: result.sha! };
}

async function listAll(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).map(String).sort();
}

async function grepDir(dir: string, needles: string[]): Promise<string[]> {
  const hits: string[] = [];
  for (const entry of await listAll(dir)) {
    const file = path.join(dir, entry);
    if (!(await lstat(file)).isFile()) continue;
    const text = (await readFile(file)).toString("latin1");
    for (const needle of needles) if (text.includes(needle)) hits.push(`${entry}: ${needle}`);
  }
  return hits;
}

async function pushFailure(promise: Promise<unknown>): Promise<GitError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GitError);
  const message = String((error as GitError).message);
  expect(message).not.toContain(TOKEN);
  expect(message).not.toContain(TOKEN_B64);
  expect((error as GitError).exitCode).toBe(1);
  return error as GitError;
}

beforeAll(async () => {
  // A machine with no global git identity: commits must still work.
  process.env.HOME = sandbox;
  process.env.XDG_CONFIG_HOME = sandbox;
  server = await startGitHttpServer({ auth: { username: "x-access-token", password: TOKEN } });
});

afterAll(async () => {
  await server?.close();
  process.env.HOME = savedEnv.HOME;
  process.env.XDG_CONFIG_HOME = savedEnv.XDG_CONFIG_HOME;
  rmSync(sandbox, { recursive: true, force: true });
});

describe("initRepository and commitAll", () => {
  test("commits with the default identity when git has none, on branch main", async () => {
    const { dir, sha } = await repoWithCommit();
    expect(sha).toMatch(/^[0-9a-f]{40}$/);
    expect(await git(dir, "log", "-1", "--format=%an <%ae>|%cn <%ce>|%s")).toBe(
      `${DEFAULT_IDENTITY.name} <${DEFAULT_IDENTITY.email}>|${DEFAULT_IDENTITY.name} <${DEFAULT_IDENTITY.email}>|initial`,
    );
    expect(await currentBranch(dir)).toBe("main");
    expect(await readFile(path.join(dir, ".git", "config"), "utf8")).not.toMatch(/\[user\]/);
  });

  test("nothing to commit is { changed: false }, not an error", async () => {
    const { dir, sha } = await repoWithCommit();
    expect(await commitAll(dir, "again")).toEqual({ changed: false });
    expect(await git(dir, "rev-parse", "HEAD")).toBe(sha);
  });

  test("an explicit author wins, and deletions are committed too", async () => {
    const { dir } = await repoWithCommit({ "a.txt": "a\n", "b.txt": "b\n" });
    rmSync(path.join(dir, "a.txt"));
    const result = await commitAll(dir, "drop a", { author: { name: "Ada", email: "ada@example.com" } });
    expect(result.changed).toBe(true);
    expect(await git(dir, "log", "-1", "--format=%an <%ae>")).toBe("Ada <ada@example.com>");
    expect(await git(dir, "ls-tree", "--name-only", "HEAD")).toBe("b.txt");
  });

  test("re-initializing an existing repository keeps it", async () => {
    const { dir, sha } = await repoWithCommit();
    expect(await initRepository(dir)).toEqual({ created: false });
    expect(await git(dir, "rev-parse", "HEAD")).toBe(sha);
  });

  test("an identity from git config is used when present", async () => {
    const dir = freshDir("repo");
    await initRepository(dir, { author: { name: "Configured", email: "configured@example.com" } });
    await writeFile(path.join(dir, "x"), "x");
    await commitAll(dir, "x");
    expect(await git(dir, "log", "-1", "--format=%an <%ae>")).toBe("Configured <configured@example.com>");
  });
});

describe("writeTreeAtomically", () => {
  const tree = new Map([
    ["README.md", "# fleet\n"],
    ["clusters/prod/kustomization.yaml", "resources: []\n"],
  ]);

  test("writes a new target via one rename and leaves no temp directory behind", async () => {
    const parent = freshDir("parent");
    const target = path.join(parent, "out");
    expect(await writeTreeAtomically(target, tree)).toEqual({ written: 2, mode: "renamed" });
    expect(await listAll(parent)).toEqual(["out", "out/README.md", "out/clusters", "out/clusters/prod", "out/clusters/prod/kustomization.yaml"]);
  });

  test("the target gets normal permissions (umask), not a temp directory's 0700", async () => {
    const target = path.join(freshDir("parent"), "out");
    await writeTreeAtomically(target, tree);
    const probe = freshDir("probe");
    await mkdir(probe);
    expect((await lstat(target)).mode & 0o777).toBe((await lstat(probe)).mode & 0o777);
  });

  test("an existing empty directory is fine", async () => {
    const target = freshDir("empty");
    await mkdir(target, { recursive: true });
    await writeTreeAtomically(target, tree);
    expect(await readFile(path.join(target, "README.md"), "utf8")).toBe("# fleet\n");
  });

  test("refuses a non-empty target without force (usage-level, exit 2) and changes nothing", async () => {
    const target = freshDir("full");
    await mkdir(target, { recursive: true });
    await writeFile(path.join(target, "README.md"), "mine\n");
    const error = await writeTreeAtomically(target, tree).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TargetError);
    expect((error as TargetError).exitCode).toBe(2);
    expect((error as TargetError).message).toMatch(/not empty.*--force/);
    expect(await listAll(target)).toEqual(["README.md"]);
  });

  test("with force, replaces only the tree's files and keeps the others", async () => {
    const target = freshDir("force");
    await mkdir(target, { recursive: true });
    await writeFile(path.join(target, "README.md"), "old\n");
    await writeFile(path.join(target, "notes.txt"), "keep\n");
    await chmod(path.join(target, "README.md"), 0o755);
    expect(await writeTreeAtomically(target, tree, { force: true })).toEqual({ written: 2, mode: "per-file" });
    expect((await lstat(path.join(target, "README.md"))).mode & 0o777).toBe(0o755);
    expect(await readFile(path.join(target, "README.md"), "utf8")).toBe("# fleet\n");
    expect(await readFile(path.join(target, "notes.txt"), "utf8")).toBe("keep\n");
    expect((await listAll(target)).filter((f) => f.includes(".tmp-"))).toEqual([]);
  });

  test.each(["../escape.txt", "/etc/passwd", "a/../../b", "a\\b"])("refuses the escaping path %j and writes nothing", async (bad) => {
    const parent = freshDir("parent");
    const error = await writeTreeAtomically(path.join(parent, "out"), new Map([["ok.txt", "ok"], [bad, "x"]])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TargetError);
    expect((error as TargetError).exitCode).toBe(1);
    await expect(lstat(parent)).rejects.toThrow();
  });

  test("refuses to write through a symlink inside the target that points outside", async () => {
    const target = freshDir("links");
    const outside = freshDir("outside");
    await mkdir(target, { recursive: true });
    await mkdir(outside, { recursive: true });
    await symlink(outside, path.join(target, "clusters"));
    const error = await writeTreeAtomically(target, tree, { force: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TargetError);
    expect((error as TargetError).message).toMatch(/clusters is a symlink that points outside/);
    expect(await listAll(outside)).toEqual([]);
    expect(await listAll(target)).toEqual(["clusters"]);
  });
});

describe("branch helpers", () => {
  test("createOrResetBranch, currentBranch, fileAtCommit, lastCommitTouching, readTreeAtRef", async () => {
    const { dir, sha: first } = await repoWithCommit({ "a.txt": "one\n", "dir/b.txt": "bee\n" });
    await createOrResetBranch(dir, "create-cluster-repo/prod", "main");
    expect(await currentBranch(dir)).toBe("create-cluster-repo/prod");
    await writeFile(path.join(dir, "a.txt"), "two\n");
    const { sha: second } = await commitAll(dir, "change a");

    expect(await fileAtCommit(dir, first, "a.txt")).toBe("one\n");
    expect(await fileAtCommit(dir, "HEAD", "a.txt")).toBe("two\n");
    expect(await fileAtCommit(dir, "HEAD", "missing.txt")).toBeUndefined();
    expect(await lastCommitTouching(dir, "a.txt")).toBe(second);
    expect(await lastCommitTouching(dir, "dir/b.txt")).toBe(first);
    expect(await lastCommitTouching(dir, "never.txt")).toBeUndefined();
    expect(await readTreeAtRef(dir, "HEAD")).toEqual(new Map([["a.txt", "two\n"], ["dir/b.txt", "bee\n"]]));

    // Resetting rebuilds the branch from the base instead of stacking commits.
    await createOrResetBranch(dir, "create-cluster-repo/prod", "main");
    expect(await git(dir, "rev-parse", "HEAD")).toBe(first);
    await expect(createOrResetBranch(dir, "+main", "main")).rejects.toBeInstanceOf(GitError);
    await git(dir, "checkout", "--quiet", "--detach");
    expect(await currentBranch(dir)).toBeUndefined();
  });

  test("trackedFilesIfWorkTree: the tracked files, none outside git, and a broken index still an error", async () => {
    const { dir } = await repoWithCommit({ "a.txt": "one\n", "dir/b.txt": "bee\n" });
    await writeFile(path.join(dir, "untracked.txt"), "no\n");
    expect(await trackedFilesIfWorkTree(dir)).toEqual(["a.txt", "dir/b.txt"]);
    const plain = freshDir("plain");
    await mkdir(plain);
    expect(await trackedFilesIfWorkTree(plain)).toBeUndefined();
    // One process in a work tree is ls-files alone: its failure there is reported, not taken for "not git".
    await writeFile(path.join(dir, ".git", "index"), "not an index");
    await expect(trackedFilesIfWorkTree(dir)).rejects.toBeInstanceOf(GitError);
  });

  test("readBlobsIfWorkTree: the blobs in a work tree, none outside git, and a bad id in a work tree still an error", async () => {
    const { dir } = await repoWithCommit({ "a.txt": "one\n" });
    const id = await git(dir, "rev-parse", "HEAD:a.txt");
    expect(await readBlobsIfWorkTree(dir, [id])).toEqual(new Map([[id, "one\n"]]));
    const plain = freshDir("plain");
    await mkdir(plain);
    expect(await readBlobsIfWorkTree(plain, [id])).toEqual(new Map());
    await expect(readBlobsIfWorkTree(dir, ["not-an-id"])).rejects.toThrow(/not a blob id/);
  });

  test("currentBranch works before the first commit", async () => {
    const dir = freshDir("repo");
    await initRepository(dir, { branch: "trunk" });
    expect(await currentBranch(dir)).toBe("trunk");
    expect(await lastCommitTouching(dir, "x")).toBeUndefined();
  });
});

describe("pushBranch against git http-backend", () => {
  let remoteUrl: string;
  let name: string;
  beforeEach(async () => {
    name = `acme/fleet-${++counter}`;
    remoteUrl = await server.createBareRepo(name);
  });

  test("pushes with the token in a per-command header and stores it nowhere", async () => {
    const { dir, sha } = await repoWithCommit();
    expect(await pushBranch(dir, { remoteUrl, branch: "main", token: TOKEN, setUpstream: true })).toEqual({ branch: "main", sha });
    expect(await git(server.repoPath(name), "rev-parse", "refs/heads/main")).toBe(sha);

    const remotes = await git(dir, "remote", "-v");
    expect(remotes).not.toContain(TOKEN);
    expect(await git(dir, "config", "branch.main.remote")).toBe(remoteUrl);
    expect(await grepDir(path.join(dir, ".git"), [TOKEN, TOKEN_B64])).toEqual([]);

    // Re-running is a no-op push, not an error.
    await expect(pushBranch(dir, { remoteUrl, branch: "main", token: TOKEN })).resolves.toEqual({ branch: "main", sha });
  });

  test("a wrong or missing token fails with a clear message that contains no secret", async () => {
    const { dir, sha } = await repoWithCommit();
    const wrong = await pushFailure(pushBranch(dir, { remoteUrl, branch: "main", token: `${TOKEN}-wrong` }));
    expect(wrong.message).toMatch(/authentication to http:\/\/127\.0\.0\.1:\d+\/acme\/fleet-\d+\.git failed/);
    expect(wrong.message).toMatch(/GITHUB_TOKEN/);
    expect(wrong.message).not.toContain(Buffer.from(`x-access-token:${TOKEN}-wrong`).toString("base64"));
    const missing = await pushFailure(pushBranch(dir, { remoteUrl, branch: "main" }));
    expect(missing.message).toMatch(/authentication .* failed/);
    expect(await git(dir, "rev-parse", "HEAD")).toBe(sha);
  });

  test("a protected branch is refused with a message, the local commit is kept", async () => {
    await server.protectBranch(name, "main");
    const { dir, sha } = await repoWithCommit();
    const error = await pushFailure(pushBranch(dir, { remoteUrl, branch: "main", token: TOKEN }));
    expect(error.message).toMatch(/refused the push of main .*protected/);
    expect(error.message).toContain(`local commit ${sha.slice(0, 12)} on main is kept`);
    expect(error.message).toContain("GH006: Protected branch update failed");
    expect(await git(dir, "rev-parse", "HEAD")).toBe(sha);
    await expect(git(server.repoPath(name), "rev-parse", "--verify", "refs/heads/main")).rejects.toThrow();
    // A feature branch is still accepted: the PR workflow path.
    await createOrResetBranch(dir, "create-cluster-repo/prod", "main");
    await expect(pushBranch(dir, { remoteUrl, branch: "create-cluster-repo/prod", token: TOKEN })).resolves.toMatchObject({ sha });
  });

  test("a connection dropped mid-push keeps the local commit, and re-running succeeds", async () => {
    const { dir, sha } = await repoWithCommit({ "big.txt": "x".repeat(64 * 1024) + Math.random() });
    server.dropNextPush(10);
    const error = await pushFailure(pushBranch(dir, { remoteUrl, branch: "main", token: TOKEN }));
    expect(error.message).toMatch(/failed to push main .*is kept\. Re-running resumes/s);
    await expect(git(server.repoPath(name), "rev-parse", "--verify", "refs/heads/main")).rejects.toThrow();
    await expect(pushBranch(dir, { remoteUrl, branch: "main", token: TOKEN })).resolves.toEqual({ branch: "main", sha });
    expect(await git(server.repoPath(name), "rev-parse", "refs/heads/main")).toBe(sha);
  });

  test("never force-pushes: a diverged remote is a clear error and the remote is unchanged", async () => {
    const { dir: other, sha: remoteSha } = await repoWithCommit({ "theirs.txt": "theirs\n" });
    await pushBranch(other, { remoteUrl, branch: "main", token: TOKEN });
    const { dir, sha } = await repoWithCommit({ "ours.txt": "ours\n" });
    const error = await pushFailure(pushBranch(dir, { remoteUrl, branch: "main", token: TOKEN }));
    expect(error.message).toMatch(/rejected: the remote branch has commits your local branch does not have/);
    expect(error.message).toMatch(/never force-pushes/);
    expect(await git(server.repoPath(name), "rev-parse", "refs/heads/main")).toBe(remoteSha);
    expect(await git(dir, "rev-parse", "HEAD")).toBe(sha);
  });

  test("refuses a remote URL with credentials in it", async () => {
    const { dir } = await repoWithCommit();
    const withCreds = remoteUrl.replace("http://", `http://x-access-token:${TOKEN}@`);
    const error = await pushFailure(pushBranch(dir, { remoteUrl: withCreds, branch: "main" }));
    expect(error.message).toMatch(/refusing to push to a URL that contains credentials \(http:\/\/\*\*\*@127/);
    await expect(git(server.repoPath(name), "rev-parse", "--verify", "refs/heads/main")).rejects.toThrow();
  });

  test("an unreachable server is a network error that says re-running resumes", async () => {
    const { dir } = await repoWithCommit();
    const error = await pushFailure(pushBranch(dir, { remoteUrl: "http://127.0.0.1:9/none.git", branch: "main", token: TOKEN }));
    expect(error.message).toMatch(/Re-running resumes/);
  });
});

describe("commitChanges", () => {
  test("writes every changed file's blob with one git process, byte for byte whatever the attributes say, keeping modes and leaving no temporary files", async () => {
    const { dir, sha } = await repoWithCommit({ "run.sh": "#!/bin/sh\n", "old.txt": "old\n" });
    await chmod(path.join(dir, "run.sh"), 0o755);
    await git(dir, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qam", "executable");
    const parent = await git(dir, "rev-parse", "HEAD");
    expect(parent).not.toBe(sha);
    // Attributes that would change the bytes if git applied its input filters (line endings, a clean filter).
    await writeFile(path.join(dir, ".gitattributes"), "* text eol=crlf filter=upper\n");
    await git(dir, "config", "filter.upper.clean", "tr a-z A-Z");
    // A git on PATH that records its subcommands: the number of hash-object processes is what this test is about.
    const bin = freshDir("bin");
    await mkdir(bin, { recursive: true });
    const log = path.join(bin, "calls.log");
    const realGit = (await promisify(execFile)("sh", ["-c", "command -v git"])).stdout.trim();
    await writeFile(path.join(bin, "git"), `#!/bin/sh\nfor a in "$@"; do case "$a" in -*) ;; *) echo "$a" >> '${log}'; break;; esac; done\nexec '${realGit}' "$@"\n`, { mode: 0o755 });
    const writes = new Map<string, string>([["run.sh", "#!/bin/sh\necho changed\n"], ...Array.from({ length: 20 }, (_, i) => [`dir/file-${i}.txt`, `line ${i}\r\nlower case\n`] as [string, string])]);
    const savedPath = process.env.PATH;
    process.env.PATH = `${bin}${path.delimiter}${savedPath}`;
    let commit: string;
    try {
      commit = await commitChanges(dir, { parent, changes: { writes, deletes: ["old.txt"] }, message: "change\n" });
    } finally {
      process.env.PATH = savedPath;
    }
    const calls = (await readFile(log, "utf8")).split("\n").filter(Boolean);
    expect(calls.filter((call) => call === "hash-object")).toEqual(["hash-object"]);
    for (const [file, content] of writes) {
      const { stdout } = await promisify(execFile)("git", ["cat-file", "blob", `${commit}:${file}`], { cwd: dir, encoding: "buffer" });
      expect(stdout.equals(Buffer.from(content))).toBe(true);
    }
    expect(await git(dir, "ls-tree", commit, "run.sh", "old.txt")).toMatch(/^100755 blob [0-9a-f]{40}\trun\.sh$/);
    const gitDir = path.join(dir, ".git");
    expect((await readdir(gitDir)).filter((name) => name.startsWith("ccr-update-"))).toEqual([]);
    expect(await git(dir, "fsck", "--strict", "--no-dangling")).toBe("");
  });
});
