/**
 * The in-memory result of a render: POSIX relative path -> file content.
 * Every stage up to validation works on this value; only git/ writes it to disk.
 */
export type FileTree = Map<string, string>;

/** A file handed to validators: a path (relative, POSIX) and its text. */
export interface SourceFile {
  path: string;
  content: string;
}

/** Paths must stay inside the target directory: relative, POSIX, no `..`, no empty segments. */
export function assertSafeRelativePath(path: string): void {
  const segments = path.split("/");
  const unsafe =
    path.length === 0 ||
    path.startsWith("/") ||
    /^[A-Za-z]:/.test(path) ||
    path.includes("\\") ||
    path.includes("\0") ||
    segments.some((segment) => segment === "" || segment === "." || segment === "..");
  if (unsafe) throw new Error(`refusing unsafe output path ${JSON.stringify(path)}: paths must be relative and stay inside the target directory`);
}

/** Builds a tree whose iteration order is sorted by path, so output is deterministic. */
export function sortedTree(entries: Iterable<[string, string]>): FileTree {
  const list = [...entries];
  for (const [path] of list) assertSafeRelativePath(path);
  list.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return new Map(list);
}

export function treeToSourceFiles(tree: FileTree): SourceFile[] {
  return [...tree].map(([path, content]) => ({ path, content }));
}
