/**
 * Derived values: facts about the parameters that templates read by name (`{{#if derived.hasGpuNodeGroup}}`), so a
 * template never computes them with string tricks. blueprint.yaml declares each as one kind over a selector:
 *
 *   derived:
 *     hasGpuNodeGroup: { any: "nodeGroups[].gpu" }        # true when some node group has gpu: true
 *     gpuNodeGroups: { list: "nodeGroups[?gpu].name" }   # the names of the GPU node groups
 *
 * A new kind is one entry in DERIVATIONS.
 */
import type { ClusterParams } from "./parse.js";
import { selectParams, selectorProblem, type Selector } from "./select.js";
import type { Schema } from "./set-flags.js";

const DERIVATIONS = {
  /** Some selected value is truthy. */
  any: (values: unknown[]) => values.some(Boolean),
  /** Every selected value is truthy (true for none). */
  every: (values: unknown[]) => values.every(Boolean),
  /** How many selected values are truthy. */
  count: (values: unknown[]) => values.filter(Boolean).length,
  /** The selected values, in order. */
  list: (values: unknown[]) => values,
} satisfies Record<string, (values: unknown[]) => unknown>;

export type DerivationKind = keyof typeof DERIVATIONS;
export const derivationKinds = Object.keys(DERIVATIONS) as DerivationKind[];

/** One derived value as blueprint.yaml writes it: `{ <kind>: <selector> }`. */
export type DerivedSpec = Partial<Record<DerivationKind, Selector>>;

/** Problems of the `derived` mapping of a blueprint.yaml, one line each (empty when it is fine). */
export function derivedProblems(specs: Record<string, DerivedSpec>, paramsSchema: Schema): string[] {
  return Object.entries(specs).flatMap(([name, spec]) => {
    const where = `derived.${name}`;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return [`${where}: a derived value's name must be an identifier (templates read it as derived.${name})`];
    const entries = spec && typeof spec === "object" ? Object.entries(spec) : [];
    if (entries.length !== 1 || !derivationKinds.includes(entries[0]![0] as DerivationKind) || typeof entries[0]![1] !== "string") {
      return [`${where}: write one of ${derivationKinds.map((kind) => `{ ${kind}: <selector> }`).join(", ")}`];
    }
    const problem = selectorProblem(paramsSchema, entries[0]![1]);
    return problem ? [`${where}: ${problem}`] : [];
  });
}

/** The derived values of validated parameters, by name. */
export function deriveValues(specs: Record<string, DerivedSpec>, params: ClusterParams): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(specs)) {
    const [kind, selector] = Object.entries(spec)[0] as [DerivationKind, Selector];
    values[name] = DERIVATIONS[kind](selectParams(params, selector).map((selected) => selected.value));
  }
  return values;
}
