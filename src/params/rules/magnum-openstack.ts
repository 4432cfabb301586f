import type { Rule } from "../rules.js";

/** Cross-field rules of the magnum-openstack blueprint. */
export const magnumOpenstackRules: Rule[] = [];
