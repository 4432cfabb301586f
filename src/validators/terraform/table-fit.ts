/**
 * Whether a provider table applies to a module: the tables describe one release per provider, and a module may
 * require another. A module pinned below the tables' release (`azurerm >= 4.48, < 5.0` against 5.2.0) would get
 * arguments that its release has, and the tables' release removed, reported as errors; a module pinned above it
 * (`scaleway ~> 2.90` against 2.81.0) would get resource types and arguments added since reported as unknown.
 * Neither is an error in the module: such blocks are "not checked" instead.
 */
import type { HclScan } from "./hcl-scan.js";
import type { ProviderTable, ProviderTables } from "./provider-tables.js";
import { requiredProviders } from "./required-providers.js";

/** How a table's release sits against the module's constraint for that provider. */
export type TableFit =
  /** The constraint admits the tables' release (or there is none): everything is checked. */
  | { fit: "covered" }
  /** Every release the constraint admits is older than the tables' one: the provider's blocks are not checked. */
  | { fit: "older"; constraint: string; inherited?: true }
  /** Every release the constraint admits is newer: types and arguments the table lacks are not checked. */
  | { fit: "newer"; constraint: string; inherited?: true };

type Version = [number, number, number];
interface Bound {
  version: Version;
  inclusive: boolean;
}

function compare(a: Version, b: Version): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

function parseVersion(text: string): { version: Version; parts: number } | undefined {
  const match = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:[-+].*)?$/.exec(text.trim());
  if (!match) return undefined;
  const parts = match.slice(1).filter((part) => part !== undefined).length;
  return { version: [Number(match[1]), Number(match[2] ?? 0), Number(match[3] ?? 0)], parts };
}

/**
 * The lowest and highest release a Terraform version constraint admits (`>= 4.48.0, < 5.0`, `~> 2.81`, `= 1.2.3`).
 * `!=` excludes single releases and does not move the bounds. Hand-written: Terraform's grammar is seven operators,
 * and npm's semver reads `~>` differently (Terraform's `~> 2.81` is semver's `^2.81`, not `~2.81`).
 */
export function constraintBounds(constraint: string): { lower?: Bound; upper?: Bound } | undefined {
  let lower: Bound | undefined;
  let upper: Bound | undefined;
  const raise = (bound: Bound) => {
    if (!lower || compare(bound.version, lower.version) > 0 || (compare(bound.version, lower.version) === 0 && !bound.inclusive)) lower = bound;
  };
  const cap = (bound: Bound) => {
    if (!upper || compare(bound.version, upper.version) < 0 || (compare(bound.version, upper.version) === 0 && !bound.inclusive)) upper = bound;
  };
  for (const clause of constraint.split(",")) {
    if (clause.trim() === "") continue;
    const match = /^\s*(~>|>=|<=|!=|=|>|<)?\s*(\S+)\s*$/.exec(clause);
    const parsed = match ? parseVersion(match[2]!) : undefined;
    if (!match || !parsed) return undefined;
    const { version, parts } = parsed;
    switch (match[1] ?? "=") {
      case "=":
        raise({ version, inclusive: true });
        cap({ version, inclusive: true });
        break;
      case ">=":
        raise({ version, inclusive: true });
        break;
      case ">":
        raise({ version, inclusive: false });
        break;
      case "<=":
        cap({ version, inclusive: true });
        break;
      case "<":
        cap({ version, inclusive: false });
        break;
      case "~>": {
        // ~> 2.81 admits 2.81 up to (not including) 3.0; ~> 2.81.3 admits 2.81.3 up to 2.82.0; ~> 2 is >= 2.
        raise({ version, inclusive: true });
        if (parts === 2) cap({ version: [version[0] + 1, 0, 0], inclusive: false });
        else if (parts === 3) cap({ version: [version[0], version[1] + 1, 0], inclusive: false });
        break;
      }
      default: // != leaves the range's ends where they are
    }
  }
  return { lower, upper };
}

/** How `table`'s release fits `constraint` (undefined or unreadable: covered, as before there was one). */
export function tableFit(constraint: string | undefined, table: Pick<ProviderTable, "version">): TableFit {
  const bounds = constraint === undefined ? undefined : constraintBounds(constraint);
  const release = parseVersion(table.version)?.version;
  if (!bounds || !release || constraint === undefined) return { fit: "covered" };
  const { lower, upper } = bounds;
  if (upper && (compare(release, upper.version) > 0 || (compare(release, upper.version) === 0 && !upper.inclusive))) return { fit: "older", constraint };
  if (lower && (compare(release, lower.version) < 0 || (compare(release, lower.version) === 0 && !lower.inclusive))) return { fit: "newer", constraint };
  return { fit: "covered" };
}


/** The version constraints a module's `required_providers` write, per provider (named by its source's last part). */
export function moduleConstraints(scans: readonly HclScan[]): Map<string, string[]> {
  const constraints = new Map<string, string[]>();
  for (const { name, source, version } of requiredProviders(scans)) {
    if (version === undefined) continue;
    const provider = source ? (source.toLowerCase().split("/").at(-1) ?? "") : name;
    constraints.set(provider, [...(constraints.get(provider) ?? []), version]);
  }
  return constraints;
}

const SEVERITY: Record<TableFit["fit"], number> = { covered: 0, newer: 1, older: 2 };

/**
 * Per tabled provider, how its table fits the version constraints that apply to a module: its own, combined (as
 * Terraform combines every constraint of a configuration) with those of each configuration that calls it. `callers`
 * holds one constraint map per chain of modules calling this one (a child module without `required_providers` runs
 * with the provider its root pins); when chains disagree, the fit that checks least wins, so that no configuration
 * gets an error its own provider release would not give.
 */
export function moduleTableFits(scans: HclScan[], tables: ProviderTables, callers: readonly Map<string, string[]>[] = []): Map<string, TableFit> {
  const own = moduleConstraints(scans);
  const chains = callers.length === 0 ? [own] : callers.map((inherited) => {
    const merged = new Map(own);
    for (const [provider, list] of inherited) merged.set(provider, [...(merged.get(provider) ?? []), ...list]);
    return merged;
  });
  const fits = new Map<string, TableFit>();
  for (const chain of chains) {
    for (const [provider, list] of chain) {
      if (!tables[provider]) continue;
      let fit = tableFit(list.join(", "), tables[provider]!);
      // Said of the callers when the module itself pins nothing for the provider.
      if (fit.fit !== "covered" && !own.has(provider)) fit = { ...fit, inherited: true };
      const before = fits.get(provider);
      if (!before || SEVERITY[fit.fit] > SEVERITY[before.fit]) fits.set(provider, fit);
    }
  }
  return fits;
}
