import { join } from "node:path";
import { readManifest } from "../blueprints/registry.js";
import { defaults } from "../defaults.js";
import { InputError, UsageError } from "../errors.js";
import { parseAnswersFile, type Answers } from "../generator/answers.js";
import { InputFileError, readInputFile } from "../read-input.js";
import { sortedTree, type FileTree } from "../file-tree.js";
import { fileAtCommit, lastCommitTouching, pathsChangedWith, readTreeAtRef } from "../git/repo.js";
import type { RawParamsInput } from "../params/parse.js";
import { appendKey } from "../params/set-flags.js";
import { renderBlueprint, type Rendered } from "../render-blueprint.js";
import { treeSource, validateSource } from "../validators/index.js";
import type { ValidationReport } from "../validators/types.js";
import { bootstrapOwnership } from "./bootstrap-owned.js";
import { mergeFile, type MergeOutcome } from "./merge.js";
import { targetReader } from "../git/read-target.js";
import { summarizeChanges, type ChangeSummary } from "./summary.js";

export interface ParamChange {
  path: string;
  from: unknown;
  to: unknown;
}

/** The blueprint version the answers file records, and the one this plan renders (they differ on an upgrade). */
export interface BlueprintVersionChange {
  id: string;
  from: string;
  to: string;
}

export interface PlanOptions {
  /**
   * `latest` (or the version this tool ships) to upgrade a repository whose answers file records another
   * blueprint version. Without it such a repository is refused: an upgrade is a decision, not a side effect.
   */
  blueprintVersion?: string;
  /** Recorded in the new answers file; defaults to this package's version (tests pin it). */
  toolVersion?: string;
  /**
   * Plan as if the checkout were this commit: its files are read from git's object store (nothing is checked out,
   * symlinks read as absent). Used to recognise a commit this tool made of its parent (see update/own-commits.ts).
   */
  at?: string;
}

export interface Plan {
  dir: string;
  answers: Answers;
  /** Set when the plan upgrades the blueprint (recorded version != rendered version). */
  blueprintUpgrade?: BlueprintVersionChange;
  rendered: Rendered;
  outcomes: MergeOutcome[];
  /** The repository's files after the update (only the paths the generator is concerned with). */
  before: FileTree;
  after: FileTree;
  conflicts: Extract<MergeOutcome, { action: "conflict" }>[];
  paramChanges: ParamChange[];
  summary: ChangeSummary;
  report: ValidationReport;
}

export function readAnswers(dir: string): Answers {
  const file = join(dir, defaults.answersFile);
  let text: string;
  try {
    // The repository's own file, never one a committed symlink leads to (in the clone or outside it).
    text = readInputFile(file, { noFollow: true });
  } catch (error) {
    if (error instanceof InputFileError && error.reason !== "missing") throw new InputError(`${error.message}; restore it from git history`);
    throw new InputError(`${file} not found: ${dir} is not a repository made by ${defaults.toolName} (run it in the repository's root, or create one first)`);
  }
  return parseAnswersFile(text, file);
}

/** The answers file as commit `ref` has it. */
async function answersAt(dir: string, ref: string): Promise<Answers> {
  const name = `${defaults.answersFile} at ${ref.slice(0, 12)}`;
  const text = await fileAtCommit(dir, ref, defaults.answersFile);
  if (text === undefined) throw new InputError(`${name} not found: that commit is not a render of ${defaults.toolName}`);
  return parseAnswersFile(text, name);
}

/** Files of commit `ref` by path (regular files only), as {@link targetReader} reads the work tree. */
async function commitReader(dir: string, ref: string): Promise<(path: string) => Promise<string | undefined>> {
  const tree = await readTreeAtRef(dir, ref);
  return async (path) => tree.get(path);
}

/** Dotted-path differences between two parameter sets. */
export function diffParams(before: unknown, after: unknown, path = ""): ParamChange[] {
  const isObject = (v: unknown) => v !== null && typeof v === "object" && !Array.isArray(v);
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before as object), ...Object.keys(after as object)])].sort();
    // Keys are written as --set takes them, so a label key with dots reads `labels["topology.kubernetes.io/region"]`.
    return keys.flatMap((key) => diffParams((before as any)[key], (after as any)[key], appendKey(path, key)));
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [{ path, from: before, to: after }];
}

const versionParts = (version: string) => version.split(/[.+-]/).slice(0, 3).map((part) => Number.parseInt(part, 10) || 0);

function isNewer(a: string, b: string): boolean {
  const [x, y] = [versionParts(a), versionParts(b)];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i]! > y[i]!;
  return false;
}

/**
 * The blueprint version to render. This tool ships one version of each blueprint, so it can only render that one:
 * a repository recorded with another version needs `--blueprint-version latest` (an explicit upgrade), and one
 * recorded with a newer version needs a newer tool.
 */
export function targetBlueprintVersion(answers: Answers, requested: string | undefined): BlueprintVersionChange | undefined {
  const shipped = readManifest(answers.blueprint).version;
  const recorded = answers.blueprintVersion;
  if (requested !== undefined && requested !== "latest" && requested !== shipped) {
    throw new UsageError(`--blueprint-version ${requested}: this ${defaults.toolName} ships ${answers.blueprint} ${shipped} only; use --blueprint-version latest (or ${shipped})`);
  }
  if (recorded === shipped) return undefined;
  if (isNewer(recorded, shipped)) {
    throw new InputError(
      `${defaults.answersFile} records blueprint ${answers.blueprint} ${recorded}, newer than the ${shipped} this ${defaults.toolName} ships; ` +
        `upgrade ${defaults.toolName} (its version ${answers.toolVersion} wrote the file) and run again`,
    );
  }
  if (requested === undefined) {
    throw new InputError(
      `${defaults.answersFile} records blueprint ${answers.blueprint} ${recorded}, and this ${defaults.toolName} ships ${shipped}; ` +
        `run again with --blueprint-version latest to upgrade (plan shows the upgrade diff, update puts it on a branch)`,
    );
  }
  return { id: answers.blueprint, from: recorded, to: shipped };
}

/**
 * The render the answers file describes: re-rendered with this tool when the blueprint version is the same,
 * otherwise the repository as the tool last committed it (the commit that last wrote the answers file).
 */
async function baseTree(dir: string, answers: Answers, ref: string): Promise<FileTree> {
  if (readManifest(answers.blueprint).version === answers.blueprintVersion) {
    const { tree } = await renderBlueprint(answers.blueprint, { values: { ...answers.params, gitops: answers.gitops } }, { toolVersion: answers.toolVersion });
    return tree;
  }
  const commit = await lastCommitTouching(dir, defaults.answersFile, ref);
  if (!commit) throw new InputError(`cannot find the commit that wrote ${defaults.answersFile}: commit it first, then run again`);
  // Only the files the tool wrote (in the commits that wrote the answers file): the team's own files in that
  // commit's tree are not part of the render, and must not be deleted because the new render lacks them.
  const written = await pathsChangedWith(dir, defaults.answersFile, commit);
  const tree = await readTreeAtRef(dir, commit);
  return sortedTree(new Map([...tree].filter(([path]) => written.has(path))));
}

/** Re-renders from the answers file plus the changes and merges with the repository. Writes nothing. */
export async function planUpdate(dir: string, changes: RawParamsInput, options: PlanOptions = {}): Promise<Plan> {
  const answers = options.at ? await answersAt(dir, options.at) : readAnswers(dir);
  const blueprintUpgrade = targetBlueprintVersion(answers, options.blueprintVersion);
  const recorded = { ...answers.params, gitops: answers.gitops };
  const values = { ...recorded, ...(changes.values ?? {}) };
  const rendered = await renderBlueprint(answers.blueprint, { values, sets: changes.sets }, { toolVersion: options.toolVersion });
  const base = await baseTree(dir, answers, options.at ?? "HEAD");
  const read = options.at ? await commitReader(dir, options.at) : await targetReader(dir);
  // Paths handed over on Day 1 (flux bootstrap's flux-system/) are neither merged into nor deleted.
  const handedOver = await bootstrapOwnership(answers, read);
  const paths = [...new Set([...base.keys(), ...rendered.tree.keys()])].filter((path) => !handedOver.owns(path)).sort();
  const before = new Map<string, string>();
  const after = new Map<string, string>();
  const outcomes: MergeOutcome[] = [];
  for (const path of paths) {
    const theirs = await read(path);
    if (theirs !== undefined) before.set(path, theirs);
    const outcome = mergeFile({ path, base: base.get(path), theirs, ours: rendered.tree.get(path) });
    if (outcome.action === "write") after.set(path, outcome.content);
    else if (outcome.action !== "delete" && theirs !== undefined) after.set(path, theirs);
    outcomes.push(outcome);
  }
  const afterTree = sortedTree(after);
  // Validated with the handed-over files as the repository has them: the Flux Kustomizations name their source there.
  const validated = new Map(afterTree);
  for (const path of [...new Set([...base.keys(), ...rendered.tree.keys()])].filter((path) => handedOver.owns(path))) {
    const content = await read(path);
    if (content !== undefined) validated.set(path, content);
  }
  const conflicts = outcomes.filter((o): o is Extract<MergeOutcome, { action: "conflict" }> => o.action === "conflict");
  return {
    dir,
    answers,
    ...(blueprintUpgrade ? { blueprintUpgrade } : {}),
    rendered,
    outcomes,
    before: sortedTree(before),
    after: afterTree,
    conflicts,
    paramChanges: diffParams(recorded, rendered.params),
    summary: await summarizeChanges(sortedTree(before), afterTree),
    report: await validateSource(treeSource(sortedTree(validated)), { strict: true, repoUrls: [rendered.context.gitops.repoUrl], placeholderUrls: "warning" }), // unset repoUrl: warned by the render
  };
}
