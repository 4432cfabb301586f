/**
 * Cross-file references of a GitOps repository: Flux Kustomization/HelmRelease sources, paths and dependencies,
 * Argo CD Application paths and projects, kustomize entries, and duplicates inside one kustomize build.
 */
import type { SourceFile } from "../../file-tree.js";
import type { Problem, UnitResult } from "../types.js";
import { argoGitSources, checkArgoApplication, isArgoApplication } from "./argo.js";
import { checkFluxKustomization, checkHelmRelease, fluxGitSources, isFluxKustomization, isHelmRelease, unresolvedPath } from "./flux.js";
import type { GitCheckout } from "./remotes.js";
import { resolveThisRepository, type ThisRepository } from "./this-repo.js";
import type { Json } from "./repo-index.js";
import { checkKustomizeEntries, DuplicateFinder, isKustomizeFile } from "./kustomize.js";
import { checkPlaceholderUrls, hasUrlFields } from "./placeholder-urls.js";
import { describe, indexRepo, manifestsOfKind, type Manifest, type RepoIndex } from "./repo-index.js";
import type { Severity } from "../types.js";

export { normaliseRepoUrl, indexDigests, digestContent, isYamlFile, type ContentReader, type RepoIndex } from "./repo-index.js";
export { digestDocument, type ManifestDigest } from "./digest.js";
export { gitRemoteUrls, readGitCheckout, type GitCheckout } from "./remotes.js";
export type { ThisRepository } from "./this-repo.js";

export interface GitopsValidationOptions {
  /**
   * URLs that mean "this repository" (any spelling: https, ssh, scp-like; `.git` and trailing `/` ignored).
   * Without them (and without remotes), the bootstrap source's URL is this repository's (see this-repo.ts).
   */
  repoUrls?: string[];
  /**
   * The checkout the files are (see readGitCheckout): its remotes' URLs stand for this repository when `repoUrls`
   * is not given, and its branch tells which sources follow these files.
   */
  checkout?: GitCheckout;
  /**
   * How a repository URL under the reserved `.invalid` domain counts: an error (`validate`), or a warning where
   * the caller already says so (`create`, `plan` and `update` while repoUrl is unset). @default "error"
   */
  placeholderUrls?: Severity;
  /**
   * Each Flux Kustomization as applied (src/validators/engines): after the post-build substitution of the parent
   * that applies it, once per such parent. Default: as written.
   */
  appliedAs?: (manifest: Manifest) => Json[] | undefined;
  /** This repository as {@link thisRepository} resolved it already for the same index. Default: resolved here. */
  repository?: ThisRepository;
}

/** Which sources and paths are this repository's (see this-repo.ts), from the options and the sources declared. */
export function thisRepository(index: RepoIndex, options: Pick<GitopsValidationOptions, "repoUrls" | "checkout"> = {}): ThisRepository {
  const checkout = options.checkout ?? { remoteUrls: [] };
  return resolveThisRepository(
    { urls: options.repoUrls ?? checkout.remoteUrls, branch: checkout.branch, defaultBranch: checkout.defaultBranch, topLevel: checkout.topLevel, folder: checkout.folder },
    [...fluxGitSources(index), ...argoGitSources(index)],
    options.repoUrls === undefined,
  );
}

function unit(manifest: Manifest, label: string, problems: Problem[]): UnitResult {
  return {
    file: manifest.file,
    line: manifest.line,
    validator: "gitops",
    status: problems.some((problem) => problem.severity === "error") ? "invalid" : "valid",
    resource: { apiVersion: manifest.apiVersion || undefined, kind: manifest.kind || undefined, name: manifest.name || undefined, namespace: manifest.namespace },
    label,
    problems,
  };
}

/**
 * A Flux Kustomization checked as each parent applies it (problems once each); not checked when its path could be
 * resolved in none of them.
 */
function fluxKustomizationUnit(manifest: Manifest, objects: Json[], index: RepoIndex, repo: ThisRepository): UnitResult {
  const problems: Problem[] = [];
  const seen = new Set<string>();
  let unresolved: string | undefined;
  let resolved = false;
  for (const object of objects) {
    const applied: Manifest = { ...manifest, object };
    for (const problem of checkFluxKustomization(applied, index, repo)) {
      const key = `${problem.rule}\u0000${problem.line}\u0000${problem.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      problems.push(problem);
    }
    const why = unresolvedPath(applied);
    if (why) unresolved ??= why;
    else resolved = true;
  }
  const result = unit(manifest, describe(manifest), problems);
  if (result.status === "valid" && unresolved !== undefined && !resolved) return { ...result, status: "skipped", notChecked: unresolved };
  return result;
}

/**
 * Checks the references between the YAML files of a whole repository (`files` is the repository, paths relative
 * to its root). Returns one result per Flux Kustomization, HelmRelease, Argo CD Application/ApplicationSet and
 * kustomization.yaml. Documents that do not parse are left to the Kubernetes validator.
 */
export function validateGitopsReferences(files: SourceFile[], options: GitopsValidationOptions = {}): UnitResult[] {
  return validateGitopsIndex(indexRepo(files), options);
}

/** What a kustomization.yaml may say it is (see isKustomizeFile): a kind left out reads as "". */
const KUSTOMIZE_FILE_KINDS = ["", "Kustomization", "Component"];
/**
 * The only kinds the checks below give a unit: Flux Kustomizations and HelmReleases, Argo CD Applications and
 * ApplicationSets, the kinds that name a repository URL (placeholder-urls.ts) and kustomization files. The others of
 * a repository's thousands of manifests are not looked at.
 */
export const CHECKED_KINDS = ["Kustomization", "HelmRelease", "Application", "ApplicationSet", "GitRepository", "OCIRepository", "HelmRepository", "AppProject", ...KUSTOMIZE_FILE_KINDS];

/** The same checks on an index built elsewhere (from digests collected while a large repository streams by). */
export function validateGitopsIndex(index: RepoIndex, options: GitopsValidationOptions = {}): UnitResult[] {
  // Deepest kustomizations first, so that a duplicate is reported by the smallest build that contains it.
  const finder = new DuplicateFinder(index);
  const duplicates = new Map<string, Problem[]>();
  const kustomizations = manifestsOfKind(index, ...KUSTOMIZE_FILE_KINDS).filter(isKustomizeFile);
  for (const manifest of [...kustomizations].sort((a, b) => b.file.split("/").length - a.file.split("/").length)) {
    duplicates.set(manifest.file, finder.check(manifest));
  }
  const repo = options.repository ?? thisRepository(index, options);
  const results: UnitResult[] = [];
  for (const manifest of manifestsOfKind(index, ...CHECKED_KINDS)) {
    if (isFluxKustomization(manifest)) {
      results.push(fluxKustomizationUnit(manifest, options.appliedAs?.(manifest) ?? [manifest.object], index, repo));
    } else if (isHelmRelease(manifest)) {
      results.push(unit(manifest, describe(manifest), checkHelmRelease(manifest, index)));
    } else if (isArgoApplication(manifest)) {
      const problems = checkArgoApplication(manifest, index, repo);
      results.push(unit(manifest, describe(manifest), [...problems, ...checkPlaceholderUrls(manifest, options.placeholderUrls)]));
    } else if (hasUrlFields(manifest)) {
      // Sources and projects are not checked otherwise: a unit only when a URL is a placeholder.
      const problems = checkPlaceholderUrls(manifest, options.placeholderUrls);
      if (problems.length > 0) results.push(unit(manifest, describe(manifest), problems));
    } else if (isKustomizeFile(manifest)) {
      const problems = checkKustomizeEntries(manifest, index, repo).sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
      problems.push(...(duplicates.get(manifest.file) ?? []));
      results.push(unit(manifest, `kustomization ${manifest.file}`, problems));
    }
  }
  return results;
}
