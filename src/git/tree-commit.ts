import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { FileTree } from "../file-tree.js";
import { gitAt, gitFailure } from "./client.js";
import { identityEnv, plumbing } from "./plumbing.js";

/** What a commit changes relative to its parent: files to (over)write and files to remove. */
export interface TreeChanges {
  writes: FileTree;
  deletes: string[];
}

/**
 * A commit on top of `parent` with `changes` applied, built in a throw-away index from blobs written straight into
 * the object store: the work tree, the real index and every ref are untouched, so an interruption leaves nothing
 * to clean up (at most unreferenced objects, which git collects). A file keeps its mode (an executable stays one).
 * Returns the new commit's sha.
 */
export async function commitChanges(dir: string, options: { parent: string; changes: TreeChanges; message: string }): Promise<string> {
  const { parent, message } = options;
  try {
    const tree = await treeWithChanges(dir, options);
    return await plumbing(dir, ["commit-tree", tree, "-p", parent, "-F", "-"], { env: await identityEnv(dir), input: message });
  } catch (error) {
    // Nothing was written but unreferenced objects, so a re-run after freeing space starts over cleanly.
    const full = /No space left on device|Disk quota exceeded/i.test(String((error as Error)?.message ?? error));
    throw gitFailure(`build the update commit in ${dir}`, error, [], full ? "The disk or quota is full; free some space and re-run (the work tree and branches are unchanged)." : "");
  }
}

/**
 * The tree of `parent` with `changes` applied, written to the object store only (see {@link commitChanges}): what
 * an update commit holds, to build one or to recognise one.
 */
export async function treeWithChanges(dir: string, options: { parent: string; changes: TreeChanges }): Promise<string> {
  const { parent, changes } = options;
  const gitDir = await plumbing(dir, ["rev-parse", "--absolute-git-dir"]);
  const env = { GIT_INDEX_FILE: join(gitDir, `ccr-update-index-${process.pid}-${randomBytes(4).toString("hex")}`) };
  try {
    await plumbing(dir, ["read-tree", parent], { env });
    const modes = await modesAt(dir, parent, [...changes.writes.keys()]);
    const entries = [...changes.writes];
    const shas = await writeBlobs(dir, gitDir, entries.map(([, content]) => content));
    const records = entries.map(([path], i) => `${modes.get(path) ?? "100644"} ${shas[i]}\t${path}`);
    // Mode 0 removes the entry (git update-index --index-info).
    for (const path of changes.deletes) records.push(`0 ${"0".repeat(40)}\t${path}`);
    if (records.length > 0) await plumbing(dir, ["update-index", "-z", "--index-info"], { env, input: records.map((r) => `${r}\0`).join("") });
    return await plumbing(dir, ["write-tree"], { env });
  } finally {
    await rm(env.GIT_INDEX_FILE, { force: true });
  }
}

/**
 * Writes each of `contents` as a blob into the object store and returns their SHA-1s, in order. One git process for
 * all of them: `hash-object -w --stdin-paths` over files written in a throw-away folder of the git directory (removed
 * after, like the throw-away index), where `--stdin` takes a single object and a process per blob made adding a
 * cluster (a hundred files and more) start as many git processes. `--no-filters` stores the bytes as given, as
 * `--stdin` does: no attributes, no end-of-line conversion. A folder path git would read as two lines or as a quoted
 * one cannot be listed: then a process per blob, as before.
 */
async function writeBlobs(dir: string, gitDir: string, contents: string[]): Promise<string[]> {
  if (contents.length === 0) return [];
  const folder = await mkdtemp(join(gitDir, "ccr-update-blobs-"));
  try {
    if (/[\n\r"]/.test(folder)) return await Promise.all(contents.map((content) => plumbing(dir, ["hash-object", "-w", "--stdin"], { input: content })));
    const files = contents.map((_, i) => join(folder, String(i)));
    await Promise.all(contents.map((content, i) => writeFile(files[i]!, content)));
    const shas = (await plumbing(dir, ["hash-object", "-w", "--no-filters", "--stdin-paths"], { input: files.map((file) => `${file}\n`).join("") })).split("\n");
    if (shas.length !== contents.length || !shas.every((sha) => /^[0-9a-f]{40,64}$/.test(sha))) throw new Error(`git hash-object answered ${shas.length} lines for ${contents.length} files`);
    return shas;
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

/** The mode of each of `paths` that exists at `ref` (a regular file or an executable one). */
async function modesAt(dir: string, ref: string, paths: string[]): Promise<Map<string, string>> {
  const modes = new Map<string, string>();
  if (paths.length === 0) return modes;
  const listing = await plumbing(dir, ["-c", "core.quotePath=false", "ls-tree", "-z", "--full-tree", ref, "--", ...paths]);
  for (const record of listing.split("\0")) {
    const match = /^(\d+) blob [0-9a-f]+\t(.*)$/s.exec(record);
    if (match && (match[1] === "100644" || match[1] === "100755")) modes.set(match[2]!, match[1]!);
  }
  return modes;
}

/**
 * Puts `sha` on `branch` and the work tree on it. The ref moves first (compare-and-swap against `from`, so a
 * concurrent change is refused, never overwritten), then git updates only the files that differ. If that last
 * step is interrupted, the commit is already on the branch and the next run finishes the switch
 * (see finishInterruptedSwitch in update/resume.ts).
 * - `branch` checked out: `from` is its tip; the index and work tree follow it with `git read-tree -m -u`.
 * - otherwise: `branch` must not exist yet (`from` undefined) and is checked out.
 */
export async function advanceBranch(dir: string, options: { branch: string; sha: string; from?: string; checkedOut: boolean }): Promise<void> {
  const { branch, sha, from, checkedOut } = options;
  const ref = `refs/heads/${branch}`;
  try {
    await plumbing(dir, ["update-ref", "-m", "create-cluster-repo update", ref, sha, from ?? "0".repeat(sha.length)]);
    if (checkedOut) await plumbing(dir, ["read-tree", "-m", "-u", from!, sha]);
    else await gitAt(dir).checkout(branch);
  } catch (error) {
    throw gitFailure(`move ${branch} to the update commit`, error);
  }
}
