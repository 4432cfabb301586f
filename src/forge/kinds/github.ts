import { ForgeError } from "../../errors.js";
import { lazyForge, retryBaseFrom, type ForgeDefinition } from "../definition.js";

/** GitHub (github.com, GitHub Enterprise Cloud with data residency, GitHub Enterprise Server). */
export const github = {
  kind: "github",
  label: "GitHub",
  changeRequest: "pull request",
  changeRequestRef: (number) => `#${number}`,
  repoFlag: "--github",
  apiUrlFlag: "--github-api-url",
  apiUrlExample: "https://ghe.example.com/api/v3",
  defaultApiUrl: "https://api.github.com",
  tokenVariables: ["GITHUB_TOKEN", "GH_TOKEN"],
  tokenHelp:
    "create a token with the `repo` scope (classic) or with Contents, Pull requests and Administration read/write (fine-grained) and export it as GITHUB_TOKEN or GH_TOKEN",
  tokenNeeds: "a token with the `repo` scope",
  gitUsername: "x-access-token",
  // GitHub refuses pull request bodies and comments over 65,536 characters.
  ciScriptsDir: ".github/scripts",
  maxBodyLength: 65_536,
  apiRoot: (given) => given,
  // api.github.com serves github.com; GitHub Enterprise Cloud with data residency serves <sub>.ghe.com from
  // api.<sub>.ghe.com; GitHub Enterprise Server serves its API under /api/v3 of the web host itself.
  webBase(api) {
    if (api.hostname === "api.github.com") return "https://github.com";
    const residency = /^api\.([a-z0-9-]+\.ghe\.com)$/i.exec(api.hostname);
    if (residency) return `${api.protocol}//${residency[1]}${api.port ? `:${api.port}` : ""}`;
    return api.origin;
  },
  parseSlug(slug) {
    const match = /^([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))\/([A-Za-z0-9._-]{1,100})$/.exec(slug);
    const repo = match?.[2]?.replace(/\.git$/, "");
    return match && repo && repo !== "." && repo !== ".." ? { owner: match[1]!, repo } : undefined;
  },
  recognizes: (hostname) => /^(github\.com|[a-z0-9-]+\.ghe\.com)$/i.test(hostname),
  connect(options) {
    const retryAfterBaseValue = retryBaseFrom(options.env, "CCR_GITHUB_RETRY_AFTER_MS");
    if (!options.token) throw new ForgeError("GITHUB_TOKEN is missing: create a token with the `repo` scope and export it as GITHUB_TOKEN or GH_TOKEN");
    return lazyForge(async () => {
      const { GitHubForge } = await import("../github.js");
      return new GitHubForge({
        token: options.token,
        baseUrl: options.apiUrl,
        ...(retryAfterBaseValue !== undefined ? { retryAfterBaseValue } : {}),
        ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      });
    });
  },
} as const satisfies ForgeDefinition;
