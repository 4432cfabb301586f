/** The catalog as `create-cluster-repo addons` and the help list it: plain data, sorted by name. */
import { loadCatalog } from "./load.js";
import type { Addon } from "./types.js";

export interface AddonSummary {
  name: string;
  description: string;
  /** `<chart> <version> (<repository>)`, or `manifests` for an add-on made of manifests only. */
  source: string;
  namespace: string;
  podSecurity: string;
  requires: string[];
  dependsOn: string[];
}

export function summarize(addon: Addon): AddonSummary {
  return {
    name: addon.name,
    description: addon.description,
    source: addon.chart ? `${addon.chart.name} ${addon.chart.version} (${addon.chart.repository.url})` : "manifests",
    namespace: addon.namespace,
    podSecurity: addon.podSecurity?.level ?? "restricted",
    requires: addon.requires ?? [],
    dependsOn: addon.dependsOn ?? [],
  };
}

export function listAddons(): AddonSummary[] {
  return [...loadCatalog().addons.values()].map(summarize);
}
