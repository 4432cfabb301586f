/**
 * Undeclared references inside one Terraform module (a directory): `var.x`, `local.x`, `module.x`,
 * `data.type.name`, `ephemeral.type.name` and `type.name` for managed resources.
 *
 * Expressions are analysed by hcl2json's own expression parser, so literal text in strings and heredocs and the
 * iterator names of `for` expressions are not mistaken for references.
 */
import type { Problem } from "../types.js";
import type { HclAttribute, HclBlock, HclBody, HclScan } from "./hcl-scan.js";
import { nativeReferences } from "./hcl-native.js";
import { withQuotedHeredocs } from "./heredocs.js";
import { closest } from "./suggest.js";

export interface ModuleFile {
  path: string;
  scan: HclScan;
}

/** Where a problem belongs: the top-level block it was found in (resource/data units collect their own). */
export interface LocatedProblem {
  block: HclBlock;
  problem: Problem;
}

/**
 * Provider name prefixes of resource types a reference may start with. Besides these, the module's
 * `required_providers` names and the prefixes of the types it declares count.
 */
const COMMON_PROVIDER_PREFIXES = [
  "scaleway", "openstack", "azurerm", "azuread", "azapi", "aws", "google", "random", "tls", "null", "time", "local",
  "http", "archive", "external", "cloudinit", "kubernetes", "helm", "kubectl", "flux", "github", "gitlab", "vault", "tfe",
];

/** Blocks whose expressions name addresses rather than refer to objects. */
const ADDRESS_BLOCKS = new Set(["moved", "removed", "terraform"]);

interface Declarations {
  all: Set<string>;
  byKind: Map<string, string[]>;
  prefixes: Set<string>;
}

function declare(declarations: Declarations, kind: string, key: string): void {
  declarations.all.add(key);
  const list = declarations.byKind.get(kind) ?? [];
  list.push(key);
  declarations.byKind.set(kind, list);
}

function collectDeclarations(files: ModuleFile[]): Declarations {
  const declarations: Declarations = { all: new Set(), byKind: new Map(), prefixes: new Set(COMMON_PROVIDER_PREFIXES) };
  const visit = (blocks: HclBlock[]): void => {
    for (const block of blocks) {
      const [first = "", second = ""] = block.labels;
      switch (block.type) {
        case "variable":
          declare(declarations, "var", `var.${first}`);
          break;
        case "locals":
          for (const attribute of block.body.attributes) declare(declarations, "local", `local.${attribute.name}`);
          break;
        case "module":
          declare(declarations, "module", `module.${first}`);
          break;
        case "resource":
          declare(declarations, "resource", `${first}.${second}`);
          declarations.prefixes.add(first.split("_")[0]!);
          break;
        case "data":
          declare(declarations, "data", `data.${first}.${second}`);
          declarations.prefixes.add(first.split("_")[0]!);
          break;
        case "ephemeral":
          declare(declarations, "ephemeral", `ephemeral.${first}.${second}`);
          break;
        case "check":
          visit(block.body.blocks.filter((nested) => nested.type === "data")); // scoped data sources
          break;
        case "terraform":
          for (const nested of block.body.blocks) {
            if (nested.type === "required_providers") for (const attribute of nested.body.attributes) declarations.prefixes.add(attribute.name);
          }
          break;
      }
    }
  };
  for (const file of files) visit(file.scan.body.blocks);
  return declarations;
}

/** Names a `dynamic` block introduces as iterators (`label.value`), which look like roots of references. */
function dynamicIterators(files: ModuleFile[]): Set<string> {
  const names = new Set<string>();
  const visit = (body: HclBody): void => {
    for (const block of body.blocks) {
      if (block.type === "dynamic") {
        names.add(block.labels[0] ?? "");
        const iterator = block.body.attributes.find((attribute) => attribute.name === "iterator");
        if (iterator) names.add(iterator.expr.trim());
      }
      visit(block.body);
    }
  };
  for (const file of files) visit(file.scan.body);
  return names;
}

/** The declaration a reference needs, or undefined when it is not a module-level object reference. */
function requiredDeclaration(parts: string[], declarations: Declarations, iterators: Set<string>): { kind: string; key: string } | undefined {
  const [root = "", first, second] = parts;
  if (first === undefined) return undefined;
  switch (root) {
    case "var":
      return { kind: "var", key: `var.${first}` };
    case "local":
      return { kind: "local", key: `local.${first}` };
    case "module":
      return { kind: "module", key: `module.${first}` };
    case "data":
    case "ephemeral":
      return second === undefined ? undefined : { kind: root, key: `${root}.${first}.${second}` };
    default: {
      if (iterators.has(root) || !/^[a-z][a-z0-9]*_[a-z0-9_]+$/.test(root)) return undefined;
      if (!declarations.prefixes.has(root.split("_")[0]!)) return undefined;
      return { kind: "resource", key: `${root}.${first}` };
    }
  }
}

const KIND_WORDS: Record<string, string> = {
  var: "variable",
  local: "local value",
  module: "module",
  data: "data source",
  ephemeral: "ephemeral resource",
  resource: "resource",
};

/** `var.gpu pool ` and `var.gpupool` name the same thing once the characters an identifier cannot hold are gone. */
function sameNameIgnoringInvalidCharacters(declared: string, used: string): boolean {
  const strip = (key: string) => key.replace(/[^\p{L}\p{N}_.-]/gu, "");
  return strip(declared) === strip(used);
}

/**
 * Byte offsets of the newlines of `text` (hcl2json reports positions in UTF-8 bytes, as Go does): the line of a
 * reference is the expression's first line plus the newlines before it. Heredocs are quoted on their first line
 * (see heredocs.ts), so a reference inside one is reported at the heredoc's first line.
 */
function newlineByteOffsets(text: string): number[] {
  const bytes = Buffer.from(text, "utf8");
  const offsets: number[] = [];
  for (let i = bytes.indexOf(10); i >= 0; i = bytes.indexOf(10, i + 1)) offsets.push(i);
  return offsets;
}

/** How many of the sorted `offsets` are below `position`. */
function countBelow(offsets: number[], position: number): number {
  let lo = 0;
  let hi = offsets.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (offsets[mid]! < position) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Human label of a top-level block: `scaleway_k8s_pool.gpu`, `data.scaleway_k8s_version.latest`, `output "x"`. */
export function blockLabel(block: HclBlock): string {
  if (block.type === "resource") return block.labels.join(".");
  if (block.type === "data") return ["data", ...block.labels].join(".");
  return [block.type, ...block.labels.map((label) => JSON.stringify(label))].join(" ");
}

function attributesOf(body: HclBody): HclAttribute[] {
  return [...body.attributes, ...body.blocks.flatMap((block) => attributesOf(block.body))];
}

/**
 * hcl2json starts a WebAssembly module when it is imported (about 0.1 s): loaded on first use only, so that
 * validating a repository without Terraform never pays for it.
 */
let referenceParser: Promise<typeof import("@cdktf/hcl2json").getReferencesInExpression> | undefined;
function loadReferenceParser(): Promise<typeof import("@cdktf/hcl2json").getReferencesInExpression> {
  referenceParser ??= import("@cdktf/hcl2json").then((module) => module.getReferencesInExpression);
  return referenceParser;
}

/**
 * One token of an expression that holds no reference: whitespace, a quoted string without template sequences
 * (`$${` and `%%{` escapes included, to stay simple), a number, a bare name (`true`, `null`, `string`; a reference
 * needs a root and an attribute, so a name counts only when a `.` or `[` does not follow it), or the punctuation of
 * tuples and objects. Anything else (operators, calls, heredocs, comments) goes to the expression parser.
 */
const LITERAL_TOKEN = /\s+|"(?:[^"\\\n$%]|\\.|\$(?!\{)|%(?!\{))*"|\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|[A-Za-z_][\w-]*(?!\s*[.[\w-])|[[\]{},=:]/y;

/**
 * True when `expr` can contain no reference, so the expression parser (a call into wasm, most of the time spent on
 * references) can be skipped: about 60% of the attributes of a generated repository are such literals.
 */
export function isLiteralExpression(expr: string): boolean {
  LITERAL_TOKEN.lastIndex = 0;
  while (LITERAL_TOKEN.lastIndex < expr.length) {
    if (!LITERAL_TOKEN.test(expr)) return false;
  }
  return true;
}

/**
 * Finds references to objects the module does not declare. `moduleName` is the directory, for messages.
 * Expressions the expression parser rejects are skipped: the file-level parse already reported them.
 */
export async function findUndeclaredReferences(files: ModuleFile[], moduleName: string, invalidNames: ReadonlyMap<string, string[]> = new Map()): Promise<LocatedProblem[]> {
  const declarations = collectDeclarations(files);
  const iterators = dynamicIterators(files);
  const located: LocatedProblem[] = [];
  for (const file of files) {
    for (const block of file.scan.body.blocks) {
      if (ADDRESS_BLOCKS.has(block.type)) continue;
      for (const attribute of attributesOf(block.body)) {
        if (isLiteralExpression(attribute.expr)) continue;
        const heredocs = file.scan.heredocs
          .filter((span) => span.start >= attribute.exprOffset && span.end <= attribute.exprOffset + attribute.expr.length)
          .map((span) => ({ start: span.start - attribute.exprOffset, bodyStart: span.bodyStart - attribute.exprOffset, bodyEnd: span.bodyEnd - attribute.exprOffset, end: span.end - attribute.exprOffset }));
        // a heredoc without template sequences is text, however large
        if (heredocs.length > 0 && !/[$%]\{/.test(attribute.expr)) continue;
        const wrapped = "${" + withQuotedHeredocs(attribute.expr, heredocs) + "\n}";
        // hcl-native.ts reads most expressions as hcl2json does; hcl2json (WebAssembly, started on first use) the rest
        let references = heredocs.length === 0 ? nativeReferences(attribute.expr) : undefined;
        if (!references) {
          try {
            references = await (await loadReferenceParser())(file.path, wrapped);
          } catch {
            continue;
          }
        }
        const newlines = newlineByteOffsets(wrapped);
        const firstLine = file.scan.lineAt(attribute.exprOffset);
        for (const reference of references) {
          const needed = requiredDeclaration(reference.value.split("."), declarations, iterators);
          if (!needed || declarations.all.has(needed.key)) continue;
          // a use of a name whose declaration is invalid (`variable "x " {}`) was reported once, at the declaration
          if (invalidNames.get(needed.kind)?.some((name) => sameNameIgnoringInvalidCharacters(name, needed.key))) continue;

          const valid = (declarations.byKind.get(needed.kind) ?? []).filter((key) => !invalidNames.get(needed.kind)?.includes(key));
          const suggestion = closest(needed.key, valid);
          located.push({
            block,
            problem: {
              file: file.path,
              line: firstLine + countBelow(newlines, reference.startPosition),
              resource: blockLabel(block),
              rule: "tf-undeclared-reference",
              path: attribute.name,
              message: `${needed.key} refers to a ${KIND_WORDS[needed.kind]} that is not declared in module ${moduleName === "" ? "." : moduleName}${suggestion ? `; did you mean ${suggestion}?` : ""}`,
              severity: "error",
            },
          });
        }
      }
    }
  }
  return located;
}
