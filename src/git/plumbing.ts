import { execFile } from "node:child_process";
import { DEFAULT_IDENTITY, gitFailure } from "./client.js";

/** One git process with optional stdin and extra environment (plumbing that simple-git does not wrap). */
export function plumbing(dir: string, args: string[], options: { input?: string; env?: Record<string, string>; /** Keep leading and trailing whitespace (porcelain status starts with a space). */ raw?: boolean } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile("git", args, { cwd: dir, encoding: "utf8", maxBuffer: 256 * 1024 ** 2, env: { ...process.env, ...options.env } }, (error, stdout) =>
      error ? reject(gitFailure(`run git ${args[0]}`, error)) : resolve(options.raw ? stdout : stdout.trim()),
    );
    // A command that does not read stdin may exit before the write lands: that EPIPE is not a failure.
    child.stdin?.on("error", () => {});
    child.stdin?.end(options.input);
  });
}

/** Author and committer for plumbing commits: git's configured identity, else the tool's. */
export async function identityEnv(dir: string): Promise<Record<string, string>> {
  const get = (key: string) => plumbing(dir, ["config", "--get", key]).catch(() => "");
  const [name, email] = await Promise.all([get("user.name"), get("user.email")]);
  const who = name && email ? { name, email } : DEFAULT_IDENTITY;
  return { GIT_AUTHOR_NAME: who.name, GIT_AUTHOR_EMAIL: who.email, GIT_COMMITTER_NAME: who.name, GIT_COMMITTER_EMAIL: who.email };
}
