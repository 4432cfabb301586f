/**
 * What the README's publish and bootstrap steps need to know about the repository URL: which host, whether it is
 * GitHub (then `flux bootstrap github` applies) and whether the GitOps engine pulls over SSH or HTTPS.
 */
export interface RepoUrlFacts {
  /** `https` / `http` (a token or password authenticates), or `ssh` (a key does). */
  transport: "https" | "http" | "ssh";
  host: string;
  /** The repository path without leading `/` and without `.git`, e.g. `acme/prod-gpu`. */
  path: string;
  /** github.com repositories `owner/repository`, the form `flux bootstrap github` takes; null elsewhere. */
  github: { owner: string; repository: string } | null;
  /**
   * On a GitLab (the `forge` parameter): `group[/subgroup]/project` as `flux bootstrap gitlab` takes it (`--owner`,
   * `--repository`, `--hostname` unless gitlab.com); null elsewhere.
   */
  gitlab: { owner: string; repository: string; hostname: string; onGitlabCom: boolean } | null;
}

/** Parses a repoUrl as the parameter schema admits it (`https://`, `http://` or `ssh://`). */
export function repoUrlFacts(url: string, forge: string = "github"): RepoUrlFacts {
  const parsed = new URL(url);
  const scheme = parsed.protocol.replace(/:$/, "");
  const transport = scheme === "ssh" ? "ssh" : scheme === "http" ? "http" : "https";
  const path = decodeURIComponent(parsed.pathname).replace(/^\/+/, "").replace(/\.git$/, "").replace(/\/+$/, "");
  const parts = path.split("/");
  const github = parsed.hostname === "github.com" && parts.length === 2 && parts.every(Boolean) ? { owner: parts[0]!, repository: parts[1]! } : null;
  const gitlab =
    forge === "gitlab" && parts.length >= 2 && parts.every(Boolean)
      ? { owner: parts.slice(0, -1).join("/"), repository: parts[parts.length - 1]!, hostname: parsed.hostname, onGitlabCom: parsed.hostname === "gitlab.com" }
      : null;
  return { transport, host: parsed.host, path, github: forge === "gitlab" ? null : github, gitlab };
}
