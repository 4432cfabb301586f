import { MergeRequestNotes, MergeRequests, Namespaces, Projects, Users } from "@gitbeaker/core";
import { ForgeError } from "../errors.js";
import { DEFAULT_NETWORK_TIMEOUT_SECONDS } from "../network.js";
import { redact, redactedError, tokenForms } from "../redact.js";
import { clipBody } from "./body-limit.js";
import { gitlabMessages, gitlabStatus, toGitLabForgeError, type GitLabErrorContext } from "./gitlab-errors.js";
import { gitlabRequester } from "./gitlab-requester.js";
import { guardedFetch } from "./guarded-fetch.js";
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

import { GITLAB_MAX_DESCRIPTION, GITLAB_MAX_NOTE, GITLAB_TOKEN_HELP } from "./kinds/gitlab.js";

/** Options for {@link GitLabForge}. */
export interface GitLabForgeOptions {
  /** A personal, group or project access token (the CLI reads GITLAB_TOKEN). Kept private and never logged. */
  token: string;
  /**
   * The REST API root, `<instance>/api/v4`.
   * @default "https://gitlab.com/api/v4"
   */
  apiUrl?: string;
  /** How many times a request is retried after a 429 or a 502/503/504. @default 2 */
  retries?: number;
  /** Milliseconds per unit of backoff (tests set 1). @default 1000 */
  retryAfterBaseValue?: number;
  /** Milliseconds a request (answer included) may take; then the call fails with a ForgeError. @default 60000 */
  timeoutMs?: number;
}

interface ProjectFields {
  id: number;
  http_url_to_repo: string;
  web_url: string;
  default_branch?: string | null;
}

interface MergeRequestFields {
  iid: number;
  web_url: string;
  source_branch: string;
  source_project_id: number;
  target_project_id: number;
}

/**
 * {@link Forge} backed by the GitLab REST API (v4) through @gitbeaker/core, on a transport that keeps the token on
 * the instance the user named (see gitlab-requester.ts). A repository is a project; a pull request a merge request.
 */
export class GitLabForge implements Forge {
  readonly #secrets: string[];
  readonly #projects: Projects;
  readonly #mergeRequests: MergeRequests;
  readonly #notes: MergeRequestNotes;
  readonly #namespaces: Namespaces;
  readonly #users: Users;
  #user: Promise<ForgeUser> | undefined;

  constructor(options: GitLabForgeOptions) {
    if (!options.token) throw new ForgeError(`GITLAB_TOKEN is missing: ${GITLAB_TOKEN_HELP}`);
    this.#secrets = tokenForms(options.token);
    const api = new URL((options.apiUrl ?? "https://gitlab.com/api/v4").replace(/\/+$/, ""));
    const fetch = guardedFetch({ timeoutMs: options.timeoutMs ?? DEFAULT_NETWORK_TIMEOUT_SECONDS * 1000, label: "GitLab", apiUrlFlag: "--gitlab-url" });
    const requesterFn = gitlabRequester({ fetch, ...(options.retries !== undefined ? { retries: options.retries } : {}), ...(options.retryAfterBaseValue !== undefined ? { retryAfterBaseValue: options.retryAfterBaseValue } : {}) });
    // gitbeaker builds `<host>/api/v4/<endpoint>`; its own deadline is off, guardedFetch has one per request.
    const config = { host: api.href.replace(/\/api\/v4$/, ""), token: options.token, requesterFn, queryTimeout: null };
    this.#projects = new Projects(config);
    this.#mergeRequests = new MergeRequests(config);
    this.#notes = new MergeRequestNotes(config);
    this.#namespaces = new Namespaces(config);
    this.#users = new Users(config);
  }

  /** The authenticated account (cached for the life of this forge). */
  getAuthenticatedUser(): Promise<ForgeUser> {
    this.#user ??= this.#users.showCurrentUser().then(
      (user) => ({ login: String((user as { username: string }).username) }),
      (error: unknown) => {
        this.#user = undefined;
        throw toGitLabForgeError(error, { action: "identify the token's account" }, this.#secrets);
      },
    );
    return this.#user;
  }

  /** Returns project `owner/repo`, creating it (in the token's user namespace, or in group `owner`) when missing. */
  async ensureRepository(options: EnsureRepositoryOptions): Promise<EnsureRepositoryResult> {
    const path = `${options.owner}/${options.repo}`;
    const existing = await this.#findProject(path);
    if (existing) return { created: false, ...this.#repositoryFields(existing) };
    const context: GitLabErrorContext = { action: `create project ${path}` };
    const namespaceId = await this.#namespaceFor(options.owner);
    try {
      const created = (await this.#projects.create({
        name: options.repo,
        path: options.repo,
        ...(namespaceId !== undefined ? { namespaceId } : {}),
        visibility: options.private ? "private" : "public",
        ...(options.description ? { description: options.description } : {}),
        ...(options.autoInit ? { initializeWithReadme: true } : {}),
      } as never)) as unknown as ProjectFields;
      return { created: true, ...this.#repositoryFields(created) };
    } catch (error) {
      // Created meanwhile (a concurrent run, or a retried POST that had succeeded): use it.
      if (gitlabStatus(error) === 400 && gitlabMessages(error).some((m) => /already been taken/i.test(m))) {
        const raced = await this.#findProject(path);
        if (raced) return { created: false, ...this.#repositoryFields(raced) };
        throw new ForgeError(`failed to ${context.action}: a project named ${path} exists but is not visible to this token; grant the token's user access to it`, 400, redactedError(error, this.#secrets));
      }
      throw toGitLabForgeError(error, context, this.#secrets);
    }
  }

  /** Updates the open merge request from `head`, or opens one; a 409 "already exists" race ends in an update too. */
  async upsertPullRequest(options: UpsertPullRequestOptions): Promise<UpsertPullRequestResult> {
    const { owner, repo, head, base, title } = options;
    const path = `${owner}/${repo}`;
    const body = clipBody(options.body, GITLAB_MAX_DESCRIPTION, "GitLab");
    const context: GitLabErrorContext = { action: `open a merge request from ${head} into ${base} in ${path}`, project: path };
    const project = await this.#findProject(path);
    if (!project) throw new ForgeError(`failed to ${context.action}: project ${path} not found or not visible to this token; check the path and that the token's user is a member`, 404);
    const open = await this.#findOpenMergeRequest(project.id, head, context);
    if (open) return this.#update(project.id, open.iid, { title, description: body, targetBranch: base }, context);
    try {
      const created = (await this.#mergeRequests.create(project.id, head, base, title, { description: body, removeSourceBranch: true })) as unknown as MergeRequestFields;
      return { number: created.iid, url: redact(created.web_url, this.#secrets), created: true };
    } catch (error) {
      if (gitlabStatus(error) === 409) {
        const raced = await this.#findOpenMergeRequest(project.id, head, context);
        if (raced) return this.#update(project.id, raced.iid, { title, description: body, targetBranch: base }, context);
      }
      throw toGitLabForgeError(error, context, this.#secrets);
    }
  }

  /** Adds a note to merge request `number` (its iid). */
  async comment(options: CommentOptions): Promise<CommentResult> {
    const path = `${options.owner}/${options.repo}`;
    try {
      const note = (await this.#notes.create(path, options.number, clipBody(options.body, GITLAB_MAX_NOTE, "GitLab"))) as unknown as { id: number };
      return { id: note.id };
    } catch (error) {
      throw toGitLabForgeError(error, { action: `comment on merge request !${options.number} in ${path}`, project: path }, this.#secrets);
    }
  }

  async #findProject(path: string): Promise<ProjectFields | undefined> {
    try {
      return (await this.#projects.show(path)) as unknown as ProjectFields;
    } catch (error) {
      if (gitlabStatus(error) === 404) return undefined;
      throw toGitLabForgeError(error, { action: `look up project ${path}`, project: path }, this.#secrets);
    }
  }

  /** `undefined` for the token's own namespace; a group's id; another user's namespace is an error. */
  async #namespaceFor(owner: string): Promise<number | undefined> {
    const me = await this.getAuthenticatedUser();
    if (me.login.toLowerCase() === owner.toLowerCase()) return undefined;
    let namespace: { id: number; kind: string };
    try {
      namespace = (await this.#namespaces.show(owner)) as unknown as { id: number; kind: string };
    } catch (error) {
      if (gitlabStatus(error) === 404) throw new ForgeError(`cannot create project ${owner}/…: no group or user ${owner} is visible to this token; check the group path`, 404, redactedError(error, this.#secrets));
      throw toGitLabForgeError(error, { action: `look up namespace ${owner}` }, this.#secrets);
    }
    if (namespace.kind === "group") return namespace.id;
    throw new ForgeError(
      `cannot create a project for ${owner}: it is another user's namespace and the token belongs to ${me.login}; create the project as ${owner}, or use a group you can create projects in`,
    );
  }

  async #findOpenMergeRequest(projectId: number, head: string, context: GitLabErrorContext): Promise<MergeRequestFields | undefined> {
    try {
      const list = (await this.#mergeRequests.all({ projectId, sourceBranch: head, state: "opened", perPage: 100, maxPages: 10 } as never)) as unknown as MergeRequestFields[];
      // Same project on both sides: a fork's merge request with a branch of the same name is not ours to update.
      return list.find((mr) => mr.source_branch === head && mr.source_project_id === projectId && mr.target_project_id === projectId);
    } catch (error) {
      throw toGitLabForgeError(error, context, this.#secrets);
    }
  }

  async #update(projectId: number, iid: number, changes: { title: string; description: string; targetBranch: string }, context: GitLabErrorContext): Promise<UpsertPullRequestResult> {
    try {
      const updated = (await this.#mergeRequests.edit(projectId, iid, changes)) as unknown as MergeRequestFields;
      return { number: updated.iid, url: redact(updated.web_url, this.#secrets), created: false };
    } catch (error) {
      throw toGitLabForgeError(error, { ...context, action: `update merge request !${iid} in ${context.project}` }, this.#secrets);
    }
  }

  #repositoryFields(project: ProjectFields): Omit<EnsureRepositoryResult, "created"> {
    return { cloneUrl: project.http_url_to_repo, htmlUrl: redact(project.web_url, this.#secrets), defaultBranch: project.default_branch ?? "" };
  }
}
