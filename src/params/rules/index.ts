/**
 * The rule library: every cross-field rule a blueprint.yaml may name, in one record. A blueprint lists its rules
 * by name (with options where a rule takes some), so a copy of its folder keeps them all without TypeScript.
 *
 * A new rules module is registered here, in LIBRARY; the blueprint contract test fails, naming this file, for a
 * module whose rules are missing from it, and for a blueprint.yaml naming a rule that is not in it.
 */
import { closest } from "../../_utils.js";
import { createSchemaAjv, schemaValidator } from "../compiled-schemas.js";
import type { ClusterParams } from "../parse.js";
import { selectorProblem } from "../select.js";
import type { Schema } from "../set-flags.js";
import { apiAccessRules } from "./api-access.js";
import { aksRules } from "./azure-aks.js";
import { commonRules, noCredentials } from "./common.js";
import { magnumRules } from "./openstack-magnum.js";
import { kosmosRules } from "./scaleway-kosmos.js";
import { scalewayRules } from "./scaleway.js";
import { secretsRules, sopsNeedsFlux } from "./secrets.js";
import type { Rule, RuleDefinition, RuleOutcome } from "./types.js";

export type { Rule, RuleDefinition, RuleOutcome, RuleResult } from "./types.js";

const LIBRARY: RuleDefinition[] = [...commonRules, ...apiAccessRules, ...scalewayRules, ...kosmosRules, ...aksRules, ...magnumRules, ...secretsRules];

/** Rules every blueprint runs first, whether its blueprint.yaml names them or not. */
const ALWAYS: RuleDefinition[] = [noCredentials, sopsNeedsFlux];

export const ruleLibrary: ReadonlyMap<string, RuleDefinition> = (() => {
  const library = new Map<string, RuleDefinition>();
  for (const rule of LIBRARY) {
    if (library.has(rule.name)) throw new Error(`src/params/rules: two rules are named "${rule.name}"; rule names must be unique in the library`);
    library.set(rule.name, rule);
  }
  return library;
})();

/** How blueprint.yaml names a rule: `- name`, or `- name: {options}`. */
export type RuleEntry = string | Record<string, unknown>;


/**
 * Binds the rules a blueprint.yaml names to their options. Problems (an unknown rule, bad options, a selector that
 * is not a parameter) are returned, one line each, for the loader to report with the file's name.
 */
export function bindRules(entries: RuleEntry[], paramsSchema: Schema): { rules: Rule[]; problems: string[] } {
  const rules: Rule[] = ALWAYS.map((rule) => ({ name: rule.name, check: (params: ClusterParams) => rule.check(params, {}) }));
  const problems: string[] = [];
  entries.forEach((entry, i) => {
    const where = `rules[${i}]`;
    const isMapping = entry !== null && typeof entry === "object" && !Array.isArray(entry);
    if (typeof entry !== "string" && !(isMapping && Object.keys(entry).length === 1)) {
      problems.push(`${where}: write a rule name, or one "name: {options}" mapping`);
      return;
    }
    const [name, options] = typeof entry === "string" ? [entry, undefined] : Object.entries(entry)[0]!;
    const rule = ruleLibrary.get(name);
    if (!rule) {
      const suggestion = closest(name, ruleLibrary.keys());
      problems.push(`${where}: no rule "${name}" in the rule library (src/params/rules/index.ts)${suggestion ? `; did you mean "${suggestion}"?` : ""}`);
      return;
    }
    if (!rule.options) {
      if (options !== undefined && options !== null) problems.push(`${where}: ${name} takes no options`);
    } else {
      // Compiled at build time for the library's rules; their schemas are checked against the meta-schema by
      // test/blueprint-contract.test.ts, not at run time.
      const validate = schemaValidator("rule-options", rule.options);
      if (!validate(options ?? {})) {
        problems.push(`${where}: options of ${name}: ${createSchemaAjv("rule-options").errorsText(validate.errors, { dataVar: "options" })}`);
        return;
      }
      for (const key of rule.selectorOptions ?? []) {
        const value = (options as Record<string, unknown>)[key];
        for (const selector of value === undefined ? [] : Array.isArray(value) ? value : [value]) {
          const problem = selectorProblem(paramsSchema, String(selector));
          if (problem) problems.push(`${where}: ${name} ${key}: ${problem}`);
        }
      }
    }
    const bound = (options ?? {}) as Record<string, unknown>;
    rules.push({ name, check: (params) => rule.check(params, bound) });
  });
  return { rules, problems };
}

/** Runs the rules in order; error lines end with the rule's name. */
export function runRules(rules: Rule[], params: ClusterParams): RuleOutcome {
  const outcome: RuleOutcome = { errors: [], warnings: [], failedRules: [] };
  for (const rule of rules) {
    const result = rule.check(params) ?? {};
    if (result.errors?.length) {
      outcome.errors.push(...result.errors.map((line) => `${line} [rule: ${rule.name}]`));
      outcome.failedRules.push(rule.name);
    }
    outcome.warnings.push(...(result.warnings ?? []));
  }
  return outcome;
}
