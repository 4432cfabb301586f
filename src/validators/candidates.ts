import { isToolOrTerraformPath } from "../fleet/layout.js";

/**
 * Whether a YAML/JSON file found while walking a repository is a Kubernetes manifest, rather than a CI workflow
 * (dot-folders), the answers file, Helm values, a package file or Renovate's configuration. Files the user names explicitly are validated
 * whatever their name: this is only for what a folder walk finds.
 */
export function isManifestCandidate(path: string): boolean {
  if (!isManifestFile(path)) return false;
  const segments = path.split("/");
  if (segments.some((segment) => segment.startsWith(".") || segment === "node_modules")) return false;
  if (isToolOrTerraformPath(path)) return false;
  if (/(^|\/)(values(\.[^/]*)?\.ya?ml|Chart\.ya?ml|package(-lock)?\.json|tsconfig[^/]*\.json|renovate\.json5?|[^/]*\.tfvars\.json)$/.test(path)) return false;
  return true;
}

/** YAML or JSON by its name: what the Kubernetes validator reads. */
export function isManifestFile(path: string): boolean {
  return /\.(ya?ml|json)$/i.test(path);
}
