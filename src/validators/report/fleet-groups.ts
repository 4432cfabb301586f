/**
 * A fleet's validation report grouped by cluster (docs/FLEETS.md): each file belongs to the cluster whose folders
 * hold it (`fleet/<name>/` and `clusters/<name>/` for an added cluster; everything else at the top for the first
 * one), or to the repository as a whole (CI files, fleet.yaml and the environments' overlays, which every cluster of
 * an environment shares), shown last. Pure: paths in, groups out.
 */
import type { UnitResult, ValidationReport } from "../types.js";

/** One cluster of the fleet as the report names it. */
export interface ReportCluster {
  name: string;
  environment?: string;
  /** "" for the first cluster, `fleet/<name>/` for one added later. */
  root: string;
}

/** One heading of the grouped report: a cluster, or the repository-wide files (cluster null). */
export interface ReportGroup {
  cluster: ReportCluster | null;
  results: UnitResult[];
}

const isRepositoryWide = (path: string) => path === "fleet.yaml" || path.startsWith("environments/") || (path.startsWith(".") && !path.startsWith(".cluster-repo/"));

/** The cluster a repository path belongs to, or null for a repository-wide file. */
export function clusterOfPath(path: string, clusters: ReportCluster[]): ReportCluster | null {
  const [top, name] = path.split("/");
  if (top === "fleet" || top === "clusters") {
    const owner = clusters.find((cluster) => cluster.name === name && (top === "clusters" || cluster.root !== ""));
    if (owner) return owner;
  }
  if (isRepositoryWide(path)) return null;
  return clusters.find((cluster) => cluster.root === "") ?? null;
}

/**
 * The report's results by cluster, in the fleet's order, then the repository-wide ones. `prefix`: the folder the
 * report's paths start with when the repository was validated from elsewhere (`validate path/to/repo`).
 */
export function groupByCluster(report: ValidationReport, clusters: ReportCluster[], prefix = ""): ReportGroup[] {
  const groups = new Map<ReportCluster | null, UnitResult[]>([...clusters.map((cluster) => [cluster, []] as [ReportCluster, UnitResult[]]), [null, []]]);
  const lead = prefix ? `${prefix.replace(/\/$/, "")}/` : "";
  for (const result of report.results) {
    const path = lead && result.file.startsWith(lead) ? result.file.slice(lead.length) : result.file;
    groups.get(clusterOfPath(path, clusters))!.push(result);
  }
  return [...groups].map(([cluster, results]) => ({ cluster, results }));
}
