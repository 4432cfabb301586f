/** Rules for any blueprint: credentials in parameters, and the size bounds of autoscaling pools. */
import { selectParams } from "../select.js";
import { defineRule, type RuleDefinition } from "./types.js";

/** GitHub token shapes (classic, OAuth, user/server/refresh, fine-grained): never a parameter value. */
const GITHUB_TOKEN = /\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})/;

/**
 * Parameters land verbatim in files that are committed and pushed, so a credential typed into one would leak.
 * Refuses `user:password@` in repoUrl (`ssh://git@host/...` has no password and is fine) and token-shaped values.
 * Every blueprint runs it, named or not (see ALWAYS in index.ts).
 */
export const noCredentials = defineRule({
  name: "no-credentials",
  description: "no password in repoUrl and no token-shaped value in any parameter (parameters are committed)",
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
});

/** Options of rules that look at some pools: selectors such as `gpuPool` or `pools[]`. */
export const POOLS_OPTION = {
  type: "object",
  properties: { pools: { type: "array", items: { type: "string" }, minItems: 1 } },
  required: ["pools"],
  additionalProperties: false,
} as const;

/** Autoscaling pools need min <= size <= max. */
export const poolSizeBounds = defineRule<{ pools: string[] }>({
  name: "pool-size-bounds",
  description: "each selected pool has minSize <= maxSize, size <= maxSize, and size >= minSize when autoscaling",
  options: POOLS_OPTION,
  selectorOptions: ["pools"],
  check(params, options) {
    const errors: string[] = [];
    for (const { path, value } of options.pools.flatMap((selector) => selectParams(params, selector))) {
      const pool = value as { minSize?: number; maxSize?: number; size?: number; autoscaling?: boolean } | undefined;
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
});

/** Names inside a list (pools, node groups) must be unique: they become Terraform addresses and node labels. */
export function duplicateNames(path: string, items: Array<{ name: string }>): string[] {
  const seen = new Map<string, number>();
  const errors: string[] = [];
  items.forEach((item, i) => {
    const first = seen.get(item.name);
    if (first !== undefined) errors.push(`${path}[${i}].name: "${item.name}" is already used by ${path}[${first}]; names must be unique`);
    else seen.set(item.name, i);
  });
  return errors;
}

export const commonRules: RuleDefinition[] = [noCredentials, poolSizeBounds];
