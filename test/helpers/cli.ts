import { spawn } from "node:child_process";
import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "./fixtures.js";

export const cliPath = join(repoRoot, "dist", "cli", "main.js");

/** One CLI run takes about a second on a quiet machine; this bound only stops a hung one, on a loaded machine too. */
const CLI_TIMEOUT_MS = 180_000;

export interface CliRun {
  /** null when the run was killed (see `signal`). */
  status: number | null;
  stdout: string;
  stderr: string;
  signal?: NodeJS.Signals | null;
}

/**
 * The temp folders of the test file that is running. A folder made inside a test (not while the file is collected)
 * cannot register an afterAll of its own: vitest does not run a hook added by a running test, and such folders were
 * left in /tmp by the thousand. test/setup/temp-dirs.ts removes them all when the file ends.
 */
const fileTempDirs = new Set<string>();

/** Removes the folders {@link tempDir} made for the file that just ended. */
export function removeTempDirs(): void {
  for (const dir of fileTempDirs) rmSync(dir, { recursive: true, force: true });
  fileTempDirs.clear();
}

/** A temp folder removed after the file's tests; helpers that write refuse to work outside os.tmpdir(). */
export function tempDir(prefix = "ccr-test-"): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  fileTempDirs.add(dir);
  return dir;
}

/**
 * Runs the built CLI as a user would, with no TTY and CI set: it must never wait for input. Asynchronous on purpose:
 * a test worker blocked in a synchronous wait cannot answer vitest, which gives up on it after 60 s on a busy machine.
 */
export function runCli(args: string[], options: { cwd?: string; env?: Record<string, string>; input?: string; runAs?: string[]; timeoutMs?: number } = {}): Promise<CliRun> {
  // `runAs`: a command that runs node for the CLI, such as setpriv dropping privileges.
  const [command, ...prefix] = [...(options.runAs ?? []), process.execPath];
  return new Promise((resolve) => {
    const child = spawn(command!, [...prefix, cliPath, ...args], {
      cwd: options.cwd ?? repoRoot,
      env: { ...process.env, CI: "true", NO_COLOR: "1", ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.stdin.on("error", () => undefined); // the CLI may exit without reading its input
    child.stdin.end(options.input ?? "");
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? CLI_TIMEOUT_MS);
    child.on("close", (status, signal) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr, signal });
    });
  });
}

/**
 * runCli with a fixed environment (e.g. the test's GitHub token) whose outputs are all kept, so that a test can
 * grep everything the tool printed at the end. `env` given to a call replaces the default one.
 */
export function recordingCli(defaultEnv: Record<string, string>): { cli: (args: string[], env?: Record<string, string>) => Promise<CliRun>; outputs: string[] } {
  const outputs: string[] = [];
  const cli = async (args: string[], env: Record<string, string> = defaultEnv) => {
    const run = await runCli(args, { env });
    outputs.push(run.stdout, run.stderr);
    return run;
  };
  return { cli, outputs };
}
