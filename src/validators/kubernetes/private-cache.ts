/**
 * The folders where `validate` keeps fetched schemas, compiled validators and V8's code of the embedded ones between
 * runs. What is read back from
 * them decides verdicts (a schema) or runs (a compiled validator), so they are used only when nobody else can write
 * them: the folder is owned by the user running the tool and not writable by group or others, and so is every
 * folder above it (unless owned by root, or sticky like /tmp: others cannot rename what is inside). Files are read
 * through a descriptor opened without following a symbolic link and checked the same way, so what is checked is what
 * is read. Folders the tool creates are created private (0700).
 *
 * Each folder holds at most MAX_CACHE_BYTES: storing past it removes the least recently used files first, so a pull
 * request naming thousands of kinds can churn the cache but not fill the disk.
 *
 * Hand-written: the checks are those of OpenSSH's StrictModes (secure_path); no npm package does them on a descriptor.
 */
import { closeSync, constants, existsSync, fstatSync, lstatSync, mkdirSync, openSync, readSync, realpathSync, type Stats } from "node:fs";
import { readdir, rm, stat, utimes } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { MAX_CACHE_BYTES } from "../../limits.js";

/** A cache folder (or a file in it) that others could have written: not used, and the message says what to do. */
export class CacheTrustError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CacheTrustError";
  }
}

const uid = () => process.getuid?.();

function modeText(stats: Stats): string {
  return `mode ${(stats.mode & 0o7777).toString(8).padStart(4, "0")}`;
}

/** Why others could write to this folder or file, if they could. */
function untrusted(stats: Stats, own: boolean): string | undefined {
  const me = uid();
  if (me === undefined) return undefined; // Windows: no owners and modes to check
  if (own ? stats.uid !== me : stats.uid !== me && stats.uid !== 0) return `is owned by user ${stats.uid}, not by you (user ${me})`;
  const sticky = (stats.mode & 0o1000) !== 0; // S_ISVTX
  if ((stats.mode & 0o022) !== 0 && (own || !sticky)) {
    const who = [(stats.mode & 0o020) !== 0 && "its group", (stats.mode & 0o002) !== 0 && "others"].filter(Boolean).join(" and ");
    return `is writable by ${who} (${modeText(stats)})`;
  }
  return undefined;
}

const checked = new Map<string, string>();

/** The folder of compiled schemas, checked (see {@link trustedCacheDir}). */
export function compiledCacheFolder(dir: string, create = true): string | undefined {
  return trustedCacheDir(dir, "compiled-schema cache", "set XDG_CACHE_HOME to a folder only you can write", create);
}

/** The folder of V8's compiled code of the embedded validator bundles, checked (see {@link trustedCacheDir}). */
export function codeCacheFolder(dir: string, create = true): string | undefined {
  return trustedCacheDir(dir, "code cache", "set XDG_CACHE_HOME to a folder only you can write", create);
}

/** The folder of schemas fetched over HTTP, checked (see {@link trustedCacheDir}). */
export function schemaCacheFolder(dir: string, create = true): string | undefined {
  return trustedCacheDir(dir, "schema cache", "pass --cache-dir a folder only you can write", create);
}

/**
 * Checks that only this user can change what is in `dir` and returns its real path, creating it (private) first
 * when `create`; without `create`, a folder that does not exist yet gives undefined once the folders above it pass
 * the same check (it would be created in them). Throws CacheTrustError naming the folder and the fix. `what` and
 * `setting` name the cache in messages.
 */
export function trustedCacheDir(dir: string, what: string, setting: string, create = true): string | undefined {
  const known = checked.get(dir);
  if (known) return known;
  if (!create && !existsSync(dir)) {
    let existing = dirname(resolve(dir));
    while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing);
    checkAncestors(realpathSync(existing), resolve(dir), what, setting);
    return undefined;
  }
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    const detail = (error as NodeJS.ErrnoException).code === "EEXIST" ? "it is a file, not a folder" : (error as Error).message;
    throw new CacheTrustError(`cannot use ${dir} as the ${what} folder: ${detail}; ${setting}`);
  }
  const real = realpathSync(dir);
  const problem = untrusted(lstatSync(real), true);
  if (problem) throw new CacheTrustError(`the ${what} folder ${real} ${problem}: another user could plant files the tool would use; ${fix(real, true, setting)}`);
  checkAncestors(dirname(real), real, what, setting);
  checked.set(dir, real);
  return real;
}

function fix(path: string, own: boolean, setting: string): string {
  return `${own ? `run "chmod go-w ${path}" if it is yours, or ` : `fix the permissions of ${path}, or `}${setting}`;
}

/** `from` and every folder above it: owned by this user or root, and not writable by others unless sticky. */
function checkAncestors(from: string, cache: string, what: string, setting: string): void {
  for (let parent = from; ; parent = dirname(parent)) {
    const problem = untrusted(lstatSync(parent), false);
    if (problem) throw new CacheTrustError(`the folder ${parent} above the ${what} folder ${cache} ${problem}: another user could replace the cache; ${fix(parent, false, setting)}`);
    if (dirname(parent) === parent) break;
  }
}

/**
 * The bytes of a cache file, or undefined when there is none. A file that is not a regular file of this user, or
 * that others can write, throws CacheTrustError (it is never read).
 */
export function readTrustedFile(path: string, maxBytes: number): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    if (code === "ELOOP") throw new CacheTrustError(`the cache file ${path} is a symbolic link; remove it`);
    throw new CacheTrustError(`cannot read the cache file ${path}: ${(error as Error).message}`);
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw new CacheTrustError(`the cache file ${path} is not a regular file; remove it`);
    const problem = untrusted(stats, true);
    if (problem) throw new CacheTrustError(`the cache file ${path} ${problem}: another user could have written it; it is not used; remove it`);
    if (stats.size > maxBytes) return undefined; // not something this tool wrote: compiled or fetched again
    const buffer = Buffer.allocUnsafe(stats.size);
    let length = 0;
    while (length < buffer.length) {
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
    }
    return buffer.subarray(0, length);
  } finally {
    closeSync(fd);
  }
}

/**
 * Marks a cache file as used now, for the least-recently-used order: its access time (set explicitly, as mounts with
 * noatime would not), its modification time kept as the time it was written. A file gone meanwhile is no error.
 */
export async function touchCacheFile(path: string): Promise<void> {
  try {
    const { mtime } = await stat(path);
    await utimes(path, new Date(), mtime);
  } catch {
    // removed by another run meanwhile
  }
}

/**
 * The size bound of one cache folder, per process: the folder is measured once, then kept track of. Several
 * processes (or worker threads) sharing a folder each keep it within the bound as they see it.
 */
export class CacheBudget {
  private used: Promise<number> | undefined;

  constructor(
    private readonly dir: string,
    private readonly limit: number = MAX_CACHE_BYTES,
  ) {}

  /** Makes room for `bytes` more, removing the least recently used files; false when even that cannot. */
  async reserve(bytes: number): Promise<boolean> {
    if (bytes > this.limit) return false;
    this.used ??= this.measure().then((files) => files.reduce((sum, file) => sum + file.size, 0));
    let used = await this.used;
    if (used + bytes > this.limit) {
      const files = (await this.measure()).sort((a, b) => a.usedMs - b.usedMs);
      used = files.reduce((sum, file) => sum + file.size, 0);
      for (const file of files) {
        if (used + bytes <= this.limit) break;
        await rm(file.path, { force: true });
        used -= file.size;
      }
    }
    this.used = Promise.resolve(used + bytes);
    return used + bytes <= this.limit;
  }

  private async measure(): Promise<Array<{ path: string; size: number; usedMs: number }>> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const files = await Promise.all(
      names.map(async (name) => {
        const path = join(this.dir, name);
        const stats = await stat(path).catch(() => undefined);
        return stats?.isFile() ? { path, size: stats.size, usedMs: Math.max(stats.atimeMs, stats.mtimeMs) } : undefined;
      }),
    );
    return files.filter((file) => file !== undefined);
  }
}
