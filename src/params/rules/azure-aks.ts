/** Rules of Azure AKS clusters: node pool names, GPU VM sizes and images, network ranges, derived names, upgrades. */
import type { ClusterParams } from "../parse.js";
import { defineRule, type RuleDefinition } from "./types.js";
import {
  canonicalCidr,
  isCanonicalCidr,
  parseCidr,
  rangeContains,
  rangeContainsAddress,
  rangeSize,
  rangesOverlap,
  ipv4ToInt,
} from "./cidr.js";

/** The three node pools of the blueprint, with their parameter paths. */
function pools(params: ClusterParams): Array<{ path: string; pool: any }> {
  return [
    { path: "systemPool", pool: params.systemPool },
    { path: "cpuPool", pool: params.cpuPool },
    { path: "gpuPool", pool: params.gpuPool },
  ];
}

/** Fixed name of the pool AKS creates while it cycles the system pool (main.tf: temporary_name_for_rotation). */
export const SYSTEM_ROTATION_POOL = "tmpsystem";

const poolNames = defineRule({
  name: "pool-names",
  description: "AKS node pool names are valid (1-12 lowercase letters and digits) and unique, tmpsystem included",
  check(params) {
    const errors: string[] = [];
    const seen = new Map<string, string>([[SYSTEM_ROTATION_POOL, "the temporary pool used to resize the system pool"]]);
    for (const { path, pool } of pools(params)) {
      // The schema pattern already holds; repeated here so the rule stands on its own (AKS: ^[a-z][a-z0-9]{0,11}$).
      if (!/^[a-z][a-z0-9]{0,11}$/.test(pool.name)) {
        errors.push(`${path}.name: "${pool.name}" is not a valid AKS Linux node pool name; use 1-12 lowercase letters and digits starting with a letter`);
      }
      const owner = seen.get(pool.name);
      if (owner) errors.push(`${path}.name: "${pool.name}" is already used by ${owner}; node pool names must be unique in the cluster`);
      else seen.set(pool.name, path);
    }
    return { errors };
  },
});

/** Non-NVIDIA or retired N-series families, matched on the full size name. */
const notNvidiaSizes: Array<[RegExp, string]> = [
  [/^Standard_NV\d+as_v4$/i, "an AMD Radeon Instinct MI25 (NVv4) size"],
  [/^Standard_NG/i, "an AMD Radeon (NG-series) size"],
  [/MI300X/i, "an AMD Instinct MI300X size"],
  [/^Standard_NP/i, "a Xilinx FPGA (NP-series) size"],
];
const retiredSizes: Array<[RegExp, string]> = [
  [/^Standard_NC\d+r?(_Promo)?$/i, "NC (K80)"],
  [/^Standard_NC\d+r?s_v2$/i, "NCv2 (P100)"],
  [/^Standard_ND\d+r?s$/i, "ND (P40)"],
  [/^Standard_NV\d+(_Promo)?$/i, "NV (M60)"],
];

const gpuVmSize = defineRule({
  name: "gpu-vm-size",
  description: "the GPU pool uses a current NVIDIA N-series VM size (warns about retiring and visualization sizes)",
  check({ gpuPool }) {
    const size: string = gpuPool.vmSize;
    const hint = "use an NVIDIA GPU size such as Standard_NC4as_T4_v3 (T4), Standard_NC24ads_A100_v4 (A100) or Standard_NC40ads_H100_v5 (H100)";
    if (!/^Standard_N[CDV]/i.test(size)) {
      return { errors: [`gpuPool.vmSize: ${size} is not an Azure GPU size (the N-series: NC, ND, NV); ${hint}`] };
    }
    const amd = notNvidiaSizes.find(([pattern]) => pattern.test(size));
    if (amd) return { errors: [`gpuPool.vmSize: ${size} is ${amd[1]}, not an NVIDIA GPU; AKS GPU pools and the NVIDIA stack need NVIDIA GPUs; ${hint}`] };
    const retired = retiredSizes.find(([pattern]) => pattern.test(size));
    if (retired) return { errors: [`gpuPool.vmSize: ${size} is a retired ${retired[1]} size that Azure no longer deploys; ${hint}`] };
    const warnings: string[] = [];
    if (/^Standard_NC\d+r?s_v3$/i.test(size)) {
      warnings.push(`gpuPool.vmSize: ${size} is an NCv3 (V100) size, which Microsoft is retiring; prefer Standard_NC4as_T4_v3 or Standard_NC24ads_A100_v4`);
    }
    if (/^Standard_NV/i.test(size)) {
      warnings.push(`gpuPool.vmSize: ${size} is a visualization (NV) size; partial-GPU NV sizes need NVIDIA GRID drivers that neither AKS nor the GPU operator installs by default — prefer an NC or ND size for training`);
    }
    return { warnings };
  },
});

const gpuOsSku = defineRule({
  name: "gpu-os-sku",
  description: "A100/H100-class GPU sizes run on Ubuntu, not Azure Linux",
  check({ gpuPool }) {
    if (/^AzureLinux/.test(gpuPool.osSku) && /_(A100|H100|H200)_/i.test(gpuPool.vmSize)) {
      return { errors: [`gpuPool.osSku: ${gpuPool.vmSize} (A100/H100 class) is not offered on Azure Linux node images; use osSku Ubuntu (or Ubuntu2204/Ubuntu2404)`] };
    }
    return undefined;
  },
});

/** Ranges AKS reserves for its own use; no cluster range may overlap them. */
const AKS_RESERVED = ["169.254.0.0/16", "172.30.0.0/16", "172.31.0.0/16", "192.0.2.0/24"];

const NETWORK_FIELDS = ["vnetCidr", "subnetCidr", "podCidr", "serviceCidr"] as const;

const cidrCanonical = defineRule({
  name: "cidr-canonical",
  description: "network ranges have no host bits set",
  check({ network }) {
    const errors = NETWORK_FIELDS.filter((field) => !isCanonicalCidr(network[field])).map(
      (field) => `network.${field}: ${network[field]} has host bits set; Azure only takes the network address, use ${canonicalCidr(network[field])}`,
    );
    return { errors };
  },
});

const subnetInVnet = defineRule({
  name: "subnet-in-vnet",
  description: "the node subnet lies inside the virtual network",
  check({ network }) {
    return rangeContains(parseCidr(network.vnetCidr), parseCidr(network.subnetCidr))
      ? undefined
      : { errors: [`network.subnetCidr: ${network.subnetCidr} is not inside network.vnetCidr ${network.vnetCidr}; pick a subnet of the virtual network or widen vnetCidr`] };
  },
});

const cidrOverlap = defineRule({
  name: "cidr-overlap",
  description: "pod, service and virtual network ranges do not overlap each other or the ranges AKS reserves",
  check({ network }) {
    const errors: string[] = [];
    const vnet = parseCidr(network.vnetCidr);
    const pod = parseCidr(network.podCidr);
    const service = parseCidr(network.serviceCidr);
    // Overlay pods and services are routed outside the virtual network: an overlap makes node or pod traffic unroutable.
    if (rangesOverlap(pod, vnet)) errors.push(`network.podCidr: ${network.podCidr} overlaps network.vnetCidr ${network.vnetCidr}; use a range outside the virtual network, such as 10.244.0.0/16`);
    if (rangesOverlap(service, vnet)) errors.push(`network.serviceCidr: ${network.serviceCidr} overlaps network.vnetCidr ${network.vnetCidr}; use a range outside the virtual network, such as 10.0.0.0/16`);
    if (rangesOverlap(pod, service)) errors.push(`network.serviceCidr: ${network.serviceCidr} overlaps network.podCidr ${network.podCidr}; the pod and service ranges must be disjoint`);
    for (const field of NETWORK_FIELDS) {
      const reserved = AKS_RESERVED.find((range) => rangesOverlap(parseCidr(network[field]), parseCidr(range)));
      if (reserved) errors.push(`network.${field}: ${network[field]} overlaps ${reserved}, which AKS reserves; pick another private range`);
    }
    return { errors };
  },
});

const dnsServiceIp = defineRule({
  name: "dns-service-ip",
  description: "the DNS service IP is a usable address of the service range",
  check({ network }) {
    const service = parseCidr(network.serviceCidr);
    if (!rangeContainsAddress(service, network.dnsServiceIp)) {
      return { errors: [`network.dnsServiceIp: ${network.dnsServiceIp} is not inside network.serviceCidr ${network.serviceCidr}; use an address of that range such as its .10`] };
    }
    // The network address cannot be a service IP and .1 goes to the kubernetes API service.
    const offset = ipv4ToInt(network.dnsServiceIp) - service.start;
    if (offset < 2 || offset === rangeSize(service) - 1) {
      return { errors: [`network.dnsServiceIp: ${network.dnsServiceIp} is the network, broadcast or API server (.1) address of ${network.serviceCidr}; use another address such as its .10`] };
    }
    return undefined;
  },
});

/** Azure reserves five addresses in every subnet; with the overlay each node takes one address of the node subnet. */
const AZURE_RESERVED_PER_SUBNET = 5;

const subnetCapacity = defineRule({
  name: "subnet-capacity",
  description: "the node subnet holds every node the pools may reach, upgrade surge included",
  check(params) {
    const usable = rangeSize(parseCidr(params.network.subnetCidr)) - AZURE_RESERVED_PER_SUBNET;
    // Upgrades add surge nodes: max_surge is "10%" (rounded up) on the CPU pools and "1" on the GPU pool (main.tf).
    const needed = pools(params).reduce((sum, { path, pool }) => {
      const nodes = Math.max(pool.size, pool.autoscaling ? pool.maxSize : 0);
      return sum + nodes + (path === "gpuPool" ? 1 : Math.ceil(nodes / 10));
    }, 0);
    return usable >= needed
      ? undefined
      : { errors: [`network.subnetCidr: ${params.network.subnetCidr} holds ${usable} node addresses but the pools may reach ${needed} nodes (maximum sizes plus upgrade surge); use a larger subnet or lower the pools' maxSize`] };
  },
});

/** Resource group names this blueprint derives (main.tf); AKS adds the node resource group MC_<rg>_<cluster>_<location>. */
export function derivedNames(params: ClusterParams): { resourceGroup: string; dnsPrefix: string; nodeResourceGroup: string } {
  const resourceGroup = `rg-${params.clusterName}`;
  return { resourceGroup, dnsPrefix: params.clusterName, nodeResourceGroup: `MC_${resourceGroup}_${params.clusterName}_${params.location}` };
}

const azureDerivedNames = defineRule({
  name: "azure-derived-names",
  description: "the dns_prefix and node resource group AKS derives from clusterName are valid",
  check(params) {
    const errors: string[] = [];
    const { dnsPrefix, nodeResourceGroup } = derivedNames(params);
    // dns_prefix: 1-54 letters, digits and '-', starting and ending with a letter or digit (aka.ms/aks-naming-rules).
    if (!/^[a-zA-Z0-9]([a-zA-Z0-9-]{0,52}[a-zA-Z0-9])?$/.test(dnsPrefix)) {
      errors.push(`clusterName: "${params.clusterName}" does not make a valid AKS dns_prefix (1-54 letters, digits and '-', starting and ending with a letter or digit); choose another cluster name`);
    }
    if (nodeResourceGroup.length > 80) {
      errors.push(
        // The cluster name appears twice in the derived name (in rg-<name> and on its own).
        `clusterName: the node resource group AKS derives, ${nodeResourceGroup}, has ${nodeResourceGroup.length} characters; AKS allows 80 — shorten clusterName by ${Math.ceil((nodeResourceGroup.length - 80) / 2)} characters (or choose a shorter location)`,
      );
    }
    return { errors };
  },
});

const versionVsUpgradeChannel = defineRule({
  name: "kubernetes-version-vs-upgrade-channel",
  description: "kubernetesVersion fits the automatic upgrade channel",
  check({ kubernetesVersion, autoUpgradeChannel }) {
    if (kubernetesVersion === "" || autoUpgradeChannel === "none") return undefined;
    const minor = kubernetesVersion.split(".").slice(0, 2).join(".");
    if (autoUpgradeChannel === "patch" && kubernetesVersion !== minor) {
      return { errors: [`kubernetesVersion: "${kubernetesVersion}" pins a patch release that the patch upgrade channel moves past; give the minor only ("${minor}") or set autoUpgradeChannel=none`] };
    }
    if (autoUpgradeChannel === "stable" || autoUpgradeChannel === "rapid") {
      return { errors: [`kubernetesVersion: the ${autoUpgradeChannel} upgrade channel changes the minor version itself, so Terraform would keep reverting it; leave kubernetesVersion empty or use autoUpgradeChannel=patch`] };
    }
    return undefined;
  },
});

/**
 * Who administers the cluster is a parameter, not whoever runs Terraform: with local accounts disabled and Azure RBAC
 * on, a cluster without admin groups answers Forbidden to everyone, subscription Owners included (Owner carries no
 * Kubernetes data actions). Not an error, so that `--yes` still renders; said on every render until it is set.
 */
const adminGroupsSet = defineRule({
  name: "admin-groups-set",
  description: "warns while adminGroupObjectIds is empty: nobody could use the cluster after the first apply",
  check({ adminGroupObjectIds }) {
    if ((adminGroupObjectIds as string[]).length > 0) return undefined;
    return {
      warnings: [
        "adminGroupObjectIds: no Microsoft Entra group administers the cluster, so after the first apply nobody can use it " +
          "(local accounts are disabled, and the identity running Terraform gets no access either). Give a group's object ID " +
          "(`az ad group show --group <name> --query id -o tsv`): `--set 'adminGroupObjectIds=[<object-id>]'`, or in the " +
          "repository `update --set 'adminGroupObjectIds=[<object-id>]' --pr`. Until then, the README's \"Break-glass access\" is the only way in",
      ],
    };
  },
});

export const aksRules: RuleDefinition[] = [
  poolNames,
  gpuVmSize,
  gpuOsSku,
  cidrCanonical,
  subnetInVnet,
  cidrOverlap,
  dnsServiceIp,
  subnetCapacity,
  azureDerivedNames,
  versionVsUpgradeChannel,
  adminGroupsSet,
];
