/**
 * SIGKILL at random points (no cleanup handler runs) during `create` and `update`, then look at what is left.
 *
 * create: the target is absent, or a complete repository (git fsck clean, HEAD's tree the exact expected tree);
 *   a killed run may leave a `.<name>.staging-<pid>-*` sibling, which the next create of that target removes.
 * update: main never moves; a commit on the update branch is always the complete update; every generated file in
 *   the work tree is either its old or its new content (never torn, never a stray temp file committed); the commit
 *   is built before the work tree is touched, so a plain re-run of the same update finishes it from every state
 *   (a checkout cut short included), with no manual clean-up.
 *
 * Kill delays come from a seeded generator: set CCR_KILL_SEED to replay a failure, CCR_KILL_POINTS to run more.
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { cliPath, spawnCli, tempDir } from "./helpers/cli.js";

const SEED = Number(process.env.CCR_KILL_SEED ?? 20_240_611);
const POINTS = Number(process.env.CCR_KILL_POINTS ?? 24);
const work = tempDir("ccr-kill-");

/** mulberry32: small, seedable, good enough to spread kill points. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const git = (dir: string, ...args: string[]) => spawnSync("git", ["-C", dir, ...args], { encoding: "utf8" });
const gitOut = (dir: string, ...args: string[]) => execFileSync("git", ["-C", dir, ...args], { encoding: "utf8" }).trim();

interface KillPlan {
  /** Kill this many ms after the start, or after `trigger` first holds. */
  delayMs: number;
  /** Polled every 2 ms: a point in the run (a staging directory appears, a branch is made) to count from. */
  trigger?: () => boolean;
}

/** Runs the CLI and SIGKILLs it as planned (if still running); resolves with how it ended and when things happened. */
function runAndKill(args: string[], plan: KillPlan): Promise<{ killed: boolean; status: number | null; ms: number; triggeredAt?: number }> {
  return new Promise((resolve) => {
    const started = Date.now();
    let triggeredAt: number | undefined;
    const child = spawn(process.execPath, [cliPath, ...args], { env: { ...process.env, CI: "true", NO_COLOR: "1" }, stdio: "ignore" });
    let timer: NodeJS.Timeout | undefined;
    const poll = plan.trigger
      ? setInterval(() => {
          if (triggeredAt !== undefined || !plan.trigger!()) return;
          triggeredAt = Date.now() - started;
          timer = setTimeout(() => child.kill("SIGKILL"), plan.delayMs);
        }, 2)
      : undefined;
    if (!plan.trigger) timer = setTimeout(() => child.kill("SIGKILL"), plan.delayMs);
    child.on("exit", (status, signal) => {
      clearTimeout(timer);
      clearInterval(poll);
      resolve({ killed: signal === "SIGKILL", status, ms: Date.now() - started, triggeredAt });
    });
  });
}

/**
 * Two full runs side by side (as the kill points run): how long a run takes, and how long from the trigger to
 * the end (the write-and-commit window, where kill points matter most).
 */
async function calibrate(args: (i: number) => string[], trigger: (i: number) => () => boolean): Promise<{ full: number; window: number }> {
  const runs = await Promise.all([0, 1].map((i) => runAndKill(args(i), { delayMs: 60_000, trigger: trigger(i) })));
  for (const run of runs) expect(run.status).toBe(0);
  return {
    full: Math.max(...runs.map((r) => r.ms)),
    window: Math.max(...runs.map((r) => r.ms - (r.triggeredAt ?? 0))),
  };
}

/** Half the kill points anywhere in the run, half inside the write-and-commit window (and a little after it). */
function killPlans(count: number, seed: number, timing: { full: number; window: number }, trigger: (i: number) => () => boolean): KillPlan[] {
  const next = random(seed);
  return Array.from({ length: count }, (_, i) =>
    i % 2 === 0 ? { delayMs: Math.round(timing.full * 1.2 * next()) } : { delayMs: Math.round(timing.window * 1.2 * next()), trigger: trigger(i) },
  );
}

const describePlan = (plan: KillPlan) => (plan.trigger ? `${plan.delayMs} ms into the write phase` : `${plan.delayMs} ms after start`);

/** Runs `count` jobs on `lanes` parallel lanes; job i runs on lane i % lanes, in order. */
async function lanes<T>(count: number, laneCount: number, job: (i: number, lane: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  await Promise.all(
    Array.from({ length: laneCount }, async (_, lane) => {
      for (let i = lane; i < count; i += laneCount) results[i] = await job(i, lane);
    }),
  );
  return results;
}

const stagingSiblings = (parent: string, name: string) => readdirSync(parent).filter((entry) => entry.startsWith(`.${name}.staging-`));

describe("create killed at random points", () => {
  test(`${POINTS} kill points: nothing or a complete repository; stale staging directories are cleaned`, async () => {
    const args = (dir: string) => ["-b", "kapsule-gpu", "-y", dir];
    const laneDir = (lane: number) => join(work, `lane-${lane}`);
    for (const lane of [0, 1]) mkdirSync(laneDir(lane), { recursive: true });
    const staged = (lane: number) => () => stagingSiblings(laneDir(lane), "fleet").length > 0;
    const timing = await calibrate((i) => args(join(laneDir(i), "fleet")), staged);
    const reference = join(laneDir(0), "fleet");
    const expectedTree = gitOut(reference, "rev-parse", "HEAD^{tree}");
    const expectedFiles = gitOut(reference, "ls-tree", "-r", "--name-only", "HEAD");
    for (const lane of [0, 1]) rmSync(join(laneDir(lane), "fleet"), { recursive: true });

    const plans = killPlans(POINTS, SEED, timing, (i) => staged(i % 2));
    const outcomes = { absent: 0, complete: 0, stagingLeft: 0, finished: 0 };
    const problems: string[] = [];
    await lanes(POINTS, 2, async (i, lane) => {
      const parent = laneDir(lane);
      const target = join(parent, "fleet");
      const run = await runAndKill(args(target), plans[i]!);
      const where = `kill point ${i} (${describePlan(plans[i]!)}; run ~${timing.full} ms, seed ${SEED})`;
      if (!run.killed && run.status !== 0) problems.push(`${where}: exited ${run.status} without being killed`);
      if (!run.killed) outcomes.finished++;
      if (stagingSiblings(parent, "fleet").length > 0) outcomes.stagingLeft++;
      if (!existsSync(target)) {
        outcomes.absent++;
        return;
      }
      const fsck = git(target, "fsck", "--strict", "--no-dangling");
      const tree = git(target, "rev-parse", "HEAD^{tree}").stdout.trim();
      const files = git(target, "ls-tree", "-r", "--name-only", "HEAD").stdout.trim();
      const status = git(target, "status", "--porcelain", "--ignored").stdout.trim();
      if (fsck.status !== 0) problems.push(`${where}: git fsck failed: ${fsck.stderr}`);
      if (tree !== expectedTree) problems.push(`${where}: HEAD tree ${tree || "(none)"} is not the expected ${expectedTree}`);
      if (files !== expectedFiles) problems.push(`${where}: committed files differ from the expected ones`);
      if (status !== "") problems.push(`${where}: work tree not clean:\n${status}`);
      outcomes.complete++;
      rmSync(target, { recursive: true, force: true }); // the next kill point starts again from nothing
    });
    expect(problems, problems.join("\n")).toEqual([]);
    expect(outcomes.absent + outcomes.complete).toBe(POINTS);
    console.log(
      `create kill points: ${POINTS} (seed ${SEED}, run ~${timing.full} ms, write phase ~${timing.window} ms): ${outcomes.absent} left nothing, ` +
        `${outcomes.complete} a complete repository (${outcomes.finished} finished before the kill); ${outcomes.stagingLeft} left a staging directory`,
    );
    // Both outcomes were really exercised, not only one.
    expect(outcomes.absent).toBeGreaterThan(0);
    expect(outcomes.stagingLeft).toBeGreaterThan(0);

    // The next create of each target removes what killed runs left, but not the staging directory of a live run.
    const live = `.fleet.staging-${process.pid}-abcdef`;
    mkdirSync(join(work, "lane-0", live, "terraform"), { recursive: true });
    const dead = spawnSync(process.execPath, ["-e", "0"]).pid;
    mkdirSync(join(work, "lane-1", `.fleet.staging-${dead}-ghijkl`, "terraform"), { recursive: true });
    const finals = await Promise.all([0, 1].map((lane) => spawnCli(args(join(laneDir(lane), "fleet")))));
    for (const lane of [0, 1]) {
      expect(finals[lane]!.status, finals[lane]!.stderr).toBe(0);
      expect(gitOut(join(laneDir(lane), "fleet"), "rev-parse", "HEAD^{tree}")).toBe(expectedTree);
      expect(stagingSiblings(laneDir(lane), "fleet")).toEqual(lane === 0 ? [live] : []);
    }
  }, 600_000);
});

describe("update killed at random points", () => {
  test("main never moves, no torn or half-committed state, and a re-run completes the update", async () => {
    const points = Math.max(6, Math.round(POINTS / 3));  // each update point needs a repository and a longer run
    const base = join(work, "update-base", "fleet");
    expect((await spawnCli(["-b", "kapsule-gpu", "-y", base])).status).toBe(0);
    const main = gitOut(base, "rev-parse", "main");
    const branch = "create-cluster-repo/gpupool-maxsize-3";
    const args = (dir: string) => ["update", dir, "--set", "gpuPool.maxSize=3"];
    const copy = (name: string) => {
      const dir = join(work, name, "fleet");
      cpSync(base, dir, { recursive: true });
      return dir;
    };
    // The update branch is made once its commit exists, just before the checkout: count the last phase from there.
    const branched = (dir: string) => () => existsSync(join(dir, ".git", "refs", "heads", branch));
    const references = [copy("update-reference-0"), copy("update-reference-1")];
    const timing = await calibrate((i) => args(references[i]!), (i) => branched(references[i]!));
    const reference = references[0]!;
    const expectedTree = gitOut(reference, "rev-parse", `${branch}^{tree}`);
    const oldFiles = new Map(gitOut(base, "ls-files").split("\n").map((f) => [f, readFileSync(join(base, f), "utf8")]));
    const newFiles = new Map(gitOut(reference, "ls-files").split("\n").map((f) => [f, readFileSync(join(reference, f), "utf8")]));
    const dirs = Array.from({ length: points }, (_, i) => copy(`update-${i}`));
    const plans = killPlans(points, SEED + 1, timing, (i) => branched(dirs[i]!));
    const states = new Map<string, number>();
    const problems: string[] = [];
    const reruns: string[] = [];
    await lanes(points, 2, async (i) => {
      const dir = dirs[i]!;
      const run = await runAndKill(args(dir), plans[i]!);
      const where = `update kill point ${i} (${describePlan(plans[i]!)}; run ~${timing.full} ms, seed ${SEED + 1})`;
      if (!run.killed && run.status !== 0) problems.push(`${where}: exited ${run.status} without being killed`);
      if (gitOut(dir, "rev-parse", "main") !== main) problems.push(`${where}: main moved`);
      const head = gitOut(dir, "rev-parse", "--abbrev-ref", "HEAD");
      const tip = git(dir, "rev-parse", "--verify", "--quiet", branch).stdout.trim();
      if (tip && tip !== main && gitOut(dir, "rev-parse", `${branch}^{tree}`) !== expectedTree) problems.push(`${where}: ${branch} holds an incomplete commit`);
      // Every generated file is whole: its old or its new content.
      for (const [file, content] of newFiles) {
        const now = existsSync(join(dir, file)) ? readFileSync(join(dir, file), "utf8") : undefined;
        if (now !== content && now !== oldFiles.get(file)) problems.push(`${where}: ${file} is neither its old nor its new content`);
      }
      const committed = gitOut(dir, "ls-tree", "-r", "--name-only", "HEAD");
      if (/\.tmp-[0-9a-f]{12}/.test(committed)) problems.push(`${where}: a temp file was committed`);
      const dirty = gitOut(dir, "status", "--porcelain") !== "";
      const state = `${head === "main" ? "on main" : "on the update branch"}, ${tip && tip !== main ? "committed" : "not committed"}, ${dirty ? "dirty" : "clean"}`;
      states.set(state, (states.get(state) ?? 0) + 1);
      // Re-run once per distinct state: it must finish the update on its branch with the expected tree.
      if (reruns.includes(state)) return;
      reruns.push(state);
      // A plain re-run, whatever the kill left: no manual clean-up first.
      const again = await spawnCli(args(dir));
      if (again.status !== 0) problems.push(`${where}: state "${state}": re-run failed (${again.status}): ${again.stderr}`);
      else if (gitOut(dir, "rev-parse", `${branch}^{tree}`) !== expectedTree || gitOut(dir, "status", "--porcelain") !== "") {
        problems.push(`${where}: state "${state}": re-run did not leave the complete update`);
      }
    });
    console.log(`update kill points: ${points} (seed ${SEED + 1}, run ~${timing.full} ms, write phase ~${timing.window} ms): ${[...states].map(([s, n]) => `${n}× ${s}`).join("; ")}; re-run from ${reruns.length} distinct states`);
    expect(problems, problems.join("\n")).toEqual([]);
  }, 600_000);
});
