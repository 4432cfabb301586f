/**
 * Disk full (ENOSPC) and read-only or forbidden targets (EROFS, EACCES) during create and update: a clear message,
 * nothing half-written (a fresh target stays absent; an existing one keeps its files), and a re-run completes.
 *
 * Tests usually run as root, where chmod blocks nothing, so faults come from a seam: node:fs/promises (and node:fs's
 * synchronous writes) are wrapped so that writes fail on demand. When a tmpfs can be mounted (root on Linux), the
 * same is also checked for real against the built CLI, including git's own writes.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, test, vi } from "vitest";
import { TargetError } from "../src/errors.js";
import { parseSetFlag } from "../src/params/set-flags.js";
import { createClusterRepo } from "../src/pipeline.js";
import { updateRepository } from "../src/update/apply.js";
import { spawnCli, tempDir } from "./helpers/cli.js";

/** The fault switch: the next writes fail with `code` once `after` more have succeeded. */
const fault = vi.hoisted(() => {
  const state = { code: undefined as string | undefined, after: 0, calls: ["writeFile"] as string[], hits: 0, failIfDue };
  /** Throws the simulated fault when `name` is a faulted call and its turn has come. */
  function failIfDue(name: string, target: unknown): void {
    if (!state.code || !state.calls.includes(name)) return;
    if (state.after > 0) {
      state.after--;
      return;
    }
    state.hits++;
    throw Object.assign(new Error(`${state.code}: simulated fault, ${name} '${String(target)}'`), { code: state.code, syscall: name });
  }
  return state;
});

vi.mock("node:fs/promises", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:fs/promises")>();
  const wrap =
    <A extends unknown[], R>(name: string, fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      fault.failIfDue(name, args[0]);
      return fn(...args);
    };
  const wrapped = { ...real, writeFile: wrap("writeFile", real.writeFile), mkdtemp: wrap("mkdtemp", real.mkdtemp), mkdir: wrap("mkdir", real.mkdir), rename: wrap("rename", real.rename) };
  return { ...wrapped, default: wrapped };
});

/** create writes the files of a new repository and its first commit with synchronous calls: the same seam for them. */
vi.mock("node:fs", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:fs")>();
  const wrap =
    <A extends unknown[], R>(name: string, fn: (...args: A) => R) =>
    (...args: A): R => {
      fault.failIfDue(name, args[0]);
      return fn(...args);
    };
  const wrapped = { ...real, writeFileSync: wrap("writeFile", real.writeFileSync), mkdirSync: wrap("mkdir", real.mkdirSync) };
  return { ...wrapped, default: wrapped };
});

/** update writes through git (blobs into the object store) before the work tree: fail those git writes on demand. */
vi.mock("../src/git/plumbing.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../src/git/plumbing.js")>();
  return {
    ...real,
    plumbing: async (dir: string, args: string[], options?: { input?: string; env?: Record<string, string> }) => {
      if (fault.code && fault.calls.includes(`git ${args[0]}`)) {
        fault.hits++;
        throw new Error(`failed to run git ${args[0]}: error: unable to write loose object file: No space left on device`);
      }
      return real.plumbing(dir, args, options);
    },
  };
});

const work = tempDir("ccr-disk-");
let n = 0;
const fresh = (name: string) => join(work, `${name}-${n++}`);
const git = (dir: string, ...args: string[]) => execFileSync("git", ["-C", dir, ...args], { encoding: "utf8" }).trim();
const arm = (code: string, after: number, calls = ["writeFile"]) => Object.assign(fault, { code, after, calls, hits: 0 });
afterEach(() => Object.assign(fault, { code: undefined, hits: 0 }));

/** Every file below `dir` (outside .git) with its content. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const entry of readdirSync(join(dir, rel), { withFileTypes: true })) {
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      if (path === ".git") continue;
      if (entry.isDirectory()) walk(path);
      else out[path] = readFileSync(join(dir, path), "utf8");
    }
  };
  walk("");
  return out;
}

const siblings = (target: string) => readdirSync(join(target, "..")).filter((name) => name.startsWith(".") && name.includes(".staging-"));
let scenarios = 0;

describe("fault seam: create", () => {
  test.each([
    ["ENOSPC", /the disk or quota is full; free some space and re-run/],
    ["EROFS", /the file system is read-only; choose a writable directory and re-run/],
    ["EACCES", /permission denied; choose a directory you can write to, or fix its permissions, and re-run/],
  ])("%s after a few files of a new repository: nothing is left, and a re-run completes", async (code, hint) => {
    scenarios++;
    const target = fresh("new");
    arm(code, 5);
    const error = await createClusterRepo({ blueprint: "kapsule-gpu", targetDir: target, params: {} }).catch((e: unknown) => e);
    expect(fault.hits).toBe(1);
    expect(error).toBeInstanceOf(TargetError);
    expect((error as Error).message).toMatch(new RegExp(`^cannot create ${target}: failed to write ${target}: ${code}: .* \\(${hint.source}\\); nothing was written$`));
    expect(existsSync(target)).toBe(false);
    expect(siblings(target)).toEqual([]);
    fault.code = undefined;
    const result = await createClusterRepo({ blueprint: "kapsule-gpu", targetDir: target, params: {} });
    expect(git(target, "rev-parse", "HEAD")).toBe(result.commit?.sha);
  });

  test.each(["EROFS", "EACCES"])("%s on the parent directory: refused before anything is made", async (code) => {
    scenarios++;
    const target = fresh("parent");
    arm(code, 0, ["mkdtemp", "mkdir"]);
    const error = await createClusterRepo({ blueprint: "kapsule-gpu", targetDir: target, params: {} }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(new RegExp(`^cannot create ${target}: ${code}: .*; check that the parent directory exists and is writable$`));
    expect(existsSync(target)).toBe(false);
  });

  test("ENOSPC half-way through --force into an existing repository: its files and commit are unchanged, a re-run completes", async () => {
    scenarios++;
    const target = fresh("force");
    await createClusterRepo({ blueprint: "kapsule-gpu", targetDir: target, params: {} });
    writeFileSync(join(target, "notes.txt"), "mine\n");
    const head = git(target, "rev-parse", "HEAD");
    const before = snapshot(target);
    arm("ENOSPC", 8);
    const params = { sets: [parseSetFlag("gpuPool.maxSize=3")] };
    const error = await createClusterRepo({ blueprint: "kapsule-gpu", targetDir: target, params, force: true }).catch((e: unknown) => e);
    expect(fault.hits).toBe(1);
    expect((error as Error).message).toMatch(/^failed to write into .*: ENOSPC: .*disk or quota is full.*; files not yet replaced were left as they were$/);
    expect(snapshot(target)).toEqual(before); // no temp file, no half-replaced file
    expect(git(target, "rev-parse", "HEAD")).toBe(head);
    fault.code = undefined;
    const result = await createClusterRepo({ blueprint: "kapsule-gpu", targetDir: target, params, force: true });
    expect(readFileSync(join(target, "terraform", "main.tf"), "utf8")).toMatch(/max_size\s+= 3/);
    expect(git(target, "rev-parse", "HEAD~1")).toBe(head);
    expect(git(target, "rev-parse", "HEAD")).toBe(result.commit?.sha);
  });

  test("a temp file left by a killed --force run is removed, never committed", async () => {
    scenarios++;
    const target = fresh("stale-temp");
    await createClusterRepo({ blueprint: "kapsule-gpu", targetDir: target, params: {} });
    writeFileSync(join(target, "terraform", ".main.tf.tmp-0123456789ab"), "half\n");
    await createClusterRepo({ blueprint: "kapsule-gpu", targetDir: target, params: { sets: [parseSetFlag("gpuPool.maxSize=3")] }, force: true });
    expect(existsSync(join(target, "terraform", ".main.tf.tmp-0123456789ab"))).toBe(false);
    expect(git(target, "ls-tree", "-r", "--name-only", "HEAD")).not.toMatch(/\.tmp-/);
  });
});

describe("fault seam: update", () => {
  test("ENOSPC while update writes its commit: main, the work tree and the branches are unchanged, a re-run completes the update", async () => {
    scenarios++;
    const dir = fresh("update");
    await createClusterRepo({ blueprint: "kapsule-gpu", targetDir: dir, params: {} });
    const main = git(dir, "rev-parse", "main");
    const before = snapshot(dir);
    const changes = { sets: [parseSetFlag("gpuPool.maxSize=3")] };
    arm("ENOSPC", 0, ["git hash-object"]);
    const error = await updateRepository(dir, changes).catch((e: unknown) => e);
    expect(fault.hits).toBeGreaterThanOrEqual(1);
    expect((error as Error).message).toMatch(/failed to build the update commit in .*No space left on device.*\nThe disk or quota is full; free some space and re-run \(the work tree and branches are unchanged\)\./s);
    expect(git(dir, "rev-parse", "main")).toBe(main);
    expect(git(dir, "rev-parse", "--abbrev-ref", "HEAD")).toBe("main");
    expect(git(dir, "branch", "--list", "create-cluster-repo/*")).toBe("");
    expect(snapshot(dir)).toEqual(before);
    expect(git(dir, "status", "--porcelain")).toBe("");
    expect(readdirSync(join(dir, ".git")).filter((name) => name.startsWith("ccr-update-index-"))).toEqual([]);
    fault.code = undefined;
    const result = await updateRepository(dir, changes);
    expect(result.branch).toBe("create-cluster-repo/gpupool-maxsize-3");
    expect(git(dir, "rev-parse", `${result.branch}~1`)).toBe(main);
    expect(git(dir, "status", "--porcelain")).toBe("");
  });
});

/** A real tmpfs, when this machine lets the test mount one (root on Linux); otherwise these tests are skipped. */
function mountTmpfs(dir: string, size: string): boolean {
  mkdirSync(dir, { recursive: true });
  return process.platform === "linux" && process.getuid?.() === 0 && spawnSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir]).status === 0;
}
const canMount = (() => {
  const probe = join(work, "probe");
  if (!mountTmpfs(probe, "64k")) return false;
  spawnSync("umount", [probe]);
  return true;
})();

describe.runIf(canMount)("real tmpfs: the built CLI, git included", () => {
  test("disk full: exit 1, a clear message, nothing left; after freeing space the same command completes", async () => {
    scenarios++;
    const mount = join(work, "full");
    expect(mountTmpfs(mount, "96k")).toBe(true);
    try {
      const target = join(mount, "fleet");
      const run = await spawnCli(["-b", "kapsule-gpu", "-y", "--set", "repoUrl=https://github.com/acme/fleet.git", target]);
      expect(run.status).toBe(1);
      // git says "No space left on device", Node "ENOSPC: no space left on device": whichever writer hits the limit first.
      expect(run.stderr).toMatch(/^error: cannot create .*fleet: .*no space left on device.*the disk or quota is full; free some space and re-run/is);
      expect(run.stderr).toMatch(/nothing was written/);
      expect(readdirSync(mount)).toEqual([]);
      expect(spawnSync("mount", ["-o", "remount,size=16m", mount]).status).toBe(0);
      const again = await spawnCli(["-b", "kapsule-gpu", "-y", "--set", "repoUrl=https://github.com/acme/fleet.git", target]);
      expect(again.status, again.stderr).toBe(0);
      expect(git(target, "status", "--porcelain")).toBe("");
    } finally {
      spawnSync("umount", ["-l", mount]);
    }
  });

  test("read-only file system: exit 1, a clear message, nothing written; writable again, the command completes", async () => {
    scenarios++;
    const mount = join(work, "ro");
    expect(mountTmpfs(mount, "16m")).toBe(true);
    try {
      expect(spawnSync("mount", ["-o", "remount,ro", mount]).status).toBe(0);
      const target = join(mount, "fleet");
      const run = await spawnCli(["-b", "kapsule-gpu", "-y", "--set", "repoUrl=https://github.com/acme/fleet.git", target]);
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(/^error: cannot create .*fleet: EROFS: .*the file system is read-only; choose a writable directory and re-run/);
      expect(readdirSync(mount)).toEqual([]);
      expect(spawnSync("mount", ["-o", "remount,rw", mount]).status).toBe(0);
      expect((await spawnCli(["-b", "kapsule-gpu", "-y", "--set", "repoUrl=https://github.com/acme/fleet.git", target])).status).toBe(0);
    } finally {
      spawnSync("umount", ["-l", mount]);
    }
  });
});

describe("count", () => {
  test("disk fault scenarios run", () => {
    console.log(`disk fault scenarios run: ${scenarios}${canMount ? " (including real tmpfs)" : " (tmpfs not mountable here: seam only)"}`);
    expect(scenarios).toBeGreaterThanOrEqual(7);
  });
});
