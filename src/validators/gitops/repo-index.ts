/**
 * An index of a repository held in memory: its files and directories, and every YAML document with enough
 * position information to point at the line of any field.
 */
import { posix } from "node:path";
import { LineCounter, parseAllDocuments, type Document } from "yaml";
import type { SourceFile } from "../../generator/file-tree.js";

export type Json = Record<string, unknown>;

export interface Manifest {
  file: string;
  /** Index of the document in its file (0-based). */
  index: number;
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

export function isYamlFile(path: string): boolean {
  return /\.ya?ml$/i.test(path) || posix.basename(path) === "Kustomization";
}

function lineFinder(document: Document, lines: LineCounter, fallback: number): (path: (string | number)[]) => number {
  return (path) => {
    for (let depth = path.length; depth >= 0; depth--) {
      const node = document.getIn(path.slice(0, depth), true) as { range?: [number, number, number] } | undefined;
      if (node && typeof node === "object" && node.range) return lines.linePos(node.range[0]).line;
    }
    return fallback;
  };
}

/** Indexes files, directories (every ancestor of a file, "" for the root) and YAML documents with a kind. */
export function indexRepo(files: SourceFile[]): RepoIndex {
  const index: RepoIndex = { files: new Set(), dirs: new Set([""]), manifests: [], byFile: new Map() };
  for (const file of files) {
    index.files.add(file.path);
    let dir = posix.dirname(file.path);
    while (dir !== "." && dir !== "/" && !index.dirs.has(dir)) {
      index.dirs.add(dir);
      dir = posix.dirname(dir);
    }
  }
  for (const file of files) {
    if (!isYamlFile(file.path)) continue;
    const lines = new LineCounter();
    let documents: Document[];
    try {
      documents = parseAllDocuments(file.content, { lineCounter: lines }) as Document[];
    } catch {
      continue; // YAML syntax is the Kubernetes validator's concern
    }
    if (!Array.isArray(documents)) continue;
    const list: Manifest[] = [];
    documents.forEach((document, docIndex) => {
      if (document.errors.length > 0) return;
      const object: unknown = document.toJS();
      if (!isObject(object)) return;
      const start = document.contents?.range?.[0] ?? 0;
      const line = lines.linePos(start).line;
      const manifest: Manifest = {
        file: file.path,
        index: docIndex,
        object,
        apiVersion: stringAt(object, "apiVersion") ?? "",
        kind: stringAt(object, "kind") ?? "",
        name: stringAt(object, "metadata", "name") ?? "",
        namespace: stringAt(object, "metadata", "namespace"),
        line,
        lineOf: lineFinder(document, lines, line),
      };
      list.push(manifest);
      index.manifests.push(manifest);
    });
    index.byFile.set(file.path, list);
  }
  return index;
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

export function kustomizationIn(index: RepoIndex, dir: string): string | undefined {
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

/** Normalises a Git URL so that https, ssh and scp-like spellings of one repository compare equal. */
export function normaliseRepoUrl(url: string): string {
  let value = url.trim().toLowerCase();
  value = value.replace(/^git\+/, "");
  const scp = /^(?:[^@/]+@)?([^:/]+):(?!\/)(.*)$/.exec(value); // git@github.com:org/repo
  if (scp && !/^[a-z]+:\/\//.test(value)) value = `${scp[1]}/${scp[2]}`;
  value = value.replace(/^[a-z+]+:\/\//, "").replace(/^[^@/]+@/, "");
  value = value.replace(/:\d+\//, "/"); // ssh port
  return value.replace(/\/+$/, "").replace(/\.git$/, "").replace(/\/+$/, "");
}
