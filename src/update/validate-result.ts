/**
 * The repository as a change leaves it, validated whole: the merged files together with every other file of the
 * repository (the team's own apps, what a kustomization lists, their workflows), as CI validates it after the merge
 * (`validate --strict --pod-security restricted`). A change is refused only for failures it brings: one the
 * repository already has is reported apart ("already failing before this change"), or no update could ever fix it.
 */
import type { FileTree } from "../file-tree.js";
import { treeSource, validateSource } from "../validators/index.js";
import { summarize, type Problem, type UnitResult, type ValidationReport } from "../validators/types.js";

export interface ResultValidation {
  /** The whole repository after the change. */
  report: ValidationReport;
  /** The failures the change brings: `update` refuses while there is one. A report of those units only. */
  introduced: ValidationReport;
  /** Failures the repository already had before the change (not the change's doing). */
  preexisting: Problem[];
}

const isFailure = (result: UnitResult) => result.status === "invalid" || result.status === "error";
/** A problem's identity across two trees: lines move when a file changes, what is wrong where does not. */
const key = (p: Problem) => `${p.file}\0${p.rule}\0${p.resource ?? ""}\0${p.path ?? ""}\0${p.message}`;

export async function validateResult(after: FileTree, before: () => Promise<FileTree>, repoUrls: string[]): Promise<ResultValidation> {
  const options = { strict: true, repoUrls, placeholderUrls: "warning" as const, podSecurity: { level: "restricted" as const } };
  const report = await validateSource(treeSource(after), options);
  if (report.valid) return { report, introduced: report, preexisting: [] };
  const baseline = await validateSource(treeSource(await before()), options);
  const known = new Set(baseline.results.filter(isFailure).flatMap((result) => result.problems.map(key)));
  const preexisting: Problem[] = [];
  const introducedUnits: UnitResult[] = [];
  for (const result of report.results) {
    if (!isFailure(result)) continue;
    const fresh = result.problems.filter((problem) => problem.severity !== "error" || !known.has(key(problem)));
    preexisting.push(...result.problems.filter((problem) => problem.severity === "error" && known.has(key(problem))));
    if (fresh.some((problem) => problem.severity === "error")) introducedUnits.push({ ...result, problems: fresh });
  }
  return { report, introduced: summarize(introducedUnits), preexisting };
}
