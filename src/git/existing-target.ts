// `create --force` into a directory that already has files: the render is written over them and exactly the
// generated files are committed. The user's other files stay where they are, untracked; a git repository with
// work in progress, or one this tool did not make, is refused with nothing touched.
import { defaults } from "../defaults.js";
import { TargetError } from "../errors.js";
import type { FileTree } from "../file-tree.js";
import { commitPaths, initRepository, type CommitResult } from "./commit.js";
import { plumbing } from "./plumbing.js";
import { gitPlace, headState, localChanges, operationInProgress } from "./work-tree-state.js";
import { writeTreeAtomically } from "./write-tree.js";

/** What writeRepository did. */
export interface WrittenRepository extends CommitResult {
  /** The branch the render was committed on. */
  branch: string;
  /**
   * Files that were in the target before and are not part of the render: left where they were, untracked
   * (not committed). Ignored ones (the generated .gitignore excludes them) are not listed.
   */
  untracked: string[];
}

/** Options for writeRepository. */
export interface WriteRepositoryOptions {
  /** Write into a non-empty directory (see {@link writeIntoExisting}). @default false */
  force?: boolean;
}

const SHOWN = 10;
const list = (paths: string[]) => `${paths.slice(0, SHOWN).join(", ")}${paths.length > SHOWN ? ` and ${paths.length - SHOWN} more` : ""}`;

/**
 * Writes and commits `tree` into a non-empty `targetDir`; only the generated files are committed:
 * - a plain folder becomes a repository on main holding the render; the files that were there stay untracked;
 * - a repository (its top level) must have no operation in progress, no staged or unstaged change, and no
 *   untracked file where the render writes one. One made by this tool (HEAD holds the answers file) gets the render
 *   committed on its current branch; one without commits gets it on main. Any other repository is refused: the
 *   render would mix with a history that is not the tool's (and `--github` would publish it);
 * - a folder inside another repository is refused: create makes a repository of its own.
 * Every refusal is exit 2 and happens before anything is written.
 */
export async function writeIntoExisting(targetDir: string, tree: FileTree, message: string): Promise<WrittenRepository> {
  const place = await gitPlace(targetDir);
  if (place.kind === "inside") {
    throw new TargetError(
      `target directory ${targetDir} is inside the git repository ${place.top}; create makes a repository of its own: choose a directory outside it, or an empty one`,
      2,
    );
  }
  const paths = [...tree.keys()];
  if (place.kind === "none") {
    await writeTreeAtomically(targetDir, tree, { force: true });
    await initRepository(targetDir, { branch: defaults.branch });
    const commit = await commitPaths(targetDir, paths, message);
    return { ...commit, branch: defaults.branch, untracked: await untrackedFiles(targetDir) };
  }

  await assertNothingInProgress(targetDir, tree);
  const head = await headState(targetDir);
  if (!head.unborn && !(head.branch !== undefined && (await hasAnswersFile(targetDir)))) {
    throw new TargetError(
      `target directory ${targetDir} is a git repository that ${defaults.toolName} did not make (${head.branch ?? "the detached HEAD"} has no ${defaults.answersFile}); nothing was written. ` +
        `Render into an empty directory instead; to add the render to an existing GitHub repository, use --github owner/repo --pr-first, which proposes it on top of that repository's main as a pull request`,
      2,
    );
  }
  // A repository without commits has no history to keep: its first commit goes on main, as in a new repository.
  if (head.unborn) await plumbing(targetDir, ["symbolic-ref", "HEAD", `refs/heads/${defaults.branch}`]);
  await writeTreeAtomically(targetDir, tree, { force: true });
  const commit = await commitPaths(targetDir, paths, message);
  return { ...commit, branch: head.unborn ? defaults.branch : head.branch!, untracked: await untrackedFiles(targetDir) };
}

/** Refuses (exit 2, nothing touched) a repository where writing and committing would mix with the user's work. */
async function assertNothingInProgress(dir: string, tree: FileTree): Promise<void> {
  const operation = await operationInProgress(dir);
  if (operation) throw new TargetError(`target directory ${dir} is in the middle of ${operation.name}; finish it first (${operation.finish}), then re-run`, 2);
  const changes = await localChanges(dir);
  if (changes.tracked.length > 0) {
    throw new TargetError(
      `target directory ${dir} is a git repository with uncommitted changes (${list(changes.tracked)}); nothing was written. Commit or stash them, then re-run`,
      2,
    );
  }
  const overwritten = changes.untracked.filter((path) => tree.has(path));
  if (overwritten.length > 0) {
    throw new TargetError(
      `target directory ${dir} has untracked files where the render writes its own (${list(overwritten)}); nothing was written. Commit, move or delete them, then re-run`,
      2,
    );
  }
}

async function hasAnswersFile(dir: string): Promise<boolean> {
  return plumbing(dir, ["cat-file", "-e", `HEAD:${defaults.answersFile}`]).then(
    () => true,
    () => false,
  );
}

/** Files in the work tree that git neither tracks nor ignores. */
async function untrackedFiles(dir: string): Promise<string[]> {
  return (await localChanges(dir)).untracked;
}
