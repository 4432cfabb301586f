/** Every default name, path, branch prefix and message in one place. */
export const defaults = {
  toolName: "create-cluster-repo",
  /** The answers file at the root of every generated repo. */
  answersFile: "cluster-repo.yaml",
  branch: "main",
  gitops: "flux" as const,
  /** Branches the PR workflow pushes: `create-cluster-repo/<slug>`. */
  branchPrefix: "create-cluster-repo/",
  commitAuthor: { name: "create-cluster-repo", email: "create-cluster-repo@users.noreply.github.com" },
  initialCommitMessage: (blueprint: string, cluster: string) => `Add ${blueprint} cluster ${cluster}`,
  /** Default repository URL when neither --set repoUrl nor --github gives one. */
  repoUrl: (cluster: string) => `https://github.com/example-org/${cluster}.git`,
  /**
   * Largest --values or answers file read. Parameter files are a few KiB; YAML parsing with duplicate-key checks
   * grows with the square of the number of keys, so a huge file would hold the tool for minutes.
   */
  maxParamsFileBytes: 64 * 1024,
  fluxNamespace: "flux-system",
  argoNamespace: "argocd",
  /**
   * Terraform versions the generated configuration is written for (`required_version` in versions.tf): the S3
   * backend's lock file (`use_lockfile`) is generally available from 1.11 (experimental in 1.10).
   */
  terraformRequiredVersion: ">= 1.11.0, < 2.0.0",
  /** The same range as hashicorp/setup-terraform's `terraform_version` takes it (an npm semver range). */
  terraformSetupRange: ">=1.11.0 <2.0.0",
} as const;

export type GitopsEngine = "flux" | "argo";
