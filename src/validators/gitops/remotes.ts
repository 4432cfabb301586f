import { readFileSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";

/** What a checkout tells about the repository it is: where it comes from and which branch is checked out. */
export interface GitCheckout {
  /** Its remotes' URLs. */
  remoteUrls: string[];
  /** The checked-out branch; undefined for a detached HEAD. */
  branch?: string;
  /** The default branch of `origin` as the clone recorded it (`refs/remotes/origin/HEAD`), when it did. */
  defaultBranch?: string;
  /** The repository's top level (absolute) when `root` is a folder below it; its remotes and branch are read there. */
  topLevel?: string;
  /** `root` itself (absolute), when it is a folder below `topLevel`. */
  folder?: string;
}

/**
 * The Git directories of the repository whose top level is `root`: `.git` itself, or for a linked worktree the
 * folder its `.git` file names (HEAD) and the main repository's (config, remote refs).
 */
function gitDirs(root: string): { gitDir: string; commonDir: string } | undefined {
  const dotGit = join(root, ".git");
  try {
    if (statSync(dotGit).isDirectory()) return { gitDir: dotGit, commonDir: dotGit };
    const pointer = /^gitdir:\s*(.+?)\s*$/m.exec(readFileSync(dotGit, "utf8"))?.[1];
    if (!pointer) return undefined;
    const gitDir = isAbsolute(pointer) ? pointer : resolve(root, pointer);
    let commonDir = gitDir;
    try {
      const common = readFileSync(join(gitDir, "commondir"), "utf8").trim();
      commonDir = isAbsolute(common) ? common : resolve(gitDir, common);
    } catch {
      // a submodule's git directory has no commondir: it is its own
    }
    return { gitDir, commonDir };
  } catch {
    return undefined;
  }
}

/** The top level of the repository `root` is in (the nearest folder, `root` included, that holds `.git`). */
function topLevelOf(root: string): string | undefined {
  for (let dir = resolve(root); ; dir = dirname(dir)) {
    try {
      statSync(join(dir, ".git"));
      return dir;
    } catch {
      // not here: one level up
    }
    if (dirname(dir) === dir) return undefined;
  }
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

/**
 * Reads the checkout at `root` from its Git files (no git process: this runs on every `validate`). In CI, a pull
 * request is checked out detached; `GITHUB_BASE_REF`, the branch it merges into, then stands for the branch (pass
 * `env` to read it).
 */
export function readGitCheckout(root: string, env: Record<string, string | undefined> = {}): GitCheckout {
  const top = topLevelOf(root);
  const dirs = top === undefined ? undefined : gitDirs(top);
  if (top === undefined || !dirs) return { remoteUrls: [] };
  const checkout: GitCheckout = { remoteUrls: remoteUrlsIn(readText(join(dirs.commonDir, "config")) ?? "") };
  const head = readText(join(dirs.gitDir, "HEAD"));
  const branch = head === undefined ? undefined : /^ref:\s*refs\/heads\/(.+?)\s*$/m.exec(head)?.[1];
  if (branch) checkout.branch = branch;
  else if (env.GITHUB_BASE_REF) checkout.branch = env.GITHUB_BASE_REF;
  const originHead = readText(join(dirs.commonDir, "refs", "remotes", "origin", "HEAD"));
  const defaultBranch = originHead === undefined ? undefined : /^ref:\s*refs\/remotes\/origin\/(.+?)\s*$/m.exec(originHead)?.[1];
  if (defaultBranch) checkout.defaultBranch = defaultBranch;
  if (top !== resolve(root)) {
    checkout.topLevel = top;
    checkout.folder = resolve(root);
  }
  return checkout;
}

/**
 * The remote URLs of the Git repository `root` is in (its top level or a folder below), read from its config. They
 * tell which Flux sources and Argo CD Applications point into this repository when `--repo-url` is not given; in CI
 * the checkout's `origin` is the repository itself.
 */
export function gitRemoteUrls(root: string): string[] {
  return readGitCheckout(root).remoteUrls;
}

function remoteUrlsIn(config: string): string[] {
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
