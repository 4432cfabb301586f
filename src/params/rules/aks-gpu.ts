import type { Rule } from "../rules.js";

/** Cross-field rules of the aks-gpu blueprint. */
export const aksGpuRules: Rule[] = [];
