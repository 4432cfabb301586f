import { ForgeError } from "../errors.js";
import { redact, redactedError } from "../redact.js";
import { GitLabRequestError } from "./gitlab-requester.js";
import { GITLAB_TOKEN_HELP } from "./kinds/gitlab.js";

/** What was being done when GitLab answered with an error, to name it in the message. */
export interface GitLabErrorContext {
  /** e.g. "create project acme/fleet" */
  action: string;
  /** `group/project`, when the request was about one. */
  project?: string;
}


/**
 * GitLab's error text: `message` (a string, or a map of field -> messages on validation errors) or `error` /
 * `error_description` (OAuth-style, e.g. insufficient_scope), flattened to one line.
 */
export function gitlabMessages(error: unknown): string[] {
  if (!(error instanceof GitLabRequestError)) return [];
  const body = error.body;
  if (typeof body === "string") return [body.slice(0, 500)];
  if (!body || typeof body !== "object") return [];
  const { message, error: code, error_description: description } = body as { message?: unknown; error?: unknown; error_description?: unknown };
  const out: string[] = [];
  if (typeof message === "string") out.push(message);
  else if (Array.isArray(message)) out.push(...message.map(String));
  else if (message && typeof message === "object") {
    for (const [field, value] of Object.entries(message)) out.push(`${field} ${Array.isArray(value) ? value.join(", ") : String(value)}`);
  }
  if (typeof description === "string") out.push(description);
  else if (typeof code === "string") out.push(code);
  return out;
}

/** The HTTP status of a GitLab answer, if the error is one. */
export function gitlabStatus(error: unknown): number | undefined {
  return error instanceof GitLabRequestError ? error.status : undefined;
}

/**
 * Maps a failed GitLab request to a {@link ForgeError} whose message says what to do next. Server text is quoted
 * with the token's forms redacted, and the cause kept is a redacted copy (it holds no request or response).
 */
export function toGitLabForgeError(error: unknown, context: GitLabErrorContext, secrets: readonly string[]): ForgeError {
  if (error instanceof ForgeError) return error;
  const cause = redactedError(error, secrets);
  if (!(error instanceof GitLabRequestError)) {
    const detail = redact(error instanceof Error ? error.message : String(error), secrets);
    return new ForgeError(`failed to ${context.action}: cannot reach GitLab (${detail}); check the network or --gitlab-url and re-run`, undefined, cause);
  }
  const said = redact(gitlabMessages(error).join("; ") || `HTTP ${error.status}`, secrets);
  switch (error.status) {
    case 401:
      return new ForgeError(`failed to ${context.action}: GITLAB_TOKEN is missing, invalid or expired: ${GITLAB_TOKEN_HELP}`, 401, cause);
    case 403:
      return new ForgeError(
        /insufficient_scope|scope/i.test(said)
          ? `failed to ${context.action}: the token lacks a scope GitLab requires here (${said}); ${GITLAB_TOKEN_HELP}`
          : `failed to ${context.action}: GitLab refused it (403: ${said}); check that the token's user has the role this needs (Developer to push and open merge requests, Maintainer to create a project in a group)`,
        403,
        cause,
      );
    case 404:
      return new ForgeError(
        context.project
          ? `failed to ${context.action}: project ${context.project} not found or not visible to this token; check the path and that the token's user is a member`
          : `failed to ${context.action}: not found (${said}); check the group path and that the token can see it`,
        404,
        cause,
      );
    case 400:
    case 409:
    case 422:
      return new ForgeError(`GitLab rejected the request to ${context.action}: ${said}`, error.status, cause);
    case 429:
      return new ForgeError(`failed to ${context.action}: GitLab API rate limit exceeded; wait and re-run`, 429, cause);
    default:
      return new ForgeError(`failed to ${context.action}: GitLab answered ${error.status}: ${said}; re-run later`, error.status, cause);
  }
}
