import { InputError, ParamsError, UsageError } from "../errors.js";
import { membersIn, readFleet, type Fleet, type FleetMember } from "../fleet/members.js";

export interface SelectionFlags {
  all?: boolean;
  env?: string;
  cluster?: string;
}

/**
 * The clusters a command works on: `--cluster <name>`, `--all [--env e]`, or by default `byDefault` (the first
 * cluster for plan and update, which change one cluster unless asked; every cluster for check, which CI runs).
 * @throws UsageError (exit 2) for flags that contradict each other, InputError for an unknown cluster or environment.
 */
export function selectClusters(dir: string, flags: SelectionFlags, byDefault: "first" | "every"): { fleet: Fleet; members: FleetMember[] } {
  if (flags.cluster !== undefined && (flags.all || flags.env !== undefined)) throw new UsageError("--cluster names one cluster: it goes without --all and --env");
  const fleet = readFleet(dir);
  if (flags.cluster !== undefined) {
    const member = fleet.members.find((m) => m.name === flags.cluster);
    if (!member) throw new InputError(`the fleet has no cluster ${JSON.stringify(flags.cluster)} (it has ${fleet.members.map((m) => m.name).join(", ")}); nothing was written`);
    return { fleet, members: [member] };
  }
  if (flags.all || flags.env !== undefined || byDefault === "every") return { fleet, members: membersIn(fleet, flags.env) };
  return { fleet, members: [fleet.members.find((m) => m.root === "")!] };
}

/** A heading per cluster once the repository holds more than one. */
export const clusterHeading = (fleet: Fleet, member: FleetMember) =>
  fleet.members.length > 1 ? `== cluster ${member.name}${member.environment ? ` (${member.environment})` : ""}${member.root ? `, ${member.root}` : ""} ==\n` : "";

/**
 * The verdict of one cluster of a run over several whose own answers file does not render (a null in its add-on
 * values, a parameter this release refuses): that cluster fails with the problems, key, file and fix named, and the
 * run goes on to the others, so CI's check of a fleet still reports every cluster (exit 1, a failed check, as for a
 * hand edit). A run over one cluster, a run that changes parameters (whose --set may be the cause) and any other
 * error still stop the command: bad input, exit 2.
 * @throws the error itself, where it is not such a cluster's verdict
 */
export function unrenderableCluster(error: unknown, members: readonly FleetMember[], changesParams = false): string {
  if (members.length > 1 && !changesParams && error instanceof ParamsError) return `Cannot render this cluster from its answers file: ${error.message}\n`;
  throw error;
}
