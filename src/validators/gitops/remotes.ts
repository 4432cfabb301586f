import { readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * The remote URLs of the Git repository whose top level is `root`, read from `.git/config` (no git process: this
 * runs on every `validate`). They tell which Argo CD Applications point into this repository when `--repo-url` is
 * not given; in CI the checkout's `origin` is the repository itself. Only a `.git` folder directly in `root` counts:
 * Argo CD paths are relative to the repository's top level, so a subfolder must not borrow a parent's remotes.
 */
export function gitRemoteUrls(root: string): string[] {
  let config: string;
  try {
    config = readFileSync(join(root, ".git", "config"), "utf8");
  } catch {
    return [];
  }
  const urls: string[] = [];
  let inRemote = false;
  for (const line of config.split(/\r?\n/)) {
    const section = /^\s*\[([^\]]+)\]/.exec(line);
    if (section) {
      inRemote = /^remote\s+"[^"]*"$/.test(section[1]!.trim());
      continue;
    }
    const url = inRemote ? /^\s*url\s*=\s*(.+?)\s*$/.exec(line)?.[1] : undefined;
    if (url) urls.push(url.replace(/^"(.*)"$/, "$1"));
  }
  return urls;
}
