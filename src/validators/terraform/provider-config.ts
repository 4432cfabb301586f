/**
 * File-level provider checks: `required_providers` pins against the tables' releases, and `provider "x" {}`
 * blocks against the provider block arguments the tables know.
 */
import type { Problem } from "../types.js";
import type { HclBlock, HclScan } from "./hcl-scan.js";
import { impliedProviderName, tabledProviders, type ProviderTable, type ProviderTables } from "./provider-tables.js";
import { requiredProvider, requiredProviders as requiredProvidersOf, stringField } from "./required-providers.js";
import { closest } from "./suggest.js";
import type { TableFit } from "./table-fit.js";

/**
 * The highest major version a Terraform version constraint admits, or undefined when it has no upper bound
 * (`>= 2.0`) or cannot be read. `~> 2.81` -> 2, `< 3.0.0` -> 2, `= 1.17.2` -> 1.
 */
export function highestAllowedMajor(constraint: string): number | undefined {
  let highest: number | undefined;
  for (const clause of constraint.split(",")) {
    const match = /^\s*(~>|>=|<=|!=|=|>|<)?\s*v?(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(clause);
    if (!match) continue;
    const operator = match[1] ?? "=";
    const major = Number(match[2]);
    const rest = Number(match[3] ?? 0) + Number(match[4] ?? 0);
    let bound: number | undefined;
    if (operator === "~>" || operator === "=" || operator === "<=") bound = major;
    else if (operator === "<") bound = rest > 0 ? major : major - 1;
    if (bound !== undefined) highest = highest === undefined ? bound : Math.min(highest, bound);
  }
  return highest;
}

function normaliseSource(source: string): string {
  return source.toLowerCase().replace(/^registry\.terraform\.io\//, "").replace(/^registry\.opentofu\.org\//, "");
}

function tableForLocalName(tables: ProviderTables, name: string, source: string | undefined): ProviderTable | undefined {
  if (source) {
    const type = normaliseSource(source).split("/").at(-1) ?? "";
    return tables[type];
  }
  return tables[name];
}

/**
 * The tabled providers a module's files name: by resource/data type prefix, `provider` block, or
 * `required_providers` entry (local name or source type). Only their tables need loading.
 */
export function providersNamedIn(scans: HclScan[]): string[] {
  const named = new Set<string>();
  for (const scan of scans) {
    for (const block of scan.body.blocks) {
      if (block.type === "resource" || block.type === "data") named.add(impliedProviderName(block.labels[0] ?? ""));
      else if (block.type === "provider") named.add(block.labels[0] ?? "");
      else if (block.type === "terraform") {
        for (const nested of block.body.blocks) {
          if (nested.type !== "required_providers") continue;
          for (const attribute of nested.body.attributes) {
            named.add(attribute.name);
            const source = stringField(attribute.expr, "source");
            if (source) named.add(normaliseSource(source).split("/").at(-1) ?? "");
          }
        }
      }
    }
  }
  return [...named].filter((name) => tabledProviders.includes(name));
}

/** Checks the `terraform { required_providers { ... } }` pins and the `provider` blocks of one file. */
export function checkProviderConfig(scan: HclScan, file: string, tables: ProviderTables, fits: Map<string, TableFit> = new Map()): Problem[] {
  const problems: Problem[] = [];
  for (const block of scan.body.blocks) {
    if (block.type === "terraform") {
      for (const nested of block.body.blocks) if (nested.type === "required_providers") problems.push(...checkPins(nested, file, tables));
    } else if (block.type === "provider") {
      const table = tables[block.labels[0] ?? ""];
      // The provider block of an older release than the tables' may have arguments since removed: not checked.
      if (table && fits.get(table.provider)?.fit !== "older") problems.push(...checkProviderBlock(block, table, file));
    }
  }
  return problems;
}

function checkPins(requiredProviders: HclBlock, file: string, tables: ProviderTables): Problem[] {
  const problems: Problem[] = [];
  for (const attribute of requiredProviders.body.attributes) {
    const { source, version } = requiredProvider(attribute);
    const table = tableForLocalName(tables, attribute.name, source);
    if (!table) continue;
    const resource = `required_providers.${attribute.name}`;
    if (source !== undefined && normaliseSource(source) !== table.source) {
      problems.push({
        file, line: attribute.line, resource, rule: "tf-provider-source", path: resource, severity: "warning",
        message: `provider ${attribute.name} has source "${source}", expected "${table.source}"`,
      });
    } else if (source === undefined && `hashicorp/${attribute.name}` !== table.source) {
      problems.push({
        file, line: attribute.line, resource, rule: "tf-provider-source", path: resource, severity: "warning",
        message: `provider ${attribute.name} has no source, so Terraform looks for hashicorp/${attribute.name}; add source = "${table.source}"`,
      });
    }
    const tableMajor = Number(table.version.split(".")[0]);
    const highest = version === undefined ? undefined : highestAllowedMajor(version);
    if (version === undefined) {
      problems.push({
        file, line: attribute.line, resource, rule: "tf-provider-version", path: resource, severity: "warning",
        message: `provider ${attribute.name} has no version constraint; pin it, e.g. version = "${table.versionConstraint}" (latest ${table.version})`,
      });
    } else if (highest !== undefined && highest < tableMajor) {
      problems.push({
        file, line: attribute.line, resource, rule: "tf-provider-version", path: resource, severity: "warning",
        message: `provider ${attribute.name} is pinned to "${version}", an older major than ${table.version}; arguments differ between majors (use "${table.versionConstraint}")`,
      });
    }
  }
  return problems;
}

/**
 * Resource types of a tabled provider outside the `hashicorp/` namespace need a `required_providers` entry in
 * every module that uses them; without one Terraform looks for `hashicorp/<name>` and `init` fails.
 * Returns, per provider lacking an entry, the first block that uses it.
 */
export function unrequiredProviders(scans: HclScan[], tables: ProviderTables): { block: HclBlock; table: ProviderTable }[] {
  const required = new Set<string>();
  for (const { name, source } of requiredProvidersOf(scans)) {
    const table = tableForLocalName(tables, name, source);
    if (table) required.add(table.provider);
  }
  const missing = new Map<string, { block: HclBlock; table: ProviderTable }>();
  for (const scan of scans) {
    for (const block of scan.body.blocks) {
      if (block.type !== "resource" && block.type !== "data") continue;
      const table = tables[impliedProviderName(block.labels[0] ?? "")];
      if (!table || table.source.startsWith("hashicorp/") || required.has(table.provider) || missing.has(table.provider)) continue;
      missing.set(table.provider, { block, table });
    }
  }
  return [...missing.values()];
}

function checkProviderBlock(block: HclBlock, table: ProviderTable, file: string): Problem[] {
  const problems: Problem[] = [];
  const schema = table.providerBlock;
  const resource = `provider "${table.provider}"`;
  const meta = new Set(["alias", "version"]);
  const known = [...schema.attributes, ...Object.keys(schema.blocks)];
  const seen = new Set<string>();
  const items = [
    ...block.body.attributes.map((attribute) => ({ name: attribute.name, line: attribute.line })),
    ...block.body.blocks.map((nested) => ({ name: nested.type, line: nested.line })),
  ];
  for (const { name, line } of items) {
    seen.add(name);
    if (meta.has(name) || known.includes(name)) continue;
    const removed = schema.removed[name];
    if (removed) {
      problems.push({ file, line, resource, rule: "tf-removed", path: name, severity: "error", message: `${name} was removed from ${resource} in ${removed.since}: ${removed.hint}` });
    } else if (schema.complete) {
      const suggestion = closest(name, known);
      problems.push({
        file, line, resource, rule: "tf-unknown-argument", path: name, severity: "error",
        message: `${name} is not an argument of ${resource}${suggestion ? `; did you mean ${suggestion}?` : ""}`,
      });
    }
  }
  for (const [name, limits] of Object.entries(schema.blocks)) {
    if (limits.min > 0 && !seen.has(name)) {
      problems.push({ file, line: block.line, resource, rule: "tf-missing-required", path: name, severity: "error", message: `block ${name} { } is required in ${resource} (it may be empty)` });
    }
  }
  return problems;
}
