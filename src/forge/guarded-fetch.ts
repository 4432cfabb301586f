import { ForgeError } from "../errors.js";
import { NETWORK_TIMEOUT_HINT } from "../network.js";

/**
 * A refusal or timeout decided below Octokit. Named "AbortError" because @octokit/request passes such an error
 * through as it is and @octokit/plugin-retry does not retry it: a redirect to another host is never followed on a
 * second try, and a server that does not answer is not waited for three times.
 */
export class ForgeTransportError extends ForgeError {
  override name = "AbortError";
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

/**
 * `fetch` for a forge's API client: every request (headers and body) must complete within `timeoutMs`, and a
 * redirect is followed only on the same origin (scheme, host, port). fetch would carry the token's header to
 * wherever a redirect points, and an API answer from another host could name where to push.
 */
export function guardedFetch(options: { timeoutMs: number; label: string; apiUrlFlag?: string }): typeof fetch {
  const { timeoutMs, label } = options;
  const flag = options.apiUrlFlag ?? "--github-api-url";
  return async (input, init = {}) => {
    let url = new URL(input instanceof Request ? input.url : String(input));
    const first = url;
    let method = init.method ?? "GET";
    let body = init.body;
    const timer = AbortSignal.timeout(timeoutMs);
    const signal = init.signal ? AbortSignal.any([init.signal, timer]) : timer;
    for (let hop = 0; ; hop++) {
      let response: Response;
      try {
        response = await fetch(url, { ...init, method, body, redirect: "manual", signal });
        if (!REDIRECTS.has(response.status)) {
          // Read the whole body here, under the same deadline: a server that sends headers and then stalls is a timeout too.
          const bytes = await response.arrayBuffer();
          const empty = [101, 204, 205, 304].includes(response.status);
          return new Response(empty ? null : bytes, { status: response.status, statusText: response.statusText, headers: response.headers });
        }
      } catch (error) {
        if (timer.aborted) {
          throw new ForgeTransportError(`the ${label} API at ${url.host} did not answer within ${timeoutMs / 1000} s (network timeout); check the network, or ${NETWORK_TIMEOUT_HINT}, then re-run`, undefined, error);
        }
        throw error;
      }
      await response.body?.cancel().catch(() => undefined);
      const location = response.headers.get("location");
      const next = location ? new URL(location, url) : undefined;
      if (!next || next.origin !== first.origin) {
        throw new ForgeTransportError(
          `the ${label} API at ${first.host} redirected ${method} ${url.pathname} to ${next ? next.host : "nowhere"} (HTTP ${response.status}); ` +
            `the token is sent only to ${first.host}, so the request was stopped. Check the API URL (${flag}), then re-run`,
          response.status,
        );
      }
      if (hop >= MAX_REDIRECTS) throw new ForgeTransportError(`the ${label} API at ${first.host} redirected more than ${MAX_REDIRECTS} times; check the API URL (${flag}), then re-run`, response.status);
      // As fetch does: 303, and 301/302 after a POST, continue as a GET without a body.
      if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === "POST")) {
        method = "GET";
        body = undefined;
      }
      url = next;
    }
  };
}
