import { execFile } from "node:child_process";
import { GitError } from "../errors.js";
import type { FileTree } from "../generator/file-tree.js";
import { gitAt, gitFailure } from "./client.js";

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
  try {
    const name = (await gitAt(dir).raw(["symbolic-ref", "--quiet", "--short", "HEAD"])).trim();
    return name === "" ? undefined : name;
  } catch (error) {
    if (/exit code 1\b|not a symbolic ref/i.test(String(error))) return undefined;
    throw gitFailure(`read the current branch in ${dir}`, error);
  }
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

/** The sha of the last commit reachable from HEAD that changed `filePath`, or `undefined`. */
export async function lastCommitTouching(dir: string, filePath: string): Promise<string | undefined> {
  try {
    const sha = (await gitAt(dir).raw(["log", "-1", "--format=%H", "--", filePath])).trim();
    return sha === "" ? undefined : sha;
  } catch (error) {
    if (/does not have any commits yet|bad default revision/i.test(String(error))) return undefined;
    throw gitFailure(`find the last commit touching ${filePath}`, error);
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
  try {
    await gitAt(dir).raw(["check-ref-format", "--branch", branch]);
  } catch {
    throw new GitError(`invalid branch name ${JSON.stringify(branch)}: see \`git check-ref-format --help\` for the rules`);
  }
}
