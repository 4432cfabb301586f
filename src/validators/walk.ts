import { existsSync, readdirSync, realpathSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { createGitIgnore, type GitIgnore } from "./gitignore.js";

/** Folders that hold no repository content of their own: Git's store, installed packages, Terraform's downloads. */
const SKIPPED_DIRS = new Set([".git", "node_modules", ".terraform"]);

/** A symbolic link the walk did not follow, and why (it names where the link leads). */
export interface RefusedLink {
  path: string;
  reason: string;
}

/**
 * Every file below `root` as a sorted POSIX path relative to it, without entering the skipped folders. Only names
 * are kept (no content): GitOps references may point at any file or folder, and memory must not grow with file size.
 * Folders that cannot be read are added to `unreadable` (as `path/`).
 *
 * Symbolic links are followed as kubeconform, kustomize, Terraform and Flux follow them, while they stay in the
 * repository: a link to a file is that file under the link's name, a link to a folder is walked under the link's
 * name (each real folder once, so a loop ends). A link that leaves the repository, or leads into `.git/` or to a
 * git-ignored file (`.envrc`, `*.tfstate`: what the repository's .gitignore files and .git/info/exclude name) is not
 * followed: it goes to `refused`, named, and nothing behind it is read.
 */
export function walkFiles(root: string, unreadable: string[] = [], refused: RefusedLink[] = []): string[] {
  const files: string[] = [];
  const links: string[] = [];
  const realRoot = realpathSync(root);
  const visited = new Set<string>([realRoot]);
  const ignore = createGitIgnore(root);
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
    if (entries.some((entry) => entry.name === ".gitignore" && entry.isFile())) ignore.add(prefix, join(dir, ".gitignore"));
    for (const entry of entries) {
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) walk(join(dir, entry.name), `${prefix}${entry.name}/`);
      } else if (entry.isFile()) {
        files.push(`${prefix}${entry.name}`);
      } else if (entry.isSymbolicLink()) {
        links.push(`${prefix}${entry.name}`);
      }
    }
  };
  walk(root, "");
  // Links are resolved once every .gitignore has been read; a linked folder may hold more links.
  for (let next = links.shift(); next !== undefined; next = links.shift()) {
    const link = next;
    const target = resolveLink(join(root, link), realRoot, ignore);
    if ("refused" in target) {
      if (target.refused) refused.push({ path: link, reason: target.refused });
      continue;
    }
    if (!target.dir) {
      files.push(link);
      continue;
    }
    if (visited.has(target.real)) continue;
    visited.add(target.real);
    walk(join(root, link), `${link}/`);
  }
  return files.sort();
}

/** Where a link leads: a file or folder inside the repository, or why it is refused (undefined: a dangling link). */
function resolveLink(path: string, realRoot: string, ignore: GitIgnore): { real: string; dir: boolean } | { refused: string | undefined } {
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    // Dangling: Git keeps such links, and they hold nothing to validate. One named as a manifest is reported.
    return { refused: /\.(ya?ml|json|tf)$/i.test(path) && !existsSync(path) ? "it leads to nothing (a dangling link); Flux or Argo CD would fail on it" : undefined };
  }
  const inside = relative(realRoot, real);
  if (inside === "") return { refused: "it leads to the repository's own root folder" };
  if (inside.startsWith("..") || inside.startsWith(sep) || /^[A-Za-z]:/.test(inside)) return { refused: `it leads outside the repository (to ${real}); not followed` };
  const posixInside = inside.split(sep).join("/");
  if (posixInside.split("/").includes(".git")) return { refused: `it leads into .git/ (${posixInside}); not followed` };
  let dir: boolean;
  try {
    const stats = statSync(real);
    // A FIFO, socket or device is skipped, as the walk skips one that is not behind a link.
    if (!stats.isFile() && !stats.isDirectory()) return { refused: undefined };
    dir = stats.isDirectory();
  } catch {
    return { refused: undefined };
  }
  if (ignore.ignores(posixInside, dir)) return { refused: `it leads to ${posixInside}, which .gitignore keeps out of Git; not followed` };
  return { real, dir };
}
