/**
 * Terraform validation without Terraform: HCL syntax (hcl2json), `terraform fmt` layout, provider argument
 * tables for scaleway/openstack/azurerm, required_providers pins, and undeclared references per module.
 */
import { posix } from "node:path";
import type { SourceFile } from "../../generator/file-tree.js";
import type { Problem, Status, UnitResult } from "../types.js";
import { checkTerraformFormat } from "./format.js";
import { scanHcl, type HclBlock, type HclScan } from "./hcl-scan.js";
import { checkProviderConfig, unrequiredProviders } from "./provider-config.js";
import { tableForType, type BodySchema } from "./provider-tables.js";
import { blockLabel, findUndeclaredReferences, type LocatedProblem } from "./references.js";
import { checkBlockAgainstSchema } from "./schema-check.js";
import { closest } from "./suggest.js";

export { providerTables, type ProviderTable, type BodySchema } from "./provider-tables.js";

export interface TerraformValidationOptions {
  /** Report files that `terraform fmt` would change (rule `tf-fmt`). Default true. */
  checkFormat?: boolean;
}

let parser: Promise<(filename: string, content: string) => Promise<unknown>> | undefined;

/** Loads hcl2json's wasm on first use only. */
function loadParser(): Promise<(filename: string, content: string) => Promise<unknown>> {
  parser ??= import("@cdktf/hcl2json").then((module) => module.parse);
  return parser;
}

/** Turns hcl2json's `parse config: [main.tf:3,7-4,1: Summary; Detail.]` into a line and a message. */
export function parseErrorLocation(error: unknown, file: string): { line?: number; column?: number; message: string } {
  const text = error instanceof Error ? error.message : String(error);
  const inner = text.replace(/^parse config: \[/, "").replace(/\]$/, "");
  const escaped = file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const match = new RegExp(`${escaped}:(\\d+),(\\d+)(?:-\\d+(?:,\\d+)?)?: `).exec(inner);
  const message = inner.replace(new RegExp(`${escaped}:\\d+,\\d+(?:-\\d+(?:,\\d+)?)?: `, "g"), "").replace(/; /, ": ");
  return match ? { line: Number(match[1]), column: Number(match[2]), message } : { message };
}

function statusOf(problems: Problem[], fallback: Status): Status {
  if (problems.some((problem) => problem.severity === "error")) return problems.some((problem) => problem.rule === "tf-syntax") ? "error" : "invalid";
  return fallback;
}

interface ParsedFile {
  file: SourceFile;
  scan: HclScan;
}

interface BlockUnit {
  block: HclBlock;
  result: UnitResult;
}

/** Checks one `resource`/`data` block against its provider table. */
function checkResourceBlock(block: HclBlock, file: string): UnitResult {
  const type = block.labels[0] ?? "";
  const label = blockLabel(block);
  const result: UnitResult = { file, line: block.line, validator: "terraform", status: "skipped", label, problems: [] };
  const table = tableForType(type);
  if (!table) return result; // a provider without a table: nothing to check it against
  const isData = block.type === "data";
  const removed = isData ? undefined : table.removedResources[type];
  if (removed) {
    result.problems.push({
      file, line: block.line, resource: label, rule: "tf-removed", path: type, severity: "error",
      message: `resource type ${type} was removed in ${table.provider} ${removed.since}: ${removed.hint}`,
    });
    return result;
  }
  const schemas: Record<string, BodySchema> = isData ? table.dataSources : table.resources;
  const schema = schemas[type];
  if (!schema) {
    // The tables cover the types the blueprints use, not the whole provider: report only near-misses.
    const suggestion = closest(type, Object.keys(schemas));
    if (suggestion && suggestion !== type) {
      result.problems.push({
        file, line: block.line, resource: label, rule: "tf-unknown-resource-type", path: type, severity: "warning",
        message: `${isData ? "data source" : "resource type"} ${type} is not in the ${table.provider} ${table.version} table; did you mean ${suggestion}?`,
      });
    }
    return result;
  }
  result.problems.push(...checkBlockAgainstSchema(block, schema, file, label));
  result.status = "valid";
  return result;
}

/**
 * Validates the `*.tf` files among `files`, grouped into modules by directory. Returns one result per file
 * (syntax, format, provider configuration and references outside resources) and one per `resource`/`data`
 * block (label `scaleway_k8s_pool.gpu`). Never throws for invalid input.
 */
export async function validateTerraform(files: SourceFile[], options: TerraformValidationOptions = {}): Promise<UnitResult[]> {
  const checkFormat = options.checkFormat ?? true;
  const parse = await loadParser();
  const modules = new Map<string, SourceFile[]>();
  for (const file of files) {
    // .terraform/ holds downloaded modules and providers: not the repository's own code
    if (!file.path.endsWith(".tf") || file.path.split("/").includes(".terraform")) continue;
    const dir = posix.dirname(file.path);
    const list = modules.get(dir === "." ? "" : dir) ?? [];
    list.push(file);
    modules.set(dir === "." ? "" : dir, list);
  }

  const results: UnitResult[] = [];
  for (const [dir, moduleFiles] of [...modules].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const parsed: ParsedFile[] = [];
    const fileUnits = new Map<string, UnitResult>();
    const blockUnits = new Map<HclBlock, BlockUnit>();
    const ordered: UnitResult[] = [];

    for (const file of [...moduleFiles].sort((a, b) => (a.path < b.path ? -1 : 1))) {
      const unit: UnitResult = { file: file.path, line: 1, validator: "terraform", status: "valid", label: file.path, problems: [] };
      fileUnits.set(file.path, unit);
      ordered.push(unit);
      try {
        await parse(file.path, file.content);
      } catch (error) {
        const location = parseErrorLocation(error, file.path);
        unit.problems.push({ file: file.path, line: location.line, column: location.column, rule: "tf-syntax", message: location.message, severity: "error" });
        continue;
      }
      const scan = scanHcl(file.content);
      parsed.push({ file, scan });
      if (checkFormat) {
        try {
          const difference = await checkTerraformFormat(file.path, file.content);
          if (difference) {
            unit.problems.push({
              file: file.path, line: difference.line, rule: "tf-fmt", severity: "error",
              message: `not in terraform fmt canonical layout (run terraform fmt):\n${difference.diff}`,
            });
          }
        } catch (error) {
          unit.problems.push({ file: file.path, rule: "tf-fmt", severity: "warning", message: `could not check the layout: ${error instanceof Error ? error.message : String(error)}` });
        }
      }
      unit.problems.push(...checkProviderConfig(scan, file.path));
      for (const block of scan.body.blocks) {
        if (block.type !== "resource" && block.type !== "data") continue;
        const result = checkResourceBlock(block, file.path);
        blockUnits.set(block, { block, result });
        ordered.push(result);
      }
    }

    // With a file that does not parse, the module's declarations are incomplete: references cannot be judged.
    if (parsed.length === moduleFiles.length) {
      for (const { block, table } of unrequiredProviders(parsed.map(({ scan }) => scan))) {
        const unit = blockUnits.get(block)?.result;
        unit?.problems.push({
          file: unit.file, line: block.line, resource: blockLabel(block), rule: "tf-provider-source", severity: "warning",
          message: `module ${dir === "" ? "." : dir} uses ${table.provider} resources without a required_providers entry, so Terraform looks for hashicorp/${table.provider}; add ${table.provider} = { source = "${table.source}", version = "${table.versionConstraint}" }`,
        });
      }
      const located: LocatedProblem[] = await findUndeclaredReferences(
        parsed.map(({ file, scan }) => ({ path: file.path, scan })),
        dir,
      );
      for (const { block, problem } of located) {
        const unit = blockUnits.get(block)?.result ?? fileUnits.get(problem.file);
        unit?.problems.push(problem);
      }
    }

    for (const unit of ordered) {
      unit.problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
      unit.status = statusOf(unit.problems, unit.status);
    }
    results.push(...ordered);
  }
  return results;
}
