/**
 * The record of what the tool last wrote: committed with every render (`create`, and each `update` in its own commit)
 * at {@link defaults.renderRecord}, it is the merge base of the next `update` and what `check` compares with.
 *
 * Why a committed record, rather than the history or a ref the tool keeps:
 * - History ("the commit that last wrote the answers file") breaks where teams work: a squash or rebase merge on
 *   GitHub leaves the tool's own commit out of main, so main's last answers-file commit is the merge, with the team's
 *   edits in it; CI checkouts are shallow (actions/checkout fetches one commit); and the commit's tree mixes what
 *   the tool wrote with what the team had merged into the same files.
 * - A ref or branch the tool keeps (`refs/create-cluster-repo/base`) is not cloned, fetched or pushed by default,
 *   would have to be pushed beside every pull request, and goes stale when the pull request is squashed.
 * - The record travels with the files: whatever merges the update branch carries it, a depth-1 clone has it, and
 *   it says for each generated file what the tool wrote (a git blob id), so `check` tells a hand edit (the file is
 *   not what the record says) from a render by an older release (the record is not what this release renders).
 *
 * It stays small: the blob id of every generated file and, under `generated`, the full text of only those whose
 * committed copy differs from what was generated (the team's edits that `update` kept, or conflict markers). The
 * text of the others is the committed file itself or, once the team edits it later, the blob in git's history
 * (found by its id, in any clone that has the history). Repositories made before the record existed (release 0.1.0)
 * fall back to the history: see last-render.ts.
 *
 * The record is input like any other file of the repository: read within a size bound, every path checked to be a
 * safe relative path, every id to be a blob id; it is never executed.
 */
import { createHash } from "node:crypto";
import { defaults } from "../defaults.js";
import { InputError } from "../errors.js";
import { assertSafeRelativePath, sortedTree, type FileTree } from "../file-tree.js";
import { toYamlText } from "./yaml-text.js";
import { loadYamlFile } from "../yaml/load.js";

/** The record's own format; a newer one is refused with a message naming it. */
export const RECORD_FORMAT = 1;

/** Largest record read: the ids of a render and the texts of the files the team edited. */
export const MAX_RECORD_BYTES = 8 * 1024 * 1024;

export interface RenderRecord {
  /** Every generated file (the record itself excepted): path -> git blob id (SHA-1) of the content generated. */
  files: Map<string, string>;
  /** The generated text of the files whose committed copy differs from it. */
  generated: Map<string, string>;
}

/**
 * The team's place (defaults.teamDir, in a fleet's added cluster under its folder `root`): rendered only where
 * missing, never recorded, merged or checked.
 */
export const isTeamPath = (path: string, root = "") => path.startsWith(root + defaults.teamDir);

/** The id git gives a file with this content (`git hash-object`): the record's digest, and its key into history. */
export function gitBlobId(content: string): string {
  const bytes = Buffer.from(content, "utf8");
  return createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
}

/**
 * The record of a render: what the tool wrote, so neither the team's place nor paths `written(path)` says the tool
 * did not write (handed over to flux bootstrap). `committed(path)` is the repository's content of a path after the
 * commit (absent: the render itself is committed, as `create` does); the generated text is kept where it differs,
 * deleted files included, so that a later merge needs no history.
 */
export function recordOf(render: FileTree, committed?: (path: string) => string | undefined, written: (path: string) => boolean = () => true, root = ""): RenderRecord {
  const files = new Map<string, string>();
  const generated = new Map<string, string>();
  for (const [path, content] of render) {
    if (path === root + defaults.renderRecord || isTeamPath(path, root) || !written(path)) continue;
    files.set(path, gitBlobId(content));
    if (committed && committed(path) !== content) generated.set(path, content);
  }
  return { files, generated };
}

const HEADER = `# What ${defaults.toolName} last wrote in this repository, rewritten by every create and update in the same commit:
# the git blob id of each generated file as generated and, under "generated", the text of the ones whose committed copy
# differs (your edits that update kept). update merges your edits with the new render from this base, and check tells
# your edits from a render by an older release with it. Do not edit: see "Changing the repository later" in the
# ${defaults.toolName} README.
`;

export function renderRecordFile(record: RenderRecord): string {
  const sorted = (map: Map<string, string>) => Object.fromEntries(sortedTree(map));
  return HEADER + toYamlText({ format: RECORD_FORMAT, files: sorted(record.files), ...(record.generated.size ? { generated: sorted(record.generated) } : {}) });
}

/** The record of a render committed as it is: what `create` (and `add-cluster`, in the cluster's folder `root`) writes. */
export function withRecord(tree: FileTree, root = ""): FileTree {
  return sortedTree([...tree, [root + defaults.renderRecord, renderRecordFile(recordOf(tree, undefined, undefined, root))]]);
}

const BLOB_ID = /^[0-9a-f]{40}$/;

/** Reads a record; errors name the file and what to do. */
export function parseRecordFile(text: string, file: string = defaults.renderRecord): RenderRecord {
  const restore = `restore it from git history (\`git checkout HEAD -- ${defaults.renderRecord}\`)`;
  if (Buffer.byteLength(text) > MAX_RECORD_BYTES) throw new InputError(`${file} is larger than a record of a render (at most ${MAX_RECORD_BYTES / 1024 / 1024} MiB); ${restore}`);
  const data = loadYamlFile(text, file, restore);
  const record = data as { format?: unknown; files?: unknown; generated?: unknown } | null;
  if (!record || typeof record !== "object" || Array.isArray(record)) throw new InputError(`${file}: not a record of a render (a mapping with "format" and "files"); ${restore}`);
  if (typeof record.format !== "number" || record.format > RECORD_FORMAT || record.format < 1) {
    throw new InputError(`${file}: record format ${JSON.stringify(record.format ?? null)} is not one this ${defaults.toolName} reads (it reads ${RECORD_FORMAT}); a newer ${defaults.toolName} wrote it: run that one`);
  }
  const map = (value: unknown, field: string, valid: (entry: unknown) => boolean, what: string): Map<string, string> => {
    if (value === undefined) return new Map();
    if (!value || typeof value !== "object" || Array.isArray(value)) throw new InputError(`${file}: "${field}" must be a mapping of paths to ${what}; ${restore}`);
    const out = new Map<string, string>();
    for (const [path, entry] of Object.entries(value)) {
      try {
        assertSafeRelativePath(path);
      } catch {
        throw new InputError(`${file}: "${field}" names ${JSON.stringify(path)}, which is not a relative path inside the repository; ${restore}`);
      }
      if (!valid(entry)) throw new InputError(`${file}: "${field}.${path}" must be ${what}; ${restore}`);
      out.set(path, entry as string);
    }
    return out;
  };
  const files = map(record.files, "files", (entry) => typeof entry === "string" && BLOB_ID.test(entry), "a git blob id (40 hexadecimal digits)");
  const generated = map(record.generated, "generated", (entry) => typeof entry === "string", "the generated text");
  for (const [path, text] of generated) {
    if (files.get(path) !== gitBlobId(text)) throw new InputError(`${file}: the text recorded for ${path} is not the content whose id "files" records; ${restore}`);
  }
  return { files, generated };
}
