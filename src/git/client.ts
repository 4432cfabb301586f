import { execFile } from "node:child_process";
import type { SimpleGit, SimpleGitOptions } from "simple-git";
import { requireOnUse } from "../code-cache.js";
import { GitError } from "../errors.js";
import { forcedStopSignal } from "../interrupt.js";
import { redact, redactedError } from "../redact.js";

/** Who commits; used as both author and committer. */
export interface GitIdentity {
  name: string;
  email: string;
}

/** The identity used when neither the caller nor git configuration provides one. */
export const DEFAULT_IDENTITY: GitIdentity = {
  name: "create-cluster-repo",
  email: "create-cluster-repo@users.noreply.github.com",
};

/**
 * simple-git, loaded on the first git command that goes through it: plan, check and update of an up-to-date repository
 * run theirs as plumbing (plumbing.ts) or read git's files (ref-files.ts), and loading it (with `debug` and `tty`) was
 * about 30 ms of each.
 */
let simpleGit: typeof import("simple-git").simpleGit | undefined;

/** A simple-git instance for `dir`, with per-command `-c` settings that are never written to disk. */
export function gitAt(dir: string, options: Partial<SimpleGitOptions> = {}): SimpleGit {
  simpleGit ??= (requireOnUse("simple-git") as typeof import("simple-git")).simpleGit;
  // A forced stop (a second Ctrl-C) ends the running git processes before their directories are removed.
  return simpleGit({ baseDir: dir, maxConcurrentProcesses: 4, trimmed: false, abort: forcedStopSignal, ...options });
}

const GUARDED_ENV = new Set(["EDITOR", "VISUAL", "PAGER", "PREFIX", "SSH_ASKPASS"]);

/** The current environment without git's own variables and the few others simple-git guards (the environment simple-git gives git). */
function guardedEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    const upper = key.toUpperCase().trim();
    if (value !== undefined && !upper.startsWith("GIT_") && !GUARDED_ENV.has(upper)) env[key] = value;
  }
  return env;
}

/**
 * {@link guardedEnv}, plus `GIT_TERMINAL_PROMPT=0` so a rejected token fails instead of waiting for a password prompt.
 */
export function nonInteractiveEnv(): Record<string, string> {
  return { ...guardedEnv(), GIT_TERMINAL_PROMPT: "0" };
}

/**
 * One git command run as simple-git runs it (the same environment, stopped by a forced stop), without loading
 * simple-git: `create` needs only `git init` and one `git config` read, and loading simple-git (with `debug` and
 * `tty`) was a tenth of its CPU time. Resolves with stdout; rejects with git's stderr as the message, as simple-git does.
 */
export function gitCommand(dir: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    // simple-git's guard against abbreviated options, kept so that git sees the same environment
    const env = { ...guardedEnv(), GIT_TEST_DISALLOW_ABBREVIATED_OPTIONS: "true" };
    execFile("git", args, { cwd: dir, encoding: "utf8", maxBuffer: 64 * 1024 ** 2, env, signal: forcedStopSignal }, (error, stdout, stderr) => {
      if (!error) return resolve(stdout);
      const failure = new Error(stderr.trim() || error.message, { cause: error }) as Error & { exitCode?: number | string | null };
      failure.exitCode = error.code;
      reject(failure);
    });
  });
}

/** Wraps a failure as "failed to <step>: <cause>", with credentials redacted (see {@link redact}). */
export function gitFailure(step: string, error: unknown, secrets: readonly string[] = [], hint = ""): GitError {
  const cause = error instanceof Error ? error.message : String(error);
  const message = redact(`failed to ${step}: ${cause.trim()}${hint ? `\n${hint}` : ""}`, secrets);
  // The original error may carry a secret in its message or args: the cause kept is a redacted copy.
  return new GitError(message, redactedError(error, secrets));
}
