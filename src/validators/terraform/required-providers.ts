/**
 * The entries of `terraform { required_providers { ... } }`, read one way for every check that needs them (pins,
 * missing entries, which provider table fits the module).
 */
import type { HclAttribute, HclBlock, HclScan } from "./hcl-scan.js";

export interface RequiredProvider {
  attribute: HclAttribute;
  /** The local name (`scaleway = { ... }`). */
  name: string;
  /** `source = "..."`; undefined for Terraform 0.12's shorthand or when not a literal. */
  source?: string;
  /** The version constraint: the shorthand's string or `version = "..."`. */
  version?: string;
}

/** One entry of a `required_providers` block. */
export function requiredProvider(attribute: HclAttribute): RequiredProvider {
  const expr = attribute.expr.trim();
  // Terraform 0.12's shorthand `scaleway = "~> 1.0"` is a bare version constraint.
  const shorthand = /^"([^"]*)"$/.exec(expr)?.[1];
  const source = shorthand === undefined ? stringField(expr, "source") : undefined;
  const version = shorthand ?? stringField(expr, "version");
  return { attribute, name: attribute.name, ...(source !== undefined ? { source } : {}), ...(version !== undefined ? { version } : {}) };
}

/** The `required_providers` blocks of a module's files. */
export function* requiredProvidersBlocks(scans: readonly HclScan[]): Generator<HclBlock> {
  for (const scan of scans) {
    for (const block of scan.body.blocks) {
      if (block.type !== "terraform") continue;
      for (const nested of block.body.blocks) if (nested.type === "required_providers") yield nested;
    }
  }
}

/** Every entry of every `required_providers` block of a module's files. */
export function* requiredProviders(scans: readonly HclScan[]): Generator<RequiredProvider> {
  for (const block of requiredProvidersBlocks(scans)) for (const attribute of block.body.attributes) yield requiredProvider(attribute);
}

/** A literal string field of an object expression (`source = "scaleway/scaleway"`). */
export function stringField(expr: string, field: string): string | undefined {
  return new RegExp(`\\b${field}\\s*=\\s*"([^"]*)"`).exec(expr)?.[1];
}
