/**
 * Argo CD references: source paths into this repository and `spec.project`, for Applications and for
 * ApplicationSet templates.
 */
import type { Problem } from "../types.js";
import { describe, dottedPath, isObject, manifestsNamed, manifestsOfKind, repoPath, stringAt, type Json, type Manifest, type RepoIndex } from "./repo-index.js";
import { argoRevision, dirExists, isThisRepository, type SourceOfRepository, type ThisRepository } from "./this-repo.js";

export function isArgoApplication(manifest: Manifest): boolean {
  return manifest.apiVersion.startsWith("argoproj.io/") && (manifest.kind === "Application" || manifest.kind === "ApplicationSet");
}

/** Go-template / fasttemplate placeholders are filled per generated Application: not checkable statically. */
function templated(value: string): boolean {
  return value.includes("{{");
}

/** A problem of one manifest; the report names the manifest (`resource`), so the message does not repeat it. */
function problem(manifest: Manifest, rule: string, path: (string | number)[], message: string): Problem {
  return { file: manifest.file, line: manifest.lineOf(path), resource: describe(manifest), rule, path: dottedPath(path), message, severity: "error" };
}

/** The spec of an Application, or of an ApplicationSet's template, with where it sits. */
function specOf(manifest: Manifest): { spec: Json; specPath: string[] } | undefined {
  const specPath = manifest.kind === "ApplicationSet" ? ["spec", "template", "spec"] : ["spec"];
  const spec = specPath.reduce<unknown>((value, key) => (isObject(value) ? value[key] : undefined), manifest.object);
  return isObject(spec) ? { spec, specPath } : undefined;
}

function sourcesOf(spec: Json, specPath: string[]): { source: Json; path: (string | number)[] }[] {
  const sources: { source: Json; path: (string | number)[] }[] = [];
  if (isObject(spec.source)) sources.push({ source: spec.source, path: [...specPath, "source"] });
  if (Array.isArray(spec.sources)) {
    spec.sources.forEach((source, i) => {
      if (isObject(source)) sources.push({ source, path: [...specPath, "sources", i] });
    });
  }
  return sources;
}

/** The Git sources of every Application and ApplicationSet template, for telling this repository's branch. */
export function argoGitSources(index: RepoIndex): SourceOfRepository[] {
  return manifestsOfKind(index, "Application", "ApplicationSet").filter(isArgoApplication).flatMap((manifest) => {
    const found = specOf(manifest);
    if (!found) return [];
    return sourcesOf(found.spec, found.specPath).flatMap(({ source }) => {
      const repoURL = stringAt(source, "repoURL");
      const revision = stringAt(source, "targetRevision");
      if (!repoURL || templated(repoURL) || stringAt(source, "chart") || (revision !== undefined && templated(revision))) return [];
      return [{ url: repoURL, revision: argoRevision(revision), bootstrap: false }];
    });
  });
}

/**
 * Checks one Application or ApplicationSet. Paths are only checked for sources of this repository at the
 * checked-out branch (see this-repo.ts): nothing is known to be this repository without a URL for it.
 */
export function checkArgoApplication(manifest: Manifest, index: RepoIndex, repo: ThisRepository): Problem[] {
  const problems: Problem[] = [];
  const found = specOf(manifest);
  if (!found) return problems;
  const { spec, specPath } = found;
  for (const { source, path } of sourcesOf(spec, specPath)) {
    const repoURL = stringAt(source, "repoURL");
    const written = stringAt(source, "path");
    const revision = stringAt(source, "targetRevision");
    if (!repoURL || written === undefined || templated(repoURL) || templated(written) || stringAt(source, "chart")) continue;
    if (revision !== undefined && templated(revision)) continue;
    if (!isThisRepository(repo, repoURL, argoRevision(revision))) continue;
    const resolved = repoPath(written);
    if (resolved === undefined || !dirExists(index, repo, resolved)) {
      problems.push(problem(manifest, "argo-path-missing", [...path, "path"], `${dottedPath([...path, "path"])} "${written}" does not exist in the repository`));
    }
  }

  const project = stringAt(spec, "project");
  if (project !== undefined && project !== "default" && !templated(project)) {
    const declared = manifestsNamed(index, "AppProject", project).some((candidate) => candidate.apiVersion.startsWith("argoproj.io/"));
    if (!declared) {
      problems.push(problem(manifest, "argo-project-missing", [...specPath, "project"], `${specPath.join(".")}.project "${project}" is neither "default" nor an AppProject declared in the repository`));
    }
  }
  return problems;
}
