/**
 * SIGINT (Ctrl-C) and SIGTERM during `create`: the process cleans up and exits with the conventional status (130,
 * 143), leaving no `.<name>.staging-*` directory beside the target, and the target absent or a whole repository.
 * The signal is sent when the staging directory appears (the write phase), and at points after it; a second signal
 * does not wait for the run to reach its next step.
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { cliPath, spawnCli, tempDir } from "./helpers/cli.js";

const work = tempDir("ccr-signals-");
const staging = (parent: string) => readdirSync(parent).filter((name) => name.startsWith(".fleet.staging-"));
const gitOut = (dir: string, ...args: string[]) => execFileSync("git", ["-C", dir, ...args], { encoding: "utf8" }).trim();

interface Stopped {
  /** Whether the signal reached the process (it had not exited yet). */
  delivered: boolean;
  status: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/**
 * Runs `create` into `parent/fleet` and sends `signals` (in order, `gapMs` apart) `delayMs` after the staging
 * directory appears. With no delay the process is first paused (SIGSTOP) where it is, and resumed once the signals
 * are queued: however busy the machine, they land while the staging directory exists. Waits for the process to end.
 */
function createAndSignal(parent: string, signals: NodeJS.Signals[], delayMs: number, gapMs = 0): Promise<Stopped> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cliPath, "-b", "kapsule-gpu", "-y", join(parent, "fleet")], { env: { ...process.env, CI: "true", NO_COLOR: "1" }, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    let delivered = false;
    const poll = setInterval(() => {
      if (staging(parent).length === 0) return;
      clearInterval(poll);
      if (delayMs === 0 && gapMs === 0) {
        child.kill("SIGSTOP");
        for (const signal of signals) delivered = child.kill(signal) || delivered;
        child.kill("SIGCONT");
        return;
      }
      setTimeout(() => {
        signals.forEach((signal, i) => setTimeout(() => (delivered = child.kill(signal) || delivered), i * gapMs));
      }, delayMs);
    }, 2);
    child.on("exit", (status, signal) => {
      clearInterval(poll);
      resolve({ delivered, status, signal, stderr });
    });
  });
}

describe("create stopped by a signal", () => {
  let expectedTree: string;

  beforeAll(async () => {
    const reference = join(work, "reference", "fleet");
    const run = await spawnCli(["-b", "kapsule-gpu", "-y", reference]);
    expect(run.status, run.stderr).toBe(0);
    expectedTree = gitOut(reference, "rev-parse", "HEAD^{tree}");
  });

  /** Nothing beside the target, and the target absent or the whole repository. */
  const expectNothingOrWhole = (parent: string): "absent" | "whole" => {
    expect(staging(parent)).toEqual([]);
    const target = join(parent, "fleet");
    if (!existsSync(target)) return "absent";
    expect(spawnSync("git", ["-C", target, "fsck", "--strict", "--no-dangling"]).status).toBe(0);
    expect(gitOut(target, "rev-parse", "HEAD^{tree}")).toBe(expectedTree);
    expect(gitOut(target, "status", "--porcelain", "--ignored")).toBe("");
    return "whole";
  };

  test.each([
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const)("%s in the write phase and after it: exit %d, no staging directory, nothing or the whole repository", async (signal, code) => {
    const outcomes: string[] = [];
    // Two lanes, as a busy machine runs them; each lane has its own parent folder.
    const delays = [0, 0, 20, 100, 400, 1500];
    // Both lanes run to their end before a failure is reported: no process is left writing into the test's folders.
    const lanes = await Promise.allSettled(
      [0, 1].map(async (lane) => {
        for (let i = lane; i < delays.length; i += 2) {
          const parent = join(work, `${signal}-${i}`);
          mkdirSync(parent, { recursive: true });
          const run = await createAndSignal(parent, [signal], delays[i]!);
          const outcome = expectNothingOrWhole(parent);
          outcomes.push(outcome);
          if (!run.delivered) {
            expect(run.status).toBe(0); // it had finished before the signal could be sent
            continue;
          }
          // A signal that lands while the process is ending, its repository whole, finds either its handler gone
          // (exit 0) or, later in Node's teardown, no handler at all (ended by the signal itself, which a shell
          // reports as the same 128+n): on a busy machine that window is wide. A stopped write must exit with `code`.
          if (outcome === "whole" && (run.status === 0 || run.signal === signal)) continue;
          expect(run.signal, run.stderr).toBeNull();
          expect(run.status, run.stderr).toBe(code);
          // Stopped in the write phase, it says so; later, the whole repository stays (with a note, or none when the
          // signal came while the process was already ending).
          if (outcome === "absent") expect(run.stderr).toMatch(new RegExp(`error: stopped by ${signal}: nothing was written to .*fleet\\n$`));
          rmSync(parent, { recursive: true, force: true });
        }
      }),
    );
    for (const lane of lanes) if (lane.status === "rejected") throw lane.reason;
    // The signal landed in the write phase at least once: the cleanup was really exercised.
    console.log(`create stopped by ${signal}: ${outcomes.filter((o) => o === "absent").length} left nothing, ${outcomes.filter((o) => o === "whole").length} the whole repository`);
    expect(outcomes).toContain("absent");
  }, 300_000);

  test("a second SIGINT does not wait for the next step: the staging directory is removed and the exit is 130", async () => {
    const parent = join(work, "twice");
    mkdirSync(parent, { recursive: true });
    const run = await createAndSignal(parent, ["SIGINT", "SIGINT"], 0, 1);
    expect(run.delivered).toBe(true);
    expect(run.status, run.stderr).toBe(130);
    expectNothingOrWhole(parent);
  }, 120_000);

  test("create --force stopped while it stages files beside the old ones: no temp file left, no file replaced (exit 130)", async () => {
    const target = join(work, "forced");
    mkdirSync(target, { recursive: true });
    writeFileSync(join(target, "notes.txt"), "mine\n");
    const temps = () => listAll(target).filter((path) => /\.tmp-[0-9a-f]{12}$/.test(path));
    const run = await new Promise<{ status: number | null; stderr: string; delivered: boolean }>((resolve) => {
      const child = spawn(process.execPath, [cliPath, "-b", "kapsule-gpu", "-y", "--force", target], { env: { ...process.env, CI: "true", NO_COLOR: "1" }, stdio: ["ignore", "ignore", "pipe"] });
      let stderr = "";
      let delivered = false;
      child.stderr.on("data", (chunk) => (stderr += chunk));
      const poll = setInterval(() => {
        if (temps().length === 0) return;
        clearInterval(poll);
        // Paused where it is, so the signal lands while the temp files exist however busy the machine.
        child.kill("SIGSTOP");
        delivered = child.kill("SIGINT");
        child.kill("SIGCONT");
      }, 2);
      child.on("exit", (status) => {
        clearInterval(poll);
        resolve({ status, stderr, delivered });
      });
    });
    expect(run.delivered).toBe(true);
    expect(run.status, run.stderr).toBe(130);
    expect(temps()).toEqual([]);
    if (existsSync(join(target, ".git"))) {
      // The signal came once the files were being renamed: the set was finished and committed.
      expect(gitOut(target, "status", "--porcelain")).toBe("?? notes.txt");
    } else {
      expect(run.stderr).toMatch(/error: stopped by SIGINT: no file in .*forced was replaced\n$/);
      expect(listAll(target)).toEqual(["notes.txt"]);
    }
  }, 120_000);
});

/** Every path below `dir`, relative, sorted. */
function listAll(dir: string, prefix = ""): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true })
    .flatMap((entry) => {
      const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
      return entry.isDirectory() ? [rel, ...listAll(dir, rel)] : [rel];
    })
    .sort();
}
