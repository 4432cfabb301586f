import { simpleGit, type SimpleGit, type SimpleGitOptions } from "simple-git";
import { GitError } from "../errors.js";

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

/** A simple-git instance for `dir`, with per-command `-c` settings that are never written to disk. */
export function gitAt(dir: string, options: Partial<SimpleGitOptions> = {}): SimpleGit {
  return simpleGit({ baseDir: dir, maxConcurrentProcesses: 4, trimmed: false, ...options });
}

const GUARDED_ENV = new Set(["EDITOR", "VISUAL", "PAGER", "PREFIX", "SSH_ASKPASS"]);

/**
 * The current environment without git's own variables and the few others simple-git guards (it refuses them
 * when passed explicitly),
 * plus `GIT_TERMINAL_PROMPT=0` so a rejected token fails instead of waiting for a password prompt.
 */
export function nonInteractiveEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    const upper = key.toUpperCase();
    if (value !== undefined && !upper.startsWith("GIT_") && !GUARDED_ENV.has(upper)) env[key] = value;
  }
  env.GIT_TERMINAL_PROMPT = "0";
  return env;
}

/** Removes every secret (and URL credentials) from a text that may end up in an error message or a log. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length > 0) out = out.split(secret).join("***");
  // user:password@ in URLs, in case a caller passed such a URL despite the docs
  return out.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, "$1***@");
}

/** Wraps a failure as "failed to <step>: <cause>", scrubbed of secrets. */
export function gitFailure(step: string, error: unknown, secrets: readonly string[] = [], hint = ""): GitError {
  const cause = error instanceof Error ? error.message : String(error);
  const message = scrub(`failed to ${step}: ${cause.trim()}${hint ? `\n${hint}` : ""}`, secrets);
  // The original error may carry the secret in its message or args, so it is not kept as cause when secrets exist.
  return new GitError(message, secrets.length > 0 ? undefined : error);
}
