import { execFile } from "node:child_process";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { GitError } from "../errors.js";
import type { FileTree } from "../file-tree.js";
import { gitAt, gitFailure } from "./client.js";
import { identityEnv, plumbing } from "./plumbing.js";
import { headInProcess, surelyValidBranchName } from "./ref-files.js";

/**
 * Points `branch` at `fromRef` and checks it out (`git checkout -B`), so a PR branch is rebuilt from the base
 * on every run instead of piling up commits. Local uncommitted changes are carried over when git allows it.
 */
export async function createOrResetBranch(dir: string, branch: string, fromRef: string): Promise<void> {
  await assertBranchName(dir, branch);
  try {
    await gitAt(dir).checkout(["-B", branch, fromRef]);
  } catch (error) {
    throw gitFailure(`create branch ${branch} from ${fromRef}`, error);
  }
}

/** The checked-out branch, or `undefined` on a detached HEAD. Works before the first commit too. */
export async function currentBranch(dir: string): Promise<string | undefined> {
  const head = headInProcess(dir);
  if (head) return head.branch;
  try {
    const name = (await gitAt(dir).raw(["symbolic-ref", "--quiet", "--short", "HEAD"])).trim();
    return name === "" ? undefined : name;
  } catch (error) {
    if (/exit code 1\b|not a symbolic ref/i.test(String(error))) return undefined;
    throw gitFailure(`read the current branch in ${dir}`, error);
  }
}

/** HEAD's commit (`git rev-parse HEAD`); git's error before the first commit. */
export async function headCommit(dir: string): Promise<string> {
  return headInProcess(dir)?.sha ?? (await gitAt(dir).revparse(["HEAD"])).trim();
}

/** The content of `filePath` at `ref`, or `undefined` if the file (or the ref) does not exist. */
export async function fileAtCommit(dir: string, ref: string, filePath: string): Promise<string | undefined> {
  try {
    return await gitAt(dir).show([`${ref}:${filePath}`]);
  } catch (error) {
    if (/does not exist|exists on disk, but not in|invalid object name|unknown revision|bad revision/i.test(String(error))) return undefined;
    throw gitFailure(`read ${filePath} at ${ref}`, error);
  }
}

/** The sha of the last commit reachable from `ref` that changed `filePath`, or `undefined`. */
export async function lastCommitTouching(dir: string, filePath: string, ref = "HEAD"): Promise<string | undefined> {
  try {
    const sha = (await gitAt(dir).raw(["log", "-1", "--format=%H", ref, "--", filePath])).trim();
    return sha === "" ? undefined : sha;
  } catch (error) {
    if (/does not have any commits yet|bad default revision|bad revision 'HEAD'|unknown revision 'HEAD'/i.test(String(error))) return undefined;
    throw gitFailure(`find the last commit touching ${filePath}`, error);
  }
}

/**
 * Every path changed by the commits (reachable from `ref`) that also changed `filePath`: for the answers file,
 * the files the tool wrote.
 */
export async function pathsChangedWith(dir: string, filePath: string, ref = "HEAD"): Promise<Set<string>> {
  try {
    const listing = await gitAt(dir).raw(["-c", "core.quotePath=false", "log", "--format=", "--name-only", "--full-diff", "--no-renames", ref, "--", filePath]);
    return new Set(listing.split("\n").filter((line) => line !== ""));
  } catch (error) {
    throw gitFailure(`list the commits that changed ${filePath}`, error);
  }
}

/** Every regular file at `ref` as a {@link FileTree} (symlinks and submodules are skipped). */
export async function readTreeAtRef(dir: string, ref: string): Promise<FileTree> {
  let listing: string;
  try {
    listing = await gitAt(dir).raw(["ls-tree", "-r", "-z", "--full-tree", ref]);
  } catch (error) {
    throw gitFailure(`list files at ${ref}`, error);
  }
  const blobs: Array<{ sha: string; path: string }> = [];
  for (const record of listing.split("\0")) {
    const match = /^(\d+) blob ([0-9a-f]+)\t(.*)$/s.exec(record);
    if (match && match[1] !== "120000") blobs.push({ sha: match[2]!, path: match[3]! });
  }
  const contents = await catFileBatch(dir, blobs.map((blob) => blob.sha));
  const tree: FileTree = new Map();
  blobs.forEach((blob, index) => tree.set(blob.path, contents[index]!));
  return tree;
}

/** Reads many blobs with one `git cat-file --batch` process instead of one process per file. */
function catFileBatch(dir: string, shas: string[]): Promise<string[]> {
  if (shas.length === 0) return Promise.resolve([]);
  return new Promise((resolve, reject) => {
    const child = execFile("git", ["cat-file", "--batch"], { cwd: dir, encoding: "buffer", maxBuffer: 1024 ** 3 }, (error, stdout) => {
      if (error) return reject(gitFailure("read files from git", error));
      const out: string[] = [];
      let offset = 0;
      for (const sha of shas) {
        const headerEnd = stdout.indexOf(0x0a, offset);
        const [objectSha, , size] = stdout.subarray(offset, headerEnd).toString("utf8").split(" ");
        if (objectSha !== sha || size === undefined) return reject(new GitError(`unexpected output from git cat-file for ${sha}`));
        const start = headerEnd + 1;
        out.push(stdout.subarray(start, start + Number(size)).toString("utf8"));
        offset = start + Number(size) + 1;
      }
      resolve(out);
    });
    child.stdin?.end(shas.join("\n") + "\n");
  });
}

/** Refuses names git would reject, and names that would turn a push refspec into a forced one. */
export async function assertBranchName(dir: string, branch: string): Promise<void> {
  if (branch.startsWith("+") || branch.startsWith("-")) throw new GitError(`invalid branch name ${JSON.stringify(branch)}: choose a name without a leading "+" or "-"`);
  if (surelyValidBranchName(branch)) return; // one git would take (src/git/ref-files.ts): no process to ask
  try {
    await gitAt(dir).raw(["check-ref-format", "--branch", branch]);
  } catch {
    throw new GitError(`invalid branch name ${JSON.stringify(branch)}: see \`git check-ref-format --help\` for the rules`);
  }
}

/**
 * A commit on top of `parent` whose tree is `parent`'s files with `overlay`'s files written over them: the render
 * proposed on top of an existing branch, keeping files the render does not produce (a LICENSE, a README GitHub
 * made). Built in a throw-away index, so the work tree and the real index are untouched. Returns the new sha.
 */
export async function overlayCommit(dir: string, options: { parent: string; overlay: string; message: string }): Promise<string> {
  const gitDir = await plumbing(dir, ["rev-parse", "--absolute-git-dir"]);
  const index = join(gitDir, `ccr-overlay-index-${process.pid}`);
  const env = { GIT_INDEX_FILE: index };
  try {
    await plumbing(dir, ["read-tree", options.parent], { env });
    const entries = await plumbing(dir, ["ls-tree", "-r", "--full-tree", options.overlay]);
    await plumbing(dir, ["update-index", "--index-info"], { env, input: `${entries}\n` });
    const tree = await plumbing(dir, ["write-tree"], { env });
    return await plumbing(dir, ["commit-tree", tree, "-p", options.parent, "-m", options.message], { env: await identityEnv(dir) });
  } finally {
    await rm(index, { force: true });
  }
}

/** A parentless commit holding just `files` (path -> content); nothing is checked out. Returns its sha. */
export async function rootCommit(dir: string, files: Record<string, string>, message: string): Promise<string> {
  const lines: string[] = [];
  for (const [path, content] of Object.entries(files)) {
    if (path.includes("/")) throw new GitError(`rootCommit takes top-level files only, got ${path}`);
    const blob = await plumbing(dir, ["hash-object", "-w", "--stdin"], { input: content });
    lines.push(`100644 blob ${blob}\t${path}`);
  }
  const tree = await plumbing(dir, ["mktree"], { input: `${lines.join("\n")}\n` });
  return plumbing(dir, ["commit-tree", tree, "-m", message], { env: await identityEnv(dir) });
}

/** Whether `ancestor` is `ref` or one of its ancestors. (simple-git resolves on exit code 1 without stderr, so not via it.) */
export function isAncestor(dir: string, ancestor: string, ref: string): Promise<boolean> {
  return plumbing(dir, ["merge-base", "--is-ancestor", ancestor, ref]).then(
    () => true,
    () => false,
  );
}

/** A commit as {@link readCommit} reads it. */
export interface CommitInfo {
  sha: string;
  parents: string[];
  tree: string;
  /** The message exactly as stored. */
  message: string;
  /** "Name <email>" of the author, for messages. */
  author: string;
}

/** The commits reachable from `ref` and not from `base`, oldest first: what a push of `ref` adds to a remote that has `base`. */
export async function commitsOnTop(dir: string, base: string, ref: string): Promise<string[]> {
  return (await plumbing(dir, ["rev-list", "--reverse", "--topo-order", `${base}..${ref}`])).split("\n").filter(Boolean);
}

/** One commit's parents, tree and exact message, read with `git cat-file` so that nothing is reformatted. */
export async function readCommit(dir: string, sha: string): Promise<CommitInfo> {
  const raw = await plumbing(dir, ["cat-file", "commit", sha], { raw: true });
  const split = raw.indexOf("\n\n");
  const headers = (split < 0 ? raw : raw.slice(0, split)).split("\n");
  const field = (name: string) => headers.filter((line) => line.startsWith(`${name} `)).map((line) => line.slice(name.length + 1));
  return {
    sha,
    parents: field("parent"),
    tree: field("tree")[0] ?? "",
    message: split < 0 ? "" : raw.slice(split + 2),
    author: (field("author")[0] ?? "").replace(/ \d+ [+-]\d{4}$/, ""),
  };
}
