/**
 * The embedded validator bundles (schemas/kubernetes/validators/*.mjs, up to 1.7 MB of generated code each) with
 * V8's compiled code kept between runs. Node 20 keeps no compiled code of ES modules from one process to the next, so
 * every run parsed and compiled the bundle it used again: about a fifth of the start-up of `validate` on one small
 * file. A bundle is run here as a script (its text with `export default ` blanked out, so lines and columns are those
 * of the file), given the code V8 compiled for it in an earlier run (`cachedData`), and its code, with every function
 * the run compiled, is stored after the run (saveCodeCaches) when there was none or V8 refused it.
 *
 * The cached code is run, so it is kept under the rules of the compiled-schema cache (private-cache.ts), in a folder
 * of its own beside it: a folder only this user can write, files read without following links and only when
 * private to this user. A file is named by a SHA-256 of the bundle's text and of the Node and V8 versions, so a
 * changed bundle or a new Node never meets old code (V8 itself checks only the text's length and its own version
 * and flags). The cache is only a speed-up: a folder that cannot be used, or a file that is absent, refused or
 * untrusted, means a compile as before.
 */
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { rename, rm, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { pathToFileURL } from "node:url";
import { Script } from "node:vm";
import { CacheBudget, codeCacheFolder, readTrustedFile, touchCacheFile } from "./private-cache.js";
import type { ValidatorModuleFactory } from "./schema-runtime.js";

/** Larger than any code V8 makes of a shipped bundle (about a third of its text): a larger file is not ours. */
const MAX_CODE_CACHE_BYTES = 32 * 1024 * 1024;
const EXPORT = "export default ";
/** How validatorModuleSource (schema-runtime.ts) writes a bundle's one export. */
const BUNDLE_EXPORT = `\n${EXPORT}(function bind(require) {`;

/** Bundles this run compiled without usable cached code: what saveCodeCaches stores. */
const pending = new Map<string, { script: Script; dir: string }>();

/**
 * The factory a bundle file exports. With `cacheDir`, the compiled code is read from (and later stored in) that
 * folder; a file not written by validatorModuleSource is imported as the module it is.
 */
export async function loadBundleFactory(path: string, cacheDir?: string): Promise<ValidatorModuleFactory> {
  const text = readFileSync(path, "utf8");
  const at = text.indexOf(BUNDLE_EXPORT);
  if (at < 0) return ((await import(pathToFileURL(path).href)) as { default: ValidatorModuleFactory }).default;
  const start = at + 1;
  const source = `${text.slice(0, start)}${" ".repeat(EXPORT.length)}${text.slice(start + EXPORT.length)}`;
  const cache = cacheDir === undefined ? undefined : cachePlace(cacheDir, path, source);
  const cachedData = cache && readCachedCode(cache.file);
  const script = new Script(source, { filename: path, ...(cachedData ? { cachedData } : {}) });
  if (cache && (!cachedData || script.cachedDataRejected === true)) pending.set(cache.file, { script, dir: cache.dir });
  else if (cache) void touchCacheFile(cache.file);
  return script.runInThisContext() as ValidatorModuleFactory;
}

/** Where the compiled code of this text is kept; undefined when the folder cannot be used (it is not trusted...). */
function cachePlace(cacheDir: string, path: string, source: string): { dir: string; file: string } | undefined {
  let dir: string | undefined;
  try {
    dir = codeCacheFolder(cacheDir);
  } catch {
    return undefined;
  }
  if (!dir) return undefined;
  const digest = createHash("sha256").update(`${process.version}\0${process.versions.v8}\0${process.arch}\0`).update(source).digest("hex");
  return { dir, file: join(dir, `${basename(path, ".mjs")}.${digest.slice(0, 40)}.v8-code`) };
}

function readCachedCode(file: string): Buffer | undefined {
  try {
    return readTrustedFile(file, MAX_CODE_CACHE_BYTES);
  } catch {
    return undefined; // a file another user could have written is never used
  }
}

/**
 * Stores the compiled code of the bundles this run loaded without usable cached code, with every function compiled
 * so far: called once the run is done. Written next to its final name and renamed (a reader never sees half a
 * file), private (0600), within the folder's size bound; a file that cannot be written only costs a compile.
 */
export async function saveCodeCaches(): Promise<void> {
  const budgets = new Map<string, CacheBudget>();
  for (const [file, { script, dir }] of pending) {
    pending.delete(file);
    const temporary = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
    try {
      const data = script.createCachedData();
      let budget = budgets.get(dir);
      if (!budget) budgets.set(dir, (budget = new CacheBudget(dir)));
      if (!(await budget.reserve(data.length))) continue;
      await writeFile(temporary, data, { flag: "wx", mode: 0o600 });
      await rename(temporary, file);
    } catch {
      await rm(temporary, { force: true });
    }
  }
}
