import { resolve } from "node:path";
import { defaults } from "./defaults.js";
import { ValidationFailedError } from "./errors.js";
import type { FileTree } from "./file-tree.js";
import { writeRepository } from "./git/new-repository.js";
import type { RawParamsInput } from "./params/parse.js";
import { renderBlueprint } from "./render-blueprint.js";
import { silentReporter, type Reporter } from "./reporter.js";
import { treeSource, validateSource } from "./validators/index.js";
import { startTerraformWorker } from "./validators/terraform/tools-worker.js";
import type { ValidationReport } from "./validators/types.js";

export interface CreateClusterRepoOptions {
  /** Blueprint id, e.g. `kosmos-multicloud`. */
  blueprint: string;
  /** Where the repository goes; must be absent or empty unless `force`. */
  targetDir: string;
  /** Parameters: values file, prompt answers and --set flags. */
  params: RawParamsInput;
  /** Render and validate, write nothing. @default false */
  dryRun?: boolean;
  /**
   * Write into a non-empty directory: the generated files are replaced and only they are committed; other files
   * stay, untracked. A git repository with local changes, or one this tool did not make, is refused. @default false
   */
  force?: boolean;
  reporter?: Reporter;
  /** Recorded in the answers file; defaults to this package's version. */
  toolVersion?: string;
  /**
   * Run the Terraform tools (.tf formatting and Terraform validation) in a worker thread started first, so that the
   * WebAssembly tools' start-up overlaps parameters, templates and Kubernetes checks on a second core. Same results;
   * needs the compiled worker in dist/, else they run in this thread. Worth it only for Terraform the TypeScript HCL
   * reader declines (hcl-native.ts; never the blueprints' own): the CLI leaves it off. @default false
   */
  terraformWorker?: boolean;
}

export interface CreateClusterRepoResult {
  tree: FileTree;
  report: ValidationReport;
  warnings: string[];
  /** False while the GitOps objects point at the placeholder URL (see defaults.unsetRepoUrl). */
  repoUrlSet: boolean;
  /** Absent on a dry run. */
  commit?: { sha?: string; branch: string };
  /** Files that were in the target before (with --force) and were left there, untracked. */
  untracked?: string[];
  targetDir: string;
}

/** The one pipeline: parameters -> render -> validate -> write + commit. Nothing is written unless all passed. */
export async function createClusterRepo(options: CreateClusterRepoOptions): Promise<CreateClusterRepoResult> {
  const reporter = options.reporter ?? silentReporter;
  const targetDir = resolve(options.targetDir);

  const terraform = options.terraformWorker ? startTerraformWorker() : undefined;
  let rendered, report;
  try {
    // 1. Parameters and render, in memory.
    reporter.step(`rendering blueprint ${options.blueprint}`);
    rendered = await renderBlueprint(options.blueprint, options.params, { toolVersion: options.toolVersion, terraform });
    reporter.success(`rendered ${rendered.tree.size} files`);

    // 2. Validation of the whole render, strict, before anything touches the disk.
    reporter.step("validating manifests, Terraform and GitOps references");
    // The blueprints' own workloads must pass the restricted Pod Security Standards, as their namespaces enforce it.
    // An unset repoUrl is reported as a warning here: the render says so itself (see unsetRepoUrlWarning).
    report = await validateSource(treeSource(rendered.tree), {
      strict: true,
      repoUrls: [rendered.context.gitops.repoUrl],
      terraformTools: terraform,
      podSecurity: { level: "restricted" },
      placeholderUrls: "warning",
    });
  } finally {
    await terraform?.close(); // done with Terraform: the second core goes back to git
  }
  if (!report.valid) throw new ValidationFailedError(report);
  reporter.success(`validated ${report.summary.resources} resources and ${report.summary.checks.total} GitOps/Terraform checks`);
  const repoUrlSet = rendered.context.gitops.repoUrlSet;
  // Warnings once the render stands: a refused create reports its error alone.
  const warnAll = () => rendered.warnings.forEach((warning) => reporter.warn(warning));
  if (options.dryRun) {
    warnAll();
    return { tree: rendered.tree, report, warnings: rendered.warnings, repoUrlSet, targetDir };
  }

  // 3. Write and commit.
  reporter.step(`writing ${targetDir}`);
  const message = defaults.initialCommitMessage(rendered.blueprint.id, rendered.params.clusterName);
  const written = await writeRepository(targetDir, rendered.tree, message, { force: options.force ?? false });
  reporter.success(`committed ${rendered.tree.size} files on ${written.branch}${written.sha ? ` (${written.sha.slice(0, 7)})` : ""}`);
  warnAll();
  return { tree: rendered.tree, report, warnings: rendered.warnings, repoUrlSet, commit: { sha: written.sha, branch: written.branch }, untracked: written.untracked, targetDir };
}
