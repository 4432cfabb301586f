/**
 * Scaleway facts shared by the Kapsule and Kosmos blueprints: which zone offers which GPU type, from the Instance
 * product catalogue as recorded in the provider's test cassettes (2026-07/08). A catalogue is not a stock guarantee.
 */
const L4 = ["L4-1-24G", "L4-2-24G", "L4-4-24G", "L4-8-24G"];
const L40S = ["L40S-1-48G", "L40S-2-48G", "L40S-4-48G", "L40S-8-48G"];
const H100 = ["H100-1-80G", "H100-2-80G"];

export const gpuTypesByZone: Record<string, string[]> = {
  "fr-par-1": [...L4, "RENDER-S"],
  "fr-par-2": [...L4, ...L40S, ...H100, "H100-SXM-2-80G", "H100-SXM-4-80G", "H100-SXM-8-80G", "B300-SXM-2-288G", "B300-SXM-4-288G", "B300-SXM-8-288G", "RENDER-S"],
  "pl-waw-2": [...L4, ...L40S, ...H100],
};

/** Pascal P100: still sold, but past the last NVIDIA driver branch that supports it. */
export const legacyGpuTypes = new Set(["RENDER-S"]);

/** The provider compares node types ignoring case and `-`/`_`. */
export function normalizeNodeType(nodeType: string): string {
  return nodeType.toUpperCase().replace(/_/g, "-");
}

export function zonesOffering(nodeType: string): string[] {
  const wanted = normalizeNodeType(nodeType);
  return Object.entries(gpuTypesByZone)
    .filter(([, types]) => types.includes(wanted))
    .map(([zone]) => zone);
}

export function isGpuNodeType(nodeType: string): boolean {
  return zonesOffering(nodeType).length > 0;
}

export function regionOfZone(zone: string): string {
  return zone.replace(/-\d+$/, "");
}
