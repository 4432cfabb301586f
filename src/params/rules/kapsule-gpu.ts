import { poolSizeRule, type Rule } from "../rules.js";
import { apiAllowedCidrsRule } from "./api-access.js";
import { gpuTypesByZone, legacyGpuTypes, normalizeNodeType, regionOfZone, zonesOffering } from "./scaleway.js";

const gpuTypeOfferedInZone: Rule = {
  name: "gpu-type-offered-in-zone",
  check({ gpuPool }) {
    const zones = zonesOffering(gpuPool.nodeType);
    if (zones.length === 0) {
      return { errors: [`gpuPool.nodeType: "${gpuPool.nodeType}" is not a Scaleway GPU instance type; use one of ${Object.values(gpuTypesByZone).flat().filter((t, i, all) => all.indexOf(t) === i).join(", ")}`] };
    }
    if (!zones.includes(gpuPool.zone)) {
      return { errors: [`gpuPool.zone: ${gpuPool.nodeType} is not offered in ${gpuPool.zone}; use one of ${zones.join(", ")}`] };
    }
    return undefined;
  },
};

const gpuZoneInClusterRegion: Rule = {
  name: "gpu-zone-in-cluster-region",
  check({ gpuPool, region }) {
    return regionOfZone(gpuPool.zone) === region
      ? undefined
      : { errors: [`gpuPool.zone: ${gpuPool.zone} is not in the cluster region ${region}; a Kapsule pool must sit in its cluster's region (set --set region=${regionOfZone(gpuPool.zone)} or pick a zone of ${region})`] };
  },
};

const versionMatchesAutoUpgrade: Rule = {
  name: "version-matches-auto-upgrade",
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
};

const legacyGpuWarning: Rule = {
  name: "legacy-gpu-type",
  check({ gpuPool }) {
    return legacyGpuTypes.has(normalizeNodeType(gpuPool.nodeType))
      ? { warnings: [`gpuPool.nodeType: ${gpuPool.nodeType} is a Pascal P100, past the last NVIDIA driver branch that supports it; prefer L4-1-24G`] }
      : undefined;
  },
};

/** Cross-field rules of the kapsule-gpu blueprint. */
export const kapsuleGpuRules: Rule[] = [
  apiAllowedCidrsRule,
  gpuTypeOfferedInZone,
  gpuZoneInClusterRegion,
  versionMatchesAutoUpgrade,
  legacyGpuWarning,
  poolSizeRule("pool-size-bounds", (params) => [
    { path: "systemPool", pool: params.systemPool },
    { path: "gpuPool", pool: params.gpuPool },
  ]),
];
