/**
 * The git layer: write a render to disk, commit it, manage the PR branch and push it.
 * Everything here shells out to the real `git` (through simple-git), except the reads of src/git/ref-files.ts and
 * the first commit of src/git/first-commit.ts; nothing stores credentials.
 */
export { writeRepository, removeStaleStaging } from "./new-repository.js";
export { writeTreeAtomically, type WriteTreeOptions, type WriteTreeResult } from "./write-tree.js";
export { initRepository, commitAll, type InitRepositoryOptions, type CommitOptions, type CommitResult } from "./commit.js";
export { commitsOnTop, readCommit, createOrResetBranch, currentBranch, headCommit, fileAtCommit, lastCommitTouching, pathsChangedWith, readTreeAtRef, assertBranchName, isAncestor, overlayCommit, rootCommit, type CommitInfo } from "./branches.js";
export { fetchRemoteBranch, pushBranch, type PushOptions, type PushResult } from "./push.js";
export { DEFAULT_IDENTITY, type GitIdentity } from "./client.js";
