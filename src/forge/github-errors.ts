import { ForgeError } from "../errors.js";
import { redact, redactedError } from "../redact.js";

/** What was being done when GitHub answered with an error, to name it in the message. */
export interface ErrorContext {
  /** e.g. "create repository acme/fleet" */
  action: string;
  owner?: string;
  repo?: string;
}

interface RequestErrorLike {
  status: number;
  message: string;
  response?: { headers?: Record<string, string | number | undefined>; data?: unknown };
}

const TOKEN_HELP =
  "create a token with the `repo` scope (classic) or with Contents, Pull requests and Administration read/write " +
  "(fine-grained) and export it as GITHUB_TOKEN or GH_TOKEN";

/**
 * Maps an Octokit failure to a {@link ForgeError} whose message says what to do next. What the server said is
 * quoted with credentials redacted (`secrets`: the token's forms), and the cause kept is a redacted copy: a server
 * or proxy may echo the request's Authorization header in its error body.
 */
export function toForgeError(error: unknown, context: ErrorContext, secrets: readonly string[] = []): ForgeError {
  if (error instanceof ForgeError) return error;
  const cause = redactedError(error, secrets);
  if (!isRequestError(error) || (error.status === 500 && !error.response)) {
    const detail = redact(error instanceof Error ? error.message : String(error), secrets);
    return new ForgeError(`failed to ${context.action}: cannot reach GitHub (${detail}); check the network or --api-url and re-run`, undefined, cause);
  }
  const { status } = error;
  const headers = error.response?.headers ?? {};
  const body = (error.response?.data ?? {}) as { message?: string; errors?: unknown[]; documentation_url?: string };
  const ghMessage = redact(typeof body.message === "string" ? body.message : error.message, secrets);
  const slug = context.owner && context.repo ? `${context.owner}/${context.repo}` : undefined;

  switch (status) {
    case 401:
      return new ForgeError(`failed to ${context.action}: GITHUB_TOKEN is missing, invalid or expired: ${TOKEN_HELP}`, status, cause);
    case 403:
    case 429:
      return new ForgeError(redact(forbiddenMessage(context, headers, ghMessage, status), secrets), status, cause);
    case 404:
      return new ForgeError(
        slug
          ? `failed to ${context.action}: repository ${slug} not found or not visible to this token; check the name and that the token has access to it`
          : `failed to ${context.action}: not found (${ghMessage}); check the owner name and that the token can see it`,
        status,
        cause,
      );
    case 422:
      return new ForgeError(`GitHub rejected the request to ${context.action}: ${redact(validationDetails(ghMessage, body.errors), secrets)}`, status, cause);
    default:
      return new ForgeError(`failed to ${context.action}: GitHub answered ${status}: ${ghMessage}; re-run later`, status, cause);
  }
}

/** The HTTP status of an Octokit error, if it is one. */
export function statusOf(error: unknown): number | undefined {
  return isRequestError(error) ? error.status : undefined;
}

/** The human-readable messages in a 422 body (`message` plus each `errors[].message`/`code`). */
export function validationMessages(error: unknown): string[] {
  if (!isRequestError(error)) return [];
  const body = (error.response?.data ?? {}) as { message?: string; errors?: unknown[] };
  return [body.message ?? "", ...(body.errors ?? []).map(describeValidationError)];
}

function forbiddenMessage(context: ErrorContext, headers: Record<string, string | number | undefined>, ghMessage: string, status: number): string {
  if (String(headers["x-ratelimit-remaining"]) === "0" || /rate limit/i.test(ghMessage) || status === 429) {
    const reset = Number(headers["x-ratelimit-reset"]);
    const when = Number.isFinite(reset) && reset > 0 ? ` (resets at ${new Date(reset * 1000).toISOString()})` : "";
    return `failed to ${context.action}: GitHub API rate limit exceeded${when}; wait and re-run, or use a token with a higher limit`;
  }
  const accepted = scopes(headers["x-accepted-oauth-scopes"]);
  const granted = scopes(headers["x-oauth-scopes"]);
  const missing = accepted.filter((scope) => !granted.includes(scope));
  if (accepted.length > 0 && missing.length > 0) {
    const needed = missing.map((s) => `\`${s}\``).join(" or ");
    return (
      `failed to ${context.action}: the token lacks the ${needed} scope (it has: ${granted.join(", ") || "none"}); ` +
      `create a token with the ${needed} scope and export it as GITHUB_TOKEN or GH_TOKEN`
    );
  }
  // Fine-grained tokens and GitHub Apps are told which permission the endpoint needs in this header.
  const permissions = headers["x-accepted-github-permissions"];
  if (permissions) {
    return (
      `failed to ${context.action}: the token lacks a permission GitHub requires here (${String(permissions)}); ` +
      `grant it to the token (or use a classic token with the \`repo\` scope) and re-run`
    );
  }
  return `failed to ${context.action}: GitHub refused it (403: ${ghMessage}); check that the token has write access to the repository or organization`;
}

function scopes(value: string | number | undefined): string[] {
  return String(value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

function validationDetails(message: string, errors: unknown[] | undefined): string {
  const details = (errors ?? []).map(describeValidationError).filter(Boolean);
  return details.length > 0 ? `${message}: ${details.join("; ")}` : message;
}

function describeValidationError(item: unknown): string {
  if (typeof item === "string") return item;
  const e = (item ?? {}) as { message?: string; code?: string; field?: string; resource?: string };
  if (e.message) return e.message;
  return [e.resource, e.field, e.code].filter(Boolean).join(" ");
}

function isRequestError(error: unknown): error is RequestErrorLike {
  return typeof error === "object" && error !== null && typeof (error as RequestErrorLike).status === "number" && "message" in error;
}
