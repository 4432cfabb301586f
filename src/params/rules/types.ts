import type { ClusterParams } from "../parse.js";

/** Lines a rule reports, each "<dot.path>: what is wrong; what to do". Errors refuse the parameters, warnings do not. */
export interface RuleResult {
  errors?: string[];
  warnings?: string[];
}

/**
 * A cross-field rule in the rule library. Blueprints name it in their blueprint.yaml, with options when it takes
 * some; the name is what error lines (`[rule: <name>]`) and invalid fixtures (`# rule: <name>`) cite.
 */
export interface RuleDefinition<Options = any> {
  /** kebab-case, unique in the library. */
  name: string;
  /** One line: what the rule refuses (or warns about), for the guide and reviewers. */
  description: string;
  /** JSON Schema of the options blueprint.yaml gives (`- <name>: {...}`); absent when the rule takes none. */
  options?: Record<string, unknown>;
  /** Options holding parameter selectors (a string or a list of them): checked against the blueprint's schema at load. */
  selectorOptions?: string[];
  check(params: ClusterParams, options: Options): RuleResult | undefined;
}

/** A library rule bound to the options one blueprint gives it. */
export interface Rule {
  name: string;
  check(params: ClusterParams): RuleResult | undefined;
}

export interface RuleOutcome {
  errors: string[];
  warnings: string[];
  /** Names of the rules that produced at least one error, for tests and `--output json`. */
  failedRules: string[];
}

/** Typed helper: infers a definition's options from its check. */
export function defineRule<Options = Record<string, never>>(definition: RuleDefinition<Options>): RuleDefinition<Options> {
  return definition;
}
