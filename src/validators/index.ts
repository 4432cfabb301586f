import type { FileTree, SourceFile } from "../generator/file-tree.js";
import { treeToSourceFiles } from "../generator/file-tree.js";
import { defaults } from "../defaults.js";
import { createKubernetesValidator, type KubernetesValidatorOptions } from "./kubernetes/index.js";
import { validateTerraform } from "./terraform/index.js";
import { validateGitopsReferences } from "./gitops/index.js";
import { summarize, type UnitResult, type ValidationReport } from "./types.js";

export interface ValidateOptions extends KubernetesValidatorOptions {
  /** Check Terraform files (parse, fmt, provider attributes, references). @default true */
  terraform?: boolean;
  /** Check GitOps references (Flux paths/sources/dependsOn, Argo paths, kustomize resources). @default true */
  gitops?: boolean;
  /** URLs that mean "this repository" for Argo CD/Flux path checks. */
  repoUrls?: string[];
}

/** YAML files in a repository that are not Kubernetes manifests: CI workflows, the answers file, Helm values. */
export function isManifestCandidate(path: string): boolean {
  if (!/\.(ya?ml|json)$/i.test(path)) return false;
  const segments = path.split("/");
  if (segments.some((segment) => segment.startsWith(".") || segment === "node_modules")) return false;
  if (path === defaults.answersFile || segments[0] === "terraform") return false;
  if (/(^|\/)(values(\.[^/]*)?\.ya?ml|Chart\.ya?ml|package(-lock)?\.json|tsconfig[^/]*\.json|[^/]*\.tfvars\.json)$/.test(path)) return false;
  return true;
}

/**
 * Validates a set of files as a repository: Kubernetes manifests against their schemas, Terraform against the
 * provider tables, and the GitOps references between them. Returns data; the caller picks an exit code.
 */
export async function validateFiles(files: SourceFile[], options: ValidateOptions = {}): Promise<ValidationReport> {
  const results: UnitResult[] = [];
  const kubernetes = await createKubernetesValidator(options);
  for (const file of files) {
    if (isManifestCandidate(file.path)) results.push(...(await kubernetes.validateFile(file)));
  }
  if (options.terraform !== false) {
    results.push(...(await validateTerraform(files.filter((file) => file.path.endsWith(".tf")))));
  }
  if (options.gitops !== false) {
    // The whole repository: kustomize generators and Flux paths may point at non-YAML files and folders.
    results.push(...validateGitopsReferences(files, { repoUrls: options.repoUrls }));
  }
  return summarize(results);
}

/** `create` validates its own output strictly before anything is written. */
export function validateTree(tree: FileTree, options: ValidateOptions = {}): Promise<ValidationReport> {
  return validateFiles(treeToSourceFiles(tree), { strict: true, ...options });
}
