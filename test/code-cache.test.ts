import { execFile } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { describe, expect, test } from "vitest";
import { spawnCli, tempDir } from "./helpers/cli.js";
import { repoRoot } from "./helpers/fixtures.js";

// src/code-cache.ts: V8's code cache of the generated scripts, kept between runs in a private folder. Each case runs
// in a process of its own, as the cache is written when a process exits.
const run = promisify(execFile);
const codeCache = pathToFileURL(join(repoRoot, "dist", "code-cache.js")).href;

/** Runs `source` through the code cache in a new process, with the cache in `dir`; returns what the script gives. */
async function runScript(dir: string, source: string, variant = "", use = ""): Promise<unknown> {
  const program = `import { enableCodeCache, runCachedScript } from ${JSON.stringify(codeCache)};
enableCodeCache(process.env.CACHE_DIR, process.env.USE);
console.log(JSON.stringify(runCachedScript("/generated/validators.js", process.env.SOURCE, process.env.VARIANT)(21)));`;
  const { stdout } = await run(process.execPath, ["--input-type=module", "-e", program], { env: { ...process.env, CACHE_DIR: dir, SOURCE: source, VARIANT: variant, USE: use } });
  return JSON.parse(stdout);
}

const entries = (dir: string) => (existsSync(dir) ? readdirSync(dir).map((name) => join(dir, name)) : []);
const SOURCE = '"use strict";(function bind(n) { const twice = (x) => x * 2; return { answer: twice(n), parts: [1, 2, 3].map(twice) }; })';

describe("code cache", () => {
  test("the first run writes the cache, private; the next uses it (not written again) and gets the same value", async () => {
    const dir = join(tempDir("ccr-code-cache-"), "code");
    expect(await runScript(dir, SOURCE)).toEqual({ answer: 42, parts: [2, 4, 6] });
    const [entry, ...more] = entries(dir);
    expect(more).toEqual([]);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(entry!).mode & 0o777).toBe(0o600);
    const written = statSync(entry!);
    expect(await runScript(dir, SOURCE)).toEqual({ answer: 42, parts: [2, 4, 6] });
    expect(statSync(entry!).ino).toBe(written.ino); // read and accepted: no entry written in its place
    // Another text of the same length (all V8 checks) has an entry of its own, and its own value
    const other = SOURCE.replace("x * 2", "x * 3");
    expect(other.length).toBe(SOURCE.length);
    expect(await runScript(dir, other)).toEqual({ answer: 63, parts: [3, 6, 9] });
    expect(entries(dir)).toHaveLength(2);
  });

  // The CLI bundle is one script that every command runs a different part of: an entry holds what the run that wrote
  // it compiled, so each command (variant) has an entry of its own, and reuses it.
  test("a variant of the same script has an entry of its own, reused by the next run of that variant", async () => {
    const dir = join(tempDir("ccr-code-cache-"), "code");
    expect(await runScript(dir, SOURCE, "plan")).toEqual({ answer: 42, parts: [2, 4, 6] });
    expect(entries(dir)).toHaveLength(1);
    expect(await runScript(dir, SOURCE, "check")).toEqual({ answer: 42, parts: [2, 4, 6] });
    const written = entries(dir).sort();
    expect(written).toHaveLength(2);
    const inodes = written.map((entry) => statSync(entry).ino);
    expect(await runScript(dir, SOURCE, "plan")).toEqual({ answer: 42, parts: [2, 4, 6] });
    expect(await runScript(dir, SOURCE, "check")).toEqual({ answer: 42, parts: [2, 4, 6] });
    expect(entries(dir).sort()).toEqual(written);
    expect(entries(dir).sort().map((entry) => statSync(entry).ino)).toEqual(inodes);
  });

  // A script every command loads (the vendored yaml, a validator bundle) kept the entry of the first command that
  // ran after a build, and another command compiled the rest of what it runs on every run: the process's use (the
  // CLI's command, src/cli/main.ts) names an entry of its own for every script it loads.
  test("every script gets an entry per use of the process, reused by the next run of that use", async () => {
    const dir = join(tempDir("ccr-code-cache-"), "code");
    expect(await runScript(dir, SOURCE, "", "create")).toEqual({ answer: 42, parts: [2, 4, 6] });
    expect(await runScript(dir, SOURCE, "", "plan")).toEqual({ answer: 42, parts: [2, 4, 6] });
    const written = entries(dir).sort();
    expect(written).toHaveLength(2);
    const inodes = written.map((entry) => statSync(entry).ino);
    expect(await runScript(dir, SOURCE, "", "create")).toEqual({ answer: 42, parts: [2, 4, 6] });
    expect(await runScript(dir, SOURCE, "", "plan")).toEqual({ answer: 42, parts: [2, 4, 6] });
    expect(entries(dir).sort().map((entry) => statSync(entry).ino)).toEqual(inodes);
  });

  test("an entry others could have written, or one V8 refuses, is not used: the script is compiled and the entry replaced", async () => {
    const dir = join(tempDir("ccr-code-cache-"), "code");
    await runScript(dir, SOURCE);
    const [entry] = entries(dir);
    chmodSync(entry!, 0o666);
    const planted = statSync(entry!).ino;
    expect(await runScript(dir, SOURCE)).toEqual({ answer: 42, parts: [2, 4, 6] });
    expect(statSync(entry!).ino).not.toBe(planted);
    expect(statSync(entry!).mode & 0o777).toBe(0o600);
    writeFileSync(entry!, Buffer.alloc(4096, 7), { mode: 0o600 }); // private, but not V8's
    const garbage = statSync(entry!).ino;
    expect(await runScript(dir, SOURCE)).toEqual({ answer: 42, parts: [2, 4, 6] });
    expect(statSync(entry!).ino).not.toBe(garbage);
  });

  // A file left unchanged for a while is known by its identity (inode, size, times) instead of a hash of its 7 MB of
  // text; one written again has a new change time, so it is never given the entry of what it held before.
  test("a settled file's entry is found by the file's identity; the file written again (same length) gets its own", async () => {
    const dir = join(tempDir("ccr-code-cache-"), "code");
    const file = join(tempDir("ccr-code-cache-"), "module.cjs");
    const program = `import { enableCodeCache, requireCached } from ${JSON.stringify(codeCache)};
enableCodeCache(process.env.CACHE_DIR);
console.log(JSON.stringify(requireCached(process.env.MODULE)));`;
    const load = async () => JSON.parse((await run(process.execPath, ["--input-type=module", "-e", program], { env: { ...process.env, CACHE_DIR: dir, MODULE: file } })).stdout) as unknown;
    const settle = async (...paths: string[]) => {
      const youngest = Math.max(...paths.map((path) => Number(statSync(path, { bigint: true }).ctimeNs / 1_000_000n)));
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, youngest + 2100 - Date.now())));
    };
    await settle(fileURLToPath(codeCache), join(repoRoot, "dist", "cli", "cli.cjs")); // the code that makes the scripts
    writeFileSync(file, "module.exports = { answer: 6 * 7 };\n");
    expect(await load()).toEqual({ answer: 42 }); // just written: by its text
    expect(entries(dir)).toHaveLength(1);
    await settle(file);
    expect(await load()).toEqual({ answer: 42 }); // settled: by its identity, an entry of its own
    const byIdentity = entries(dir).sort();
    expect(byIdentity).toHaveLength(2);
    expect(await load()).toEqual({ answer: 42 });
    expect(entries(dir).sort()).toEqual(byIdentity); // and reused
    writeFileSync(file, "module.exports = { answer: 6 * 8 };\n");
    expect(await load()).toEqual({ answer: 48 });
    await settle(file);
    expect(await load()).toEqual({ answer: 48 });
    expect(entries(dir)).toHaveLength(4);
  });

  test.skipIf(process.getuid === undefined)("a folder others can write is not used at all", async () => {
    const dir = join(tempDir("ccr-code-cache-"), "code");
    mkdirSync(dir);
    chmodSync(dir, 0o777);
    expect(await runScript(dir, SOURCE)).toEqual({ answer: 42, parts: [2, 4, 6] });
    expect(entries(dir)).toEqual([]);
  });

  // Node 20 keeps no compiled ES module: the CLI's own code is one CommonJS bundle loaded through the cache
  // (src/cli/main.ts), so even a command that loads nothing else through it (--version) has its entry.
  test("the CLI's own code is loaded through the cache: one entry per command, reused", async () => {
    const cache = tempDir("ccr-code-cache-");
    const dir = join(cache, "create-cluster-repo", "code");
    const version = await spawnCli(["--version"], { env: { XDG_CACHE_HOME: cache } });
    expect(version.status).toBe(0);
    const written = entries(dir);
    expect(written).toHaveLength(1);
    const again = await spawnCli(["--version"], { env: { XDG_CACHE_HOME: cache } });
    expect({ status: again.status, stdout: again.stdout }).toEqual({ status: 0, stdout: version.stdout });
    expect(entries(dir)).toEqual(written);
    expect(statSync(written[0]!).ino).toBe(statSync(entries(dir)[0]!).ino);
    // another command: an entry of the bundle of its own (and of what else it loads), then reused
    expect((await spawnCli(["--help"], { env: { XDG_CACHE_HOME: cache } })).status).toBe(0);
    const withHelp = entries(dir).sort();
    expect(withHelp.length).toBeGreaterThan(1);
    expect(withHelp).toEqual(expect.arrayContaining(written));
    expect((await spawnCli(["--help"], { env: { XDG_CACHE_HOME: cache } })).status).toBe(0);
    expect(entries(dir).sort()).toEqual(withHelp);
  });

  test("the CLI keeps its cache under XDG_CACHE_HOME, and a run with the cache prints what a run without it does", async () => {
    const cache = tempDir("ccr-code-cache-");
    const work = tempDir("ccr-code-cache-");
    const args = ["--blueprint", "kapsule-gpu", "--yes", "--dry-run", join(work, "repo")];
    const off = await spawnCli(args, { env: { XDG_CACHE_HOME: cache, CCR_CODE_CACHE: "off" } });
    expect(off.status).toBe(0);
    expect(entries(join(cache, "create-cluster-repo", "code"))).toEqual([]);
    const cold = await spawnCli(args, { env: { XDG_CACHE_HOME: cache } });
    const written = entries(join(cache, "create-cluster-repo", "code")).sort();
    // the generated validators, templates and parameter schemas, and the vendored packages
    expect(written.length).toBeGreaterThan(5);
    const inodes = written.map((entry) => statSync(entry).ino);
    const warm = await spawnCli(args, { env: { XDG_CACHE_HOME: cache } });
    for (const result of [cold, warm]) expect({ status: result.status, stdout: result.stdout, stderr: result.stderr }).toEqual({ status: 0, stdout: off.stdout, stderr: off.stderr });
    // every entry was accepted (made under the same V8 flags as it is read): none written again
    expect(entries(join(cache, "create-cluster-repo", "code")).sort()).toEqual(written);
    expect(written.map((entry) => statSync(entry).ino)).toEqual(inodes);
  });
});
