import type { ClusterParams } from "./parse.js";
import { kapsuleGpuRules } from "./rules/kapsule-gpu.js";
import { kosmosMulticloudRules } from "./rules/kosmos-multicloud.js";
import { magnumOpenstackRules } from "./rules/magnum-openstack.js";
import { aksGpuRules } from "./rules/aks-gpu.js";

/** A cross-field rule: its name is what invalid fixtures cite; it returns error and warning lines. */
export interface Rule {
  name: string;
  check(params: ClusterParams): { errors?: string[]; warnings?: string[] } | undefined;
}

export interface RuleOutcome {
  errors: string[];
  warnings: string[];
  /** Names of the rules that produced at least one error, for tests and `--output json`. */
  failedRules: string[];
}

/** Autoscaling pools need min <= size <= max; used by every blueprint for each of its pools. */
export function poolSizeRule(name: string, pools: (params: ClusterParams) => Array<{ path: string; pool: any }>): Rule {
  return {
    name,
    check(params) {
      const errors: string[] = [];
      for (const { path, pool } of pools(params)) {
        if (!pool) continue;
        const { minSize, maxSize, size } = pool;
        if (minSize !== undefined && maxSize !== undefined && minSize > maxSize) {
          errors.push(`${path}.minSize: must be <= ${path}.maxSize (${minSize} > ${maxSize}); lower minSize or raise maxSize`);
        }
        if (size !== undefined && maxSize !== undefined && size > maxSize) {
          errors.push(`${path}.size: must be <= ${path}.maxSize (${size} > ${maxSize}); raise maxSize or lower size`);
        }
        if (pool.autoscaling && size !== undefined && minSize !== undefined && size < minSize) {
          errors.push(`${path}.size: must be >= ${path}.minSize when autoscaling (${size} < ${minSize})`);
        }
      }
      return { errors };
    },
  };
}

/** Names inside a list (pools, node groups) must be unique: they become Terraform addresses and node labels. */
export function uniqueNamesRule(name: string, list: (params: ClusterParams) => { path: string; items: Array<{ name: string }> }): Rule {
  return {
    name,
    check(params) {
      const { path, items } = list(params);
      const seen = new Map<string, number>();
      const errors: string[] = [];
      items.forEach((item, i) => {
        const first = seen.get(item.name);
        if (first !== undefined) errors.push(`${path}[${i}].name: "${item.name}" is already used by ${path}[${first}]; names must be unique`);
        else seen.set(item.name, i);
      });
      return { errors };
    },
  };
}

/** GitHub token shapes (classic, OAuth, user/server/refresh, fine-grained): never a parameter value. */
const GITHUB_TOKEN = /\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})/;

/**
 * Parameters land verbatim in files that are committed and pushed, so a credential typed into one would leak.
 * Refuses `user:password@` in repoUrl (`ssh://git@host/...` has no password and is fine) and token-shaped values.
 */
export const noCredentialsRule: Rule = {
  name: "no-credentials",
  check(params) {
    const errors: string[] = [];
    if (/^[a-z][a-z0-9+.-]*:\/\/[^/@]*:[^/@]*@/i.test(params.repoUrl ?? "")) {
      errors.push(
        "repoUrl: contains a password or token (user:secret@); give the URL without it: the GitOps engine reads its credentials from a Secret, and this tool from GITHUB_TOKEN",
      );
    }
    const walk = (value: unknown, path: string): void => {
      if (typeof value === "string" && GITHUB_TOKEN.test(value)) errors.push(`${path}: looks like a GitHub token; parameters are committed in plain text, so pass tokens through the environment (GITHUB_TOKEN) instead`);
      else if (Array.isArray(value)) value.forEach((item, i) => walk(item, `${path}[${i}]`));
      else if (value && typeof value === "object") for (const [key, item] of Object.entries(value)) walk(item, path ? `${path}.${key}` : key);
    };
    walk(params, "");
    return { errors };
  },
};

const rulesByBlueprint: Record<string, Rule[]> = {
  "kapsule-gpu": kapsuleGpuRules,
  "kosmos-multicloud": kosmosMulticloudRules,
  "magnum-openstack": magnumOpenstackRules,
  "aks-gpu": aksGpuRules,
};

export function rulesFor(blueprintId: string): Rule[] {
  return rulesByBlueprint[blueprintId] ?? [];
}

export function runRules(blueprintId: string, params: ClusterParams): RuleOutcome {
  const outcome: RuleOutcome = { errors: [], warnings: [], failedRules: [] };
  for (const rule of [noCredentialsRule, ...rulesFor(blueprintId)]) {
    const result = rule.check(params) ?? {};
    if (result.errors?.length) {
      outcome.errors.push(...result.errors.map((line) => `${line} [rule: ${rule.name}]`));
      outcome.failedRules.push(rule.name);
    }
    outcome.warnings.push(...(result.warnings ?? []));
  }
  return outcome;
}
