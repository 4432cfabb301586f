import { readdirSync } from "node:fs";
import { join } from "node:path";

/** Folders that hold no repository content of their own: Git's store, installed packages, Terraform's downloads. */
const SKIPPED_DIRS = new Set([".git", "node_modules", ".terraform"]);

/**
 * Every file below `root` as a sorted POSIX path relative to it, without entering the skipped folders. Only names
 * are kept (no content): GitOps references may point at any file or folder, and memory must not grow with file size.
 * Folders that cannot be read are added to `unreadable` (as `path/`).
 */
export function walkFiles(root: string, unreadable: string[] = []): string[] {
  const files: string[] = [];
  const walk = (dir: string, prefix: string) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (error) {
      // A folder below the root that cannot be listed is reported (in `unreadable`) instead of ending the walk.
      if (prefix === "") throw error;
      unreadable.push(prefix);
      return;
    }
    for (const entry of entries) {
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) walk(join(dir, entry.name), `${prefix}${entry.name}/`);
      } else if (entry.isFile()) {
        files.push(`${prefix}${entry.name}`);
      }
    }
  };
  walk(root, "");
  return files.sort();
}
