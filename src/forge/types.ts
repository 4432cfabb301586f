/**
 * A hosted git service as the pipeline sees it: a repository (a GitLab project) to create and push to, and a change
 * request (a GitHub pull request, a GitLab merge request) to open or update and comment on. Each forge implements
 * it in its own file of src/forge/ (see src/forge/registry.ts); publish.ts and `update --pr` are written against it.
 */
export interface Forge {
  /** Finds `owner/repo`, or creates it under the user or organization (GitLab: group) `owner`. */
  ensureRepository(options: EnsureRepositoryOptions): Promise<EnsureRepositoryResult>;
  /**
   * Finds the open change request whose head (source branch, in the same repository) is `head` and updates it, or
   * opens one: a re-run never duplicates it.
   */
  upsertPullRequest(options: UpsertPullRequestOptions): Promise<UpsertPullRequestResult>;
  /** Adds a comment (GitLab: a note) to change request `number`. */
  comment(options: CommentOptions): Promise<CommentResult>;
  /** The account the token belongs to. */
  getAuthenticatedUser(): Promise<ForgeUser>;
}

/** Options for {@link Forge.ensureRepository}. */
export interface EnsureRepositoryOptions {
  /** A user login or an organization; on GitLab a user or a group path, subgroups included (`acme/platform`). */
  owner: string;
  repo: string;
  /** Visibility when the repository is created; an existing repository is not changed. */
  private: boolean;
  description?: string;
  /**
   * When the repository is created: let the forge make the first commit on the default branch (a README), as the
   * "Initialize this repository with a README" box does. A change request needs that base branch.
   * @default false
   */
  autoInit?: boolean;
}

/** Result of {@link Forge.ensureRepository}. */
export interface EnsureRepositoryResult {
  /** `false` when the repository already existed. */
  created: boolean;
  /** https clone URL, without credentials. */
  cloneUrl: string;
  htmlUrl: string;
  defaultBranch: string;
}

/** Options for {@link Forge.upsertPullRequest}. */
export interface UpsertPullRequestOptions {
  owner: string;
  repo: string;
  /** Branch with the changes, in `owner/repo` (cross-fork heads are not supported). */
  head: string;
  /** Branch the change request merges into. */
  base: string;
  title: string;
  /** Markdown; a forge cuts what exceeds its limit, saying so at the end. */
  body: string;
}

/** Result of {@link Forge.upsertPullRequest}. */
export interface UpsertPullRequestResult {
  /** The number shown to users: GitHub's `#n`, GitLab's `!n` (the merge request's iid). */
  number: number;
  url: string;
  /** `false` when an open change request was found and updated. */
  created: boolean;
}

/** Options for {@link Forge.comment}. */
export interface CommentOptions {
  owner: string;
  repo: string;
  /** The change request's number, as {@link UpsertPullRequestResult.number}. */
  number: number;
  /** Markdown; a forge cuts what exceeds its limit, saying so at the end. */
  body: string;
}

/** Result of {@link Forge.comment}. */
export interface CommentResult {
  id: number;
}

/** The authenticated account. */
export interface ForgeUser {
  login: string;
}
