import { GitHubForge } from "./github.js";
import type { Forge } from "./types.js";

export type * from "./types.js";
export { GitHubForge, type GitHubForgeOptions } from "./github.js";

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
}

/** Builds the {@link Forge} for a config. */
export function createForge(config: ForgeConfig): Forge {
  switch (config.kind) {
    case "github":
      return new GitHubForge({ token: config.token, ...(config.apiUrl ? { baseUrl: config.apiUrl } : {}) });
  }
}
