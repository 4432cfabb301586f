// The one place that knows a forge's URL shapes and token variables (through its definition, src/forge/kinds/):
// which API a user named, which host the token may go to, where a repository is pushed, and what an `origin` URL
// says about the repository it points at.
import { ForgeError, UsageError } from "../errors.js";
import { hasScheme, withoutCredentials } from "../git/remote-url.js";
import type { ForgeRepository } from "./definition.js";
import { forgeDefinition, forges, type ForgeKind } from "./registry.js";

export { hostOf } from "../git/remote-url.js";
export { forges, type ForgeKind } from "./registry.js";
export type { ForgeRepository } from "./definition.js";

/** A forge the user named: its API, and the one web origin the token may be sent to. */
export interface ForgeEndpoint {
  kind: ForgeKind;
  /** API root (without a trailing slash); never holds credentials. */
  apiUrl: string;
  /** `https://github.com`: scheme, host and port of the web host; pushes go here and nowhere else. */
  webOrigin: string;
  /** {@link webOrigin} and the path prefix repositories live under (a GitLab served under a relative URL), no trailing slash. */
  webBase: string;
  /** `github.com`, `127.0.0.1:8443`: the host as messages name it. */
  host: string;
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/** Whether a URL may carry a token: https, or plain http to this machine only (a local test double). */
export function isTokenSafeUrl(url: URL): boolean {
  return url.protocol === "https:" || (url.protocol === "http:" && LOOPBACK.test(url.hostname));
}

/**
 * Checks the API (or, for GitLab, instance) URL the user gave and works out the web host. Only https is accepted,
 * plain http only on loopback: the token travels in every API request. A URL with credentials in it is refused
 * without being echoed.
 * @throws UsageError (exit 2) for a URL that is not one.
 */
export function resolveForge(kind: ForgeKind, apiUrl?: string): ForgeEndpoint {
  const definition = forgeDefinition(kind);
  const flag = definition.apiUrlFlag;
  const raw = apiUrl ?? definition.defaultApiUrl;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`${flag} must be a URL such as ${definition.apiUrlExample}, got ${JSON.stringify(withoutCredentials(raw))}`);
  }
  if (url.username || url.password) {
    url.username = "";
    url.password = "";
    throw new UsageError(`${flag} must not hold credentials (${url.href} with a user and password in it); the token comes from ${definition.tokenVariables.join(" or ")}`);
  }
  if (!isTokenSafeUrl(url)) {
    throw new UsageError(`${flag} must be an https:// URL (got ${url.protocol}//${url.host}): the token would travel in cleartext; plain http is accepted for localhost only`);
  }
  if (url.search || url.hash) throw new UsageError(`${flag} must be ${kind === "github" ? "the API root" : "the instance's URL"} without ?query or #fragment, such as ${definition.apiUrlExample}`);
  const api = definition.apiRoot(url);
  const webBase = definition.webBase(api);
  const webOrigin = new URL(webBase).origin;
  return { kind, apiUrl: api.href.replace(/\/+$/, ""), webOrigin, webBase, host: new URL(webOrigin).host };
}

/** `owner/repo` (GitLab: `group/subgroup/project`) -> its parts (a trailing `.git` dropped), or a usage error naming the flag. */
export function parseRepoSlug(slug: string, kind: ForgeKind = "github", flag: string = forges[kind].repoFlag): ForgeRepository {
  const parsed = forgeDefinition(kind).parseSlug(slug);
  if (!parsed) {
    const example = kind === "gitlab" ? "acme/platform/prod-gpu" : "acme/prod-gpu";
    throw new UsageError(`${flag} must be ${kind === "gitlab" ? "group/project (subgroups allowed)" : "owner/repo"} (e.g. ${flag} ${example}), got ${JSON.stringify(slug)}`);
  }
  return parsed;
}

/**
 * Where the tool pushes `owner/repo`: computed from the forge the user named, never taken from an API answer or
 * from git configuration, so neither can send the token elsewhere.
 */
export function repositoryUrl(endpoint: ForgeEndpoint, repository: ForgeRepository): string {
  return `${endpoint.webBase}/${repository.owner}/${repository.repo}.git`;
}

/**
 * The token from the forge's environment variables (never a flag).
 * @throws ForgeError when none is set.
 */
export function forgeToken(kind: ForgeKind, env: NodeJS.ProcessEnv = process.env): string {
  const definition = forgeDefinition(kind);
  const variables = definition.tokenVariables;
  for (const name of variables) {
    const value = env[name];
    if (value) return value;
  }
  throw new ForgeError(`no ${definition.label} token: set ${variables.join(" (or ")}${variables.length > 1 ? ")" : ""} to ${definition.tokenNeeds}, then run again`);
}

/**
 * `owner/repo` of a git remote URL that points at the forge's web host: `https://host[/prefix]/owner/repo(.git)`, or
 * ssh to the same host name (`git@host:owner/repo.git`, `ssh://git@host/owner/repo.git`), whose pushes never carry
 * the token.
 * @param what names the URL in messages, e.g. "origin (after url.*.insteadOf)".
 * @throws ForgeError (exit 1) naming the host when the URL points anywhere else, or over another scheme.
 */
export function repositoryFromRemote(endpoint: ForgeEndpoint, url: string, what: string, next?: string): ForgeRepository {
  const definition = forgeDefinition(endpoint.kind);
  const refuse = (why: string) =>
    new ForgeError(
      `${what} is ${withoutCredentials(url)}, ${why}; refusing to send the ${definition.label} token there. ` +
        `${next ?? `Point origin at ${endpoint.webBase}/<owner>/<repo>.git (or pass the ${definition.apiUrlFlag} of the forge it is on)`}, then re-run`,
    );
  const hostname = new URL(endpoint.webOrigin).hostname.toLowerCase();
  const slugOf = (path: string, where: string) => {
    const parsed = definition.parseSlug(path.replace(/^\/+/, "").replace(/\/+$/, ""));
    if (!parsed) throw refuse(`not a repository path on ${where}`);
    return parsed;
  };
  const scp = /^(?:[^@/\s]+@)?([^:/\s]+):(?!\/)(\S+?)\/?$/.exec(url);
  if (scp && !hasScheme(url)) {
    if (scp[1]!.toLowerCase() !== hostname) throw refuse(`on host ${scp[1]}, not ${endpoint.host}`);
    return slugOf(scp[2]!, scp[1]!);
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw refuse("not a URL this tool understands");
  }
  if (!parsed.host) throw refuse(`a ${parsed.protocol.replace(":", "")} URL, not on ${endpoint.host}`);
  const path = decodeURIComponent(parsed.pathname);
  if (parsed.protocol === "ssh:") {
    if (parsed.hostname.toLowerCase() !== hostname) throw refuse(`on host ${parsed.host}, not ${endpoint.host}`);
    return slugOf(path, parsed.host);
  }
  if (parsed.origin !== endpoint.webOrigin) {
    throw refuse(parsed.host === endpoint.host ? `over ${parsed.protocol.replace(":", "")}, not ${new URL(endpoint.webOrigin).protocol.replace(":", "")}` : `on host ${parsed.host || parsed.protocol}, not ${endpoint.host}`);
  }
  const prefix = new URL(endpoint.webBase).pathname.replace(/\/+$/, "");
  if (prefix && !path.startsWith(`${prefix}/`)) throw refuse(`not under ${endpoint.webBase}`);
  return slugOf(path.slice(prefix.length), parsed.host);
}
