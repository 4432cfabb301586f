// The transport under @gitbeaker/core, in place of @gitbeaker/rest's: that one calls the global fetch, follows
// redirects (and GitLab's PRIVATE-TOKEN header, unlike Authorization, is not dropped by fetch on a redirect to
// another host) and retries 429/502 ten times with no bound on the wait. This one goes through guardedFetch (a
// deadline per request, redirects followed on the same origin only) and retries a little, then gives up.
import { createRequesterFn } from "@gitbeaker/requester-utils";
import { ForgeError } from "../errors.js";

/** A non-2xx answer from the GitLab API: its status, headers and body (JSON when the server said so). */
export class GitLabRequestError extends Error {
  override name = "GitLabRequestError";
  constructor(
    readonly status: number,
    readonly headers: Record<string, string>,
    readonly body: unknown,
    readonly method: string,
    readonly path: string,
  ) {
    super(`${method} ${path} answered ${status}`);
  }
}

export interface GitLabRequesterOptions {
  fetch: typeof fetch;
  /** How many times a request is retried after a 429 or a 502/503/504. @default 2 */
  retries?: number;
  /** Milliseconds per unit of backoff: retry n waits n² × this, or `Retry-After` × this after a 429. @default 1000 */
  retryAfterBaseValue?: number;
  /** Longest `Retry-After` (seconds) worth waiting for; beyond it the request fails. @default 60 */
  maxRetryAfterSeconds?: number;
}

const RETRIED = new Set([429, 502, 503, 504]);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function parseBody(response: Response): Promise<unknown> {
  if (response.status === 204) return null;
  const type = (response.headers.get("content-type") ?? "").split(";")[0]!.trim();
  const text = await response.text();
  if (type === "application/json") {
    try {
      return text === "" ? {} : JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

/** A requesterFn for @gitbeaker/core resources, sending every request through `options.fetch`. */
export function gitlabRequester(options: GitLabRequesterOptions) {
  const retries = options.retries ?? 2;
  const base = options.retryAfterBaseValue ?? 1000;
  const maxWait = options.maxRetryAfterSeconds ?? 60;
  return createRequesterFn(
    async (_service, requestOptions) => requestOptions,
    async (endpoint, raw) => {
      const request = (raw ?? {}) as { method?: string; headers?: Record<string, string>; body?: string; searchParams?: string; prefixUrl?: string };
      const method = request.method ?? "GET";
      const url = new URL(endpoint, request.prefixUrl?.endsWith("/") ? request.prefixUrl : `${request.prefixUrl ?? ""}/`);
      if (request.searchParams) url.search = request.searchParams;
      for (let attempt = 0; ; attempt++) {
        const response = await options.fetch(url, { method, headers: request.headers ?? {}, ...(request.body !== undefined ? { body: request.body } : {}) });
        const headers: Record<string, string> = {};
        response.headers.forEach((value, name) => (headers[name] = value));
        const body = await parseBody(response);
        if (response.ok) return { body: body as never, headers, status: response.status };
        if (RETRIED.has(response.status) && attempt < retries) {
          const after = Number(headers["retry-after"]);
          if (response.status === 429 && Number.isFinite(after) && after > maxWait) {
            throw new ForgeError(`the GitLab API at ${url.host} asked to wait ${after} s (rate limit); wait and re-run`, 429);
          }
          await sleep(response.status === 429 && Number.isFinite(after) && after > 0 ? after * base : (attempt + 1) ** 2 * base);
          continue;
        }
        throw new GitLabRequestError(response.status, headers, body, method, url.pathname);
      }
    },
  );
}
