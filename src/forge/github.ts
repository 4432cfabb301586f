import { randomUUID } from "node:crypto";
import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import { Octokit } from "@octokit/rest";
import { ForgeError } from "../errors.js";
import { DEFAULT_NETWORK_TIMEOUT_SECONDS } from "../network.js";
import { redact, redactedError, tokenForms } from "../redact.js";
import { guardedFetch } from "./guarded-fetch.js";
import { statusOf, toForgeError, validationMessages, type ErrorContext } from "./github-errors.js";
import { clipBody } from "./body-limit.js";
import type {
  CommentOptions,
  CommentResult,
  EnsureRepositoryOptions,
  EnsureRepositoryResult,
  Forge,
  ForgeUser,
  UpsertPullRequestOptions,
  UpsertPullRequestResult,
} from "./types.js";

const GitHubOctokit = Octokit.plugin(retry, throttling);
/** GitHub refuses pull request bodies and comments over 65,536 characters. */
export const GITHUB_MAX_BODY = 65_536;
type GitHubClient = InstanceType<typeof GitHubOctokit>;

/** Options for {@link GitHubForge}. */
export interface GitHubForgeOptions {
  /** A GitHub token (the CLI reads GITHUB_TOKEN or GH_TOKEN). Kept private and never logged. */
  token: string;
  /**
   * REST API root; set it for GitHub Enterprise Server (`https://ghe.example.com/api/v3`) or tests.
   * @default "https://api.github.com"
   */
  baseUrl?: string;
  /**
   * How many times a request is retried after a 5xx, or after hitting a rate limit.
   * @default 2
   */
  retries?: number;
  /**
   * Milliseconds per unit of backoff: retry n waits n² × this after a 5xx, and `retry-after` × this after a
   * rate limit. Tests set it to 1.
   * @default 1000
   */
  retryAfterBaseValue?: number;
  /**
   * Longest rate-limit wait, in seconds, that is worth retrying; beyond it the call fails with a ForgeError.
   * @default 60
   */
  maxRateLimitWaitSeconds?: number;
  /**
   * Milliseconds a request (answer included) may take; then the call fails with a ForgeError and is not retried.
   * @default 60000
   */
  timeoutMs?: number;
}

/** {@link Forge} backed by the GitHub REST API through Octokit (with retry and throttling plugins). */
export class GitHubForge implements Forge {
  readonly #token: string;
  /** The token in every form it travels in: redacted from whatever a server answers (see toForgeError). */
  readonly #secrets: string[];
  readonly #octokit: GitHubClient;
  #user: Promise<ForgeUser> | undefined;

  constructor(options: GitHubForgeOptions) {
    if (!options.token) throw new ForgeError("GITHUB_TOKEN is missing: create a token with the `repo` scope and export it as GITHUB_TOKEN or GH_TOKEN");
    this.#token = options.token;
    this.#secrets = tokenForms(options.token);
    const retries = options.retries ?? 2;
    const base = options.retryAfterBaseValue ?? 1000;
    const maxWait = options.maxRateLimitWaitSeconds ?? 60;
    const shouldRetry = (retryAfter: number, _options: unknown, _octokit: unknown, retryCount: number) => retryCount < retries && retryAfter <= maxWait;
    this.#octokit = new GitHubOctokit({
      auth: this.#token,
      ...(options.baseUrl ? { baseUrl: options.baseUrl.replace(/\/+$/, "") } : {}),
      userAgent: "create-cluster-repo",
      // Same-origin redirects only, and a deadline per request: see guardedFetch.
      request: { fetch: guardedFetch({ timeoutMs: options.timeoutMs ?? DEFAULT_NETWORK_TIMEOUT_SECONDS * 1000, label: "GitHub" }) },
      // Octokit logs request failures at warn/error level by default; errors reach the user as ForgeError instead.
      log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
      retry: { retries, retryAfterBaseValue: base },
      // A distinct id gives each forge its own write spacing instead of sharing the process-wide limiter.
      throttle: { id: randomUUID(), retryAfterBaseValue: base, onRateLimit: shouldRetry, onSecondaryRateLimit: shouldRetry },
    });
  }

  /** The authenticated account (cached for the life of this forge). */
  getAuthenticatedUser(): Promise<ForgeUser> {
    this.#user ??= this.#octokit.rest.users.getAuthenticated().then(
      ({ data }) => ({ login: data.login }),
      (error: unknown) => {
        this.#user = undefined;
        throw toForgeError(error, { action: "identify the token's account" }, this.#secrets);
      },
    );
    return this.#user;
  }

  /** Returns `owner/repo`, creating it (for the token's user, or in organization `owner`) when it does not exist. */
  async ensureRepository(options: EnsureRepositoryOptions): Promise<EnsureRepositoryResult> {
    const { owner, repo } = options;
    const existing = await this.#findRepository(owner, repo);
    if (existing) return existing;

    const context: ErrorContext = { action: `create repository ${owner}/${repo}` };
    try {
      const params = {
        name: repo,
        private: options.private,
        ...(options.description ? { description: options.description } : {}),
        ...(options.autoInit ? { auto_init: true } : {}),
      };
      const created = (await this.#ownerIsOrganization(owner))
        ? await this.#octokit.rest.repos.createInOrg({ org: owner, ...params })
        : await this.#octokit.rest.repos.createForAuthenticatedUser(params);
      return { created: true, ...repositoryFields(created.data, this.#secrets) };
    } catch (error) {
      // Created meanwhile (a concurrent run, or a retried POST that had succeeded): use it.
      if (statusOf(error) === 422 && validationMessages(error).some((m) => /already exists/i.test(m))) {
        const raced = await this.#findRepository(owner, repo);
        if (raced) return raced;
        throw new ForgeError(
          `failed to ${context.action}: a repository named ${owner}/${repo} exists but is not visible to this token; grant the token access to it`,
          422,
          redactedError(error, this.#secrets),
        );
      }
      throw toForgeError(error, context, this.#secrets);
    }
  }

  /** Updates the open PR from `head`, or creates one; a 422 "already exists" race ends in an update too. */
  async upsertPullRequest(options: UpsertPullRequestOptions): Promise<UpsertPullRequestResult> {
    const { owner, repo, head, base, title } = options;
    const body = clipBody(options.body, GITHUB_MAX_BODY, "GitHub");
    const context: ErrorContext = { action: `open a pull request from ${head} into ${base} in ${owner}/${repo}`, owner, repo };
    const open = await this.#findOpenPullRequest(options, context);
    if (open !== undefined) return this.#updatePullRequest(options, open, context);
    try {
      const { data } = await this.#octokit.rest.pulls.create({ owner, repo, head, base, title, body });
      return { number: data.number, url: redact(data.html_url, this.#secrets), created: true };
    } catch (error) {
      if (statusOf(error) === 422 && validationMessages(error).some((m) => /pull request already exists/i.test(m))) {
        const raced = await this.#findOpenPullRequest(options, context);
        if (raced !== undefined) return this.#updatePullRequest(options, raced, context);
      }
      throw toForgeError(error, context, this.#secrets);
    }
  }

  /** Adds a comment to pull request `number` (an issue comment, as GitHub shows comments on the conversation tab). */
  async comment(options: CommentOptions): Promise<CommentResult> {
    const { owner, repo, number } = options;
    try {
      const { data } = await this.#octokit.rest.issues.createComment({ owner, repo, issue_number: number, body: clipBody(options.body, GITHUB_MAX_BODY, "GitHub") });
      return { id: data.id };
    } catch (error) {
      throw toForgeError(error, { action: `comment on pull request #${number} in ${owner}/${repo}`, owner, repo }, this.#secrets);
    }
  }

  async #findRepository(owner: string, repo: string): Promise<EnsureRepositoryResult | undefined> {
    try {
      const { data } = await this.#octokit.rest.repos.get({ owner, repo });
      return { created: false, ...repositoryFields(data, this.#secrets) };
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw toForgeError(error, { action: `look up repository ${owner}/${repo}`, owner, repo }, this.#secrets);
    }
  }

  /** `true` for an organization, `false` for the token's own account; another user's account is an error. */
  async #ownerIsOrganization(owner: string): Promise<boolean> {
    const me = await this.getAuthenticatedUser();
    if (me.login.toLowerCase() === owner.toLowerCase()) return false;
    let type: string;
    try {
      type = (await this.#octokit.rest.users.getByUsername({ username: owner })).data.type;
    } catch (error) {
      if (statusOf(error) === 404) throw new ForgeError(`cannot create a repository for ${owner}: no such user or organization is visible to this token; check the owner name`, 404, redactedError(error, this.#secrets));
      throw toForgeError(error, { action: `look up account ${owner}` }, this.#secrets);
    }
    if (type === "Organization") return true;
    throw new ForgeError(
      `cannot create a repository for ${owner}: it is another user's account and the token belongs to ${me.login}; ` +
        `create the repository as ${owner}, or use an owner you control`,
    );
  }

  async #findOpenPullRequest(options: UpsertPullRequestOptions, context: ErrorContext): Promise<number | undefined> {
    const { owner, repo, head } = options;
    try {
      const { data } = await this.#octokit.rest.pulls.list({ owner, repo, state: "open", head: `${owner}:${head}`, per_page: 100 });
      return data.find((pull) => pull.head.ref === head)?.number;
    } catch (error) {
      throw toForgeError(error, context, this.#secrets);
    }
  }

  async #updatePullRequest(options: UpsertPullRequestOptions, number: number, context: ErrorContext): Promise<UpsertPullRequestResult> {
    const { owner, repo, base, title, body } = options;
    try {
      const { data } = await this.#octokit.rest.pulls.update({ owner, repo, pull_number: number, title, body, base });
      return { number: data.number, url: redact(data.html_url, this.#secrets), created: false };
    } catch (error) {
      throw toForgeError(error, { ...context, action: `update pull request #${number} in ${owner}/${repo}` }, this.#secrets);
    }
  }
}

/** The fields the tool uses; the web URL is printed, so it is redacted like any other text from the server. */
function repositoryFields(data: { clone_url: string; html_url: string; default_branch: string }, secrets: readonly string[]): Omit<EnsureRepositoryResult, "created"> {
  return { cloneUrl: data.clone_url, htmlUrl: redact(data.html_url, secrets), defaultBranch: data.default_branch };
}
