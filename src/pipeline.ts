import { chmod, mkdtemp, readdir, rename, rm, rmdir } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { defaults } from "./defaults.js";
import { TargetError, ValidationFailedError } from "./errors.js";
import type { FileTree } from "./generator/file-tree.js";
import { commitAll, initRepository, writeTreeAtomically } from "./git/repo.js";
import type { RawParamsInput } from "./params/parse.js";
import { renderBlueprint } from "./render-blueprint.js";
import { silentReporter, type Reporter } from "./reporter.js";
import { validateTree } from "./validators/index.js";
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
  /** Write into a non-empty directory, replacing the generated files. @default false */
  force?: boolean;
  reporter?: Reporter;
  /** Recorded in the answers file; defaults to this package's version. */
  toolVersion?: string;
}

export interface CreateClusterRepoResult {
  tree: FileTree;
  report: ValidationReport;
  warnings: string[];
  /** Absent on a dry run. */
  commit?: { sha?: string; branch: string };
  targetDir: string;
}

/** The one pipeline: parameters -> render -> validate -> write + commit. Nothing is written unless all passed. */
export async function createClusterRepo(options: CreateClusterRepoOptions): Promise<CreateClusterRepoResult> {
  const reporter = options.reporter ?? silentReporter;
  const targetDir = resolve(options.targetDir);

  // 1. Parameters and render, in memory.
  reporter.step(`rendering blueprint ${options.blueprint}`);
  const rendered = await renderBlueprint(options.blueprint, options.params, { toolVersion: options.toolVersion });
  for (const warning of rendered.warnings) reporter.warn(warning);
  reporter.success(`rendered ${rendered.tree.size} files`);

  // 2. Validation of the whole render, strict, before anything touches the disk.
  reporter.step("validating manifests, Terraform and GitOps references");
  const report = await validateTree(rendered.tree, { repoUrls: [rendered.context.gitops.repoUrl] });
  if (!report.valid) throw new ValidationFailedError(report);
  reporter.success(`validated ${report.summary.resources} resources`);
  if (options.dryRun) return { tree: rendered.tree, report, warnings: rendered.warnings, targetDir };

  // 3. Write and commit.
  reporter.step(`writing ${targetDir}`);
  const message = defaults.initialCommitMessage(rendered.blueprint.id, rendered.params.clusterName);
  const commit = await writeAndCommit(targetDir, rendered.tree, message, options.force ?? false);
  reporter.success(`committed ${rendered.tree.size} files on ${defaults.branch}${commit.sha ? ` (${commit.sha.slice(0, 7)})` : ""}`);
  return { tree: rendered.tree, report, warnings: rendered.warnings, commit: { sha: commit.sha, branch: defaults.branch }, targetDir };
}

async function isEmptyOrAbsent(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length === 0;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return true;
    throw new TargetError(`cannot read target directory ${dir}: ${(error as Error).message}`, 1, error);
  }
}

/**
 * A new repository is staged complete (files, .git, commit) in a sibling temp directory and renamed into place,
 * so an interrupted run leaves nothing behind. With --force into an existing directory, files are replaced
 * atomically one by one and committed in place.
 */
async function writeAndCommit(targetDir: string, tree: FileTree, message: string, force: boolean) {
  if (!(await isEmptyOrAbsent(targetDir))) {
    if (!force) {
      throw new TargetError(`target directory ${targetDir} is not empty; choose an empty directory, or pass --force to overwrite the generated files in it`, 2);
    }
    await writeTreeAtomically(targetDir, tree, { force: true });
    await initRepository(targetDir, { branch: defaults.branch });
    return commitAll(targetDir, message);
  }
  let staging: string;
  try {
    staging = await mkdtemp(join(dirname(targetDir), `.${basename(targetDir)}.staging-`));
    // mkdtemp makes a private (0700) folder; the repository should get the usual permissions.
    const umask = process.umask();
    await chmod(staging, 0o777 & ~umask);
  } catch (error) {
    throw new TargetError(`cannot create ${targetDir}: ${(error as Error).message}; check that the parent directory exists and is writable`, 1, error);
  }
  try {
    await writeTreeAtomically(staging, tree);
    await initRepository(staging, { branch: defaults.branch, fresh: true });
    const commit = await commitAll(staging, message, { fresh: true });
    await rmdir(targetDir).catch(() => undefined); // an empty target is replaced by the staged one
    await rename(staging, targetDir);
    return commit;
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}
