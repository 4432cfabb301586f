import { forgeDefinition, type ForgeKind } from "./registry.js";
import type { ForgeEndpoint } from "./resolve.js";
import type { Forge } from "./types.js";

export type * from "./types.js";
export type { ForgeDefinition, ForgeRepository } from "./definition.js";
export { GitHubForge, type GitHubForgeOptions } from "./github.js";
export { GitLabForge, type GitLabForgeOptions } from "./gitlab.js";
export { forgeDefinition, forgeKinds, forges, isForgeKind, type ForgeKind } from "./registry.js";
export { forgeToken, isTokenSafeUrl, parseRepoSlug, repositoryFromRemote, repositoryUrl, resolveForge, type ForgeEndpoint } from "./resolve.js";

/** How to reach a forge. */
export interface ForgeConfig {
  kind: ForgeKind;
  /** API token (GITHUB_TOKEN or GH_TOKEN, GITLAB_TOKEN). */
  token: string;
  /** REST API root; the forge's public API when absent. */
  apiUrl?: string;
  /** Milliseconds one API request may take. @default 60000 */
  timeoutMs?: number;
  /** Where the test-only backoff variables (CCR_GITHUB_RETRY_AFTER_MS, CCR_GITLAB_RETRY_AFTER_MS) are read. @default process.env */
  env?: NodeJS.ProcessEnv;
}

/** Builds the {@link Forge} for a config. */
export function createForge(config: ForgeConfig): Forge {
  const definition = forgeDefinition(config.kind);
  const apiUrl = config.apiUrl ?? definition.apiRoot(new URL(definition.defaultApiUrl)).href.replace(/\/+$/, "");
  return definition.connect({ apiUrl, token: config.token, ...(config.timeoutMs !== undefined ? { timeoutMs: config.timeoutMs } : {}), ...(config.env ? { env: config.env } : {}) });
}

/** The client for a resolved endpoint (see resolveForge). */
export function forgeFor(endpoint: ForgeEndpoint, token: string, timeoutMs?: number, env?: NodeJS.ProcessEnv): Forge {
  return createForge({ kind: endpoint.kind, token, apiUrl: endpoint.apiUrl, ...(timeoutMs !== undefined ? { timeoutMs } : {}), ...(env ? { env } : {}) });
}
