// Publishing: the last stage of the pipeline. A new repository is created on the forge (if missing) and pushed, or
// an update branch is pushed and proposed as a pull request. Forge-neutral: the forge's URL shapes and token
// variables come from forge/resolve.ts and its API from forge/index.ts. The token goes to the one host the user
// named, to a push URL computed here, never to a URL an API answer or git configuration supplies.
import { realpath } from "node:fs/promises";
import { defaults } from "./defaults.js";
import { ForgeError, GitError, UsageError } from "./errors.js";
import { forgeDefinition, forgeFor, forgeToken, parseRepoSlug, repositoryFromRemote, repositoryUrl, resolveForge, type ForgeEndpoint, type ForgeKind, type ForgeRepository } from "./forge/index.js";
import type { Forge } from "./forge/types.js";
import { gitAt } from "./git/client.js";
import { createOrResetBranch, fetchRemoteBranch, isAncestor, overlayCommit, pushBranch, readTreeAtRef, rootCommit } from "./git/repo.js";
import { DEFAULT_NETWORK_TIMEOUT_SECONDS } from "./network.js";
import type { UpdateOptions } from "./update/apply.js";

/** A forge the user named, with its token and API client: where everything is published. */
export interface PublishTarget {
  endpoint: ForgeEndpoint;
  token: string;
  forge: Forge;
  /** Milliseconds a network operation may go without an answer. */
  timeoutMs: number;
}

/** Options for {@link connectForge}. */
export interface ConnectOptions {
  /** @default "github" */
  kind?: ForgeKind;
  /** API root (`--github-api-url`) or instance (`--gitlab-url`); the forge's public one by default. */
  apiUrl?: string;
  /** @default 60000 */
  timeoutMs?: number;
  /** Where the token variables (and CCR_GITHUB_RETRY_AFTER_MS) are read. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** An API client to use instead of the default one (tests). */
  forge?: Forge;
}

/**
 * Resolves the forge (API URL checked: https, or http on loopback only) and reads its token from the environment.
 * @throws UsageError for a bad API URL (exit 2), ForgeError when no token is set (exit 1).
 */
export function connectForge(options: ConnectOptions = {}): PublishTarget {
  const endpoint = resolveForge(options.kind ?? "github", options.apiUrl);
  const token = forgeToken(endpoint.kind, options.env);
  const timeoutMs = options.timeoutMs ?? DEFAULT_NETWORK_TIMEOUT_SECONDS * 1000;
  return { endpoint, token, timeoutMs, forge: options.forge ?? forgeFor(endpoint, token, timeoutMs, options.env) };
}

/** The URL a repository named `owner/repo` on this forge is cloned from (recorded as the GitOps source). */
export function publishedRepositoryUrl(slug: string, options: { kind?: ForgeKind; apiUrl?: string; flag?: string } = {}): string {
  const kind = options.kind ?? "github";
  return repositoryUrl(resolveForge(kind, options.apiUrl), parseRepoSlug(slug, kind, options.flag));
}

/** How git authenticates to this forge with the token: its user name, and where the token came from (for messages). */
function gitCredential(target: PublishTarget): { token: string; username: string; tokenSource: string } {
  const definition = forgeDefinition(target.endpoint.kind);
  return { token: target.token, username: definition.gitUsername, tokenSource: definition.tokenVariables.join(" or ") };
}

export interface PublishOptions {
  dir: string;
  /** `owner/repo` (GitLab: `group/subgroup/project`). */
  repo: string;
  private: boolean;
  /** Push the initial render on a branch and open a PR instead of pushing main (branch protection). */
  prFirst: boolean;
}

export interface PublishResult {
  url: string;
  /** `false` when the repository already existed. */
  created: boolean;
  pullRequest?: { url: string; number: number; created: boolean };
  /** With --pr-first: the branch holding the render. */
  branch?: string;
}

/** The branch --pr-first proposes the initial render on. */
export const INITIAL_BRANCH = `${defaults.branchPrefix}initial`;

/** Creates the repository when missing and pushes main (or a branch + PR with --pr-first). */
export async function publishRepository(target: PublishTarget, options: PublishOptions): Promise<PublishResult> {
  const { forge, endpoint, timeoutMs } = target;
  const repository = parseRepoSlug(options.repo, endpoint.kind);
  const { owner, repo } = repository;
  const credential = gitCredential(target);
  // --pr-first: a new repository is created with the forge's own first commit (a README, as the "Initialize this
  // repository with a README" box does). A pull request needs a base branch, and the forge makes the first branch
  // pushed to an empty repository its default branch: pushing only the PR branch would leave nothing to merge
  // into. The forge writes that commit itself, so it works where rules already forbid pushing to main.
  const found = await forge.ensureRepository({
    owner,
    repo,
    private: options.private,
    description: `GitOps repository for ${repo} (${defaults.toolName})`,
    autoInit: options.prFirst,
  });
  const remoteUrl = pushUrl(endpoint, repository, found.cloneUrl);
  // `origin` records the URL only; the token is passed per push and never stored.
  const remotes = await gitAt(options.dir).getRemotes();
  if (!remotes.some((remote) => remote.name === "origin")) await gitAt(options.dir).addRemote("origin", remoteUrl);
  const result = { url: found.htmlUrl, created: found.created };
  if (!options.prFirst) {
    try {
      await pushBranch(options.dir, { remoteUrl, branch: defaults.branch, ...credential, timeoutMs });
    } catch (error) {
      throw withPrFirstHint(error, endpoint.kind);
    }
    return result;
  }
  const base = found.defaultBranch || defaults.branch;
  await prepareInitialBranch(options.dir, { remoteUrl, base, credential, repo, timeoutMs, forgeLabel: forgeDefinition(endpoint.kind).label });
  await pushBranch(options.dir, { remoteUrl, branch: INITIAL_BRANCH, ...credential, timeoutMs });
  const pullRequest = await forge.upsertPullRequest({
    owner,
    repo,
    head: INITIAL_BRANCH,
    base,
    title: `Add ${repo} cluster repository`,
    body: `Initial render by ${defaults.toolName}. Review the generated Terraform and manifests, then merge.`,
  });
  return { ...result, pullRequest, branch: INITIAL_BRANCH };
}

/**
 * The URL to push `repository` to: the one computed from the forge the user named. The API's clone URL must agree
 * (same scheme, host and port): an API that names another host is refused, not followed.
 */
function pushUrl(endpoint: ForgeEndpoint, repository: ForgeRepository, cloneUrl: string): string {
  const { label, apiUrlFlag } = forgeDefinition(endpoint.kind);
  repositoryFromRemote(
    endpoint,
    cloneUrl,
    `the clone URL the ${label} API at ${endpoint.apiUrl} answered for ${repository.owner}/${repository.repo}`,
    `Check that ${apiUrlFlag} names the ${label} that hosts ${endpoint.host}`,
  );
  return repositoryUrl(endpoint, repository);
}

/**
 * Pushing an update branch and opening its pull request, for `update --pr`: the repository is read from `origin`
 * (its push URL, after git's url.*.insteadOf rewriting), which must be on the forge's host; the push goes to the
 * URL computed for that repository on that host.
 * @throws UsageError without an origin remote (exit 2); ForgeError when origin is on another host (exit 1).
 */
export async function pullRequestPublisher(target: PublishTarget, dir: string): Promise<NonNullable<UpdateOptions["pr"]>> {
  const origin = (await gitAt(dir).raw(["remote", "get-url", "--push", "origin"]).catch(() => "")).trim();
  if (!origin) throw new UsageError("--pr needs an `origin` remote: add one with `git remote add origin <url>`");
  const repository = repositoryFromRemote(target.endpoint, origin, "origin (its push URL, after url.*.insteadOf)");
  return {
    remoteUrl: repositoryUrl(target.endpoint, repository),
    ...gitCredential(target),
    timeoutMs: target.timeoutMs,
    open: (_plan, head, base, title, body) => target.forge.upsertPullRequest({ owner: repository.owner, repo: repository.repo, head, base, title, body }),
  };
}

/**
 * Puts the render on {@link INITIAL_BRANCH} on top of the remote's base branch, and the local base branch where
 * the remote's is, so the PR has history in common with its base and `git pull` works after the merge. The
 * render's commit is rebuilt over the base (files the base has and the render lacks, such as a LICENSE, stay).
 * An existing empty repository gets a README-only first commit pushed to the base branch, as GitHub's
 * auto-init would have made. A re-run finds the branch made before and only pushes what is missing; the branch is
 * rebuilt only when the base moved under it (a rebuilt branch the remote already has is refused, never forced).
 */
async function prepareInitialBranch(
  dir: string,
  options: { remoteUrl: string; base: string; credential: { token: string; username: string; tokenSource: string }; repo: string; timeoutMs: number; forgeLabel: string },
): Promise<void> {
  const { remoteUrl, base, credential, repo, timeoutMs } = options;
  let remoteBase = await fetchRemoteBranch(dir, { remoteUrl, branch: base, ...credential, timeoutMs });
  const made = await localBranchExists(dir, INITIAL_BRANCH);
  // Made by an earlier run on a base the remote does not have (someone created it meanwhile): rebuild on it.
  if (!made || (remoteBase !== undefined && !(await isAncestor(dir, remoteBase, INITIAL_BRANCH)))) {
    const render = (await gitAt(dir).revparse([made ? INITIAL_BRANCH : "HEAD"])).trim();
    const message = (await gitAt(dir).raw(["log", "-1", "--format=%B", render])).trim();
    const baseSha =
      remoteBase ?? (await rootCommit(dir, { "README.md": `# ${repo}\n\nThe cluster repository is proposed in the first pull request, opened by ${defaults.toolName}.\n` }, "Initial commit"));
    const proposed = await overlayCommit(dir, { parent: baseSha, overlay: render, message });
    await createOrResetBranch(dir, INITIAL_BRANCH, proposed);
    await gitAt(dir).raw(["branch", "--force", base, baseSha]);
  }
  if (remoteBase === undefined) {
    try {
      await pushBranch(dir, { remoteUrl, branch: base, ...credential, timeoutMs });
    } catch (error) {
      if (!(error instanceof GitError)) throw error;
      throw new GitError(
        `${error.message}\nThe repository is empty and a pull request needs a base branch: create ${base} on ${options.forgeLabel} (add a README there), then re-run with --force.`,
      );
    }
    remoteBase = base;
  }
}

async function localBranchExists(dir: string, branch: string): Promise<boolean> {
  return (await gitAt(dir).raw(["branch", "--list", branch])).trim() !== "";
}

/** A push of main that a protected or non-empty repository refused: say how --pr-first gets the render in. */
function withPrFirstHint(error: unknown, kind: ForgeKind): unknown {
  if (!(error instanceof GitError)) return error;
  const changeRequest = forgeDefinition(kind).changeRequest;
  if (/refused the push/.test(error.message)) {
    return new GitError(`${error.message}\nRe-run with --pr-first --force to push the render on a branch and open a ${changeRequest} instead.`);
  }
  if (/was rejected: the remote branch has commits/.test(error.message)) {
    return new GitError(`${error.message}\nThe repository already has a ${defaults.branch} branch: re-run with --pr-first --force to propose the render as a ${changeRequest} on top of it.`);
  }
  return error;
}

/**
 * The next step after a failed publish, when the error does not already name one: the local repository is
 * complete and committed, and re-running the same command publishes it (see {@link holdsCommittedRender}).
 */
export function withResumeHint(error: unknown, shownDir: string): unknown {
  if (!(error instanceof GitError || error instanceof ForgeError) || /re-run with --|refusing to send/i.test(error.message)) return error;
  const message = `${error.message}\nThe repository in ${shownDir} is complete and committed: once that is fixed, re-run the same command to publish it (nothing is rendered again).`;
  return error instanceof GitError ? new GitError(message, error.cause) : new ForgeError(message, error.status, error.cause);
}

/**
 * Whether `dir` already holds exactly this render, committed, with a clean checkout: what a `create --github`
 * whose publish failed leaves. A re-run of the same command then only publishes, instead of refusing the
 * non-empty target. HEAD may have more files (the --pr-first branch has GitHub's README commit below it).
 */
export async function holdsCommittedRender(dir: string, tree: ReadonlyMap<string, string>): Promise<boolean> {
  try {
    const top = (await gitAt(dir).revparse(["--show-toplevel"])).trim();
    if ((await realpath(top)) !== (await realpath(dir))) return false;
    if ((await gitAt(dir).raw(["status", "--porcelain", "--untracked-files=all"])).trim() !== "") return false;
    const committed = await readTreeAtRef(dir, "HEAD");
    return [...tree].every(([path, content]) => committed.get(path) === content);
  } catch {
    return false; // not a git repository, or no commit yet
  }
}
