import { realpath } from "node:fs/promises";
import { defaults } from "../../defaults.js";
import { ForgeError, GitError, UsageError } from "../../errors.js";
import { createForge } from "../../forge/index.js";
import { gitAt } from "../../git/client.js";
import { createOrResetBranch, fetchRemoteBranch, isAncestor, overlayCommit, pushBranch, readTreeAtRef, rootCommit } from "../../git/repo.js";

/** `owner/repo` -> its two parts, or a usage error naming the flag. */
export function parseRepoSlug(slug: string): { owner: string; repo: string } {
  const match = /^([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))\/([A-Za-z0-9._-]{1,100})$/.exec(slug);
  if (!match || match[2] === "." || match[2] === "..") throw new UsageError(`--github must be owner/repo (e.g. --github acme/prod-gpu), got "${slug}"`);
  return { owner: match[1]!, repo: match[2]!.replace(/\.git$/, "") };
}

/** The URL the GitOps engine will pull: github.com, or the web host of a GitHub Enterprise API URL. */
export function githubRepoUrl(slug: string, apiUrl?: string): string {
  const { owner, repo } = parseRepoSlug(slug);
  let host = "https://github.com";
  if (apiUrl) {
    try {
      const url = new URL(apiUrl);
      host = url.hostname === "api.github.com" ? "https://github.com" : `${url.protocol}//${url.host}`;
    } catch {
      throw new UsageError(`--github-api-url must be a URL such as https://ghe.example.com/api/v3, got "${apiUrl}"`);
    }
  }
  return `${host}/${owner}/${repo}.git`;
}

/** The token comes from the environment only (GITHUB_TOKEN, then GH_TOKEN); it is never a flag. */
export function githubToken(): string {
  const token = process.env.GITHUB_TOKEN || process.env.GH_TOKEN;
  if (!token) throw new ForgeError("no GitHub token: set GITHUB_TOKEN (or GH_TOKEN) to a token with the `repo` scope, then run again");
  return token;
}

export interface PublishOptions {
  dir: string;
  repo: string;
  private: boolean;
  apiUrl?: string;
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
export async function publishToGitHub(options: PublishOptions): Promise<PublishResult> {
  const { owner, repo } = parseRepoSlug(options.repo);
  const token = githubToken();
  const forge = createForge({ kind: "github", token, apiUrl: options.apiUrl });
  // --pr-first: a new repository is created with GitHub's own first commit (a README, as the "Initialize this
  // repository with a README" box does). A pull request needs a base branch, and GitHub makes the first branch
  // pushed to an empty repository its default branch: pushing only the PR branch would leave nothing to merge
  // into. GitHub writes that commit itself, so it works where rules already forbid pushing to main.
  const found = await forge.ensureRepository({
    owner,
    repo,
    private: options.private,
    description: `GitOps repository for ${repo} (${defaults.toolName})`,
    autoInit: options.prFirst,
  });
  // `origin` records the URL only; the token is passed per push and never stored.
  const remotes = await gitAt(options.dir).getRemotes();
  if (!remotes.some((remote) => remote.name === "origin")) await gitAt(options.dir).addRemote("origin", found.cloneUrl);
  const result = { url: found.htmlUrl, created: found.created };
  if (!options.prFirst) {
    try {
      await pushBranch(options.dir, { remoteUrl: found.cloneUrl, branch: defaults.branch, token });
    } catch (error) {
      throw withPrFirstHint(error);
    }
    return result;
  }
  const base = found.defaultBranch || defaults.branch;
  await prepareInitialBranch(options.dir, { remoteUrl: found.cloneUrl, base, token, repo });
  await pushBranch(options.dir, { remoteUrl: found.cloneUrl, branch: INITIAL_BRANCH, token });
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
 * Puts the render on {@link INITIAL_BRANCH} on top of the remote's base branch, and the local base branch where
 * the remote's is, so the PR has history in common with its base and `git pull` works after the merge. The
 * render's commit is rebuilt over the base (files the base has and the render lacks, such as a LICENSE, stay).
 * An existing empty repository gets a README-only first commit pushed to the base branch, as GitHub's
 * auto-init would have made. A re-run finds the branch made before and only pushes what is missing; the branch is
 * rebuilt only when the base moved under it (a rebuilt branch the remote already has is refused, never forced).
 */
async function prepareInitialBranch(dir: string, options: { remoteUrl: string; base: string; token: string; repo: string }): Promise<void> {
  const { remoteUrl, base, token, repo } = options;
  let remoteBase = await fetchRemoteBranch(dir, { remoteUrl, branch: base, token });
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
      await pushBranch(dir, { remoteUrl, branch: base, token });
    } catch (error) {
      if (!(error instanceof GitError)) throw error;
      throw new GitError(
        `${error.message}\nThe repository is empty and a pull request needs a base branch: create ${base} on GitHub (add a README there), then re-run with --force.`,
      );
    }
    remoteBase = base;
  }
}

async function localBranchExists(dir: string, branch: string): Promise<boolean> {
  return (await gitAt(dir).raw(["branch", "--list", branch])).trim() !== "";
}

/** A push of main that a protected or non-empty repository refused: say how --pr-first gets the render in. */
function withPrFirstHint(error: unknown): unknown {
  if (!(error instanceof GitError)) return error;
  if (/refused the push/.test(error.message)) {
    return new GitError(`${error.message}\nRe-run with --pr-first --force to push the render on a branch and open a pull request instead.`);
  }
  if (/was rejected: the remote branch has commits/.test(error.message)) {
    return new GitError(`${error.message}\nThe repository already has a ${defaults.branch} branch: re-run with --pr-first --force to propose the render as a pull request on top of it.`);
  }
  return error;
}

/**
 * The next step after a failed publish, when the error does not already name one: the local repository is
 * complete and committed, and re-running the same command publishes it (see {@link holdsCommittedRender}).
 */
export function withResumeHint(error: unknown, shownDir: string): unknown {
  if (!(error instanceof GitError || error instanceof ForgeError) || /re-run with --/i.test(error.message)) return error;
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
