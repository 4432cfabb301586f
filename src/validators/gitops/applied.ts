/**
 * The files of a repository that Flux or Argo CD would apply, as their controllers choose them, so that `validate`
 * validates every one of them whatever its name (a privileged Pod saved as `values.yaml` in a Flux path is applied):
 *
 * - Flux Kustomization `spec.path` without a kustomization file: kustomize-controller generates one listing every
 *   `.yaml`/`.yml` file below the path, dot-folders included, and each subfolder that has its own kustomization file
 *   as a whole (fluxcd/pkg kustomize/kustomize_generator.go, generateKustomization). With a kustomization file: its
 *   build.
 *   source-controller leaves its default exclusions out of the artifact (fluxcd/pkg sourceignore: VCS files, CI
 *   folders and files, `.sops.yaml`, `.goreleaser.yml`, `.flux.yaml`), and what the repository's `.sourceignore`
 *   files and the GitRepository's `spec.ignore` exclude (source-ignore.ts).
 * - Argo CD Application sources: a folder with a kustomization file is a kustomize build, one with Chart.yaml is
 *   rendered by Helm (not a file applied as it is), any other is a directory source applying its `.yaml`, `.yml` and
 *   `.json` files, below it too with `directory.recurse` (argo-cd reposerver/repository findManifests). Include and
 *   exclude globs are not applied here: more files are validated, never fewer.
 * - A kustomize build: the files its `resources`, `bases` and `components` list, and the builds of the folders they
 *   list, recursively (each kustomization once).
 *
 * Paths of every Git source count (a path that another repository's source names may exist here too): validating a
 * file that is not applied costs nothing but its errors, missing one that is would let it through. A Kustomization of
 * an OCI or Bucket artifact made elsewhere (flux.ts buildsForeignArtifact) applies none of this repository's files.
 */
import { posix } from "node:path";
import { isArgoApplication } from "./argo.js";
import { buildsForeignArtifact, gitSourceIgnore, isFluxKustomization } from "./flux.js";
import { isObject, kustomizationIn, manifestsOfKind, repoPath, resolveFrom, stringAt, type ContentReader, type Json, type Manifest, type RepoIndex } from "./repo-index.js";
import { sourceIgnore, type SourceIgnore } from "./source-ignore.js";

/** What source-controller never puts in an artifact (fluxcd/pkg sourceignore's default patterns). */
const FLUX_EXCLUDED = /^(\.github|\.circleci)\/|^(\.travis\.yml|\.gitlab-ci\.yml|appveyor\.yml|\.drone\.yml|cloudbuild\.yaml|codeship-services\.yml|codeship-steps\.yml)$|(^|\/)(\.goreleaser\.yml|\.sops\.yaml|\.flux\.yaml)$/;

/**
 * Applied files (paths relative to the repository root) and, for each, the object that applies it; `read` gives the
 * `.sourceignore` files (without it, they are not applied).
 */
export function appliedFiles(index: RepoIndex, read?: ContentReader): Map<string, string> {
  const applied = new Map<string, string>();
  const builds = new Set<string>();
  const add = (file: string, by: string) => {
    if (!applied.has(file)) applied.set(file, by);
  };
  // Sorted once: the files below a folder are one range of it. Thousands of Kustomizations and Applications name the
  // same few folders, each done once (a later object applying a folder again adds nothing: `add` keeps the first).
  const sorted = [...index.files].sort();
  const filesBelow = (dir: string): string[] => {
    if (dir === "") return sorted;
    const prefix = `${dir}/`;
    let low = 0;
    let high = sorted.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (sorted[middle]! < prefix) low = middle + 1;
      else high = middle;
    }
    let end = low;
    while (end < sorted.length && sorted[end]!.startsWith(prefix)) end++;
    return sorted.slice(low, end);
  };
  const done = new Set<string>();
  const once = (key: string): boolean => {
    if (done.has(key)) return false;
    done.add(key);
    return true;
  };

  /** A kustomize build: the files it lists and the builds of the folders it lists. */
  const build = (kustomization: string, by: string) => {
    if (builds.has(kustomization)) return;
    builds.add(kustomization);
    const object = index.byFile.get(kustomization)?.[0]?.object;
    if (!object) return;
    const dir = posix.dirname(kustomization) === "." ? "" : posix.dirname(kustomization);
    for (const key of ["resources", "bases", "components"]) {
      const list = object[key];
      if (!Array.isArray(list)) continue;
      for (const entry of list) {
        if (typeof entry !== "string") continue;
        const resolved = resolveFrom(dir, entry);
        if (resolved === undefined) continue;
        if (index.files.has(resolved)) add(resolved, by);
        else {
          const nested = kustomizationIn(index, resolved);
          if (nested) build(nested, by);
        }
      }
    }
  };

  const exclusions = new Map<string | undefined, SourceIgnore | undefined>();
  const excluded = (specIgnore: string | undefined, file: string) => {
    if (!exclusions.has(specIgnore)) exclusions.set(specIgnore, sourceIgnore(read ? index.files : [], (path) => read?.(path), specIgnore));
    return exclusions.get(specIgnore)?.excludes(file) ?? false;
  };

  /** What Flux applies at a path: its kustomization's build, or every YAML file below it (generated kustomization). */
  const fluxPath = (dir: string, by: string, specIgnore: string | undefined) => {
    if (!once(`flux\u0000${dir}\u0000${specIgnore ?? ""}`)) return;
    // A kustomization file the artifact leaves out is no build kustomize-controller sees.
    const kustomizationOf = (folder: string) => {
      const found = kustomizationIn(index, folder);
      return found !== undefined && !excluded(specIgnore, found) ? found : undefined;
    };
    const own = kustomizationOf(dir);
    if (own) return build(own, by);
    const nestedBuilds = new Set<string>();
    for (const file of filesBelow(dir)) {
      if (FLUX_EXCLUDED.test(file) || excluded(specIgnore, file)) continue;
      // A subfolder with its own kustomization file is applied as that build, not file by file.
      let folder = posix.dirname(file);
      let inBuild: string | undefined;
      while (folder !== "." && folder !== dir && (dir === "" || folder.startsWith(`${dir}/`))) {
        inBuild = kustomizationOf(folder) ?? inBuild;
        folder = posix.dirname(folder);
      }
      if (inBuild) nestedBuilds.add(inBuild);
      else if (/\.ya?ml$/.test(file)) add(file, by);
    }
    for (const nested of nestedBuilds) build(nested, by);
  };

  /** What an Argo CD directory source applies. */
  const argoPath = (dir: string, source: Json, by: string) => {
    const recurse = isObject(source.directory) && source.directory.recurse === true;
    if (!once(`argo\u0000${recurse}\u0000${dir}`)) return;
    const own = kustomizationIn(index, dir);
    if (own) return build(own, by);
    if (index.files.has(dir === "" ? "Chart.yaml" : `${dir}/Chart.yaml`)) return;
    for (const file of filesBelow(dir)) {
      if (!recurse && posix.dirname(file) !== (dir === "" ? "." : dir)) continue;
      if (/\.(ya?ml|json)$/.test(file)) add(file, by);
    }
  };

  // Named only for the objects that apply files: a repository's other thousands of manifests build no string here.
  const nameOf = (manifest: Manifest) => `${manifest.namespace ? `${manifest.namespace}/` : ""}${manifest.name} (${manifest.file})`;
  for (const manifest of manifestsOfKind(index, "Kustomization", "Application")) {
    if (isFluxKustomization(manifest)) {
      if (buildsForeignArtifact(manifest, index)) continue;
      const dir = repoPath(stringAt(manifest.object, "spec", "path") ?? "./");
      if (dir !== undefined && (dir === "" || index.dirs.has(dir))) fluxPath(dir, `Flux Kustomization ${nameOf(manifest)}, which applies every YAML file below ${dir || "the root"} when it has no kustomization.yaml`, gitSourceIgnore(manifest, index));
    } else if (isArgoApplication(manifest) && manifest.kind === "Application") {
      const spec = isObject(manifest.object.spec) ? manifest.object.spec : {};
      const sources = [spec.source, ...(Array.isArray(spec.sources) ? spec.sources : [])].filter(isObject);
      for (const source of sources) {
        const dir = argoSourceDir(manifest.file, source);
        if (dir !== undefined && (dir === "" || index.dirs.has(dir))) argoPath(dir, source, `Argo CD Application ${nameOf(manifest)}, which applies the YAML and JSON files of ${dir || "the root"}`);
      }
    }
  }
  return applied;
}

/** idpbuilder's scheme for "a folder next to this file" (CNOE): `cnoe://<folder>` is read relative to the Application's file. */
const LOCAL_FOLDER_URL = "cnoe://";

/**
 * The folder (from the repository root) an Argo CD source's `path` names: relative to the repository root, or, for a
 * `cnoe://<folder>` URL, to `<folder>` beside the Application's own file, which idpbuilder pushes as a repository of
 * its own (cnoe-io/idpbuilder README, "cnoe:// ... treated as a relative path from this file"). Undefined for a path
 * with template actions or one that leaves the repository.
 */
function argoSourceDir(file: string, source: Json): string | undefined {
  const written = stringAt(source, "path") ?? (stringAt(source, "repoURL")?.startsWith(LOCAL_FOLDER_URL) ? "." : undefined);
  if (written === undefined || written.includes("{{")) return undefined;
  const url = stringAt(source, "repoURL");
  if (!url?.startsWith(LOCAL_FOLDER_URL)) return repoPath(written);
  const folder = resolveFrom(posix.dirname(file) === "." ? "" : posix.dirname(file), url.slice(LOCAL_FOLDER_URL.length) || ".");
  return folder === undefined || written.startsWith("/") ? undefined : resolveFrom(folder, written);
}

