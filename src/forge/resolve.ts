// The one place that knows a forge's URL shapes and token variables: which API a user named, which host the token
// may go to, where a repository is pushed, and what an `origin` URL says about the repository it points at.
import { ForgeError, UsageError } from "../errors.js";
import { hasScheme, withoutCredentials } from "../git/remote-url.js";

export { hostOf } from "../git/remote-url.js";

/** The forges the tool can publish to. Adding one is an entry in {@link forges} and a client in forge/index.ts. */
export type ForgeKind = "github";

/** What the tool knows about a kind of forge. */
interface ForgeDescription {
  /** Shown in messages ("the GitHub host"). */
  label: string;
  /** API root when the user names none. */
  defaultApiUrl: string;
  /** Environment variables holding the token, in order of preference. */
  tokenVariables: readonly string[];
  /** The flag that names the API (messages point at it). */
  apiUrlFlag: string;
  /** The web origin (where repositories live and are pushed) of an API root. */
  webOrigin(api: URL): string;
}

export const forges: Record<ForgeKind, ForgeDescription> = {
  github: {
    label: "GitHub",
    defaultApiUrl: "https://api.github.com",
    tokenVariables: ["GITHUB_TOKEN", "GH_TOKEN"],
    apiUrlFlag: "--github-api-url",
    // api.github.com serves github.com; GitHub Enterprise Cloud with data residency serves <sub>.ghe.com from
    // api.<sub>.ghe.com; GitHub Enterprise Server serves its API under /api/v3 of the web host itself.
    webOrigin(api) {
      if (api.hostname === "api.github.com") return "https://github.com";
      const residency = /^api\.([a-z0-9-]+\.ghe\.com)$/i.exec(api.hostname);
      if (residency) return `${api.protocol}//${residency[1]}${api.port ? `:${api.port}` : ""}`;
      return api.origin;
    },
  },
};

/** A forge the user named: its API, and the one web origin the token may be sent to. */
export interface ForgeEndpoint {
  kind: ForgeKind;
  /** API root as given (without a trailing slash); never holds credentials. */
  apiUrl: string;
  /** `https://github.com`: scheme, host and port of the web host; pushes go here and nowhere else. */
  webOrigin: string;
  /** `github.com`, `127.0.0.1:8443`: the host as messages name it. */
  host: string;
}

/** A repository on a forge. */
export interface ForgeRepository {
  owner: string;
  repo: string;
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/**
 * Checks the API URL the user gave and works out the web host. Only https is accepted, plain http only on loopback
 * (a local test double): the token travels in every API request. A URL with credentials in it is refused without
 * being echoed.
 * @throws UsageError (exit 2) for a URL that is not one.
 */
export function resolveForge(kind: ForgeKind, apiUrl?: string): ForgeEndpoint {
  const description = forges[kind];
  const flag = description.apiUrlFlag;
  const raw = apiUrl ?? description.defaultApiUrl;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`${flag} must be a URL such as https://ghe.example.com/api/v3, got ${JSON.stringify(withoutCredentials(raw))}`);
  }
  if (url.username || url.password) {
    url.username = "";
    url.password = "";
    throw new UsageError(`${flag} must not hold credentials (${url.href} with a user and password in it); the token comes from ${description.tokenVariables.join(" or ")}`);
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && LOOPBACK.test(url.hostname))) {
    throw new UsageError(`${flag} must be an https:// URL (got ${url.protocol}//${url.host}): the token would travel in cleartext; plain http is accepted for localhost only`);
  }
  if (url.search || url.hash) throw new UsageError(`${flag} must be the API root without ?query or #fragment, such as https://ghe.example.com/api/v3`);
  const webOrigin = description.webOrigin(url);
  return { kind, apiUrl: url.href.replace(/\/+$/, ""), webOrigin, host: new URL(webOrigin).host };
}

/** `owner/repo` -> its two parts (a trailing `.git` dropped), or a usage error naming the flag. */
export function parseRepoSlug(slug: string, flag = "--github"): ForgeRepository {
  const match = /^([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))\/([A-Za-z0-9._-]{1,100})$/.exec(slug);
  const repo = match?.[2]?.replace(/\.git$/, "");
  if (!match || !repo || repo === "." || repo === "..") throw new UsageError(`${flag} must be owner/repo (e.g. ${flag} acme/prod-gpu), got ${JSON.stringify(slug)}`);
  return { owner: match[1]!, repo };
}

/**
 * Where the tool pushes `owner/repo`: computed from the forge the user named, never taken from an API answer or
 * from git configuration, so neither can send the token elsewhere.
 */
export function repositoryUrl(endpoint: ForgeEndpoint, repository: ForgeRepository): string {
  return `${endpoint.webOrigin}/${repository.owner}/${repository.repo}.git`;
}

/**
 * The token from the forge's environment variables (never a flag).
 * @throws ForgeError when none is set.
 */
export function forgeToken(kind: ForgeKind, env: NodeJS.ProcessEnv = process.env): string {
  const variables = forges[kind].tokenVariables;
  for (const name of variables) {
    const value = env[name];
    if (value) return value;
  }
  throw new ForgeError(`no ${forges[kind].label} token: set ${variables.join(" (or ")}${variables.length > 1 ? ")" : ""} to a token with the \`repo\` scope, then run again`);
}

/**
 * `owner/repo` of a git remote URL that points at the forge's web host: `https://host/owner/repo(.git)`, or ssh to the
 * same host name (`git@host:owner/repo.git`, `ssh://git@host/owner/repo.git`), whose pushes never carry the token.
 * @param what names the URL in messages, e.g. "origin (after url.*.insteadOf)".
 * @throws ForgeError (exit 1) naming the host when the URL points anywhere else, or over another scheme.
 */
export function repositoryFromRemote(endpoint: ForgeEndpoint, url: string, what: string, next?: string): ForgeRepository {
  const label = forges[endpoint.kind].label;
  const flag = forges[endpoint.kind].apiUrlFlag;
  const refuse = (why: string) =>
    new ForgeError(
      `${what} is ${withoutCredentials(url)}, ${why}; refusing to send the ${label} token there. ` +
        `${next ?? `Point origin at ${endpoint.webOrigin}/<owner>/<repo>.git (or pass the ${flag} of the forge it is on)`}, then re-run`,
    );
  const scp = /^(?:[^@/\s]+@)?([^:/\s]+):(?!\/)([^/\s]+)\/([^/\s]+?)(?:\.git)?\/?$/.exec(url);
  if (scp && !hasScheme(url)) {
    if (scp[1]!.toLowerCase() !== new URL(endpoint.webOrigin).hostname.toLowerCase()) throw refuse(`on host ${scp[1]}, not ${endpoint.host}`);
    return { owner: scp[2]!, repo: scp[3]! };
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw refuse("not a URL this tool understands");
  }
  if (!parsed.host) throw refuse(`a ${parsed.protocol.replace(":", "")} URL, not on ${endpoint.host}`);
  if (parsed.protocol === "ssh:") {
    if (parsed.hostname.toLowerCase() !== new URL(endpoint.webOrigin).hostname.toLowerCase()) throw refuse(`on host ${parsed.host}, not ${endpoint.host}`);
  } else if (parsed.origin !== endpoint.webOrigin) {
    throw refuse(parsed.host === endpoint.host ? `over ${parsed.protocol.replace(":", "")}, not ${new URL(endpoint.webOrigin).protocol.replace(":", "")}` : `on host ${parsed.host || parsed.protocol}, not ${endpoint.host}`);
  }
  const match = /^\/([^/]+)\/([^/]+?)(?:\.git)?\/?$/.exec(decodeURIComponent(parsed.pathname));
  if (!match) throw refuse(`not an owner/repo path on ${parsed.host}`);
  return { owner: match[1]!, repo: match[2]! };
}
