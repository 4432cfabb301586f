/**
 * Which GitOps sources are "this repository": only their paths can be checked against the files at hand. A Flux
 * GitRepository or an Argo CD source is this repository when its URL is one the repository is known by (`--repo-url`,
 * else the checkout's remotes) and it follows the checked-out branch. A source of another repository, of this one
 * at a tag or commit, or on another branch (an environment branch) is not path-checked: its files are not these.
 */
import { statSync } from "node:fs";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import { normaliseRepoUrl, type RepoIndex } from "./repo-index.js";

export interface ThisRepository {
  /** URLs the repository is known by, any spelling (https, ssh, scp-like). Empty: none known. */
  urls: readonly string[];
  /**
   * The branch these files are: the checked-out one, else what resolveThisRepository infers. Undefined: any branch
   * (nothing tells them apart); null: unknown among several, so no source following a branch is these files.
   */
  branch?: string | null;
  /** The remote's default branch, which Argo CD's `HEAD` means; undefined when the checkout does not record it. */
  defaultBranch?: string;
  /**
   * The repository's top level (absolute) when the files are a folder below it: GitOps paths are relative to the
   * top level, so a path is also looked for there (see dirExists).
   */
  topLevel?: string;
  /** The validated folder (absolute) when it is below `topLevel`: kustomize entries may lead out of it into the checkout. */
  folder?: string;
}

/** A Git source a GitOps engine follows: its URL and revision, and whether it is the bootstrap sync source. */
export interface SourceOfRepository {
  url?: string;
  revision: Revision;
  /** The source `flux bootstrap` or the Flux Operator syncs the cluster from: this repository, by construction. */
  bootstrap: boolean;
}

/** The revision a source follows. */
export type Revision =
  | { branch: string }
  /** The remote's default branch (Argo CD `HEAD`), or one the source cannot name (a bootstrap's). */
  | { defaultBranch: true }
  /** A tag, commit or version range: content of its own, whatever the branch. */
  | { pinned: string };

/**
 * Whether a source at `url` following `revision` is this repository. `bootstrap` marks the source `flux bootstrap`
 * or the Flux Operator creates to sync this repository: it counts as this repository unless its URL is known to
 * be another one.
 */
export function isThisRepository(repo: ThisRepository, url: string | undefined, revision: Revision, bootstrap = false): boolean {
  const known = repo.urls.map(normaliseRepoUrl);
  if (url !== undefined && known.length > 0) {
    if (!known.includes(normaliseRepoUrl(url))) return false;
  } else if (!bootstrap) {
    return false;
  }
  if ("pinned" in revision) return false;
  if (repo.branch === undefined) return true;
  if ("defaultBranch" in revision) return repo.defaultBranch === undefined || repo.defaultBranch === repo.branch;
  if (repo.branch === null) return false;
  return revision.branch === repo.branch;
}

/**
 * What is known of this repository, completed from the sources the files declare:
 * - Without a URL (no `--repo-url`, no Git remote: an exported folder; or remotes no source names), the bootstrap
 *   source's URL is this repository's: the cluster syncs from the repository bootstrap wrote into.
 * - Without a checked-out branch, the files are what the bootstrap source follows; without one, the single branch
 *   the sources of this repository follow; with several, none is known to be these files.
 * - A checked-out branch that no source of this repository follows is a working branch; it stands for the default
 *   branch it will merge into, when the clone recorded which that is.
 */
export function resolveThisRepository(known: ThisRepository, sources: readonly SourceOfRepository[], urlsFromRemotes = false): ThisRepository {
  let urls = known.urls;
  if (urlsFromRemotes) {
    // Remotes that no source names are no sign of which source is this repository: a fork under another URL, or a
    // folder (a fixture, a vendored example) inside some other repository. The bootstrap source tells then.
    const named = new Set(urls.map(normaliseRepoUrl));
    if (!sources.some((source) => source.url !== undefined && named.has(normaliseRepoUrl(source.url)))) urls = [];
  }
  if (urls.length === 0) urls = [...new Set(sources.flatMap((source) => (source.bootstrap && source.url ? [source.url] : [])))];
  const repo: ThisRepository = { ...known, urls };
  const ours = sources.filter((source) => isThisRepository({ ...repo, branch: undefined }, source.url, source.revision, source.bootstrap));
  const branchesOf = (list: readonly SourceOfRepository[]) => [...new Set(list.flatMap((source) => ("branch" in source.revision ? [source.revision.branch] : [])))];
  if (repo.branch === undefined || repo.branch === null) {
    const bootstrapBranches = branchesOf(ours.filter((source) => source.bootstrap));
    const candidates = bootstrapBranches.length > 0 ? bootstrapBranches : branchesOf(ours);
    if (candidates.length === 0) return repo;
    return { ...repo, branch: candidates.length === 1 ? candidates[0] : null };
  }
  if (repo.defaultBranch === undefined || repo.branch === repo.defaultBranch) return repo;
  return branchesOf(ours).includes(repo.branch) ? repo : { ...repo, branch: repo.defaultBranch };
}
/**
 * A Flux GitRepository's `spec.ref`: a branch, a tag/semver/commit pin, or a full reference `name` (which wins,
 * as in Flux, and is a branch when it is `refs/heads/…`); Flux's default is the `master` branch.
 */
export function fluxRevision(ref: unknown): Revision {
  if (typeof ref !== "object" || ref === null) return { branch: "master" };
  const fields = ref as Record<string, unknown>;
  if (typeof fields.name === "string" && fields.name !== "") return operatorRevision(fields.name);
  for (const pin of ["commit", "semver", "tag"]) {
    if (typeof fields[pin] === "string" && fields[pin] !== "") return { pinned: fields[pin] as string };
  }
  return typeof fields.branch === "string" && fields.branch !== "" ? { branch: fields.branch } : { branch: "master" };
}

/** A full Git reference (the Flux Operator's `spec.sync.ref`): `refs/heads/main` is a branch, `refs/tags/v1` or `latest` (OCI) a pin. */
export function operatorRevision(ref: string | undefined): Revision {
  if (ref === undefined || ref === "") return { defaultBranch: true };
  const branch = /^refs\/heads\/(.+)$/.exec(ref)?.[1];
  if (branch) return { branch };
  return { pinned: ref };
}

/**
 * An Argo CD `targetRevision`: empty or `HEAD` is the default branch; a commit hash, a `v1.2.3`-like tag or a
 * version range is pinned; any other name is taken as a branch (Argo CD resolves it as a branch or a tag).
 */
export function argoRevision(targetRevision: string | undefined): Revision {
  const value = (targetRevision ?? "").trim();
  if (value === "" || value === "HEAD") return { defaultBranch: true };
  if (/^[0-9a-f]{7,40}$/i.test(value) || /^v?\d+(\.\d+)+([-+].*)?$/.test(value) || /[*^~<>=]/.test(value)) return { pinned: value };
  return { branch: value.replace(/^refs\/heads\//, "") };
}

/**
 * Whether the folder `path` (relative, from repoPath) exists in this repository: among the validated files, or,
 * when they are a folder below the repository's top level, at the top level, which GitOps paths are relative to.
 * Looked up both ways, so that neither a folder validated on its own nor one inside a checkout gives a false alarm.
 */
/**
 * What a relative path that leads out of the validated folder (`../../base` from a kustomization in it) names in the
 * rest of the checkout: kustomize follows it there. Only whether it exists is looked at, never its content; a path
 * out of the checkout, or into its .git/, is "outside".
 */
export function outsideFolder(repo: ThisRepository, fromDir: string, entry: string): "file" | "dir" | "kustomization" | "missing" | "outside" {
  if (repo.topLevel === undefined || repo.folder === undefined) return "outside";
  const target = resolve(repo.folder, fromDir, entry);
  const inside = relative(repo.topLevel, target);
  if (inside === "" || inside.startsWith("..") || isAbsolute(inside) || inside.split(sep)[0] === ".git") return "outside";
  try {
    const stat = statSync(target);
    if (stat.isFile()) return "file";
    if (!stat.isDirectory()) return "missing";
    const hasKustomization = ["kustomization.yaml", "kustomization.yml", "Kustomization"].some((name) => {
      try {
        return statSync(join(target, name)).isFile();
      } catch {
        return false;
      }
    });
    return hasKustomization ? "kustomization" : "dir";
  } catch {
    return "missing";
  }
}

export function dirExists(index: RepoIndex, repo: ThisRepository, path: string): boolean {
  if (index.dirs.has(path)) return true;
  if (repo.topLevel === undefined) return false;
  try {
    return statSync(join(repo.topLevel, path)).isDirectory();
  } catch {
    return false;
  }
}
