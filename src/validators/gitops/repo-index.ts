/**
 * An index of a repository: its files and directories, and a digest of every YAML document (identity, start line,
 * and the object itself for the kinds the checks read). Lines of fields are found on demand, by parsing the file
 * again, so that the index stays small for repositories of any size.
 */
import { posix } from "node:path";
import type { SourceFile } from "../../file-tree.js";
import { LineLocator, parseDocuments } from "../kubernetes/documents.js";
import { digestDocument, type ManifestDigest } from "./digest.js";

export type Json = Record<string, unknown>;

export interface Manifest {
  file: string;
  /** Index of the document among its file's non-empty documents (0-based). */
  index: number;
  /** The document, for the kinds the checks read (see digest.ts); an empty object for the others. */
  object: Json;
  apiVersion: string;
  kind: string;
  name: string;
  /** As written in metadata.namespace; undefined when left out (the applier decides). */
  namespace?: string;
  /** 1-based line where the document starts. */
  line: number;
  /** 1-based line of the node at `path` (or of its nearest present ancestor). */
  lineOf(path: (string | number)[]): number;
}

export const KUSTOMIZATION_FILE_NAMES = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

export interface RepoIndex {
  files: Set<string>;
  dirs: Set<string>;
  manifests: Manifest[];
  /** Manifests by file, in document order. */
  byFile: Map<string, Manifest[]>;
  /** The text of a file of the repository (patch files are not indexed: the duplicate check reads them). */
  read?: ContentReader;
}

export function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function stringAt(object: unknown, ...path: (string | number)[]): string | undefined {
  let current: unknown = object;
  for (const key of path) {
    if (typeof key === "number") current = Array.isArray(current) ? current[key] : undefined;
    else current = isObject(current) ? current[key] : undefined;
  }
  return typeof current === "string" ? current : undefined;
}

const byKindAndName = new WeakMap<RepoIndex, Map<string, Manifest[]>>();

/**
 * Manifests of one kind and name (any group or namespace), from a map built on first use: references are looked
 * up once per Flux/Argo object, and a scan of every manifest each time is quadratic on large repositories.
 */
export function manifestsNamed(index: RepoIndex, kind: string, name: string): Manifest[] {
  let map = byKindAndName.get(index);
  if (!map) {
    map = new Map();
    for (const manifest of index.manifests) {
      const key = `${manifest.kind}\u0000${manifest.name}`;
      const list = map.get(key);
      if (list) list.push(manifest);
      else map.set(key, [manifest]);
    }
    byKindAndName.set(index, map);
  }
  return map.get(`${kind}\u0000${name}`) ?? [];
}

const byKind = new WeakMap<RepoIndex, Map<string, number[]>>();

/**
 * Manifests of the given kinds (any group), in index order, from a map built on first use. Each check reads one to a
 * few kinds: a dozen passes over every manifest, each calling a predicate on 20,000 objects, cost more than the checks
 * themselves on a large repository (and keep cold code running before V8 optimises it).
 */
export function manifestsOfKind(index: RepoIndex, ...kinds: string[]): Manifest[] {
  let map = byKind.get(index);
  if (!map) {
    map = new Map();
    index.manifests.forEach((manifest, position) => {
      const list = map!.get(manifest.kind);
      if (list) list.push(position);
      else map!.set(manifest.kind, [position]);
    });
    byKind.set(index, map);
  }
  const positions = [...new Set(kinds)].flatMap((kind) => map.get(kind) ?? []);
  if (kinds.length > 1) positions.sort((a, b) => a - b);
  return positions.map((position) => index.manifests[position]!);
}

export function isYamlFile(path: string): boolean {
  return /\.ya?ml$/i.test(path) || posix.basename(path) === "Kustomization";
}

/** Reads a file of the repository again, only to point at a line when a problem is found; undefined if gone. */
export type ContentReader = (file: string) => string | undefined;

/**
 * Lines of fields, found by parsing a file with positions only when a problem needs one. The last few files stay
 * parsed (problems of one manifest come together); no more, so that memory does not grow with the repository.
 */
class LineSource {
  private readonly locators = new Map<string, LineLocator | undefined>();

  constructor(private readonly read: ContentReader) {}

  fieldLine(file: string, index: number, path: (string | number)[]): number | undefined {
    let locator = this.locators.get(file);
    if (!this.locators.has(file)) {
      const content = this.read(file);
      locator = content === undefined ? undefined : new LineLocator(content);
      if (this.locators.size >= 8) this.locators.delete(this.locators.keys().next().value as string);
      this.locators.set(file, locator);
    }
    return locator?.fieldLine(index, path);
  }
}

const NOT_READ: Json = Object.freeze({}) as Json;

/**
 * Indexes a repository from its file paths (every file, not only YAML: kustomize generators and Flux paths may point
 * at anything) and the digests of its YAML documents, by file. Directories are every ancestor of a file ("" = root).
 */
export function indexDigests(paths: Iterable<string>, digests: Map<string, ManifestDigest[]>, read: ContentReader): RepoIndex {
  const index: RepoIndex = { files: new Set(), dirs: new Set([""]), manifests: [], byFile: new Map(), read };
  for (const path of paths) {
    index.files.add(path);
    let dir = posix.dirname(path);
    while (dir !== "." && dir !== "/" && !index.dirs.has(dir)) {
      index.dirs.add(dir);
      dir = posix.dirname(dir);
    }
  }
  const lines = new LineSource(read);
  for (const [file, list] of digests) {
    const manifests = list.map((digest): Manifest => {
      const manifest: Manifest = {
        file,
        index: digest.index,
        object: digest.object ?? NOT_READ,
        apiVersion: digest.apiVersion,
        kind: digest.kind,
        name: digest.name,
        namespace: digest.namespace,
        line: digest.line,
        lineOf: (path) => lines.fieldLine(file, digest.index, path) ?? digest.line,
      };
      index.manifests.push(manifest);
      return manifest;
    });
    index.byFile.set(file, manifests);
  }
  return index;
}

/** Digests of the documents of one YAML file held in memory. Documents that do not parse are left out. */
export function digestContent(file: string, content: string): ManifestDigest[] {
  const documents = parseDocuments(content, false);
  const locator = new LineLocator(content, documents);
  const digests: ManifestDigest[] = [];
  for (const document of documents) {
    if (document.failure) continue; // YAML syntax is the Kubernetes validator's concern
    const digest = digestDocument(file, document.index, locator.documentLine(document.index) ?? 1, document.data);
    if (digest) digests.push(digest);
  }
  return digests;
}

/** Indexes files held in memory (`create` validates its render before writing it). */
export function indexRepo(files: SourceFile[]): RepoIndex {
  const contents = new Map(files.map((file) => [file.path, file.content]));
  const digests = new Map<string, ManifestDigest[]>();
  for (const file of files) if (isYamlFile(file.path)) digests.set(file.path, digestContent(file.path, file.content));
  return indexDigests(contents.keys(), digests, (file) => contents.get(file));
}

/**
 * A path from a manifest, relative to the repository root (`./apps`, `apps/`, `/apps`), normalised;
 * undefined when it leaves the repository.
 */
export function repoPath(path: string): string | undefined {
  const normalised = posix.normalize(path.replace(/^\/+/, "")).replace(/\/+$/, "");
  if (normalised === "." || normalised === "") return "";
  if (normalised === ".." || normalised.startsWith("../")) return undefined;
  return normalised;
}

/** `dir` joined with a relative entry of a kustomization in it; undefined when it leaves the repository. */
export function resolveFrom(dir: string, entry: string): string | undefined {
  if (entry.startsWith("/")) return undefined;
  return repoPath(posix.join(dir === "" ? "." : dir, entry));
}

export function kustomizationIn(index: { files: ReadonlySet<string> }, dir: string): string | undefined {
  return KUSTOMIZATION_FILE_NAMES.map((name) => (dir === "" ? name : `${dir}/${name}`)).find((path) => index.files.has(path));
}

/** `["spec", "sources", 0, "path"]` -> `spec.sources[0].path`. */
export function dottedPath(path: (string | number)[]): string {
  return path.map((key) => (typeof key === "number" ? `[${key}]` : `.${key}`)).join("").replace(/^\./, "");
}

/** "Kind namespace/name" or "Kind name". */
export function describe(manifest: Manifest): string {
  return `${manifest.kind} ${manifest.namespace ? `${manifest.namespace}/` : ""}${manifest.name}`;
}

const normalised = new Map<string, string>();

/**
 * Normalises a Git URL so that https, ssh and scp-like spellings of one repository compare equal. Remembered: a
 * repository of thousands of sources names a few URLs, compared again for every reference.
 */
export function normaliseRepoUrl(url: string): string {
  let found = normalised.get(url);
  if (found === undefined) {
    found = normaliseUrl(url);
    if (normalised.size > 10_000) normalised.clear();
    normalised.set(url, found);
  }
  return found;
}

function normaliseUrl(url: string): string {
  let value = url.trim().toLowerCase();
  value = value.replace(/^git\+/, "");
  const scp = /^(?:[^@/]+@)?([^:/]+):(?!\/)(.*)$/.exec(value); // git@github.com:org/repo
  if (scp && !/^[a-z]+:\/\//.test(value)) value = `${scp[1]}/${scp[2]}`;
  value = value.replace(/^[a-z+]+:\/\//, "").replace(/^[^@/]+@/, "");
  value = value.replace(/:\d+\//, "/"); // ssh port
  return value.replace(/\/+$/, "").replace(/\.git$/, "").replace(/\/+$/, "");
}
