import type { Forge } from "./types.js";

/** A repository on a forge: `owner` is a user or an organization, on GitLab a group path (`acme/platform`). */
export interface ForgeRepository {
  owner: string;
  repo: string;
}

/** What connecting to a forge's API takes. */
export interface ForgeConnectOptions {
  /** The API root, as {@link ForgeDefinition.apiRoot} made it; never holds credentials. */
  apiUrl: string;
  token: string;
  /** Milliseconds one API request (answer included) may take. */
  timeoutMs?: number;
  /** Where test-only settings (backoff units) are read. @default process.env */
  env?: NodeJS.ProcessEnv;
}

/**
 * Everything the tool knows about one kind of forge: its URL shapes, where its token comes from, how git
 * authenticates to it, and its API client. One file per forge in src/forge/kinds/, registered in
 * src/forge/registry.ts; the resolver, publishing and the CLI read only this.
 */
export interface ForgeDefinition {
  /** The `forge` parameter's value, e.g. "gitlab". */
  kind: string;
  /** Shown in messages ("the GitLab host"). */
  label: string;
  /** What the forge calls a change request, e.g. "merge request". */
  changeRequest: string;
  /** How a change request is referred to in text, e.g. `!12`. */
  changeRequestRef(number: number): string;
  /** The CLI flag that names the repository to create (`--gitlab`). */
  repoFlag: string;
  /** The CLI flag that names the API or the instance (`--gitlab-url`). */
  apiUrlFlag: string;
  /** An example value of {@link apiUrlFlag}, for messages. */
  apiUrlExample: string;
  /** What {@link apiUrlFlag} defaults to. */
  defaultApiUrl: string;
  /** Environment variables holding the token, in order of preference. */
  tokenVariables: readonly string[];
  /** Which token to create, ending with where to put it (messages end with it). */
  tokenHelp: string;
  /** The token a command needs, in a few words: "a token with the `repo` scope". */
  tokenNeeds: string;
  /** The user name git sends with the token (HTTP Basic auth). */
  gitUsername: string;
  /** Where the render keeps the scripts its CI runs (`.gitlab/scripts`). */
  ciScriptsDir: string;
  /** The longest change request description or comment the forge accepts, in characters. */
  maxBodyLength: number;
  /** The API root for what the user gave in {@link apiUrlFlag} (GitLab takes the instance's URL and adds /api/v4). */
  apiRoot(given: URL): URL;
  /** Where repositories live and are pushed, for an API root: scheme, host, port and any path prefix, no trailing slash. */
  webBase(api: URL): string;
  /** `owner/repo` (GitLab: `group/subgroup/project`) parsed, or undefined when `slug` is not one. */
  parseSlug(slug: string): ForgeRepository | undefined;
  /** Whether a repository on `hostname` is on this forge when nothing else says so (github.com, gitlab.com...). */
  recognizes(hostname: string): boolean;
  /** The API client. */
  connect(options: ForgeConnectOptions): Forge;
}

/** Reads a whole-number backoff unit (milliseconds) from a test-only variable; anything else is ignored. */
export function retryBaseFrom(env: NodeJS.ProcessEnv | undefined, variable: string): number | undefined {
  const raw = (env ?? process.env)[variable];
  return raw !== undefined && /^\d{1,6}$/.test(raw) ? Number(raw) : undefined;
}

/**
 * A {@link Forge} whose client module is imported on first use: definitions stay light (the parameter parser and
 * help read them), and Octokit or gitbeaker load only when a command talks to a forge.
 */
export function lazyForge(load: () => Promise<Forge>): Forge {
  let client: Promise<Forge> | undefined;
  const get = () => (client ??= load());
  return {
    ensureRepository: async (options) => (await get()).ensureRepository(options),
    upsertPullRequest: async (options) => (await get()).upsertPullRequest(options),
    comment: async (options) => (await get()).comment(options),
    getAuthenticatedUser: async () => (await get()).getAuthenticatedUser(),
  };
}
