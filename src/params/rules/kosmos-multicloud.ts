import type { Rule } from "../rules.js";

/** Cross-field rules of the kosmos-multicloud blueprint. */
export const kosmosMulticloudRules: Rule[] = [];
