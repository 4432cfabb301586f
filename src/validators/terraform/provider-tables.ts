/**
 * Argument tables for the providers the blueprints use, generated from the providers' schemas at their release
 * tags by scripts/extract-provider-attrs.mjs. Bundled as JSON so validation works offline.
 */
import scaleway from "./providers/scaleway.json" with { type: "json" };
import openstack from "./providers/openstack.json" with { type: "json" };
import azurerm from "./providers/azurerm.json" with { type: "json" };

export interface AttributeSchema {
  kind: "required" | "optional" | "computed";
  type: string;
  default?: unknown;
  forceNew?: boolean;
  optionalComputed?: boolean;
  deprecated?: boolean;
  /** Environment variable the provider reads when the argument is left out (Required arguments with DefaultFunc). */
  envDefault?: string;
}

export interface BlockSchema {
  required: boolean;
  min: number;
  max?: number;
  nesting: "list" | "set";
  forceNew?: boolean;
  optionalComputed?: boolean;
  schema: BodySchema;
}

export interface RemovedInfo {
  /** Provider version that removed it. */
  since: string;
  /** What to write instead. */
  hint: string;
}

/** Cross-argument rules; dotted names point into nested blocks (all names of one rule share the block). */
export interface Constraint {
  exactlyOneOf?: string[];
  atLeastOneOf?: string[];
}

export interface BodySchema {
  attributes: Record<string, AttributeSchema>;
  blocks: Record<string, BlockSchema>;
  removed?: Record<string, RemovedInfo>;
  /** Keys a `timeouts {}` block accepts; absent when the facts do not say, empty when the resource has none. */
  timeouts?: string[];
  constraints?: Constraint[];
}

export interface ProviderBlockSchema {
  /** Whether `attributes`/`blocks` list every provider argument (otherwise unknown names are not reported). */
  complete: boolean;
  attributes: string[];
  blocks: Record<string, { min: number; max?: number }>;
  removed: Record<string, RemovedInfo>;
}

export interface ProviderTable {
  provider: string;
  /** Registry source address, e.g. "scaleway/scaleway". */
  source: string;
  /** Constraint the blueprints pin, e.g. "~> 2.81". */
  versionConstraint: string;
  /** Release the table was read from, e.g. "2.81.0". */
  version: string;
  resourcePrefix: string;
  providerBlock: ProviderBlockSchema;
  removedResources: Record<string, RemovedInfo>;
  resources: Record<string, BodySchema>;
  dataSources: Record<string, BodySchema>;
}

/** The bundled tables, by provider local name. */
export const providerTables: Readonly<Record<string, ProviderTable>> = {
  scaleway: scaleway as ProviderTable,
  openstack: openstack as ProviderTable,
  azurerm: azurerm as ProviderTable,
};

/** The table whose resource prefix the type carries (`scaleway_k8s_pool` -> scaleway), if any. */
export function tableForType(type: string): ProviderTable | undefined {
  return Object.values(providerTables).find((table) => type.startsWith(table.resourcePrefix));
}
