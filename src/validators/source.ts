/**
 * What validation reads: a set of files, held in memory (a render, before anything is written) or on disk (a
 * repository, streamed). The one entry point, validateSource, works on either.
 */
import { join } from "node:path";
import type { FileTree, SourceFile } from "../file-tree.js";
import { InputFileError, readInputFile } from "../read-input.js";
import { isManifestCandidate, isManifestFile } from "./candidates.js";
import { walkFiles, type RefusedLink } from "./walk.js";

export interface FileSource {
  /** The files: paths relative to the repository root (POSIX), or as the user named them. */
  readonly paths: readonly string[];
  /** A file's text; undefined when it cannot be read. */
  read(path: string): string | undefined;
  /** Which files hold Kubernetes manifests. */
  isManifest(path: string): boolean;
  /** Files not to check (--ignore-filename-pattern); they still exist for GitOps references. */
  skip?(path: string): boolean;
  /** The files are a whole repository, so GitOps references resolve among them. Named files are checked alone. */
  readonly repository: boolean;
  /**
   * On disk: the folder the paths are relative to ("" for paths as named, relative to the working directory), so
   * that worker threads and kubeconform read the files themselves. Absent for files held in memory.
   */
  readonly root?: string;
  /** Folders below the root that could not be listed (as `path/`): reported as errors, since their files go unchecked. */
  readonly unreadableFolders?: readonly string[];
  /** Symbolic links below the root the walk did not follow (out of the repository, into .git/, to ignored files). */
  readonly refusedLinks?: readonly RefusedLink[];
}

/** A repository held in memory, such as a render: the paths are relative to its root. */
export function treeSource(files: FileTree | Iterable<SourceFile>): FileSource {
  const contents = files instanceof Map ? files : new Map([...files].map((file) => [file.path, file.content] as const));
  return { paths: [...contents.keys()], read: (path) => contents.get(path), isManifest: isManifestCandidate, repository: true };
}

/** A repository on disk: every file below `root` (see walkFiles) unless `paths` says otherwise. */
export function folderSource(root: string, paths?: readonly string[]): FileSource {
  const unreadableFolders: string[] = [];
  const refusedLinks: RefusedLink[] = [];
  const files = paths ?? walkFiles(root, unreadableFolders, refusedLinks);
  return { paths: files, read: (path) => readText(join(root, path)), isManifest: isManifestCandidate, repository: true, root, unreadableFolders, refusedLinks };
}

/** Files named one by one on disk: each is validated whatever its name (a .yaml or .json as manifests, .tf as Terraform). */
export function namedFilesSource(paths: readonly string[]): FileSource {
  return { paths, read: readText, isManifest: isManifestFile, repository: false, root: "" };
}

/** Manifests read from standard input, named "stdin" in results. */
export function stdinSource(content: string): FileSource {
  return { paths: ["stdin"], read: () => content, isManifest: () => true, repository: false };
}

/** The same files, with those matching a pattern left unchecked (but still there for GitOps references). */
export function ignoring(source: FileSource, patterns: readonly RegExp[]): FileSource {
  if (patterns.length === 0) return source;
  return { ...source, skip: (path) => patterns.some((pattern) => pattern.test(path)) || (source.skip?.(path) ?? false) };
}

/**
 * A file's text for the GitOps checks and line lookups, within the input limits and regular files only (see
 * read-input.ts); undefined when it cannot be read, which the Kubernetes and Terraform passes report.
 */
function readText(path: string): string | undefined {
  try {
    return readInputFile(path);
  } catch (error) {
    if (error instanceof InputFileError) return undefined;
    throw error;
  }
}
