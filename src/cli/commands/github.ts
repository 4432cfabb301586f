import { defaults } from "../../defaults.js";
import { ForgeError, UsageError } from "../../errors.js";
import { createForge } from "../../forge/index.js";
import { gitAt } from "../../git/client.js";
import { createOrResetBranch, pushBranch } from "../../git/repo.js";

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

/** Creates the repository when missing and pushes main (or a branch + PR with --pr-first). */
export async function publishToGitHub(options: PublishOptions): Promise<{ url: string; pullRequest?: string }> {
  const { owner, repo } = parseRepoSlug(options.repo);
  const token = githubToken();
  const forge = createForge({ kind: "github", token, apiUrl: options.apiUrl });
  const created = await forge.ensureRepository({ owner, repo, private: options.private, description: `GitOps repository for ${repo} (${defaults.toolName})` });
  // `origin` records the URL only; the token is passed per push and never stored.
  const remotes = await gitAt(options.dir).getRemotes();
  if (!remotes.some((remote) => remote.name === "origin")) await gitAt(options.dir).addRemote("origin", created.cloneUrl);
  if (!options.prFirst) {
    await pushBranch(options.dir, { remoteUrl: created.cloneUrl, branch: defaults.branch, token });
    return { url: created.htmlUrl };
  }
  const branch = `${defaults.branchPrefix}initial`;
  await createOrResetBranch(options.dir, branch, defaults.branch);
  await pushBranch(options.dir, { remoteUrl: created.cloneUrl, branch, token });
  const pr = await forge.upsertPullRequest({
    owner,
    repo,
    head: branch,
    base: created.defaultBranch || defaults.branch,
    title: `Add ${repo} cluster repository`,
    body: `Initial render by ${defaults.toolName}. Review the generated Terraform and manifests, then merge.`,
  });
  return { url: created.htmlUrl, pullRequest: pr.url };
}
