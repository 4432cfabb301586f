import type { FileTree, SourceFile } from "../generator/file-tree.js";
import { treeToSourceFiles } from "../generator/file-tree.js";
import { isManifestCandidate } from "./candidates.js";
import { createKubernetesValidator, type KubernetesValidatorOptions } from "./kubernetes/index.js";
import { inThreadTerraformTools, type TerraformTools } from "./terraform/tools.js";
import { validateGitopsReferences, type GitCheckout } from "./gitops/index.js";
import { summarize, type UnitResult, type ValidationReport } from "./types.js";

export { isManifestCandidate, isManifestFile } from "./candidates.js";
export { validateOnDisk, validateStdin, type DiskInput, type DiskOptions, type Engine } from "./on-disk.js";
export { walkFiles } from "./walk.js";

export interface ValidateOptions extends KubernetesValidatorOptions {
  /** Check Terraform files (parse, fmt, provider attributes, references). @default true */
  terraform?: boolean;
  /** Where the Terraform checks run. @default in this thread */
  terraformTools?: Pick<TerraformTools, "validate">;
  /** Check the repository's GitHub Actions workflows with actionlint (files on disk only). @default true */
  workflows?: boolean;
  /** Check GitOps references (Flux paths/sources/dependsOn, Argo paths, kustomize resources). @default true */
  gitops?: boolean;
  /** URLs that mean "this repository" for Argo CD/Flux path checks. */
  repoUrls?: string[];
  /** The checkout the files are: remotes stand for this repository when `repoUrls` is not given; its branch. */
  checkout?: GitCheckout;
  /** How placeholder repository URLs (the reserved `.invalid` domain) count. @default "error" */
  placeholderUrls?: "error" | "warning";
}

/**
 * Validates a set of files held in memory as a repository (`create` checks its render before writing): Kubernetes
 * manifests against their schemas, Terraform against the provider tables, and the GitOps references between them.
 * Returns data; the caller picks an exit code. Files on disk go through {@link validateOnDisk}, which streams.
 */
export async function validateFiles(files: SourceFile[], options: ValidateOptions = {}): Promise<ValidationReport> {
  const results: UnitResult[] = [];
  // Started first: a worker-backed tool checks Terraform while this thread checks the manifests.
  const terraform = options.terraform === false ? undefined : (options.terraformTools ?? inThreadTerraformTools).validate(files.filter((file) => file.path.endsWith(".tf")));
  terraform?.catch(() => undefined); // awaited below; until then a rejection must not count as unhandled
  const kubernetes = await createKubernetesValidator(options);
  for (const file of files) {
    if (isManifestCandidate(file.path)) results.push(...(await kubernetes.validateFile(file)));
  }
  if (terraform) results.push(...(await terraform));
  if (options.gitops !== false) {
    // The whole repository: kustomize generators and Flux paths may point at non-YAML files and folders.
    results.push(...validateGitopsReferences(files, { repoUrls: options.repoUrls, checkout: options.checkout, placeholderUrls: options.placeholderUrls }));
  }
  return summarize(results);
}

/** `create` validates its own output strictly before anything is written. */
export function validateTree(tree: FileTree, options: ValidateOptions = {}): Promise<ValidationReport> {
  return validateFiles(treeToSourceFiles(tree), { strict: true, ...options });
}
