import { GitError } from "../errors.js";
import { assertBranchName } from "./branches.js";
import type { SimpleGit } from "simple-git";
import { gitAt, nonInteractiveEnv, scrub } from "./client.js";

/** Options for {@link pushBranch}. */
export interface PushOptions {
  /** Where to push: an https URL (without credentials) or the name of a configured remote. */
  remoteUrl: string;
  /** Local branch to push to the branch of the same name on the remote. */
  branch: string;
  /**
   * Token sent as HTTP Basic auth (`x-access-token:<token>`) in a per-command header. It is never put in the URL,
   * in `.git/config`, or in error messages.
   */
  token?: string;
  /**
   * Record the pushed branch's upstream (`branch.<name>.remote`/`merge`) in `.git/config`; only the URL is stored.
   * @default false
   */
  setUpstream?: boolean;
}

/** Result of {@link pushBranch}. */
export interface PushResult {
  branch: string;
  /** The local commit that the remote branch now points to. */
  sha: string;
}

/**
 * Pushes `branch` to `remoteUrl`. Never force-pushes: a diverged or protected remote branch is an error and the
 * remote is left unchanged. On any failure the local commit is kept, so re-running resumes.
 * @throws GitError with the next step for the user; the message never contains the token.
 */
export async function pushBranch(dir: string, options: PushOptions): Promise<PushResult> {
  const { remoteUrl, branch, token } = options;
  if (/^[a-z][a-z0-9+.-]*:\/\/[^/]*@/i.test(remoteUrl)) {
    throw new GitError(`refusing to push to a URL that contains credentials (${scrub(remoteUrl, [])}): pass the token separately (GITHUB_TOKEN or GH_TOKEN)`);
  }
  await assertBranchName(dir, branch);
  const sha = (await gitAt(dir).revparse([branch]).catch(() => "")).trim();
  if (sha === "") throw new GitError(`cannot push branch ${branch}: it does not exist locally; commit first, then re-run`);

  const secrets = token ? secretsFor(token) : [];
  const git = await authenticatedGit(dir, token);
  // A refspec without a leading "+" and no --force: git refuses non-fast-forward updates.
  const args = ["push", ...(options.setUpstream ? ["--set-upstream"] : []), remoteUrl, `refs/heads/${branch}:refs/heads/${branch}`];
  try {
    await git.raw(args);
  } catch (error) {
    throw explainPushFailure(error, { branch, sha, remoteUrl, secrets });
  }
  return { branch, sha };
}

/**
 * Fetches `branch` from `remoteUrl` (with the token the same way as a push) and returns the sha it points to, or
 * `undefined` when the remote has no such branch (an empty repository). The commit lands in
 * `refs/remotes/origin/<branch>`; local branches are not touched.
 */
export async function fetchRemoteBranch(dir: string, options: Omit<PushOptions, "setUpstream">): Promise<string | undefined> {
  const { remoteUrl, branch, token } = options;
  await assertBranchName(dir, branch);
  const secrets = token ? secretsFor(token) : [];
  const git = await authenticatedGit(dir, token);
  try {
    const listing = (await git.raw(["ls-remote", "--heads", remoteUrl, `refs/heads/${branch}`])).trim();
    if (!/^[0-9a-f]{40,64}\s/.test(listing)) return undefined;
    // Into the remote-tracking ref, as `git fetch origin` would: the user's branches are not touched.
    const tracking = `refs/remotes/origin/${branch}`;
    await git.raw(["fetch", "--quiet", "--no-tags", remoteUrl, `+refs/heads/${branch}:${tracking}`]);
    return (await git.raw(["rev-parse", "--verify", tracking])).trim();
  } catch (error) {
    const output = scrub(error instanceof Error ? error.message : String(error), secrets).trim();
    throw new GitError(
      `failed to read branch ${branch} from ${scrub(remoteUrl, secrets)}: check the token (GITHUB_TOKEN or GH_TOKEN) and the network, then re-run.\ngit said:\n${indent(output)}`,
    );
  }
}

/**
 * A git client that sends the token as an extra HTTP header for its commands only. The header goes through
 * GIT_CONFIG_COUNT/KEY/VALUE (git >= 2.31), which unlike `-c` on the command line is not visible to other users in
 * the process list; older git falls back to `-c`. `credential.helper` is emptied so no stored or interactive
 * credential is mixed with the token.
 */
async function authenticatedGit(dir: string, token: string | undefined): Promise<SimpleGit> {
  const env = nonInteractiveEnv();
  if (!token) return gitAt(dir, { allowEnvironment: ["GIT_TERMINAL_PROMPT"] }).env(env);
  const header = `http.extraHeader=${authHeader(token)}`;
  if (!(await supportsConfigEnv())) {
    return gitAt(dir, {
      config: [header, "credential.helper="],
      unsafe: { allowUnsafeCredentialHelper: true },
      allowEnvironment: ["GIT_TERMINAL_PROMPT"],
    }).env(env);
  }
  const configEnv = { GIT_CONFIG_COUNT: "1", GIT_CONFIG_KEY_0: "http.extraHeader", GIT_CONFIG_VALUE_0: authHeader(token) };
  return gitAt(dir, {
    config: ["credential.helper="],
    unsafe: { allowUnsafeCredentialHelper: true, allowUnsafeConfigEnvCount: true },
    allowEnvironment: ["GIT_TERMINAL_PROMPT", ...Object.keys(configEnv)],
  }).env({ ...env, ...configEnv });
}

let configEnvSupport: Promise<boolean> | undefined;

/** Whether the installed git reads GIT_CONFIG_COUNT (added in git 2.31). */
function supportsConfigEnv(): Promise<boolean> {
  configEnvSupport ??= gitAt(process.cwd())
    .version()
    .then((v) => v.major > 2 || (v.major === 2 && v.minor >= 31))
    .catch(() => false);
  return configEnvSupport;
}

/** `Authorization: Basic base64("x-access-token:<token>")`, accepted by GitHub and by any Basic-auth git server. */
function authHeader(token: string): string {
  return `Authorization: Basic ${Buffer.from(`x-access-token:${token}`).toString("base64")}`;
}

/** The token and every encoding of it that could appear in git's output. */
function secretsFor(token: string): string[] {
  return [token, Buffer.from(`x-access-token:${token}`).toString("base64"), encodeURIComponent(token)];
}

function explainPushFailure(error: unknown, context: { branch: string; sha: string; remoteUrl: string; secrets: string[] }): GitError {
  const { branch, sha, secrets } = context;
  const output = scrub(error instanceof Error ? error.message : String(error), secrets).trim();
  const remote = scrub(context.remoteUrl, secrets);
  const kept = `Your local commit ${sha.slice(0, 12)} on ${branch} is kept.`;
  let message: string;
  if (/\[rejected\]|non-fast-forward|fetch first|stale info/i.test(output)) {
    message =
      `push of ${branch} to ${remote} was rejected: the remote branch has commits your local branch does not have. ${kept} ` +
      `Fetch and rebase or merge ${branch}, or push to a new branch, then re-run; create-cluster-repo never force-pushes.`;
  } else if (/\[remote rejected\]|pre-receive hook declined|protected branch|GH006/i.test(output)) {
    const reason = /\[remote rejected\][^(]*\(([^)]*)\)/.exec(output)?.[1];
    message =
      `the remote refused the push of ${branch} to ${remote}${reason ? ` (${reason})` : ""}; the branch is probably protected. ${kept} ` +
      `Push to another branch and open a pull request instead.`;
  } else if (/\b401\b|\b403\b|authentication failed|could not read (username|password)|invalid username or password|permission.*denied/i.test(output)) {
    message =
      `authentication to ${remote} failed while pushing ${branch}. ${kept} ` +
      `Check that the token (GITHUB_TOKEN or GH_TOKEN) is valid and can push to this repository, then re-run.`;
  } else {
    message = `failed to push ${branch} to ${remote}. ${kept} Re-running resumes the push once the remote is reachable.`;
  }
  return new GitError(`${message}\ngit said:\n${indent(output)}`);
}

function indent(text: string): string {
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => `  ${line.trimEnd()}`)
    .join("\n");
}
