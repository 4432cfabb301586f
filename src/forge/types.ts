/** A hosted git service (GitHub today) as seen by the pipeline: a repository to push to and a PR to open. */
export interface Forge {
  /** Finds `owner/repo`, or creates it under the user or organization `owner`. */
  ensureRepository(options: EnsureRepositoryOptions): Promise<EnsureRepositoryResult>;
  /** Finds the open PR whose head is `head` and updates it, or opens one: a re-run never duplicates a PR. */
  upsertPullRequest(options: UpsertPullRequestOptions): Promise<UpsertPullRequestResult>;
  /** The account the token belongs to. */
  getAuthenticatedUser(): Promise<ForgeUser>;
}

/** Options for {@link Forge.ensureRepository}. */
export interface EnsureRepositoryOptions {
  /** A user login or an organization. */
  owner: string;
  repo: string;
  /** Visibility when the repository is created; an existing repository is not changed. */
  private: boolean;
  description?: string;
  /**
   * When the repository is created: let GitHub make the first commit on the default branch (a README), as the
   * "Initialize this repository with a README" box does. A pull request needs that base branch.
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
  /** Branch the PR merges into. */
  base: string;
  title: string;
  body: string;
}

/** Result of {@link Forge.upsertPullRequest}. */
export interface UpsertPullRequestResult {
  number: number;
  url: string;
  /** `false` when an open PR was found and updated. */
  created: boolean;
}

/** The authenticated account. */
export interface ForgeUser {
  login: string;
}
