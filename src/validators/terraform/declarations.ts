/**
 * Module-level declaration checks Terraform runs before it contacts any provider: duplicate blocks across the
 * module's files (`Duplicate resource "x" configuration`, two default configurations of one provider) and names that
 * are not valid identifiers (`Invalid variable name`), each reported once, where it is declared.
 */
import { posix } from "node:path";
import type { Problem } from "../types.js";
import type { HclBlock, HclScan } from "./hcl-scan.js";
import { blockLabel, type LocatedProblem } from "./references.js";

export interface ModuleScan {
  path: string;
  scan: HclScan;
}

/** hclsyntax.ValidIdentifier: a letter or underscore, then letters, digits, underscores and dashes. */
const IDENTIFIER = /^[\p{L}_][\p{L}\p{N}_-]*$/u;

/** Variable names Terraform reserves for module blocks (configs/named_values.go). */
const RESERVED_VARIABLE_NAMES = new Set(["source", "version", "providers", "count", "for_each", "lifecycle", "depends_on", "locals"]);

/** What each block kind's names are called in messages, and which labels are names (resource: type and name). */
const NAMED_BLOCKS: Record<string, { noun: string; key: (block: HclBlock) => string; names: (block: HclBlock) => string[] }> = {
  resource: { noun: "resource", key: (b) => `${b.labels[0]}.${b.labels[1]}`, names: (b) => b.labels.slice(0, 2) },
  data: { noun: "data", key: (b) => `data.${b.labels[0]}.${b.labels[1]}`, names: (b) => b.labels.slice(0, 2) },
  ephemeral: { noun: "ephemeral", key: (b) => `ephemeral.${b.labels[0]}.${b.labels[1]}`, names: (b) => b.labels.slice(0, 2) },
  variable: { noun: "variable", key: (b) => `var.${b.labels[0]}`, names: (b) => b.labels.slice(0, 1) },
  output: { noun: "output", key: (b) => `output.${b.labels[0]}`, names: (b) => b.labels.slice(0, 1) },
  module: { noun: "module", key: (b) => `module.${b.labels[0]}`, names: (b) => b.labels.slice(0, 1) },
};

/** Terraform's summary for a duplicate, e.g. `Duplicate resource "scaleway_k8s_pool" configuration`. */
function duplicateSummary(block: HclBlock): string {
  switch (block.type) {
    case "resource":
    case "data":
    case "ephemeral":
      return `Duplicate ${block.type} "${block.labels[0]}" configuration: a ${block.type} named "${block.labels[1]}" was already declared`;
    case "variable":
      return `Duplicate variable declaration: a variable named "${block.labels[0]}" was already declared`;
    case "output":
      return `Duplicate output definition: an output named "${block.labels[0]}" was already defined`;
    default:
      return `Duplicate module call: a module named "${block.labels[0]}" was already declared`;
  }
}

export interface DeclarationCheck {
  problems: LocatedProblem[];
  /** Invalid names by reference kind ("var", "local", "resource", ...): their uses are not reported again. */
  invalidNames: Map<string, string[]>;
}

const REFERENCE_KIND: Record<string, string> = { variable: "var", module: "module", resource: "resource", data: "data", ephemeral: "ephemeral" };

/**
 * A provider block's configuration: its name with its alias, which must be a literal string (Terraform reads it
 * before evaluating anything). Undefined for an alias written as an expression: not judged here.
 */
function providerConfigKey(block: HclBlock): string | undefined {
  const alias = block.body.attributes.find((attribute) => attribute.name === "alias");
  if (alias === undefined) return `${block.labels[0]}`;
  const literal = /^"([^"\\$%]*)"$/.exec(alias.expr.trim());
  return literal ? `${block.labels[0]}.${literal[1]}` : undefined;
}

/** Terraform's "Duplicate provider configuration" (configs/module.go), in this project's words. */
function duplicateProviderMessage(block: HclBlock, key: string, seen: { file: string; line: number }): string {
  const name = block.labels[0] ?? "";
  if (key === name) {
    return `Duplicate provider configuration: a default (non-aliased) configuration of provider "${name}" was already given at ${seen.file}:${seen.line}; give one of them an alias = "..." if both are needed`;
  }
  return `Duplicate provider configuration: a configuration of provider "${name}" with alias "${key.slice(name.length + 1)}" was already given at ${seen.file}:${seen.line}; each configuration of one provider needs its own alias`;
}

/**
 * Terraform's override files (`override.tf`, `*_override.tf`): merged into the blocks of the primary files that
 * declare the same names, after them, so a name they repeat is no duplicate (terraform.io, "Override Files").
 */
export function isOverrideFile(path: string): boolean {
  const name = posix.basename(path);
  return name === "override.tf" || name.endsWith("_override.tf");
}

/** Terraform's summary when an override file changes what no primary file declares (configs/module.go). */
const MISSING_BASE: Record<string, string> = {
  resource: "Missing resource to override",
  data: "Missing data resource to override",
  variable: "Missing base variable declaration to override",
  output: "Missing base output definition to override",
  module: "Missing module call to override",
};

export interface DeclarationOptions {
  /**
   * Whether every primary declaration was read (no `.tf.json` file in the folder, whose blocks are not scanned):
   * only then is an override of an undeclared name reported.
   */
  allPrimariesRead?: boolean;
}

export function checkDeclarations(files: ModuleScan[], options: DeclarationOptions = {}): DeclarationCheck {
  const problems: LocatedProblem[] = [];
  const invalidNames = new Map<string, string[]>();
  const first = new Map<string, { file: string; line: number }>();
  const firstLocal = new Map<string, { file: string; line: number }>();
  const firstProvider = new Map<string, { file: string; line: number }>();
  const report = (block: HclBlock, file: string, line: number, rule: string, message: string): void => {
    const problem: Problem = { file, line, resource: blockLabel(block), rule, message, severity: "error" };
    problems.push({ block, problem });
  };
  const checkBase = options.allPrimariesRead ?? true;
  // Primary files first, as Terraform merges them: an override file may come before its primary in name order.
  const ordered = [...files.filter((file) => !isOverrideFile(file.path)), ...files.filter((file) => isOverrideFile(file.path))];
  for (const { path, scan } of ordered) {
    const override = isOverrideFile(path);
    for (const block of scan.body.blocks) {
      if (block.type === "locals") {
        for (const attribute of block.body.attributes) {
          const seen = firstLocal.get(attribute.name);
          if (override) {
            if (!seen && checkBase) report(block, path, attribute.line, "tf-override-missing-base", `Missing base local value definition to override: no primary file of the module defines local.${attribute.name}; an override file only changes what a primary file declares`);
          } else if (seen) {
            report(block, path, attribute.line, "tf-duplicate", `Duplicate local value definition: a local value named "${attribute.name}" was already defined at ${seen.file}:${seen.line}; local value names must be unique within a module`);
          } else firstLocal.set(attribute.name, { file: path, line: attribute.line });
        }
        continue;
      }
      if (block.type === "provider" && block.labels.length === 1) {
        const key = providerConfigKey(block);
        if (key === undefined || override) continue;
        const seen = firstProvider.get(key);
        if (seen) report(block, path, block.line, "tf-duplicate", duplicateProviderMessage(block, key, seen));
        else firstProvider.set(key, { file: path, line: block.line });
        continue;
      }
      const named = NAMED_BLOCKS[block.type];
      if (!named) continue;
      const invalid = named.names(block).filter((name) => !IDENTIFIER.test(name));
      for (const name of invalid) {
        const which = block.type === "resource" || block.type === "data" || block.type === "ephemeral" ? (name === block.labels[0] ? `${named.noun} type` : `${named.noun} name`) : `${named.noun} name`;
        report(block, path, block.line, "tf-invalid-name", `Invalid ${which} ${JSON.stringify(name)}: a name must start with a letter or underscore and may contain only letters, digits, underscores, and dashes`);
        const kind = REFERENCE_KIND[block.type];
        if (kind) invalidNames.set(kind, [...(invalidNames.get(kind) ?? []), named.key(block)]);
      }
      if (block.type === "variable" && RESERVED_VARIABLE_NAMES.has(block.labels[0] ?? "")) {
        report(block, path, block.line, "tf-invalid-name", `Invalid variable name: the variable name "${block.labels[0]}" is reserved due to its special meaning inside module blocks`);
      }
      if (invalid.length > 0) continue;
      const key = named.key(block);
      const seen = first.get(key);
      if (override) {
        const summary = MISSING_BASE[block.type];
        if (!seen && summary && checkBase) report(block, path, block.line, "tf-override-missing-base", `${summary}: no primary file of the module declares ${key.replace(/^var\./, "variable ")}; an override file only changes what a primary file declares`);
      } else if (seen) report(block, path, block.line, "tf-duplicate", `${duplicateSummary(block)} at ${seen.file}:${seen.line}`);
      else first.set(key, { file: path, line: block.line });
    }
  }
  return { problems, invalidNames };
}
