/**
 * Argo CD references: source paths into this repository and `spec.project`, for Applications and for
 * ApplicationSet templates.
 */
import type { Problem } from "../types.js";
import { describe, dottedPath, isObject, manifestsNamed, normaliseRepoUrl, repoPath, stringAt, type Json, type Manifest, type RepoIndex } from "./repo-index.js";

export function isArgoApplication(manifest: Manifest): boolean {
  return manifest.apiVersion.startsWith("argoproj.io/") && (manifest.kind === "Application" || manifest.kind === "ApplicationSet");
}

/** Go-template / fasttemplate placeholders are filled per generated Application: not checkable statically. */
function templated(value: string): boolean {
  return value.includes("{{");
}

function problem(manifest: Manifest, rule: string, path: (string | number)[], message: string): Problem {
  return { file: manifest.file, line: manifest.lineOf(path), resource: describe(manifest), rule, path: dottedPath(path), message: `${manifest.kind} ${manifest.name}: ${message}`, severity: "error" };
}

/**
 * Checks one Application or ApplicationSet. Paths are only checked for sources whose repoURL is one of
 * `repoUrls` (nothing is known to be "this repository" without them).
 */
export function checkArgoApplication(manifest: Manifest, index: RepoIndex, repoUrls: string[] | undefined): Problem[] {
  const problems: Problem[] = [];
  const specPath = manifest.kind === "ApplicationSet" ? ["spec", "template", "spec"] : ["spec"];
  const spec = specPath.reduce<unknown>((value, key) => (isObject(value) ? value[key] : undefined), manifest.object);
  if (!isObject(spec)) return problems;
  const own = new Set((repoUrls ?? []).map(normaliseRepoUrl));

  const sources: { source: Json; path: (string | number)[] }[] = [];
  if (isObject(spec.source)) sources.push({ source: spec.source, path: [...specPath, "source"] });
  if (Array.isArray(spec.sources)) {
    spec.sources.forEach((source, i) => {
      if (isObject(source)) sources.push({ source, path: [...specPath, "sources", i] });
    });
  }
  for (const { source, path } of sources) {
    const repoURL = stringAt(source, "repoURL");
    const written = stringAt(source, "path");
    if (!repoURL || written === undefined || templated(repoURL) || templated(written) || stringAt(source, "chart")) continue;
    if (!own.has(normaliseRepoUrl(repoURL))) continue;
    const resolved = repoPath(written);
    if (resolved === undefined || !index.dirs.has(resolved)) {
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
