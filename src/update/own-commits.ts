import { GitError } from "../errors.js";
import { commitsOnTop, readCommit, type CommitInfo } from "../git/repo.js";

/** The commit this run makes of a parent: its tree and message, or `undefined` when it would commit nothing there. */
export type ExpectedCommit = (parent: string) => Promise<{ tree: string; message: string } | undefined>;

const SHOWN = 5;

/**
 * `update --pr` pushes with the maintainer's token and opens the pull request in the maintainer's name, so the
 * branch it pushes must hold nothing but what this run makes on top of the base: a branch that already has the name
 * (the predictable `create-cluster-repo/<change>`, or `--branch`) is recognised by its content, never by its name.
 * Each of its commits on top of `base` must have one parent and be exactly the commit this change makes of that
 * parent (same tree, same message): an earlier run's commit, left by a failed push, passes and the run resumes.
 * From the first commit that is not (a colleague's or a fetched pull request's commit, a merge, a hand-made fix, a
 * render by another version), the branch is refused with those commits named (what is on top of a foreign commit
 * would be pushed with it, so it is not looked into); nothing has been committed, checked out or pushed then.
 * @throws GitError (exit 1) naming the branch, the commits and what to do.
 */
export async function assertOwnCommits(dir: string, options: { branch: string; base: string; expected: ExpectedCommit }): Promise<void> {
  const { branch, base } = options;
  const shas = await commitsOnTop(dir, base, branch);
  let first = 0;
  while (first < shas.length && (await isOwnCommit(await readCommit(dir, shas[first]!), options.expected))) first++;
  const foreign = shas.slice(first);
  if (foreign.length === 0) return;
  const named = await Promise.all(foreign.slice(0, SHOWN).map((sha) => readCommit(dir, sha)));
  const listed = named.map(describeCommit).join("; ");
  const more = foreign.length > SHOWN ? ` and ${foreign.length - SHOWN} more` : "";
  throw new GitError(
    `branch ${branch} already exists and holds ${foreign.length === 1 ? "a commit" : `${foreign.length} commits`} on top of ${base} that this update would not make: ${listed}${more}. ` +
      `update --pr pushes only its own commit, with your token: nothing was committed or pushed. ` +
      `If the branch is a leftover, delete it (git branch -D ${branch}); to keep it, rename it (git branch -m ${branch} <new-name>) or put this update on another branch with --branch <name>; ` +
      `if its commits are yours (a resolved conflict, say), review and push them yourself (git push origin ${branch}).`,
  );
}

/** Whether `commit` is what this run makes of its (single) parent. A plan that cannot be made there says no. */
async function isOwnCommit(commit: CommitInfo, expected: ExpectedCommit): Promise<boolean> {
  if (commit.parents.length !== 1) return false;
  const made = await expected(commit.parents[0]!).catch(() => undefined);
  return made !== undefined && made.tree === commit.tree && made.message === commit.message;
}

/** `1a2b3c4d5e6f "Update x" by Name <email>`: the subject is quoted, so a message cannot pass for the tool's words. */
function describeCommit(commit: CommitInfo): string {
  return `${commit.sha.slice(0, 12)} ${JSON.stringify(commit.message.split("\n")[0]!.slice(0, 72))} by ${commit.author}`;
}
