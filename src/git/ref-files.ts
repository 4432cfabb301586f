/**
 * HEAD and the branches, read from the files git keeps them in (gitrepository-layout: `HEAD`, `refs/heads/<name>`,
 * `packed-refs`) instead of asking a git process, where that is sure to give git's answer; `undefined` everywhere
 * else, and the caller asks git as before. Why: `update` asked git four small questions (the branch, HEAD's commit,
 * whether a name is a branch name, whether that branch exists) with a process each, and on a busy machine starting
 * processes is much of what a short command waits for.
 *
 * Sure means: `dir` is the top of a plain repository of this user (a `.git` folder, not a linked work tree or a
 * submodule's `.git` file), on a file system that tells names apart by case, with refs stored as files (no reftable,
 * no repository extension), no environment variable that moves git's folder or its refs, and a branch name that
 * {@link surelyValidBranchName} accepts. Hand-written on node:fs: a git library would be loaded by every command for
 * these few reads. test/git-ref-files.test.ts holds every answer to git's own in each kind of repository.
 */
import { lstatSync, readFileSync, type Stats } from "node:fs";
import { join } from "node:path";

const OBJECT_ID = /^[0-9a-f]{40}$/;

/**
 * Names `git check-ref-format --branch` accepts (git-check-ref-format(1)), of a restricted kind: components of
 * letters, digits, `.`, `_` and `-`, each starting with a letter or a digit, none ending with `.` or `.lock`, no
 * `..`, and not `HEAD`. A name outside it may still be valid: git decides (and words the refusal).
 */
export function surelyValidBranchName(name: string): boolean {
  if (name === "HEAD" || name.includes("..")) return false;
  return name.split("/").every((part) => /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(part) && !part.endsWith(".") && !part.endsWith(".lock"));
}

/** Variables that move git's folder or its refs: with one set, git is asked. */
const MOVING_ENV = /^GIT_(DIR|WORK_TREE|COMMON_DIR|NAMESPACE|CEILING_DIRECTORIES|.*REF.*)$/i;

interface RefStore {
  gitDir: string;
  packed?: Map<string, string> | null;
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

/** The ref store of the plain repository whose top is `dir`, when its refs can be read as files (see the module comment). */
function refStoreAt(dir: string): RefStore | undefined {
  if (Object.keys(process.env).some((key) => MOVING_ENV.test(key))) return undefined;
  const gitDir = join(dir, ".git");
  const uid = process.getuid?.();
  for (const path of [dir, gitDir]) {
    const stats = lstatOrUndefined(path);
    // git refuses a repository another user owns (safe.directory): it then words the refusal
    if (!stats?.isDirectory() || (uid !== undefined && stats.uid !== uid)) return undefined;
  }
  // a linked work tree (commondir), reftable, and a file system that finds HEAD as "head"
  if (["commondir", "reftable", "head"].some((name) => lstatOrUndefined(join(gitDir, name)) !== undefined)) return undefined;
  let config: string;
  try {
    config = readFileSync(join(gitDir, "config"), "utf8");
  } catch {
    return undefined;
  }
  // any repository extension (another object format, ref storage...), or a format version git may read otherwise
  const version = /^\s*repositoryformatversion\s*=\s*(\S*)\s*$/im.exec(config)?.[1];
  if (/^\s*\[\s*extensions\b/im.test(config) || (version !== undefined && version !== "0")) return undefined;
  return { gitDir };
}

/** `packed-refs` as ref name -> id; null when it is missing, undefined when a line is not as git writes it. */
function packedRefs(store: RefStore): Map<string, string> | null | undefined {
  if (store.packed !== undefined) return store.packed;
  let text: string;
  try {
    text = readFileSync(join(store.gitDir, "packed-refs"), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return (store.packed = null);
    return undefined;
  }
  const refs = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#") || /^\^[0-9a-f]{40}$/.test(line)) continue;
    const match = /^([0-9a-f]{40}) (refs\/\S+)$/.exec(line);
    if (!match) return undefined;
    refs.set(match[2]!, match[1]!);
  }
  return (store.packed = refs);
}

/** The id a ref (`refs/...`) points at, null when there is no such ref, undefined when git should say. */
function readRef(store: RefStore, ref: string): string | null | undefined {
  const path = join(store.gitDir, ...ref.split("/"));
  const stats = lstatOrUndefined(path);
  if (stats?.isFile()) {
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch {
      return undefined;
    }
    return OBJECT_ID.test(text.trimEnd()) && text.endsWith("\n") ? text.trimEnd() : undefined; // a symbolic ref, or broken
  }
  if (stats && !stats.isDirectory()) return undefined; // a link or something stranger
  const packed = packedRefs(store);
  if (packed === undefined) return undefined;
  return packed?.get(ref) ?? null;
}

/**
 * What `git symbolic-ref --quiet --short HEAD` and `git rev-parse HEAD` print in `dir`: the checked-out branch
 * (undefined on a detached HEAD), and HEAD's commit (undefined before the first commit). Undefined as a whole when
 * git must be asked.
 */
export function headInProcess(dir: string): { branch: string | undefined; sha: string | undefined } | undefined {
  const store = refStoreAt(dir);
  if (!store) return undefined;
  let head: string;
  try {
    head = readFileSync(join(store.gitDir, "HEAD"), "utf8");
  } catch {
    return undefined;
  }
  if (OBJECT_ID.test(head.trimEnd()) && head.endsWith("\n")) return { branch: undefined, sha: head.trimEnd() };
  const branch = /^ref: refs\/heads\/(\S+)\n$/.exec(head)?.[1];
  if (branch === undefined || !surelyValidBranchName(branch)) return undefined;
  // `--short` says heads/<name> when <name> alone could mean another ref (git's rules: the folder's own file, refs/<name>, refs/tags/<name>)
  if (lstatOrUndefined(join(store.gitDir, branch)) !== undefined) return undefined;
  for (const other of [`refs/${branch}`, `refs/tags/${branch}`]) if (readRef(store, other) !== null) return undefined;
  const sha = readRef(store, `refs/heads/${branch}`);
  if (sha === undefined) return undefined;
  return { branch, sha: sha ?? undefined };
}

/** Whether `git branch --list <name>` lists the branch in the repository whose top is `dir`; undefined when git must say. */
export function branchExistsInProcess(dir: string, name: string): boolean | undefined {
  if (!surelyValidBranchName(name)) return undefined; // a glob, or a name git reads otherwise
  const store = refStoreAt(dir);
  if (!store) return undefined;
  const sha = readRef(store, `refs/heads/${name}`);
  return sha === undefined ? undefined : sha !== null;
}
