/**
 * V8's code cache for the large scripts a run loads: the CLI bundle itself (dist/cli/cli.cjs, src/cli/main.ts), the
 * precompiled schema validators (the embedded Kubernetes bundles, the parameters schemas) and templates, re2js, and
 * the packages the CLI bundle vendors. Node 20 keeps no compiled code between processes (no NODE_COMPILE_CACHE, and
 * ES modules take no cache), so each run parsed and compiled about 7 MB of JavaScript again. A script compiled here through `vm.Script` with the `cachedData` of an earlier run skips that
 * parse; the cache is written when the process exits (`createCachedData` then holds every function the run compiled)
 * and only when it had none or V8 refused it (another Node version or V8 flags).
 *
 * The cache is V8 bytecode, which runs: it is used only from a folder private to this user (the checks of the
 * compiled-schema cache, private-cache.ts), read through a descriptor that does not follow links, and each file is
 * named by a SHA-256 of the Node version and of what the source was made from (V8 itself checks only the source's
 * length). That is the source file's identity when the file has not changed for a while (see {@link settledKey}:
 * device, inode, size, modification and change times, and those of the code that turns a file into its script),
 * else the source's text itself. Why not always the text: hashing the 7 MB of scripts a run loads cost each run
 * 20 to 30 ms. Off (every script compiled as before) until the CLI turns it on, so the library writes nothing; a
 * folder that fails the checks, or any error of the cache, only turns it off: the run is the same, only slower.
 */
import { createHash, randomBytes } from "node:crypto";
import { closeSync, existsSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Script } from "node:vm";
import { packageRoot } from "./_utils.js";
import { readTrustedFile, trustedCacheDir } from "./validators/kubernetes/private-cache.js";

/** Bound of the folder: a build changes the scripts' digests, so older entries are removed, oldest written first. */
const MAX_CODE_CACHE_BYTES = 64 * 1024 * 1024;
/** The largest entry read back (V8's cache of the largest validator bundle is about 1 MB). */
const MAX_ENTRY_BYTES = 32 * 1024 * 1024;

let folder: string | undefined;
/** What the process runs (the CLI's command): every script gets an entry per use, see {@link enableCodeCache}. */
let use = "";
const pending: { path: string; script: Script }[] = [];
const modules = new Map<string, unknown>();

/**
 * Uses (and creates, private) `dir` for the code cache from now on, e.g. `$XDG_CACHE_HOME/create-cluster-repo/code`.
 * A folder others could write is not used.
 *
 * `processUse` names what this process runs (the CLI's command): every script it loads gets an entry for that use.
 * Why: an entry holds only the functions the run that wrote it compiled, and is not written again; a script several
 * commands share (the vendored `yaml`, the validator bundles) kept the entry of whichever command ran first after a
 * build, so another command compiled the rest of what it runs on every run (a `create` after a `plan`: 9% more CPU
 * instructions). One entry per command costs a few MB of disk for the commands a user runs.
 */
export function enableCodeCache(dir: string, processUse = ""): void {
  use = processUse;
  try {
    folder = trustedCacheDir(dir, "code cache", "set XDG_CACHE_HOME to a folder only you can write");
  } catch {
    folder = undefined; // not private (or not creatable): compile without a cache
  }
  if (folder) process.once("exit", writePending);
}

/** The folder the code cache is in, when it is on: a worker thread the CLI starts turns it on there too. */
export function codeCacheDir(): string | undefined {
  return folder;
}

/** The process's use given to {@link enableCodeCache}: a worker thread it starts shares its entries of shared scripts. */
export function codeCacheUse(): string {
  return use;
}

/**
 * Compiles and runs `source` (read from `file` just before, or made from what was read) as a script and returns its completion value, with the code cache when
 * it is on. `variant` names a use of the script that gets an entry of its own (beside the process's use, given to
 * {@link enableCodeCache}): an entry holds the functions the run that wrote it compiled.
 */
export function runCachedScript(file: string, source: string, variant = ""): unknown {
  if (!folder) return new Script(source, { filename: file }).runInThisContext();
  const key = createHash("sha256").update(`${process.version}\0${use}\0${variant}\0${source.length}\0`);
  const identity = settledKey(file);
  // "\0file\0" cannot start a source's text: a name made from a file's identity is never one made from a text
  if (identity) key.update(`\0file\0${identity}`);
  else key.update(source);
  const path = join(folder, `${key.digest("hex")}.v8`);
  let cachedData: Buffer | undefined;
  try {
    cachedData = readTrustedFile(path, MAX_ENTRY_BYTES);
  } catch {
    cachedData = undefined; // not this user's, or writable by others: not used, and written anew
  }
  const script = new Script(source, { filename: file, cachedData });
  if (!cachedData || script.cachedDataRejected) pending.push({ path, script });
  return script.runInThisContext();
}

/**
 * How long a file must have been left unchanged (its change time, which no program can set back) for its identity
 * to stand for its content. A file written again changes its ctime to the time of that write; the kernel's clock
 * for it moves in ticks of a few milliseconds, so two writes within a tick can share one: a file changed within
 * this margin (a build or an install running, even while the caller read it) is hashed by its text instead.
 */
const SETTLED_MS = 2000;

/** The code that makes a script's source from its file: this module (requireCached's wrapper) and the CLI bundle (the validator bundles' script, embedded.ts). */
const SOURCE_MAKERS = [fileURLToPath(import.meta.url), join(packageRoot, "dist", "cli", "cli.cjs")];
let makers: string | null | undefined;

/**
 * `file`'s identity (device, inode, size, modification and change times in nanoseconds), and that of the code that
 * makes scripts from files, when all are regular files none of which changed within {@link SETTLED_MS}; else
 * undefined (the caller hashes the source). Called right after the caller read `file`: a write during that read
 * would be younger than the margin.
 */
function settledKey(file: string): string | undefined {
  const identity = (path: string): string | undefined => {
    try {
      const stats = statSync(path, { bigint: true });
      if (!stats.isFile() || Number(stats.ctimeNs / 1_000_000n) > Date.now() - SETTLED_MS) return undefined;
      return `${path}\0${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeNs}:${stats.ctimeNs}`;
    } catch {
      return undefined;
    }
  };
  if (makers === undefined) {
    const stamps = SOURCE_MAKERS.map(identity);
    makers = stamps.every((stamp) => stamp !== undefined) ? stamps.join("\0") : null;
  }
  if (makers === null) return undefined;
  const own = identity(file);
  return own && `${own}\0${makers}`;
}

/**
 * A CommonJS module (a precompiled template or schema, a dependency's file, the CLI bundle) through the code cache:
 * the same wrapper, `require` and `module` as Node's loader gives it, loaded once per process. `variant`: see
 * runCachedScript.
 */
export function requireCached(file: string, variant = ""): unknown {
  if (modules.has(file)) return modules.get(file);
  const module = { exports: {} as unknown };
  const compiled = runCachedScript(file, `(function (exports, require, module, __filename, __dirname) {${readFileSync(file, "utf8")}\n})`, variant);
  (compiled as (...args: unknown[]) => void)(module.exports, createRequire(file), module, file, dirname(file));
  modules.set(file, module.exports);
  return module.exports;
}

/** Where the build writes the vendored packages (scripts/bundle-cli.mjs): one CommonJS file each. */
export const VENDOR_DIR = join(packageRoot, "dist", "cli", "vendor");

/**
 * A package the CLI bundle vendors (yaml, simple-git, js-yaml, diff), loaded through the code cache: the bundle's modules
 * import it from here (scripts/bundle-cli.mjs), so that its entry is shared by every command's.
 */
export function requireVendored(name: string): unknown {
  if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new Error(`not a vendored package: ${JSON.stringify(name)}`);
  return requireCached(join(VENDOR_DIR, `${name}.cjs`));
}

/**
 * A package the CLI bundle vendors, required where it is first needed instead of imported: the vendored copy when the
 * build made one (the instance the bundle's own imports share, through the code cache), else the installed package
 * (the sources under test before a build). Why not the installed package always: in the CLI that is a second copy,
 * which Node's loader reads and compiles module by module on every run (about 60 ms for `yaml`).
 */
export function requireOnUse(name: string, specifier = name): unknown {
  return existsSync(join(VENDOR_DIR, `${name}.cjs`)) ? requireVendored(name) : createRequire(import.meta.url)(specifier);
}

/** Writes the cache of the scripts that had none, after the run compiled what it used; errors are ignored. */
function writePending(): void {
  if (!folder || pending.length === 0) return;
  try {
    for (const { path, script } of pending.splice(0)) writeEntry(path, script.createCachedData());
    prune(folder);
  } catch {
    // a full disk or a folder removed meanwhile: the next run compiles again
  }
}

function writeEntry(path: string, data: Buffer): void {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}`);
  const fd = openSync(temporary, "wx", 0o600);
  try {
    for (let written = 0; written < data.length; ) written += writeSync(fd, data, written);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path); // atomic: a run reading at the same time sees the old entry or the whole new one
}

function prune(dir: string): void {
  const entries = readdirSync(dir)
    .map((name) => {
      try {
        const stats = statSync(join(dir, name));
        return stats.isFile() ? { path: join(dir, name), size: stats.size, written: stats.mtimeMs } : undefined;
      } catch {
        return undefined;
      }
    })
    .filter((entry) => entry !== undefined)
    .sort((a, b) => b.written - a.written);
  let used = 0;
  for (const entry of entries) {
    used += entry.size;
    if (used > MAX_CODE_CACHE_BYTES) rmSync(entry.path, { force: true });
  }
}
