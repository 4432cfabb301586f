/**
 * Where a cluster's files are in a fleet repository (docs/FLEETS.md). The repository's first cluster keeps the
 * layout `create` gave it (root ""): its answers file, terraform/, infrastructure/, apps/ at the top. A cluster added
 * later lives in `fleet/<name>/`, except its GitOps entry point, which stays `clusters/<name>/` (the path its
 * bootstrap follows), and the repository-wide files (CI, .gitignore), which the first cluster's render owns.
 */
import { defaults } from "../defaults.js";
import type { FileTree } from "../file-tree.js";

export const FLEET_FILE = "fleet.yaml";
export const FLEET_DIR = "fleet/";

/** The folder of a cluster added to the fleet. */
export const addedClusterRoot = (name: string) => `${FLEET_DIR}${name}/`;

export const answersPathOf = (root: string) => root + defaults.answersFile;
export const recordPathOf = (root: string) => root + defaults.renderRecord;

/**
 * Files one repository has once, whatever the number of clusters: CI and its scripts, .gitignore (its patterns are
 * unanchored, so they cover every cluster's folder). A dot-path other than the render record.
 */
export const isRepositoryWide = (path: string) => path.startsWith(".") && !path.startsWith(".cluster-repo/");

/** The add-ons' shared bases of a fleet with Flux clusters (src/fleet/shared-bases.ts), held by the first cluster's render. */
export const BASES_DIR = "environments/_bases/";
export const isSharedBasePath = (path: string) => path.startsWith(BASES_DIR);

/**
 * The first cluster's files whose render knows the fleet: the repository-wide ones (the fleet's CI), its README,
 * which says where its credentials go once the CI plans each cluster in environments of its own, and the add-ons'
 * shared bases. What becomes of them is part of the change that makes or changes the fleet (add-cluster,
 * remove-cluster).
 */
export const knowsTheFleet = (path: string) => isRepositoryWide(path) || path === "README.md" || isSharedBasePath(path);

/**
 * A render moved into the cluster's folder: `clusters/<name>/` stays where bootstrap looks for it, repository-wide
 * files are left to the first cluster, everything else goes under `root`. The identity for the first cluster.
 */
export function relocateTree(tree: FileTree, root: string, clusterPath: string): FileTree {
  if (root === "") return tree;
  const out = new Map<string, string>();
  for (const [path, content] of tree) {
    if (isRepositoryWide(path)) continue;
    out.set(path.startsWith(`${clusterPath}/`) ? path : root + path, content);
  }
  return out;
}

/**
 * Files of the tool and of Terraform rather than Kubernetes manifests, for any cluster of a fleet: the answers files,
 * fleet.yaml, and the Terraform folders (terraform/ and fleet/<name>/terraform/).
 */
export function isToolOrTerraformPath(path: string): boolean {
  const inCluster = path.startsWith(FLEET_DIR) ? path.split("/").slice(2).join("/") : path;
  return path === FLEET_FILE || inCluster === defaults.answersFile || inCluster.startsWith("terraform/");
}

/**
 * The files of one cluster of a fleet, with the repository-wide ones: what its plan validates. Another cluster's
 * folders cannot break this cluster's render (no GitOps object or kustomization of one points into another's), and
 * validating them for each cluster would make `plan --all` and `update --all` grow with the square of the fleet.
 */
export function inClusterScope(path: string, root: string, clusterNames: string[]): boolean {
  if (path.startsWith(FLEET_DIR)) return root !== "" && path.startsWith(root);
  if (path.startsWith("clusters/")) return clusterNames.some((name) => path.startsWith(`clusters/${name}/`));
  return true;
}
