/** Every default name, path, branch prefix and message in one place. */
export const defaults = {
  toolName: "create-cluster-repo",
  /** The answers file at the root of every generated repo. */
  answersFile: "cluster-repo.yaml",
  /**
   * What the tool last wrote, committed with every render: the merge base of `update` and what `check` compares with
   * (see src/update/record.ts). In a dot-folder, which `validate` walks past like .github/ (it holds no manifests).
   */
  renderRecord: ".cluster-repo/rendered.yaml",
  /**
   * The team's own workloads and infrastructure (team/apps/, team/infrastructure/): the render wires them in (both
   * engines) and writes their kustomization.yaml files when missing, and never owns them: no merge, no deletion,
   * not in the record nor in `check`.
   */
  teamDir: "team/",
  branch: "main",
  gitops: "flux" as const,
  /** Branches the PR workflow pushes: `create-cluster-repo/<slug>`. */
  branchPrefix: "create-cluster-repo/",
  commitAuthor: { name: "create-cluster-repo", email: "create-cluster-repo@users.noreply.github.com" },
  initialCommitMessage: (blueprint: string, cluster: string) => `Add ${blueprint} cluster ${cluster}`,
  /**
   * What the GitOps objects point at while `repoUrl` is unset (neither --set repoUrl nor --github gave one). The
   * `.invalid` top-level domain is reserved never to resolve (RFC 6761), so nothing can ever be fetched from it:
   * `validate` and `check` fail on it until the URL is set, instead of a repository that silently syncs nothing.
   */
  unsetRepoUrl: (cluster: string) => `https://repo-url-not-set.invalid/${cluster}.git`,
  /**
   * Largest --values or answers file read. Parameter files are a few KiB; YAML parsing with duplicate-key checks
   * grows with the square of the number of keys, so a huge file would hold the tool for minutes.
   */
  maxParamsFileBytes: 64 * 1024,
  fluxNamespace: "flux-system",
  argoNamespace: "argocd",
  /** The Flux and Argo CD releases the generated README installs (CLI, bootstrap, install manifests). */
  fluxVersion: "v2.9.4",
  argoCdVersion: "v3.5.1",
  /**
   * Terraform versions every blueprint's configuration is written for: `required_version` in versions.tf, and the
   * range both generated workflows install (hashicorp/setup-terraform takes npm semver ranges, see
   * terraformSetupRange). 1.11: the S3 backend's lock file (`use_lockfile`) is generally available (experimental in 1.10).
   */
  terraformRequiredVersion: ">= 1.11.0, < 2.0.0",
  /**
   * The image GitLab CI's Terraform jobs run in: one exact release inside that range, so that the reviewed plan and
   * the apply are made by the same Terraform (the apply also compares the version the plan recorded).
   */
  terraformImage: "hashicorp/terraform:1.11.4",
} as const;

export type GitopsEngine = "flux" | "argo";
