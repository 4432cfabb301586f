/**
 * Repository URLs under the reserved `.invalid` top-level domain (RFC 6761: never resolves, by definition) are
 * placeholders nobody replaced: Flux and Argo CD can never fetch them. `create-cluster-repo` writes one while
 * `repoUrl` is unset, so that such a repository fails `validate` until the real URL is set instead of looking done.
 */
import type { Problem, Severity } from "../types.js";
import { describe, dottedPath, isObject, stringAt, type Manifest } from "./repo-index.js";

/** Host of an `scheme://host/...` or scp-like `user@host:path` URL; undefined when it has none. */
function hostOf(url: string): string | undefined {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/]*@)?(\[[^\]]*\]|[^/:?#]*)/i.exec(url);
  if (scheme) return scheme[1]!.toLowerCase();
  const scp = /^(?:[^@/]+@)?([^/:]+):/.exec(url);
  return scp?.[1]?.toLowerCase();
}

export function isPlaceholderUrl(url: string): boolean {
  const host = hostOf(url.trim())?.replace(/\.$/, "");
  return host !== undefined && (host === "invalid" || host.endsWith(".invalid"));
}

/** Where each kind names a repository: [path of a URL string, or of a list of them]. */
function urlFields(manifest: Manifest): (string | number)[][] {
  const { apiVersion, kind } = manifest;
  if (apiVersion.startsWith("source.toolkit.fluxcd.io/")) return kind === "GitRepository" || kind === "OCIRepository" || kind === "HelmRepository" ? [["spec", "url"]] : [];
  if (!apiVersion.startsWith("argoproj.io/")) return [];
  if (manifest.kind === "AppProject") {
    const repos = isObject(manifest.object.spec) ? manifest.object.spec.sourceRepos : undefined;
    return Array.isArray(repos) ? repos.map((_, i) => ["spec", "sourceRepos", i]) : [];
  }
  if (manifest.kind !== "Application" && manifest.kind !== "ApplicationSet") return [];
  const specPath = manifest.kind === "ApplicationSet" ? ["spec", "template", "spec"] : ["spec"];
  const spec = specPath.reduce<unknown>((value, key) => (isObject(value) ? value[key] : undefined), manifest.object);
  if (!isObject(spec)) return [];
  const sources = Array.isArray(spec.sources) ? spec.sources.map((_, i) => [...specPath, "sources", i, "repoURL"]) : [];
  return [[...specPath, "source", "repoURL"], ...sources];
}

export function hasUrlFields(manifest: Manifest): boolean {
  return urlFields(manifest).length > 0;
}

/** Problems for every placeholder URL the manifest points at. */
export function checkPlaceholderUrls(manifest: Manifest, severity: Severity = "error"): Problem[] {
  return urlFields(manifest).flatMap((path) => {
    const url = stringAt(manifest.object, ...path);
    if (url === undefined || !isPlaceholderUrl(url)) return [];
    let line: number | undefined;
    return [
      {
        file: manifest.file,
        // Looked up when read: `create` and `update` only warn of the placeholder (the render already said why) and
        // never show this line, and finding a field's line parses the document again with positions.
        get line() {
          line ??= manifest.lineOf(path);
          return line;
        },
        resource: describe(manifest),
        rule: "gitops-placeholder-url",
        path: dottedPath(path),
        message:
          // The resource is named beside the message (`resource`): not again in it.
          `${dottedPath(path)} "${url}" is a placeholder (the .invalid domain never resolves): ` +
          "set the URL the cluster pulls this repository from (in a create-cluster-repo repository: `create-cluster-repo update --set repoUrl=<url>`)",
        severity,
      },
    ];
  });
}
