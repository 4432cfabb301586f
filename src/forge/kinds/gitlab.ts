import { ForgeError } from "../../errors.js";
import { lazyForge, retryBaseFrom, type ForgeDefinition } from "../definition.js";

/** GitLab refuses merge request descriptions over 1,048,576 characters (REST API, "Create MR", `description`). */
export const GITLAB_MAX_DESCRIPTION = 1_048_576;
/** ... and notes over 1,000,000 characters (REST API, "Notes", `body`). */
export const GITLAB_MAX_NOTE = 1_000_000;

export const GITLAB_TOKEN_HELP =
  "create a personal, group or project access token with the `api` scope (Developer role to push and open merge requests, " +
  "Maintainer or Owner of the group to create a project in it) and export it as GITLAB_TOKEN";

/** One path segment of a GitLab group or project: letters, digits, `_`, `-` and `.`, not starting with `-` or `.`. */
const SEGMENT = "[A-Za-z0-9_][A-Za-z0-9_.-]{0,254}";
/** GitLab nests groups up to 20 levels: `group/subgroup/.../project`. */
const PROJECT_PATH = new RegExp(`^(${SEGMENT}(?:/${SEGMENT}){0,19})/(${SEGMENT})$`);

/** GitLab (gitlab.com, GitLab Self-Managed, GitLab Dedicated). */
export const gitlab = {
  kind: "gitlab",
  label: "GitLab",
  changeRequest: "merge request",
  changeRequestRef: (number) => `!${number}`,
  repoFlag: "--gitlab",
  apiUrlFlag: "--gitlab-url",
  apiUrlExample: "https://gitlab.example.org",
  defaultApiUrl: "https://gitlab.com",
  tokenVariables: ["GITLAB_TOKEN"],
  tokenHelp: GITLAB_TOKEN_HELP,
  // GitLab takes any user name with a personal, group or project access token over HTTPS; `oauth2` is the one its
  // documentation writes (and the only one an OAuth token takes).
  tokenNeeds: "an access token with the `api` scope",
  gitUsername: "oauth2",
  ciScriptsDir: ".gitlab/scripts",
  maxBodyLength: GITLAB_MAX_DESCRIPTION,
  // The user names the instance (as `glab --hostname` and `flux bootstrap gitlab --hostname` do), with any relative
  // URL root it is served under; the REST API is <instance>/api/v4.
  apiRoot(given) {
    const base = given.href.replace(/\/+$/, "").replace(/\/api\/v4$/, "");
    return new URL(`${base}/api/v4`);
  },
  webBase: (api) => api.href.replace(/\/+$/, "").replace(/\/api\/v4$/, ""),
  parseSlug(slug) {
    const match = PROJECT_PATH.exec(slug.replace(/\.git$/, ""));
    if (!match || match[0].split("/").some((segment) => /^\.|\.$|\.(git|atom)$/.test(segment))) return undefined;
    return { owner: match[1]!, repo: match[2]! };
  },
  recognizes: (hostname) => /^gitlab\./i.test(hostname),
  connect(options) {
    const retryAfterBaseValue = retryBaseFrom(options.env, "CCR_GITLAB_RETRY_AFTER_MS");
    if (!options.token) throw new ForgeError(`GITLAB_TOKEN is missing: ${GITLAB_TOKEN_HELP}`);
    return lazyForge(async () => {
      const { GitLabForge } = await import("../gitlab.js");
      return new GitLabForge({
        token: options.token,
        apiUrl: options.apiUrl,
        ...(retryAfterBaseValue !== undefined ? { retryAfterBaseValue } : {}),
        ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      });
    });
  },
} as const satisfies ForgeDefinition;
