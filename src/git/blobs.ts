import { execFile } from "node:child_process";
import { GitError } from "../errors.js";
import { gitFailure } from "./client.js";
import { plumbing } from "./plumbing.js";

const BLOB_ID = /^[0-9a-f]{40}$/;

/**
 * The blobs of git's object store that exist among `ids` (SHA-1 blob ids), read with one `git cat-file --batch`;
 * an id the store lacks (a shallow clone, rewritten history) or that names another kind of object is left out.
 */
export function readBlobs(dir: string, ids: Iterable<string>): Promise<Map<string, string>> {
  const wanted = [...new Set(ids)];
  for (const id of wanted) if (!BLOB_ID.test(id)) throw new GitError(`not a blob id: ${JSON.stringify(id)}`);
  if (wanted.length === 0) return Promise.resolve(new Map());
  return new Promise((resolve, reject) => {
    const child = execFile("git", ["cat-file", "--batch"], { cwd: dir, encoding: "buffer", maxBuffer: 1024 ** 3 }, (error, stdout) => {
      if (error) return reject(gitFailure("read files from git's object store", error));
      const found = new Map<string, string>();
      let offset = 0;
      for (const id of wanted) {
        const headerEnd = stdout.indexOf(0x0a, offset);
        if (headerEnd < 0) return reject(new GitError(`unexpected output from git cat-file for ${id}`));
        // "<id> <type> <size>" for an object, "<id> missing" (or "ambiguous") otherwise.
        const [objectId, type, size] = stdout.subarray(offset, headerEnd).toString("utf8").split(" ");
        if (objectId !== id) return reject(new GitError(`unexpected output from git cat-file for ${id}`));
        if (size === undefined) {
          offset = headerEnd + 1;
          continue;
        }
        const start = headerEnd + 1;
        if (type === "blob") found.set(id, stdout.subarray(start, start + Number(size)).toString("utf8"));
        offset = start + Number(size) + 1;
      }
      resolve(found);
    });
    child.stdin?.on("error", () => {});
    child.stdin?.end(`${wanted.join("\n")}\n`);
  });
}

/** Whether `dir` is a shallow clone (history cut at some depth, as actions/checkout leaves it by default). */
export async function isShallowRepository(dir: string): Promise<boolean> {
  return (await plumbing(dir, ["rev-parse", "--is-shallow-repository"])) === "true";
}

/** Whether `dir` is inside a git work tree. */
export async function isGitWorkTree(dir: string): Promise<boolean> {
  return (await plumbing(dir, ["rev-parse", "--is-inside-work-tree"]).catch(() => "")) === "true";
}

/**
 * The files git tracks (POSIX paths), read from the work tree to validate the repository as a whole. Untracked files
 * are left out: they are not what a pull request carries, and may be private (a key, a plan, notes).
 */
export async function trackedFiles(dir: string): Promise<string[]> {
  const listing = await plumbing(dir, ["-c", "core.quotePath=false", "ls-files", "-z", "--cached"], { raw: true });
  return [...new Set(listing.split("\0").filter((path) => path !== ""))].sort();
}

/**
 * {@link trackedFiles}, or `undefined` when `dir` is not in a git work tree: one git process where a work tree is
 * the common case (ls-files fails outside one, and only then is git asked which it was, so that any other failure
 * of ls-files is still reported).
 */
export async function trackedFilesIfWorkTree(dir: string): Promise<string[] | undefined> {
  try {
    return await trackedFiles(dir);
  } catch (error) {
    if (await isGitWorkTree(dir)) throw error;
    return undefined;
  }
}

/**
 * {@link readBlobs} where `dir` is in a git work tree, an empty map elsewhere; git is not run for no ids, and asked
 * whether `dir` is in a work tree only when cat-file fails (outside any repository), so that the common case is one
 * process and any other failure is still reported.
 */
export async function readBlobsIfWorkTree(dir: string, ids: Iterable<string>): Promise<Map<string, string>> {
  try {
    return await readBlobs(dir, ids);
  } catch (error) {
    if (!(error instanceof GitError) || (await isGitWorkTree(dir))) throw error;
    return new Map();
  }
}
