/**
 * Argument tables of the providers the blueprints use, derived from each provider's Go source at its release tag by
 * scripts/extract-provider-schemas.mjs (see schemas/terraform/README.md for tags, licence and choices). They ship as
 * JSON, one file per provider found by presence (`schemas/terraform/<local name>.json`: a new cloud's table is one
 * file, listed nowhere), and are loaded per provider on first use: a run that validates no azurerm block never parses
 * azurerm's table.
 */
import { createHash } from "node:crypto";
import { readdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { packageRoot } from "../../_utils.js";

/** Where the tables are: shipped with the package, beside the Kubernetes schemas. */
export const providerTablesDir = join(packageRoot, "schemas", "terraform");

/** The file of a provider's table, relative to the package root (what the contract test tells a contributor to add). */
export const providerTablePath = (provider: string) => `schemas/terraform/${provider}.json`;

export interface AttributeSchema {
  kind: "required" | "optional" | "computed";
  type: string;
  default?: unknown;
  /** A change replaces the resource: always (`true`, schema ForceNew) or only in some cases (a CustomizeDiff). */
  forceNew?: true | "conditional";
  optionalComputed?: boolean;
  deprecated?: boolean;
  sensitive?: boolean;
  /** Environment variable the provider reads when the argument is left out (Required arguments with DefaultFunc). */
  envDefault?: string;
  /** The extraction could not read this argument's schema: it exists, nothing more is known. */
  unresolved?: boolean;
}

export interface BlockSchema {
  required: boolean;
  min: number;
  max?: number;
  nesting: "list" | "set";
  forceNew?: true | "conditional";
  optionalComputed?: boolean;
  deprecated?: boolean;
  /** SDK "ConfigModeAttr": may also be written as an attribute, `name = [{ ... }]`. */
  attributeSyntax?: boolean;
  schema: BodySchema;
}

export interface RemovedInfo {
  /** Provider version that removed it. */
  since: string;
  /** What to write instead. */
  hint: string;
}

/**
 * Cross-argument rules; dotted names point into nested blocks (all names of one rule share the block).
 * conflictsWith: a pair of names that may not be set together.
 */
export interface Constraint {
  exactlyOneOf?: string[];
  atLeastOneOf?: string[];
  conflictsWith?: string[];
}

export interface BodySchema {
  attributes: Record<string, AttributeSchema>;
  blocks: Record<string, BlockSchema>;
  removed?: Record<string, RemovedInfo>;
  /** Keys a `timeouts {}` block accepts; absent when unknown, empty when the resource has none. */
  timeouts?: string[];
  constraints?: Constraint[];
  /** Some argument names could not be read: unknown names are not reported. */
  open?: boolean;
  deprecated?: boolean;
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
  /** Where the facts come from: repository, tag, commit and the source's licence. */
  upstream: { repository: string; tag: string; commit: string; licence: string };
  resourcePrefix: string;
  providerBlock: ProviderBlockSchema;
  removedResources: Record<string, RemovedInfo>;
  /** Every resource type of the release; those without an entry in `resources` are not checked. */
  resourceTypes: string[];
  dataSourceTypes: string[];
  resources: Record<string, BodySchema>;
  dataSources: Record<string, BodySchema>;
}

/** The providers a folder has tables for: every `<local name>.json` in it, sorted. */
export function providerTablesIn(dir: string): string[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith(".json"))
    .map((file) => file.slice(0, -".json".length))
    .sort();
}

/** Local names of the providers that have a table, e.g. ["azurerm", "openstack", "scaleway"]: the files present. */
export const tabledProviders: readonly string[] = providerTablesIn(providerTablesDir);

const loading = new Map<string, Promise<ProviderTable>>();

/** The table of a provider by local name, loaded on first use; undefined for a provider without a table. */
export function loadProviderTable(provider: string): Promise<ProviderTable | undefined> {
  if (!tabledProviders.includes(provider)) return Promise.resolve(undefined);
  let table = loading.get(provider);
  if (!table) {
    table = readFile(join(providerTablesDir, `${provider}.json`), "utf8").then(async (text) => (await splitTableOf(provider, text)) ?? (JSON.parse(text) as ProviderTable));
    loading.set(provider, table);
  }
  return table;
}

/**
 * A table as the build splits it (scripts/precompile-data.mjs): the table with each resource's and data source's
 * schema left as its JSON text, and the digest of the shipped file it was made from. A run reads a handful of the
 * hundreds of types a provider has: parsing the whole table (Scaleway's 290 kB, azurerm's 520 kB) was about 10 ms of
 * every `create`, `plan` and `update`.
 */
export interface SplitProviderTable {
  digest: string;
  table: Omit<ProviderTable, "resources" | "dataSources"> & { resources: Record<string, string>; dataSources: Record<string, string> };
}

/** Where the build writes the split tables, one `<provider>.json` each. */
export const SPLIT_TABLES_DIR = join(packageRoot, "dist", "validators", "terraform", "tables");

/** The key of a table's text: a split table made from another text is not used. */
export const providerTableDigest = (text: string): string => createHash("sha256").update(text).digest("hex");

/** The split form of a table's text (for the build). */
export function splitProviderTable(text: string): SplitProviderTable {
  const table = JSON.parse(text) as ProviderTable;
  const texts = (record: Record<string, BodySchema>) => Object.fromEntries(Object.entries(record).map(([name, schema]) => [name, JSON.stringify(schema)]));
  return { digest: providerTableDigest(text), table: { ...table, resources: texts(table.resources), dataSources: texts(table.dataSources) } };
}

/**
 * The table from the build's split form when there is one made from this very text: the same table, whose resources
 * and data sources are parsed when first read. Undefined otherwise (before the first build, or an edited table).
 */
async function splitTableOf(provider: string, text: string): Promise<ProviderTable | undefined> {
  let split: SplitProviderTable;
  try {
    split = JSON.parse(await readFile(join(SPLIT_TABLES_DIR, `${provider}.json`), "utf8")) as SplitProviderTable;
  } catch {
    return undefined;
  }
  if (split.digest !== providerTableDigest(text)) return undefined;
  return { ...split.table, resources: parsedOnRead(split.table.resources), dataSources: parsedOnRead(split.table.dataSources) };
}

/** A record whose values are parsed from their JSON text when first read (then kept): same keys, same values. */
function parsedOnRead<T>(texts: Record<string, string>): Record<string, T> {
  const record: Record<string, T> = {};
  for (const [name, text] of Object.entries(texts)) {
    Object.defineProperty(record, name, {
      enumerable: true,
      configurable: true,
      get() {
        const value = JSON.parse(text) as T;
        Object.defineProperty(record, name, { value, enumerable: true, configurable: true, writable: true });
        return value;
      },
    });
  }
  return record;
}

/** Tables by provider local name: what the synchronous checks read after the needed tables are loaded. */
export type ProviderTables = Readonly<Record<string, ProviderTable>>;

/** Loads the tables of the given providers (names without a table are ignored). */
export async function loadProviderTables(providers: Iterable<string>): Promise<ProviderTables> {
  const names = [...new Set(providers)].filter((name) => tabledProviders.includes(name));
  const tables = await Promise.all(names.map((name) => loadProviderTable(name)));
  return Object.fromEntries(names.map((name, i) => [name, tables[i]!]));
}

/** The tabled provider whose resource prefix a type carries (`scaleway_k8s_pool` -> "scaleway"), if any. */
export function providerOfType(type: string): string | undefined {
  return tabledProviders.find((provider) => type.startsWith(`${provider}_`));
}

/** The local provider name a resource type implies by Terraform's rule: the part before the first `_`. */
export function impliedProviderName(type: string): string {
  return type.split("_")[0] ?? type;
}

/** One argument whose change replaces the resource. `path` is dotted through nested blocks. */
export interface ReplacementArgument {
  path: string;
  /** "always": ForceNew in the schema; "conditional": the provider forces it in some cases only (CustomizeDiff). */
  when: "always" | "conditional";
}

/**
 * The arguments (and nested-block arguments) of a managed resource type whose change forces a replacement, as
 * `plan`/`update` need them to mark an address as replaced. Undefined when the type has no table (unknown).
 * A nested block marked ForceNew is listed under its own path: adding or removing it replaces the resource.
 */
export async function replacementArguments(type: string): Promise<ReplacementArgument[] | undefined> {
  const provider = providerOfType(type);
  const table = provider === undefined ? undefined : await loadProviderTable(provider);
  const schema = table?.resources[type];
  if (!schema) return undefined;
  const found: ReplacementArgument[] = [];
  const visit = (body: BodySchema, prefix: string): void => {
    for (const [name, attribute] of Object.entries(body.attributes)) {
      if (attribute.forceNew && attribute.kind !== "computed") found.push({ path: prefix + name, when: attribute.forceNew === true ? "always" : "conditional" });
    }
    for (const [name, block] of Object.entries(body.blocks)) {
      if (block.forceNew) found.push({ path: prefix + name, when: block.forceNew === true ? "always" : "conditional" });
      visit(block.schema, `${prefix}${name}.`);
    }
  };
  visit(schema, "");
  return found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * Whether changing `path` (dotted, e.g. "default_node_pool.vm_size"; list indexes are ignored) of a resource
 * replaces it: "always", "conditional", false when it updates in place, undefined when the type or path is unknown.
 * For a nested block, ForceNew applies to adding or removing the block (terraform-plugin-sdk puts it on the block's
 * count); a change inside it replaces only when that inner argument is ForceNew itself.
 */
export async function replacementFor(type: string, path: string): Promise<ReplacementArgument["when"] | false | undefined> {
  const provider = providerOfType(type);
  const table = provider === undefined ? undefined : await loadProviderTable(provider);
  let body = table?.resources[type];
  if (!body) return undefined;
  const segments = path.split(".").filter((segment) => !/^\d+$/.test(segment));
  for (const [i, segment] of segments.entries()) {
    const last = i === segments.length - 1;
    const block: BlockSchema | undefined = body.blocks[segment];
    const attribute: AttributeSchema | undefined = body.attributes[segment];
    const found = block ?? attribute;
    if (!found) return undefined;
    if (last || (attribute && !block)) {
      // a path below an object-typed attribute changes the attribute itself
      if (!last && !attribute!.type.includes("object") && attribute!.type !== "any") return undefined;
      return found.forceNew === true ? "always" : found.forceNew === "conditional" ? "conditional" : false;
    }
    body = block!.schema;
  }
  return false;
}
