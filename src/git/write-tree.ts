import { randomBytes } from "node:crypto";
import { lstatSync, mkdirSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { chmod, mkdir, readdir, realpath, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { TargetError } from "../errors.js";
import { assertSafeRelativePath, type FileTree } from "../file-tree.js";
import { checkpoint, guarded, InterruptedError, stopRequested } from "../interrupt.js";

/** Options for {@link writeTreeAtomically}. */
export interface WriteTreeOptions {
  /**
   * Write into a target directory that already has files. Only the files the tree contains are replaced;
   * other files are left alone.
   * @default false
   */
  force?: boolean;
}

/** What {@link writeTreeAtomically} did. */
export interface WriteTreeResult {
  /** Number of files written. */
  written: number;
  /** `"renamed"`: the whole render was moved into place; `"per-file"`: files were replaced one by one (force). */
  mode: "renamed" | "per-file";
}

/**
 * Writes a rendered tree to `targetDir` so that an interruption leaves either nothing or the previous state.
 *
 * An absent or empty target gets the whole render in a temp directory next to it (same filesystem), then one rename.
 * A non-empty target is refused unless `force`; with `force`, every file is first written to a temp file beside
 * its destination and only then are all renamed into place. Each rename is atomic, the set is not: a SIGKILL in
 * that short phase can leave some files new and some old (never a torn file), and re-running completes it. Temp
 * files a killed run left behind are removed by the next run before it stages its own.
 *
 * @throws TargetError exit code 2 for a non-empty target without force; exit code 1 for a path that would escape
 *   the target (`..`, absolute, or through a symlink pointing outside) or a failed write.
 */
export async function writeTreeAtomically(targetDir: string, tree: FileTree, options: WriteTreeOptions = {}): Promise<WriteTreeResult> {
  assertTreePaths(tree);
  const target = path.resolve(targetDir);
  const entries = await listDir(target);
  if (entries === undefined || entries.length === 0) {
    await writeViaTempDir(target, tree, entries !== undefined);
    return { written: tree.size, mode: "renamed" };
  }
  if (!options.force) {
    throw new TargetError(
      `target directory ${targetDir} is not empty; choose an empty directory, or pass --force to overwrite the generated files in it`,
      2,
    );
  }
  await writePerFile(target, tree);
  return { written: tree.size, mode: "per-file" };
}

/** Entries of a directory, `undefined` if it does not exist. */
async function listDir(dir: string): Promise<string[] | undefined> {
  try {
    return await readdir(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    if (code === "ENOTDIR") throw new TargetError(`target ${dir} exists and is not a directory; choose another path`, 2, error);
    throw new TargetError(`cannot read target directory ${dir}: ${(error as Error).message}`, 1, error);
  }
}

/**
 * Writes every file of `tree` into `dir`, a directory the caller has just created and owns (a staging directory):
 * no temp files, and `wx` so nothing already there (or planted meanwhile, e.g. a symlink) is followed or replaced.
 * @throws TargetError exit code 1 for an unsafe tree path or a failed write (the caller removes `dir`).
 */
export async function writeTreeInto(dir: string, tree: FileTree): Promise<void> {
  assertTreePaths(tree);
  checkpoint(); // a stop requested by a signal ends the run here (the caller removes `dir`)
  // Synchronous calls: a few dozen small files in a row, each of which, awaited, was two or three round trips through
  // libuv's thread pool (on a busy machine, a wait for a core each time); the caller awaits the whole anyway.
  const folders = new Set<string>([dir]);
  try {
    for (const [relPath, content] of tree) {
      const file = path.join(dir, ...relPath.split("/"));
      const folder = path.dirname(file);
      if (!folders.has(folder)) {
        mkdirSync(folder, { recursive: true });
        folders.add(folder);
      }
      writeFileSync(file, content, { flag: "wx" });
    }
  } catch (error) {
    throw new TargetError(`failed to write ${dir}: ${describeFsError(error)}`, 1, error);
  }
}

/**
 * Every path must stay inside the target (relative, no `..`) and must not touch a `.git` directory: a tree that
 * wrote `.git/hooks/...` or `.git/config` would run code or redirect pushes on the next git command.
 */
function assertTreePaths(tree: FileTree): void {
  for (const relPath of tree.keys()) {
    try {
      assertSafeRelativePath(relPath);
      if (relPath.split("/").some((segment) => segment.toLowerCase() === ".git")) {
        throw new Error(`refusing output path ${JSON.stringify(relPath)}: it is inside .git, which only git itself may write`);
      }
    } catch (error) {
      throw new TargetError(`${(error as Error).message}; nothing was written`, 1, error);
    }
  }
}

/** The message of a failed file-system call, with what to do for the faults a user can fix. */
export function describeFsError(error: unknown): string {
  const message = (error as Error).message;
  switch ((error as NodeJS.ErrnoException).code) {
    case "ENOSPC":
    case "EDQUOT":
      return `${message} (the disk or quota is full; free some space and re-run)`;
    case "EROFS":
      return `${message} (the file system is read-only; choose a writable directory and re-run)`;
    case "EACCES":
    case "EPERM":
      return `${message} (permission denied; choose a directory you can write to, or fix its permissions, and re-run)`;
    default:
      return message;
  }
}

async function writeViaTempDir(target: string, tree: FileTree, targetExists: boolean): Promise<void> {
  const parent = path.dirname(target);
  await mkdir(parent, { recursive: true });
  // Not mkdtemp: its 0700 mode would become the target's mode after the rename; mkdir honours the umask.
  const temp = path.join(parent, `.${path.basename(target)}.tmp-${randomBytes(6).toString("hex")}`);
  await mkdir(temp);
  try {
    for (const [relPath, content] of tree) {
      const file = path.join(temp, ...relPath.split("/"));
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, content);
    }
    // rename(2) replaces an empty directory atomically; it fails with ENOTEMPTY if something appeared meanwhile.
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    const hint = targetExists ? "; the target was left as it was" : "; nothing was written";
    throw new TargetError(`failed to write ${target}: ${describeFsError(error)}${hint}`, 1, error);
  }
}

async function writePerFile(target: string, tree: FileTree): Promise<void> {
  const root = await realpath(target);
  // Every path is checked before the first directory is made, so a refusal leaves the target exactly as it was.
  for (const relPath of tree.keys()) await assertInside(root, target, relPath);
  const staged: Array<{ temp: string; dest: string }> = [];
  const createdDirs: string[] = [];
  const swept = new Set<string>();
  let renaming = false;
  // A second signal cannot wait for the error path below: remove this run's temp files at least.
  const forcedCleanup = () => {
    if (!renaming) for (const entry of staged) rmSync(entry.temp, { force: true });
  };
  await guarded(forcedCleanup, async () => {
    try {
      // Phase 1: stage every file beside its destination; an interruption here leaves the previous files intact.
      for (const [relPath, content] of tree) {
        const dest = path.join(target, ...relPath.split("/"));
        const created = await mkdir(path.dirname(dest), { recursive: true });
        if (created !== undefined) createdDirs.push(created);
        await removeStaleTempFiles(path.dirname(dest), swept);
        const temp = path.join(path.dirname(dest), `.${path.basename(dest)}.tmp-${randomBytes(6).toString("hex")}`);
        await writeFile(temp, content, { flag: "wx" });
        staged.push({ temp, dest });
        // Keep the mode of a file being replaced (an executable script stays executable).
        const previous = await stat(dest).catch(() => undefined);
        if (previous?.isFile()) await chmod(temp, previous.mode & 0o7777);
      }
      // A stop requested by a signal ends the run here, before any file is replaced. Once renaming, the set is finished.
      checkpoint(`no file in ${target} was replaced`);
      // Phase 2: each rename is atomic per file, and renaming over a symlink replaces the link, not what it points to.
      renaming = true;
      for (const entry of staged.splice(0)) await rename(entry.temp, entry.dest);
    } catch (error) {
      await Promise.all(staged.map((entry) => rm(entry.temp, { force: true })));
      // Directories this run made hold nothing but its own temp files (removed above): take them away too.
      if (!renaming) await Promise.all(createdDirs.map((dir) => rm(dir, { recursive: true, force: true }).catch(() => undefined)));
      const signal = stopRequested();
      if (signal && !renaming) throw new InterruptedError(signal, `no file in ${target} was replaced`);
      if (error instanceof TargetError) throw error;
      throw new TargetError(`failed to write into ${target}: ${describeFsError(error)}; files not yet replaced were left as they were`, 1, error);
    }
  });
}

const TEMP_FILE = /^\..+\.tmp-[0-9a-f]{12}$/;

/**
 * Removes `.<name>.tmp-<12 hex>` files that a killed run left in `dir` (a SIGKILL skips every cleanup), so that the
 * commit that follows cannot pick them up. Each directory is swept once per run, before this run stages its files.
 */
async function removeStaleTempFiles(dir: string, swept: Set<string>): Promise<void> {
  if (swept.has(dir)) return;
  swept.add(dir);
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) if (entry.isFile() && TEMP_FILE.test(entry.name)) await rm(path.join(dir, entry.name), { force: true });
}

/** Refuses a path whose existing parent directories lead outside `root` through a symlink. */
async function assertInside(root: string, target: string, relPath: string, verb = "write"): Promise<void> {
  const link = symlinkLeadingOutside(root, target, relPath, { last: false });
  if (link !== undefined) {
    throw new TargetError(`refusing to ${verb} ${relPath}: ${link} is a symlink that points outside ${target}; remove it and re-run`, 1);
  }
}

/**
 * The first symlink on the way to `relPath` (its parent directories, and the file itself with `last`) whose real
 * location is outside `root` (the real path of `target`), relative to `target`; `undefined` when there is none.
 * A dangling symlink counts as outside: where it would lead is not known to be inside.
 *
 * Synchronous: plan, check and update ask this for every file they read (one `lstat` per path segment), and each
 * awaited call was a round trip through libuv's thread pool; the checks are the same.
 */
export function symlinkLeadingOutside(root: string, target: string, relPath: string, options: { last: boolean }): string | undefined {
  const segments = relPath.split("/");
  let current = target;
  for (const segment of options.last ? segments : segments.slice(0, -1)) {
    current = path.join(current, segment);
    let stats;
    try {
      stats = lstatSync(current, { throwIfNoEntry: false });
    } catch {
      stats = undefined;
    }
    // absent: the rest of the path does not exist yet, so it is created inside the target
    if (stats === undefined) return undefined;
    if (!stats.isSymbolicLink()) continue;
    let resolved: string | undefined;
    try {
      resolved = realpathSync(current);
    } catch {
      resolved = undefined;
    }
    if (resolved === undefined || (resolved !== root && !resolved.startsWith(root + path.sep))) return path.relative(target, current);
  }
  return undefined;
}

/**
 * Refuses, before anything is touched, paths that an update of an existing repository must not write or delete:
 * unsafe or `.git` paths, and paths below a symlink that leads outside `targetDir` (a committed symlink must not
 * turn a write or a delete into one outside the repository).
 * @throws TargetError exit code 1, naming the path and the symlink.
 */
export async function assertPathsInside(targetDir: string, relPaths: Iterable<string>, verb: "write" | "delete"): Promise<void> {
  const paths = [...relPaths];
  assertTreePaths(new Map(paths.map((p) => [p, ""])));
  const target = path.resolve(targetDir);
  const root = await realpath(target);
  for (const relPath of paths) await assertInside(root, target, relPath, verb);
}
