import { GitError } from "../errors.js";
import { assertBranchName } from "./branches.js";
import type { SimpleGit } from "simple-git";
import { gitAt, nonInteractiveEnv } from "./client.js";
import { redact, tokenForms } from "../redact.js";
import { hasScheme, hostOf } from "./remote-url.js";
import { DEFAULT_NETWORK_TIMEOUT_SECONDS, NETWORK_TIMEOUT_HINT } from "../network.js";

/** Options for {@link pushBranch}. */
export interface PushOptions {
  /** Where to push: an https URL (without credentials). The token is sent to this URL only. */
  remoteUrl: string;
  /** Local branch to push to the branch of the same name on the remote. */
  branch: string;
  /**
   * Token sent as HTTP Basic auth (`<username>:<token>`) in a header scoped to `remoteUrl`, with redirects off.
   * It is never put in the URL, in `.git/config`, or in error messages.
   */
  token?: string;
  /** The user name sent with the token: the forge's (see ForgeDefinition.gitUsername). @default "x-access-token" */
  username?: string;
  /** Where the token comes from, for messages. @default "GITHUB_TOKEN or GH_TOKEN" */
  tokenSource?: string;
  /**
   * Record the pushed branch's upstream (`branch.<name>.remote`/`merge`) in `.git/config`; only the URL is stored.
   * @default false
   */
  setUpstream?: boolean;
  /**
   * Milliseconds git may go without progress (no byte received, nothing printed) before it is stopped.
   * @default 60000
   */
  timeoutMs?: number;
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
    throw new GitError(`refusing to push to a URL that contains credentials (${redact(remoteUrl, [])}): pass the token separately (${options.tokenSource ?? DEFAULT_TOKEN_SOURCE})`);
  }
  await assertBranchName(dir, branch);
  const sha = (await gitAt(dir).revparse([branch]).catch(() => "")).trim();
  if (sha === "") throw new GitError(`cannot push branch ${branch}: it does not exist locally; commit first, then re-run`);

  const secrets = token ? tokenForms(token) : [];
  const transport = { remoteUrl, token, username: options.username, timeoutMs: options.timeoutMs ?? DEFAULT_NETWORK_TIMEOUT_SECONDS * 1000 };
  if (token) await assertNotRewritten(dir, remoteUrl);
  const git = await authenticatedGit(dir, transport);
  // A refspec without a leading "+" and no --force: git refuses non-fast-forward updates. --progress keeps git
  // talking while data moves, so that only a stalled push meets the timeout.
  const args = ["push", "--progress", ...(options.setUpstream ? ["--set-upstream"] : []), remoteUrl, `refs/heads/${branch}:refs/heads/${branch}`];
  try {
    await git.raw(args);
  } catch (error) {
    throw await explainPushFailure(error, { branch, sha, remoteUrl, secrets, timeoutMs: transport.timeoutMs, tokenSource: options.tokenSource ?? DEFAULT_TOKEN_SOURCE });
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
  const secrets = token ? tokenForms(token) : [];
  const transport = { remoteUrl, token, username: options.username, timeoutMs: options.timeoutMs ?? DEFAULT_NETWORK_TIMEOUT_SECONDS * 1000 };
  if (token) await assertNotRewritten(dir, remoteUrl);
  const git = await authenticatedGit(dir, transport);
  try {
    const listing = (await git.raw(["ls-remote", "--heads", remoteUrl, `refs/heads/${branch}`])).trim();
    if (!/^[0-9a-f]{40,64}\s/.test(listing)) return undefined;
    // Into the remote-tracking ref, as `git fetch origin` would: the user's branches are not touched.
    const tracking = `refs/remotes/origin/${branch}`;
    await git.raw(["fetch", "--quiet", "--no-tags", remoteUrl, `+refs/heads/${branch}:${tracking}`]);
    return (await git.raw(["rev-parse", "--verify", tracking])).trim();
  } catch (error) {
    const output = redact(error instanceof Error ? error.message : String(error), secrets).trim();
    const why = (await transportProblem(output, remoteUrl, transport.timeoutMs)) ?? `check the token (${options.tokenSource ?? DEFAULT_TOKEN_SOURCE}) and the network, then re-run`;
    throw new GitError(`failed to read branch ${branch} from ${redact(remoteUrl, secrets)}: ${why}.\ngit said:\n${indent(output)}`);
  }
}

/**
 * Refuses a URL that git's own configuration (`url.<base>.insteadOf` / `pushInsteadOf`, in the repository, the
 * user's or the system's config) would send somewhere else: the token is meant for the URL the tool computed.
 * A rewrite to ssh on the same host is let through: ssh never carries the token.
 */
async function assertNotRewritten(dir: string, url: string): Promise<void> {
  const listing = await gitAt(dir)
    .raw(["config", "--show-origin", "--get-regexp", "^url\\..*\\.(push)?insteadof$"])
    .catch(() => ""); // exit 1: no such setting
  for (const line of listing.split("\n")) {
    // --show-origin: "<origin>\t<key> <value>"; the key's subsection is the base URL, the value the prefix it replaces.
    const match = /^([^\t]*)\turl\.(.*)\.(insteadof|pushinsteadof) (.*)$/i.exec(line);
    if (!match || !url.startsWith(match[4]!)) continue;
    const [, origin, base, kind, prefix] = match;
    const rewritten = base! + url.slice(prefix!.length);
    if (sshToSameHost(rewritten, url)) continue;
    throw new GitError(
      `git's configuration rewrites ${prefix} to ${redact(base!, [])} (url.${redact(base!, [])}.${kind} in ${origin!.replace(/^file:/, "")}), so the push would go to ${hostOf(rewritten)} instead of ${hostOf(url)}; ` +
        `refusing to send the token there. Remove that setting (or push yourself), then re-run`,
    );
  }
}

function sshToSameHost(rewritten: string, original: string): boolean {
  const ssh = /^ssh:\/\//i.test(rewritten) || (/^[^/:]+:/.test(rewritten) && !hasScheme(rewritten));
  if (!ssh) return false;
  try {
    return hostOf(rewritten).replace(/:\d+$/, "").toLowerCase() === new URL(original).hostname.toLowerCase();
  } catch {
    return false;
  }
}

/**
 * A git client for one network command. With a token: the token goes in an `Authorization` header configured for
 * `remoteUrl` only (`http.<url>.extraHeader`, so a URL that git would rewrite gets no header), and redirects are not
 * followed: git would otherwise send every later request of the command, header included, to wherever the first
 * answer redirected. The settings go through GIT_CONFIG_COUNT/KEY/VALUE (git >= 2.31), which unlike `-c` on the
 * command line are not visible to other users in the process list; older git falls back to `-c`.
 * `credential.helper` is emptied so no stored or interactive credential is mixed with the token. Always: git gives
 * up on a connection that moves less than a byte a second for the timeout, and the process is stopped when it has
 * printed nothing for that long.
 */
async function authenticatedGit(dir: string, transport: { remoteUrl: string; token: string | undefined; username?: string | undefined; timeoutMs: number }): Promise<SimpleGit> {
  const env = nonInteractiveEnv();
  const seconds = String(Math.max(1, Math.ceil(transport.timeoutMs / 1000)));
  const settings: Array<[string, string]> = [
    ["http.lowSpeedLimit", "1"],
    ["http.lowSpeedTime", seconds],
  ];
  if (transport.token) {
    settings.push([`http.${transport.remoteUrl}.extraHeader`, authHeader(transport.username ?? "x-access-token", transport.token)], ["http.followRedirects", "false"]);
  }
  const timeout = { block: transport.timeoutMs + 2000 }; // after git's own low-speed limit, which says more
  if (!(await supportsConfigEnv())) {
    return gitAt(dir, {
      config: [...settings.map(([key, value]) => `${key}=${value}`), "credential.helper="],
      unsafe: { allowUnsafeCredentialHelper: true },
      allowEnvironment: ["GIT_TERMINAL_PROMPT"],
      timeout,
    }).env(env);
  }
  const configEnv: Record<string, string> = { GIT_CONFIG_COUNT: String(settings.length) };
  settings.forEach(([key, value], i) => {
    configEnv[`GIT_CONFIG_KEY_${i}`] = key;
    configEnv[`GIT_CONFIG_VALUE_${i}`] = value;
  });
  return gitAt(dir, {
    config: ["credential.helper="],
    unsafe: { allowUnsafeCredentialHelper: true, allowUnsafeConfigEnvCount: true },
    allowEnvironment: ["GIT_TERMINAL_PROMPT", ...Object.keys(configEnv)],
    timeout,
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

/** `Authorization: Basic base64("<username>:<token>")`: GitHub takes `x-access-token`, GitLab `oauth2` (see the forge definitions). */
function authHeader(username: string, token: string): string {
  return `Authorization: Basic ${Buffer.from(`${username}:${token}`).toString("base64")}`;
}

const DEFAULT_TOKEN_SOURCE = "GITHUB_TOKEN or GH_TOKEN";

/**
 * What went wrong on the wire, when git's output says it was a redirect (named with where it pointed, read with a
 * request that carries no credential) or a timeout; `undefined` for anything else.
 */
async function transportProblem(output: string, remoteUrl: string, timeoutMs: number): Promise<string | undefined> {
  const redirect = /returned error: (30[123478])\b/.exec(output);
  if (redirect) {
    const target = await redirectTarget(remoteUrl, timeoutMs);
    return (
      `${hostOf(remoteUrl)} redirected the request${target ? ` to ${target}` : ""} (HTTP ${redirect[1]}); the token is sent only to ${hostOf(remoteUrl)}, ` +
      `so redirects are not followed and nothing was sent there. Check the repository URL, then re-run`
    );
  }
  if (/block timeout reached|Operation too slow|timed out/i.test(output)) {
    return `${hostOf(remoteUrl)} did not answer for ${timeoutMs / 1000} s (network timeout); check the network, or ${NETWORK_TIMEOUT_HINT}, then re-run`;
  }
  return undefined;
}

/** The host a redirect on `<url>/info/refs` points at, asked without any credential; `undefined` if unknown. */
async function redirectTarget(url: string, timeoutMs: number): Promise<string | undefined> {
  try {
    const response = await fetch(`${url.replace(/\/+$/, "")}/info/refs?service=git-receive-pack`, { redirect: "manual", signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel().catch(() => undefined);
    const location = response.headers.get("location");
    return location ? new URL(location, url).host : undefined;
  } catch {
    return undefined;
  }
}

async function explainPushFailure(error: unknown, context: { branch: string; sha: string; remoteUrl: string; secrets: string[]; timeoutMs: number; tokenSource: string }): Promise<GitError> {
  const { branch, sha, secrets } = context;
  const output = redact(error instanceof Error ? error.message : String(error), secrets).trim();
  const remote = redact(context.remoteUrl, secrets);
  const kept = `Your local commit ${sha.slice(0, 12)} on ${branch} is kept.`;
  const transport = await transportProblem(output, context.remoteUrl, context.timeoutMs);
  let message: string;
  if (transport) {
    message = `failed to push ${branch} to ${remote}: ${transport}. ${kept}`;
  } else if (/\[rejected\]|non-fast-forward|fetch first|stale info/i.test(output)) {
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
      `Check that the token (${context.tokenSource}) is valid and can push to this repository, then re-run.`;
  } else {
    message = `failed to push ${branch} to ${remote}. ${kept} Re-running resumes the push once the remote is reachable.`;
  }
  return new GitError(`${message}\ngit said:\n${indent(output)}`);
}

/** git's output as an indented block, without the progress lines that --progress adds. */
function indent(text: string): string {
  return text
    .split(/[\r\n]+/)
    .filter((line) => line.trim() !== "" && !/^(remote: )?(Enumerating|Counting|Compressing|Writing|Total|Delta|Resolving|Receiving|Unpacking) /.test(line.trim()))
    .map((line) => `  ${line.trimEnd()}`)
    .join("\n");
}
