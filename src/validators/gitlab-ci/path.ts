/** The CI configuration GitLab reads, at the repository's root (its default path; projects can name another). */
export function isGitLabCiPath(path: string): boolean {
  return path === ".gitlab-ci.yml" || path === ".gitlab-ci.yaml";
}
