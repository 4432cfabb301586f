import { spawn } from "node:child_process";
import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { isMainThread } from "node:worker_threads";
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

export interface CliOptions {
  cwd?: string;
  /** Added to the test's environment (CI=true and NO_COLOR=1 are set too). */
  env?: Record<string, string>;
  /** Standard input; empty by default. */
  input?: string;
}

export interface SpawnCliOptions extends CliOptions {
  /** A command that runs node for the CLI, such as setpriv dropping privileges. */
  runAs?: string[];
  timeoutMs?: number;
}

/**
 * The variables the CLI reads through its io (src/cli/io.ts). Others (HOME, PATH, XDG_CONFIG_HOME, GIT_*...) reach
 * it through git or the OS, which read this process's environment: a test that sets one needs {@link spawnCli}.
 */
const IO_VARIABLES = new Set(["GITHUB_TOKEN", "GH_TOKEN", "GITLAB_TOKEN", "CCR_GITLAB_RETRY_AFTER_MS", "GITHUB_BASE_REF", "XDG_CACHE_HOME", "CCR_GITHUB_RETRY_AFTER_MS", "CCR_NETWORK_TIMEOUT", "CI", "NO_COLOR"]);

/** In-process runs one at a time: each sets this process's working directory for its relative paths. */
let inProcessQueue: Promise<unknown> = Promise.resolve();

/**
 * Runs a command line through the CLI's own entry (runCommandLine, which the binary calls with its process's
 * streams) in this process, as `create-cluster-repo <args>` typed in `cwd` with no TTY and CI set: same parsing,
 * output and exit code, without starting node and the Terraform tools' WebAssembly for every run (most of the
 * suite's time). The WebAssembly tools are started once per test worker and kept; test/cli.test.ts and the tests that
 * need a process of their own use {@link spawnCli}.
 */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliRun> {
  const unread = Object.keys(options.env ?? {}).filter((name) => !IO_VARIABLES.has(name));
  if (unread.length > 0) throw new Error(`runCli: ${unread.join(", ")} would not reach git or the OS in this process; use spawnCli`);
  if (!isMainThread) throw new Error("runCli sets the working directory, which a worker thread cannot: run this file in the forks pool, or use spawnCli");
  const run = inProcessQueue.then(() => runInProcess(args, options));
  inProcessQueue = run.catch(() => undefined);
  return run;
}

async function runInProcess(args: string[], options: CliOptions): Promise<CliRun> {
  const { runCommandLine } = await import("../../src/cli/run.js");
  let stdout = "";
  let stderr = "";
  const previous = process.cwd();
  process.chdir(options.cwd ?? repoRoot);
  try {
    const status = await runCommandLine(args, {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
      stdin: Readable.from(options.input ? [Buffer.from(options.input)] : []),
      env: { ...process.env, CI: "true", NO_COLOR: "1", ...options.env },
      wasmTools: "kept",
    });
    return { status, stdout, stderr, signal: null };
  } finally {
    process.chdir(previous);
  }
}

/**
 * Runs the built CLI in a process of its own, as a user would, with no TTY and CI set: it must never wait for input.
 * For what only a process shows: exit on a signal or a hang (`timeoutMs`), another user (`runAs`), variables read by
 * git or the OS (HOME, PATH...), the bundle and its worker thread. Asynchronous on purpose: a test worker blocked in
 * a synchronous wait answers nobody and fires none of its timers, its test timeout included (vitest 3 also gave up
 * on such a worker after 60 s on a busy machine).
 */
export function spawnCli(args: string[], options: SpawnCliOptions = {}): Promise<CliRun> {
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
export function recordingCli(defaultEnv: Record<string, string>, run: (args: string[], options: CliOptions) => Promise<CliRun> = runCli): { cli: (args: string[], env?: Record<string, string>) => Promise<CliRun>; outputs: string[] } {
  const outputs: string[] = [];
  const cli = async (args: string[], env: Record<string, string> = defaultEnv) => {
    const result = await run(args, { env });
    outputs.push(result.stdout, result.stderr);
    return result;
  };
  return { cli, outputs };
}
