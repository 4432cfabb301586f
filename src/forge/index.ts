import { GitHubForge } from "./github.js";
import type { ForgeEndpoint } from "./resolve.js";
import type { Forge } from "./types.js";

export type * from "./types.js";
export { GitHubForge, type GitHubForgeOptions } from "./github.js";
export { forgeToken, forges, parseRepoSlug, repositoryFromRemote, repositoryUrl, resolveForge, type ForgeEndpoint, type ForgeKind, type ForgeRepository } from "./resolve.js";

/** How to reach a forge; only GitHub (github.com or Enterprise Server) exists today. */
export interface ForgeConfig {
  kind: "github";
  /** API token (GITHUB_TOKEN or GH_TOKEN). */
  token: string;
  /**
   * REST API root.
   * @default "https://api.github.com"
   */
  apiUrl?: string;
  /** Milliseconds one API request may take. @default 60000 */
  timeoutMs?: number;
  /** Where CCR_GITHUB_RETRY_AFTER_MS is read. @default process.env */
  env?: NodeJS.ProcessEnv;
}

/**
 * `CCR_GITHUB_RETRY_AFTER_MS`, for tests only: the backoff unit in milliseconds (retry n after a 5xx waits
 * n² × this; the default is 1000, so 1 s then 4 s). It lets a CLI test show a persistent 5xx being retried to
 * the end without waiting seconds. Honoured only when set to a whole number; anything else is ignored.
 */
export function retryBaseFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env.CCR_GITHUB_RETRY_AFTER_MS;
  return raw !== undefined && /^\d{1,6}$/.test(raw) ? Number(raw) : undefined;
}

/** Builds the {@link Forge} for a config. */
export function createForge(config: ForgeConfig): Forge {
  switch (config.kind) {
    case "github": {
      const retryAfterBaseValue = retryBaseFromEnv(config.env);
      return new GitHubForge({
        token: config.token,
        ...(config.apiUrl ? { baseUrl: config.apiUrl } : {}),
        ...(retryAfterBaseValue !== undefined ? { retryAfterBaseValue } : {}),
        ...(config.timeoutMs !== undefined ? { timeoutMs: config.timeoutMs } : {}),
      });
    }
  }
}

/** The client for a resolved endpoint (see resolveForge). */
export function forgeFor(endpoint: ForgeEndpoint, token: string, timeoutMs?: number, env?: NodeJS.ProcessEnv): Forge {
  return createForge({ kind: endpoint.kind, token, apiUrl: endpoint.apiUrl, ...(timeoutMs !== undefined ? { timeoutMs } : {}), ...(env ? { env } : {}) });
}
