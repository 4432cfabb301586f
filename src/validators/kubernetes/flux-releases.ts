/**
 * Which apiVersion/kind each Flux minor release serves (schemas/flux/served.json, derived from the controllers' CRDs
 * by scripts/derive-flux-served.mjs): what a repository that pins an older Flux than the embedded schemas' may write.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../../_utils.js";

interface ServedTable {
  /** The minor releases, oldest first: "2.0" .. "2.9". */
  releases: string[];
  /** apiVersion -> kind -> ranges of minor releases [first, last] that serve it. */
  served: Record<string, Record<string, [string, string][]>>;
}

let table: ServedTable | undefined;

function servedTable(): ServedTable {
  table ??= JSON.parse(readFileSync(join(packageRoot, "schemas", "flux", "served.json"), "utf8")) as ServedTable;
  return table;
}

/**
 * The minor release a Flux version pin means, as the Flux Operator reads `distribution.version`: exact ("2.5.1",
 * "v2.5.1"), a patch range ("2.5.x") or any 2.x ("2.x", "2", "*": the newest release known). Undefined for a release
 * the table does not know or a range it cannot narrow to one minor (">=2.4"): no pin then.
 */
export function fluxMinorOf(version: string): string | undefined {
  const { releases } = servedTable();
  const trimmed = version.trim();
  if (trimmed === "*" || /^v?2(\.[x*])?(\.[x*])?$/i.test(trimmed)) return releases[releases.length - 1];
  const exact = /^v?2\.(\d+)(\.(\d+|[x*]))?$/i.exec(trimmed);
  if (!exact) return undefined;
  const minor = `2.${Number(exact[1])}`;
  return releases.includes(minor) ? minor : undefined;
}

/**
 * Whether Flux `minor` serves `apiVersion` `kind`: undefined when the table does not know the kind (another group,
 * the Flux Operator's, a controller it was not derived from): then the embedded release decides.
 */
export function servedByFlux(minor: string, apiVersion: string, kind: string): boolean | undefined {
  const { releases, served } = servedTable();
  const group = apiVersion.slice(0, apiVersion.lastIndexOf("/"));
  const known = Object.entries(served).some(([groupVersion, kinds]) => groupVersion.startsWith(`${group}/`) && kinds[kind] !== undefined);
  if (!known) return undefined;
  const position = releases.indexOf(minor);
  return (served[apiVersion]?.[kind] ?? []).some(([first, last]) => releases.indexOf(first) <= position && position <= releases.indexOf(last));
}

/** The apiVersions under which Flux `minor` serves `kind` of `group`. */
export function fluxServedVersions(minor: string, group: string, kind: string): string[] {
  return Object.keys(servedTable().served).filter((apiVersion) => apiVersion.startsWith(`${group}/`) && servedByFlux(minor, apiVersion, kind));
}
