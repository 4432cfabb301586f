// Writing a rendered tree as a git repository: staged beside the target and renamed into place (or, with --force,
// written file by file into an existing directory), then committed.
import { rmSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readdir, rename, rm, rmdir } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { defaults } from "../defaults.js";
import { CliError, TargetError } from "../errors.js";
import { checkpoint, guarded, InterruptedError, stopRequested } from "../interrupt.js";
import type { FileTree } from "../file-tree.js";
import { commitNewTree, initRepository, type CommitResult } from "./commit.js";
import { writeIntoExisting, type WriteRepositoryOptions, type WrittenRepository } from "./existing-target.js";
import { describeFsError, writeTreeAtomically, writeTreeInto } from "./write-tree.js";

async function isEmptyOrAbsent(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length === 0;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return true;
    if (code === "ENOTDIR") throw new TargetError(`target ${dir} exists and is not a directory; choose another path`, 2, error);
    throw new TargetError(`cannot read target directory ${dir}: ${describeFsError(error)}`, 1, error);
  }
}

/**
 * `.<name>.staging-<pid>-<random>`: the pid tells a later run whether the run that made it is still going.
 * A SIGKILL (or power loss) skips every cleanup, so stale staging directories are removed by the next create.
 */
const stagingPrefix = (targetDir: string) => `.${basename(targetDir)}.staging-`;

/**
 * Removes staging directories of this same target left by runs that no longer exist. A directory whose pid is still
 * alive (another run in progress, or a recycled pid) is left alone: removing too little is harmless, too much is not.
 */
export async function removeStaleStaging(targetDir: string): Promise<string[]> {
  const prefix = stagingPrefix(targetDir);
  const entries = await readdir(dirname(targetDir)).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of entries) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(/^(\d+)-[A-Za-z0-9]{6}$/.exec(name.slice(prefix.length))?.[1]);
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || isAlive(pid)) continue;
    await rm(join(dirname(targetDir), name), { recursive: true, force: true }).then(
      () => removed.push(name),
      () => undefined, // not ours to fight over: it stays, and the run goes on
    );
  }
  return removed;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"; // exists, owned by someone else
  }
}

/**
 * A new repository is staged complete (files, .git, commit) in a sibling temp directory and renamed into place,
 * so an interrupted run leaves nothing behind. With `force` into an existing directory, the generated files are
 * replaced atomically one by one and only they are committed (see {@link writeIntoExisting}).
 */
export async function writeRepository(targetDir: string, tree: FileTree, message: string, options: WriteRepositoryOptions = {}): Promise<WrittenRepository> {
  if (!(await isEmptyOrAbsent(targetDir))) {
    if (!options.force) {
      throw new TargetError(`target directory ${targetDir} is not empty; choose an empty directory, or pass --force to overwrite the generated files in it`, 2);
    }
    return writeIntoExisting(targetDir, tree, message);
  }
  // A SIGINT or SIGTERM stops the work at its next step and removes the staging directory (see interrupt.ts): the
  // guard is in place before the directory exists, so no signal finds it unguarded. Once renamed, the repository is
  // whole and stays.
  let staging: string | undefined;
  const forcedCleanup = () => staging !== undefined && rmSync(staging, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
  return guarded(forcedCleanup, async () => {
    try {
      await mkdir(dirname(targetDir), { recursive: true });
      await removeStaleStaging(targetDir);
      staging = await mkdtemp(join(dirname(targetDir), `${stagingPrefix(targetDir)}${process.pid}-`));
      // mkdtemp makes a private (0700) folder; the repository should get the usual permissions.
      const umask = process.umask();
      await chmod(staging, 0o777 & ~umask);
    } catch (error) {
      if (staging !== undefined) await rm(staging, { recursive: true, force: true }).catch(() => undefined);
      throw new TargetError(`cannot create ${targetDir}: ${describeFsError(error)}; check that the parent directory exists and is writable`, 1, error);
    }
    return stageAndRename(targetDir, staging, tree, message);
  });
}

async function stageAndRename(targetDir: string, staging: string, tree: FileTree, message: string): Promise<WrittenRepository> {
  // `git init` runs in its own process while this one writes the files (synchronously): git writes only .git, which
  // no path of a tree may touch. On a busy machine that wait was a tenth of a `create`.
  const init = initRepository(staging, { branch: defaults.branch, fresh: true });
  const initDone = init.then(
    () => undefined,
    () => undefined, // its failure is reported where it is awaited below
  );
  try {
    try {
      await writeTreeInto(staging, tree);
    } finally {
      await initDone; // git is done in the staging directory before anything removes it
    }
    checkpoint();
    await init;
    checkpoint();
    const commit = await commitNewTree(staging, tree, message);
    checkpoint();
    await rmdir(targetDir).catch(() => undefined); // an empty target is replaced by the staged one
    await rename(staging, targetDir);
    return { ...commit, branch: defaults.branch, untracked: [] };
  } catch (error) {
    await rm(staging, { recursive: true, force: true }).catch(() => undefined);
    const signal = stopRequested();
    if (signal) throw new InterruptedError(signal, `nothing was written to ${targetDir}`);
    // The failure happened in the staging directory: name the target the user asked for, and say it is untouched.
    let detail = error instanceof CliError ? error.message : describeFsError(error);
    if (/No space left on device|Disk quota exceeded/.test(detail) && !detail.includes("free some space")) detail += " (the disk or quota is full; free some space and re-run)";
    throw new TargetError(`cannot create ${targetDir}: ${detail.replaceAll(staging, targetDir)}; nothing was written`, 1, error);
  }
}
