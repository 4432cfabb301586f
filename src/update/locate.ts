import { lstatSync, readlinkSync, statSync } from "node:fs";
import { realpath } from "node:fs/promises";
import { join, resolve } from "node:path";
import { defaults } from "../defaults.js";
import { InputError } from "../errors.js";
import { plumbing } from "../git/plumbing.js";
import { OPERATION_MARKER_ARGS } from "../git/work-tree-state.js";
import { nonRegularFileDetail } from "../read-input.js";

const HOW = `run it in the root of a repository made by ${defaults.toolName} (or pass that directory), or make one with \`${defaults.toolName} --blueprint <name> <dir>\``;

/**
 * Checks, before any git command can fail with a bare "fatal: not a git repository", that `dir` is where `plan`,
 * `update` and `check` work: an existing directory holding the answers file, and (`git`) the root of a git work
 * tree, since update commits on a branch and a blueprint upgrade reads the history.
 * @throws InputError (exit 2) saying what is wrong, where, and what to do.
 */
export async function assertToolRepository(dir: string, command: string, options: { git: boolean }): Promise<GitRoot | undefined> {
  const stats = (() => {
    try {
      return statSync(dir);
    } catch {
      return undefined;
    }
  })();
  if (!stats) throw new InputError(`${command}: ${dir} does not exist; ${HOW}`);
  if (!stats.isDirectory()) throw new InputError(`${command}: ${dir} is not a directory; ${HOW}`);
  const answers = join(dir, defaults.answersFile);
  let answersStats;
  try {
    answersStats = lstatSync(answers);
  } catch {
    throw new InputError(`${command}: ${answers} not found: ${dir} is not a repository made by ${defaults.toolName}; ${HOW}`);
  }
  // Read only as the repository's own regular file: a committed symlink could lead anywhere (outside the
  // repository, or to a local file of this clone).
  if (answersStats.isSymbolicLink()) {
    throw new InputError(
      `${command}: ${answers} is a symbolic link (to ${readlinkSync(answers)}); the answers file is read only as a regular file in the repository: replace the link by the file itself, then re-run`,
    );
  }
  // A FIFO there would block the read, a link to /dev/zero never end it.
  const notRegular = nonRegularFileDetail(answers, answersStats);
  if (notRegular) throw new InputError(`${command}: ${answers}: ${notRegular}; restore it from git history`);
  if (!options.git) return undefined;
  const known = gitRoots.get(resolve(dir));
  if (known) return known;
  // The markers of git operations in the same process: update and propose look for one next.
  const [top, ...operationMarkers] = (await plumbing(dir, ["rev-parse", "--show-toplevel", ...OPERATION_MARKER_ARGS]).catch(() => "")).split("\n");
  if (!top) {
    throw new InputError(
      `${command}: ${dir} is not a git repository; ${command} reads the repository's history and commits on a branch. ` +
        `Run it in a clone of the repository, or run \`git init && git add -A && git commit -m "Initial render"\` there first`,
    );
  }
  const [realTop, realDir] = await Promise.all([realpath(top), realpath(dir)]);
  if (realTop !== realDir) {
    throw new InputError(`${command}: ${dir} is inside the git repository ${top} but is not its root; ${command} works on a repository of its own: run it in ${top} if that is the generated repository`);
  }
  const root: GitRoot = { operationMarkers };
  gitRoots.set(resolve(dir), root);
  return root;
}

/** What the root check of a git work tree learnt besides: see {@link operationInProgress}. */
export interface GitRoot {
  operationMarkers: readonly string[];
}

/**
 * Directories this process found to be the root of a git work tree: the CLI checks before a fleet is read, and
 * updateRepository (also an API) checks again; a root stays one, so git is asked once (a process less per update).
 */
const gitRoots = new Map<string, GitRoot>();
