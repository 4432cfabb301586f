/**
 * What the tool last wrote in a repository: the merge base of `update` and `plan`, and what `check` holds the files
 * to. Never a re-render by today's templates: that would make every change between two releases invisible (base and
 * new render equal) and blame it on the team in `check`.
 *
 * - With a record (src/generator/record.ts, written by every render since it exists): each generated file's text is
 *   the record's own copy, or the file as committed when its id matches, or the blob of that id in git's history
 *   (the team edited the file since). A clone whose history lacks that blob (shallow) is told to fetch it.
 * - Without one (a repository made by release 0.1.0): the tree of the commit that last wrote the answers file,
 *   restricted to the files the commits that wrote it changed. That needs the history: a shallow clone is told to
 *   fetch it, a repository where no commit wrote the answers file is told what to do.
 */
import { defaults } from "../defaults.js";
import { InputError } from "../errors.js";
import { sortedTree, type FileTree } from "../file-tree.js";
import { gitBlobId, parseRecordFile, type RenderRecord } from "../generator/record.js";
import { isGitWorkTree, isShallowRepository, readBlobs } from "../git/blobs.js";
import { recordPathOf } from "../fleet/layout.js";
import { lastCommitTouching, pathsChangedWith, readTreeAtRef } from "../git/repo.js";

export interface LastRender {
  /** Path -> the text the tool wrote there. */
  tree: FileTree;
  /** Where it was read from: the committed record, or the commit that last wrote the answers file. */
  source: { kind: "record"; record: RenderRecord } | { kind: "history"; commit: string };
}

/** In GitHub Actions the checkout's depth is a step option; elsewhere a fetch deepens a clone. */
const UNSHALLOW = "`git fetch --unshallow` (in GitHub Actions: `fetch-depth: 0` on actions/checkout)";

type Reader = (path: string) => Promise<string | undefined>;

/**
 * The last render of the repository in `dir`, whose files `read` reads; only the paths `needed(path)` holds (the
 * others, such as flux bootstrap's files, need not be found).
 * @throws InputError (exit 2) when it cannot be found, saying what to fetch or do.
 */
export async function lastRender(dir: string, read: Reader, needed: (path: string) => boolean = () => true, ref = "HEAD", root = ""): Promise<LastRender> {
  const recordText = await read(recordPathOf(root));
  if (recordText !== undefined) {
    const record = parseRecordFile(recordText, recordPathOf(root));
    return { tree: await recordedTexts(dir, record, read, needed), source: { kind: "record", record } };
  }
  const last = await fromHistory(dir, ref);
  return { ...last, tree: sortedTree([...last.tree].filter(([path]) => needed(path))) };
}

/** Each recorded file's text: from the record, the committed copy, or git's history (in that order). */
export async function recordedTexts(dir: string, record: RenderRecord, read: Reader, needed: (path: string) => boolean = () => true): Promise<FileTree> {
  const tree = new Map<string, string>();
  const wanted = new Map<string, string>();
  for (const [path, id] of record.files) {
    if (!needed(path)) continue;
    const text = record.generated.get(path) ?? (await read(path).catch(() => undefined));
    if (text !== undefined && gitBlobId(text) === id) tree.set(path, text);
    else wanted.set(path, id);
  }
  if (wanted.size === 0) return sortedTree(tree);
  const git = await isGitWorkTree(dir);
  const blobs = git ? await readBlobs(dir, wanted.values()) : new Map<string, string>();
  const missing: string[] = [];
  for (const [path, id] of wanted) {
    const text = blobs.get(id);
    if (text === undefined) missing.push(path);
    else tree.set(path, text);
  }
  if (missing.length > 0) throw await missingTexts(dir, git, missing);
  return sortedTree(tree);
}

async function missingTexts(dir: string, git: boolean, missing: string[]): Promise<InputError> {
  const what = `${defaults.renderRecord} records what ${defaults.toolName} wrote in ${missing.length} file(s) you changed since, and their text as generated is not in this repository`;
  if (!git) return new InputError(`${what}: it is in the git history, and ${dir} is not a git clone. Run this in a clone of the repository`, missing);
  if (await isShallowRepository(dir)) return new InputError(`${what}: this clone is shallow, and the text is in the history it left out. Fetch it with ${UNSHALLOW}, then run again`, missing);
  return new InputError(
    `${what}: the commits that held it are not in this clone's history (rewritten, or a copy without them). Fetch them (\`git fetch origin\`), ` +
      `or restore each file as ${defaults.toolName} wrote it (the record names its blob id) and commit it, then run again`,
    missing,
  );
}

/** Release 0.1.0 wrote no record: the commit that last wrote the answers file, and only the files the tool wrote. */
async function fromHistory(dir: string, ref: string): Promise<LastRender> {
  const noRecord = `${defaults.answersFile} has no ${defaults.renderRecord} beside it (${defaults.toolName} 0.1.0 wrote none), so what the tool last wrote is read from the history`;
  if (!(await isGitWorkTree(dir))) throw new InputError(`${noRecord}, and ${dir} is not a git clone: run this in a clone of the repository`);
  if (await isShallowRepository(dir)) throw new InputError(`${noRecord}, and this clone is shallow: fetch the history with ${UNSHALLOW}, then run again`);
  const commit = await lastCommitTouching(dir, defaults.answersFile, ref);
  if (!commit) {
    throw new InputError(
      `${noRecord}, and no commit of this branch wrote ${defaults.answersFile}: it is not committed, or the branch's history does not hold the commit that made the repository. ` +
        `Commit the repository as ${defaults.toolName} made it (or check out the branch that has it), then run again`,
    );
  }
  // Only the files the tool wrote (in the commits that wrote the answers file): the team's own files in that
  // commit's tree are not part of the render, and must not be deleted because the new render lacks them.
  const written = await pathsChangedWith(dir, defaults.answersFile, commit);
  const tree = await readTreeAtRef(dir, commit);
  return { tree: sortedTree([...tree].filter(([path]) => written.has(path))), source: { kind: "history", commit } };
}
