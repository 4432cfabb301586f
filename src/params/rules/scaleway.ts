/** Rules for Scaleway Kubernetes pools (Kapsule and Kosmos): GPU types per zone, regions, version pinning. */
import { selectParams } from "../select.js";
import { POOLS_OPTION } from "./common.js";
import { gpuTypesByZone, legacyGpuTypes, normalizeNodeType, regionOfZone, zonesOffering } from "./scaleway-catalogue.js";
import { defineRule, type RuleDefinition } from "./types.js";

interface ScalewayPool {
  zone: string;
  nodeType: string;
}

const poolsAt = (params: Record<string, unknown>, selectors: string[]) =>
  selectors.flatMap((selector) => selectParams(params, selector)).filter((selected) => selected.value) as Array<{ path: string; value: ScalewayPool }>;

export const gpuTypeOfferedInZone = defineRule<{ pools: string[]; requireGpu?: boolean; anyRegion?: boolean }>({
  name: "gpu-type-offered-in-zone",
  description: "a pool's GPU Instance type is sold in the pool's zone (and, with requireGpu, is a GPU type at all)",
  options: {
    ...POOLS_OPTION,
    properties: {
      ...POOLS_OPTION.properties,
      /** The pools must be GPU pools: a CPU type is an error rather than a pool this rule ignores. */
      requireGpu: { type: "boolean" },
      /** The pools may sit in any region's zone (Kosmos): the hint says so. */
      anyRegion: { type: "boolean" },
    },
  },
  selectorOptions: ["pools"],
  check(params, options) {
    const errors: string[] = [];
    for (const { path, value: pool } of poolsAt(params, options.pools)) {
      const zones = zonesOffering(pool.nodeType);
      if (zones.length === 0) {
        if (options.requireGpu) {
          const all = Object.values(gpuTypesByZone).flat().filter((type, i, list) => list.indexOf(type) === i);
          errors.push(`${path}.nodeType: "${pool.nodeType}" is not a Scaleway GPU instance type; use one of ${all.join(", ")}`);
        }
      } else if (!zones.includes(pool.zone)) {
        errors.push(`${path}.zone: ${pool.nodeType} is not offered in ${pool.zone}; use one of ${zones.join(", ")}${options.anyRegion ? " (Kosmos pools may sit in any region's zone)" : ""}`);
      }
    }
    return { errors };
  },
});

export const gpuZoneInClusterRegion = defineRule<{ pools: string[] }>({
  name: "gpu-zone-in-cluster-region",
  description: "a Kapsule pool's zone is in the cluster's region",
  options: POOLS_OPTION,
  selectorOptions: ["pools"],
  check(params, options) {
    const region = params.region as string;
    const errors = poolsAt(params, options.pools)
      .filter(({ value: pool }) => regionOfZone(pool.zone) !== region)
      .map(
        ({ path, value: pool }) =>
          `${path}.zone: ${pool.zone} is not in the cluster region ${region}; a Kapsule pool must sit in its cluster's region (set --set region=${regionOfZone(pool.zone)} or pick a zone of ${region})`,
      );
    return { errors };
  },
});

export const legacyGpuType = defineRule<{ pools: string[] }>({
  name: "legacy-gpu-type",
  description: "warns about GPU types past the last NVIDIA driver branch that supports them",
  options: POOLS_OPTION,
  selectorOptions: ["pools"],
  check(params, options) {
    const warnings = poolsAt(params, options.pools)
      .filter(({ value: pool }) => legacyGpuTypes.has(normalizeNodeType(pool.nodeType)))
      .map(({ path, value: pool }) => `${path}.nodeType: ${pool.nodeType} is a Pascal P100, past the last NVIDIA driver branch that supports it; prefer L4-1-24G`);
    return { warnings };
  },
});

/** The provider's CustomizeDiff: auto-upgrade wants a minor-only version, and a minor-only version wants auto-upgrade. */
export const versionMatchesAutoUpgrade = defineRule({
  name: "version-matches-auto-upgrade",
  description: "kubernetesVersion is a minor only (1.32) exactly when autoUpgrade.enabled, as the Scaleway provider requires",
  check({ kubernetesVersion, autoUpgrade }) {
    const minorOnly = /^\d+\.\d+$/.test(kubernetesVersion);
    if (autoUpgrade.enabled && !minorOnly) {
      return { errors: [`kubernetesVersion: with autoUpgrade.enabled the version must be a minor only (e.g. "${kubernetesVersion.split(".").slice(0, 2).join(".")}"), as the Scaleway provider requires`] };
    }
    if (!autoUpgrade.enabled && minorOnly) {
      return { errors: [`kubernetesVersion: a minor-only version ("${kubernetesVersion}") requires autoUpgrade.enabled=true; give a full version such as "${kubernetesVersion}.3" or enable auto-upgrade`] };
    }
    return undefined;
  },
});

export const scalewayRules: RuleDefinition[] = [gpuTypeOfferedInZone, gpuZoneInClusterRegion, legacyGpuType, versionMatchesAutoUpgrade];
