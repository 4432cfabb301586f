/** Rules of Scaleway Kosmos clusters: pools and external pools, mutualized control planes, the spread demo. */
import type { ClusterParams } from "../parse.js";
import { normalizeNodeType } from "./scaleway-catalogue.js";
import { defineRule, type RuleDefinition } from "./types.js";

/** One Scaleway Instance pool of the `pools` parameter (schema defaults filled in). */
interface ScalewayPool {
  name: string;
  zone: string;
  nodeType: string;
  size: number;
  autoscaling: boolean;
  minSize: number;
  maxSize: number;
}

/** One pool of external nodes of the `externalPools` parameter. */
interface ExternalPool {
  name: string;
  maxSize: number;
}

const poolsOf = (params: ClusterParams): ScalewayPool[] => params.pools ?? [];
const externalPoolsOf = (params: ClusterParams): ExternalPool[] => params.externalPools ?? [];

/** `multicloud` is the mutualized control plane; the `multicloud-dedicated-*` types are not. */
export function isMutualizedType(clusterType: string): boolean {
  return !clusterType.includes("dedicated");
}

/** Pool names become Terraform addresses (`scaleway_k8s_pool.<name>`) and Scaleway pool names: one namespace for both lists. */
const uniquePoolNames = defineRule({
  name: "unique-pool-names",
  description: "pool names are unique across pools and externalPools",
  check(params) {
    const all = [
      ...poolsOf(params).map((pool, i) => ({ name: pool.name, path: `pools[${i}]` })),
      ...externalPoolsOf(params).map((pool, i) => ({ name: pool.name, path: `externalPools[${i}]` })),
    ];
    const seen = new Map<string, string>();
    const errors: string[] = [];
    for (const { name, path } of all) {
      const first = seen.get(name);
      if (first !== undefined) errors.push(`${path}.name: "${name}" is already used by ${first}; pool names must be unique across pools and externalPools`);
      else seen.set(name, path);
    }
    return { errors };
  },
});

/** The provider refuses a pool of size 0 on a mutualized cluster unless another pool already has a node. */
const mutualizedNeedsSizedPool = defineRule({
  name: "mutualized-needs-sized-pool",
  description: "a mutualized Kosmos control plane has at least one Scaleway pool with a node",
  check(params) {
    const { clusterType } = params;
    if (!isMutualizedType(clusterType) || poolsOf(params).some((pool) => pool.size >= 1)) return undefined;
    return {
      errors: [
        `pools: a mutualized Kosmos cluster (clusterType=${clusterType}) needs at least one Scaleway pool with size >= 1 ("a mutualized cluster cannot have less than 1 node"); ` +
          `add a pool with size 1 (e.g. --set pools[0].name=par --set pools[0].size=1) or use clusterType=multicloud-dedicated-4`,
      ],
    };
  },
});

/** A dedicated control plane may run with external nodes only, but not with no pool at all. */
const atLeastOnePool = defineRule({
  name: "at-least-one-pool",
  description: "a dedicated Kosmos control plane has at least one pool or external pool",
  check(params) {
    // On a mutualized type, mutualized-needs-sized-pool already says what is missing.
    if (isMutualizedType(params.clusterType) || poolsOf(params).length + externalPoolsOf(params).length > 0) return undefined;
    return { errors: ["pools: the cluster has no pool at all, so nothing can run on it; add a Scaleway pool (pools[0]) or an external pool (externalPools[0])"] };
  },
});

/** External pools have size 0; max_size would default to it and the provider rejects a max_size below 1. */
const externalPoolMaxSize = defineRule({
  name: "external-pool-max-size",
  description: "every external pool allows at least one node (maxSize >= 1)",
  check(params) {
    const errors = externalPoolsOf(params)
      .map((pool, i) => ({ pool, i }))
      .filter(({ pool }) => pool.maxSize < 1)
      .map(({ pool, i }) => `externalPools[${i}].maxSize: must be >= 1 (got ${pool.maxSize}): it is the number of external nodes allowed to join, and the provider rejects 0; set it to the number of nodes you will attach`);
    return { errors };
  },
});

/** `external` is the node type of external pools; in `pools` it would make a Scaleway-looking pool with no Instances. */
const scalewayPoolNotExternal = defineRule({
  name: "scaleway-pool-not-external",
  description: "the node type \"external\" belongs to externalPools, not pools",
  check(params) {
    const errors = poolsOf(params)
      .map((pool, i) => ({ pool, i }))
      .filter(({ pool }) => normalizeNodeType(pool.nodeType) === "EXTERNAL")
      .map(({ pool, i }) => `pools[${i}].nodeType: "external" is the node type of external pools; move "${pool.name}" to externalPools or give a Scaleway Instance type such as PRO2-XS`);
    return { errors };
  },
});

/** Without Scaleway pools the region-spread demo only runs on external nodes that carry a region label. */
const demoNeedsRegionLabels = defineRule({
  name: "demo-needs-region-labels",
  description: "warns when the spread demo has no region-labelled node to run on",
  check(params) {
    if (!params.demo?.enabled || poolsOf(params).length > 0) return undefined;
    const labelled = (params.externalPools ?? []).some((pool: { labels?: Record<string, string> }) => pool.labels?.["topology.kubernetes.io/region"]);
    return labelled
      ? undefined
      : { warnings: ["demo.enabled: with no Scaleway pool, the spread demo stays Pending until external nodes carry topology.kubernetes.io/region; set it in externalPools[].labels or label the nodes (see the README)"] };
  },
});

export const kosmosRules: RuleDefinition[] = [
  uniquePoolNames,
  mutualizedNeedsSizedPool,
  atLeastOnePool,
  externalPoolMaxSize,
  scalewayPoolNotExternal,
  demoNeedsRegionLabels,
];
