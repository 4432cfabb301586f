import { readFileSync } from "node:fs";
import { join } from "node:path";
import { readManifest } from "../blueprints/registry.js";
import { defaults } from "../defaults.js";
import { InputError } from "../errors.js";
import { parseAnswersFile, type Answers } from "../generator/answers.js";
import { sortedTree, type FileTree } from "../generator/file-tree.js";
import { lastCommitTouching, readTreeAtRef } from "../git/repo.js";
import type { RawParamsInput } from "../params/parse.js";
import { renderBlueprint, type Rendered } from "../render-blueprint.js";
import { validateTree } from "../validators/index.js";
import type { ValidationReport } from "../validators/types.js";
import { mergeFile, type MergeOutcome } from "./merge.js";
import { summarizeChanges, type ChangeSummary } from "./summary.js";

export interface ParamChange {
  path: string;
  from: unknown;
  to: unknown;
}

export interface Plan {
  dir: string;
  answers: Answers;
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
    text = readFileSync(file, "utf8");
  } catch {
    throw new InputError(`${file} not found: ${dir} is not a repository made by ${defaults.toolName} (run it in the repository's root, or create one first)`);
  }
  return parseAnswersFile(text, file);
}

function readIfPresent(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

/** Dotted-path differences between two parameter sets. */
export function diffParams(before: unknown, after: unknown, path = ""): ParamChange[] {
  const isObject = (v: unknown) => v !== null && typeof v === "object" && !Array.isArray(v);
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before as object), ...Object.keys(after as object)])].sort();
    return keys.flatMap((key) => diffParams((before as any)[key], (after as any)[key], path ? `${path}.${key}` : key));
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [{ path, from: before, to: after }];
}

/**
 * The render the answers file describes: re-rendered with this tool when the blueprint version is the same,
 * otherwise the repository as the tool last committed it (the commit that last wrote the answers file).
 */
async function baseTree(dir: string, answers: Answers): Promise<FileTree> {
  if (readManifest(answers.blueprint).version === answers.blueprintVersion) {
    const { tree } = await renderBlueprint(answers.blueprint, { values: { ...answers.params, gitops: answers.gitops } }, { toolVersion: answers.toolVersion });
    return tree;
  }
  const commit = await lastCommitTouching(dir, defaults.answersFile);
  if (!commit) throw new InputError(`cannot find the commit that wrote ${defaults.answersFile}: commit it first, then run again`);
  return readTreeAtRef(dir, commit);
}

/** Re-renders from the answers file plus the changes and merges with the repository. Writes nothing. */
export async function planUpdate(dir: string, changes: RawParamsInput): Promise<Plan> {
  const answers = readAnswers(dir);
  const recorded = { ...answers.params, gitops: answers.gitops };
  const values = { ...recorded, ...(changes.values ?? {}) };
  const rendered = await renderBlueprint(answers.blueprint, { values, sets: changes.sets });
  const base = await baseTree(dir, answers);
  const paths = [...new Set([...base.keys(), ...rendered.tree.keys()])].sort();
  const before = new Map<string, string>();
  const after = new Map<string, string>();
  const outcomes = paths.map((path) => {
    const theirs = readIfPresent(join(dir, path));
    if (theirs !== undefined) before.set(path, theirs);
    const outcome = mergeFile({ path, base: base.get(path), theirs, ours: rendered.tree.get(path) });
    if (outcome.action === "write") after.set(path, outcome.content);
    else if (outcome.action !== "delete" && theirs !== undefined) after.set(path, theirs);
    return outcome;
  });
  const afterTree = sortedTree(after);
  const conflicts = outcomes.filter((o): o is Extract<MergeOutcome, { action: "conflict" }> => o.action === "conflict");
  return {
    dir,
    answers,
    rendered,
    outcomes,
    before: sortedTree(before),
    after: afterTree,
    conflicts,
    paramChanges: diffParams(recorded, rendered.params),
    summary: await summarizeChanges(sortedTree(before), afterTree),
    report: await validateTree(afterTree, { repoUrls: [rendered.context.gitops.repoUrl] }),
  };
}
