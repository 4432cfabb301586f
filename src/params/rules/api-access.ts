import { defineRule, type RuleDefinition } from "./types.js";
import { canonicalCidr, isCanonicalCidr } from "./cidr.js";

/**
 * `apiAllowedCidrs`, the addresses allowed to reach a cluster's API server (Scaleway ACL rules, AKS authorized IP
 * ranges, Magnum's load balancer allowed CIDRs): each range written canonically (AKS rejects host bits; Scaleway
 * would store the canonical form and show a diff on every plan) and only once (the providers keep them as sets).
 * 0.0.0.0/0 is accepted, as an explicit choice to open the API, with a warning.
 */
export const apiAllowedCidrs = defineRule({
  name: "api-allowed-cidrs",
  description: "apiAllowedCidrs ranges are canonical and listed once (warns about 0.0.0.0/0)",
  check({ apiAllowedCidrs }) {
    const errors: string[] = [];
    const warnings: string[] = [];
    const seen = new Map<string, number>();
    (apiAllowedCidrs as string[]).forEach((cidr, i) => {
      if (!isCanonicalCidr(cidr)) {
        errors.push(`apiAllowedCidrs[${i}]: ${cidr} has host bits set; write the range from its first address, ${canonicalCidr(cidr)} (or ${cidr.split("/")[0]}/32 for one address)`);
        return;
      }
      const first = seen.get(cidr);
      if (first !== undefined) errors.push(`apiAllowedCidrs[${i}]: ${cidr} is already listed at apiAllowedCidrs[${first}]; list each range once`);
      else seen.set(cidr, i);
      if (cidr === "0.0.0.0/0") warnings.push("apiAllowedCidrs: 0.0.0.0/0 opens the Kubernetes API server to the whole internet; list your administrators' and CI runners' addresses instead");
    });
    return { errors, warnings };
  },
});

export const apiAccessRules: RuleDefinition[] = [apiAllowedCidrs];
