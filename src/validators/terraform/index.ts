/**
 * Terraform validation without Terraform: HCL syntax (hcl2json), `terraform fmt` layout, provider argument
 * tables for scaleway/openstack/azurerm, required_providers pins, and undeclared references per module.
 */
import { posix } from "node:path";
import type { SourceFile } from "../../file-tree.js";
import { LimitError, MAX_TERRAFORM_FILE_BYTES } from "../../limits.js";
import type { Problem, Status, UnitResult } from "../types.js";
import { checkTerraformFormat } from "./format.js";
import { nativeConfigTokens } from "./hcl-native.js";
import { scanHcl, type HclBlock, type HclScan } from "./hcl-scan.js";
import { checkDeclarations, isOverrideFile } from "./declarations.js";
import { withQuotedHeredocs } from "./heredocs.js";
import { checkProviderConfig, providersNamedIn, unrequiredProviders } from "./provider-config.js";
import { impliedProviderName, loadProviderTables, type BodySchema, type ProviderTables } from "./provider-tables.js";
import { blockLabel, findUndeclaredReferences, type LocatedProblem } from "./references.js";
import { checkBlockAgainstSchema } from "./schema-check.js";
import { inheritedConstraints } from "./module-calls.js";
import { moduleTableFits, type TableFit } from "./table-fit.js";
import { closestType } from "./suggest.js";

export {
  loadProviderTable,
  loadProviderTables,
  replacementArguments,
  replacementFor,
  tabledProviders,
  type ProviderTable,
  type BodySchema,
  type ReplacementArgument,
} from "./provider-tables.js";

/** Largest .tf file validated (bytes): see limits.ts. */
export { MAX_TERRAFORM_FILE_BYTES };

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

/** Rules that mean the file could not be checked at all (status "error" rather than "invalid"). */
const UNREADABLE = new Set(["tf-syntax", "tf-file-too-large", "tf-nesting-limit"]);

function statusOf(problems: Problem[], fallback: Status): Status {
  if (problems.some((problem) => problem.severity === "error")) return problems.some((problem) => UNREADABLE.has(problem.rule)) ? "error" : "invalid";
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

/**
 * Checks one `resource`/`data` block against its provider table; types without a table are "not checked", and so
 * are blocks of a module that requires releases the table does not describe (see table-fit.ts).
 */
/** Who asks for the release: the module, or (it pins nothing) the modules that call it. */
function requires(fit: TableFit): string {
  return fit.fit !== "covered" && fit.inherited ? "the modules calling it require" : "the module requires";
}

function checkResourceBlock(block: HclBlock, file: string, tables: ProviderTables, fits: Map<string, TableFit>): UnitResult {
  const type = block.labels[0] ?? "";
  const label = blockLabel(block);
  const result: UnitResult = { file, line: block.line, validator: "terraform", status: "skipped", label, problems: [] };
  const isData = block.type === "data";
  const kind = isData ? "data source" : "resource type";
  const table = tables[impliedProviderName(type)];
  if (!table) {
    result.notChecked = `no table for provider ${impliedProviderName(type)}`;
    return result;
  }
  const fit = fits.get(table.provider) ?? { fit: "covered" };
  if (fit.fit === "older") {
    result.notChecked = `${requires(fit)} ${table.provider} "${fit.constraint}", older than the ${table.version} the tables describe`;
    return result;
  }
  const removed = isData ? undefined : table.removedResources[type];
  if (removed) {
    result.problems.push({
      file, line: block.line, resource: label, rule: "tf-removed", path: type, severity: "error",
      message: `resource type ${type} was removed in ${table.provider} ${removed.since}: ${removed.hint}`,
    });
    result.status = "invalid";
    return result;
  }
  const known = isData ? table.dataSourceTypes : table.resourceTypes;
  if (!known.includes(type) && fit.fit === "newer") {
    result.notChecked = `${table.provider} ${table.version} has no ${kind} ${type}; ${requires(fit)} "${fit.constraint}", newer releases that may have it`;
    return result;
  }
  if (!known.includes(type)) {
    const suggestion = closestType(type, known, table.resourcePrefix);
    result.problems.push({
      file, line: block.line, resource: label, rule: "tf-unknown-resource-type", path: type, severity: "error",
      message: `${table.provider} ${table.version} has no ${kind} ${type}${suggestion ? `; did you mean ${suggestion}?` : ""}`,
    });
    result.status = "invalid";
    return result;
  }
  const schemas: Record<string, BodySchema> = isData ? table.dataSources : table.resources;
  const schema = schemas[type];
  if (!schema) {
    result.notChecked = `${kind} ${type} has no table (outside the ${table.provider} services the tables cover)`;
    return result;
  }
  const problems = checkBlockAgainstSchema(block, schema, file, label);
  // Arguments a newer release may have added are not errors there: reported as not checked, without failing.
  if (fit.fit === "newer") {
    for (const problem of problems) {
      if (problem.rule !== "tf-unknown-argument") continue;
      problem.severity = "warning";
      problem.message = `not checked: ${problem.message} in ${table.provider} ${table.version}, the release the tables describe; ${requires(fit)} "${fit.constraint}"`;
    }
  }
  result.problems.push(...problems);
  result.status = "valid";
  return result;
}

/** Rules about what a block lacks: an override file's block holds only what it changes, the rest is its primary's. */
const COMPLETENESS_RULES = new Set(["tf-missing-required", "tf-exactly-one-of", "tf-at-least-one-of"]);

function withoutCompleteness(problems: Problem[], override: boolean): Problem[] {
  return override ? problems.filter((problem) => !COMPLETENESS_RULES.has(problem.rule)) : problems;
}

/**
 * Reads one HCL file into its scan, or records in `unit` why it cannot be read (too large, nested too deep, a syntax
 * error) and returns undefined.
 */
async function readHclFile(file: TerraformFile, unit: UnitResult): Promise<HclScan | undefined> {
  const bytes = file.bytes ?? Buffer.byteLength(file.content, "utf8");
  if (bytes > MAX_TERRAFORM_FILE_BYTES) {
    unit.problems.push({
      file: file.path, line: 1, rule: "tf-file-too-large", severity: "error",
      message: `${file.path} is ${(bytes / 1048576).toFixed(1)} MiB; Terraform files are validated up to ${MAX_TERRAFORM_FILE_BYTES / 1048576} MiB (split the file, or move large text into a file read with file())`,
    });
    return undefined;
  }
  let scan: HclScan;
  try {
    scan = scanHcl(file.content);
  } catch (error) {
    if (!(error instanceof LimitError)) throw error;
    unit.problems.push({ file: file.path, line: error.line, rule: "tf-nesting-limit", message: `${error.message}; this file is not validated further`, severity: "error" });
    return undefined;
  }
  try {
    // hcl-native.ts vouches for most files; hcl2json (WebAssembly, started on first use) parses the others and
    // words the syntax errors
    if (!nativeConfigTokens(file.content)) await (await loadParser())(file.path, withQuotedHeredocs(file.content, scan.heredocs));
  } catch (error) {
    const location = parseErrorLocation(error, file.path);
    unit.problems.push({ file: file.path, line: location.line, column: location.column, rule: "tf-syntax", message: location.message, severity: "error" });
    return undefined;
  }
  return scan;
}

/** `terraform fmt`'s layout, as a problem of `unit` when the file is not in it. */
async function checkLayout(file: TerraformFile, unit: UnitResult): Promise<void> {
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

/**
 * Files `terraform fmt` formats beside the configuration (terraform's fmt command: `.tfvars`, test files
 * `.tftest.hcl` and their mocks `.tfmock.hcl`): checked for syntax and layout only, as they declare nothing of a module.
 */
function isLayoutOnlyFile(path: string): boolean {
  return /\.(tfvars|tftest\.hcl|tfmock\.hcl)$/.test(path);
}

async function validateLayoutOnly(files: TerraformFile[], checkFormat: boolean): Promise<UnitResult[]> {
  const units: UnitResult[] = [];
  for (const file of [...files].sort((a, b) => (a.path < b.path ? -1 : 1))) {
    const unit: UnitResult = { file: file.path, line: 1, validator: "terraform", status: "valid", label: file.path, problems: [] };
    if ((await readHclFile(file, unit)) && checkFormat) await checkLayout(file, unit);
    unit.status = statusOf(unit.problems, unit.status);
    units.push(unit);
  }
  return units;
}

/**
 * Validates the `*.tf` files among `files`, grouped into modules by directory. Returns one result per file
 * (syntax, format, provider configuration and references outside resources) and one per `resource`/`data`
 * block (label `scaleway_k8s_pool.gpu`). Never throws for invalid input.
 */
/** A Terraform file to check; `bytes` is the size of a file on disk left unread because it is past the limit. */
export type TerraformFile = SourceFile & { bytes?: number };

export async function validateTerraform(files: TerraformFile[], options: TerraformValidationOptions = {}): Promise<UnitResult[]> {
  const checkFormat = options.checkFormat ?? true;
  const modules = new Map<string, TerraformFile[]>();
  // Folders with configuration in JSON syntax (`*.tf.json`, which Terraform reads beside `*.tf`): their declarations
  // are not scanned here, so what the `.tf` files refer to cannot be judged missing.
  const jsonConfigured = new Set(files.filter((file) => file.path.endsWith(".tf.json") && !file.path.split("/").includes(".terraform")).map((file) => {
    const dir = posix.dirname(file.path);
    return dir === "." ? "" : dir;
  }));
  for (const file of files) {
    // .terraform/ holds downloaded modules and providers: not the repository's own code
    if (!file.path.endsWith(".tf") || file.path.split("/").includes(".terraform")) continue;
    const dir = posix.dirname(file.path);
    const list = modules.get(dir === "." ? "" : dir) ?? [];
    list.push(file);
    modules.set(dir === "." ? "" : dir, list);
  }

  // First every module is read, so that each is then checked with what its callers pin (module-calls.ts).
  const read: { dir: string; moduleFiles: TerraformFile[]; parsed: ParsedFile[]; fileUnits: Map<string, UnitResult>; sortedFiles: TerraformFile[] }[] = [];
  for (const [dir, moduleFiles] of [...modules].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const parsed: ParsedFile[] = [];
    const fileUnits = new Map<string, UnitResult>();
    const sortedFiles = [...moduleFiles].sort((a, b) => (a.path < b.path ? -1 : 1));

    for (const file of sortedFiles) {
      const unit: UnitResult = { file: file.path, line: 1, validator: "terraform", status: "valid", label: file.path, problems: [] };
      fileUnits.set(file.path, unit);
      const scan = await readHclFile(file, unit);
      if (scan) parsed.push({ file, scan });
    }

    read.push({ dir, moduleFiles, parsed, fileUnits, sortedFiles });
  }
  const inherited = inheritedConstraints(new Map(read.map(({ dir, parsed }) => [dir, parsed.map(({ scan }) => scan)])));

  const results: UnitResult[] = [];
  for (const { dir, moduleFiles, parsed, fileUnits, sortedFiles } of read) {
    const blockUnits = new Map<HclBlock, BlockUnit>();
    const ordered: UnitResult[] = [];
    const tables = await loadProviderTables(providersNamedIn(parsed.map(({ scan }) => scan)));
    const fits = moduleTableFits(parsed.map(({ scan }) => scan), tables, inherited.get(dir));
    const parsedByPath = new Map(parsed.map((entry) => [entry.file.path, entry]));
    for (const file of sortedFiles) {
      const unit = fileUnits.get(file.path)!;
      ordered.push(unit);
      const entry = parsedByPath.get(file.path);
      if (!entry) continue;
      const { scan } = entry;
      if (checkFormat) await checkLayout(file, unit);
      const override = isOverrideFile(file.path);
      unit.problems.push(...withoutCompleteness(checkProviderConfig(scan, file.path, tables, fits), override));
      for (const block of scan.body.blocks) {
        if (block.type !== "resource" && block.type !== "data") continue;
        const result = checkResourceBlock(block, file.path, tables, fits);
        result.problems = withoutCompleteness(result.problems, override);
        blockUnits.set(block, { block, result });
        ordered.push(result);
      }
    }

    const moduleScans = parsed.map(({ file, scan }) => ({ path: file.path, scan }));
    const declarations = checkDeclarations(moduleScans, { allPrimariesRead: !jsonConfigured.has(dir) });
    const locate = ({ block, problem }: LocatedProblem): void => {
      const unit = blockUnits.get(block)?.result ?? fileUnits.get(problem.file);
      unit?.problems.push(problem);
    };
    declarations.problems.forEach(locate);

    // With a file that does not parse, the module's declarations are incomplete: references cannot be judged.
    if (parsed.length === moduleFiles.length && !jsonConfigured.has(dir)) {
      for (const { block, table } of unrequiredProviders(parsed.map(({ scan }) => scan), tables)) {
        const unit = blockUnits.get(block)?.result;
        unit?.problems.push({
          file: unit.file, line: block.line, resource: blockLabel(block), rule: "tf-provider-source", severity: "warning",
          message: `module ${dir === "" ? "." : dir} uses ${table.provider} resources without a required_providers entry, so Terraform looks for hashicorp/${table.provider}; add ${table.provider} = { source = "${table.source}", version = "${table.versionConstraint}" }`,
        });
      }
      (await findUndeclaredReferences(moduleScans, dir, declarations.invalidNames)).forEach(locate);
    }

    for (const unit of ordered) {
      unit.problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
      unit.status = statusOf(unit.problems, unit.status);
      if (unit.status !== "skipped") delete unit.notChecked;
    }
    results.push(...ordered);
  }
  return results.concat(await validateLayoutOnly(files.filter((file) => isLayoutOnlyFile(file.path) && !file.path.split("/").includes(".terraform")), checkFormat));
}
