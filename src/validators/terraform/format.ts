/**
 * `terraform fmt` canonical layout. `terraform fmt` is hclwrite's formatter (wasm build in @cdktf/hcl-tools)
 * plus two rewrites of its own, reproduced here: an expression that is a single interpolation
 * (`"${var.x}"`) is unwrapped, and legacy quoted variable types (`type = "string"`) are rewritten.
 */
import { structuredPatch } from "diff";
import { formatHclNative } from "./hcl-format-native.js";
import { scanHcl, type HclBody } from "./hcl-scan.js";
import { sequenceSpansLines, setHeredocContentAside } from "./heredocs.js";

/** Legacy variable `type` spellings and what `terraform fmt` writes instead (terraform internal/command/fmt.go). */
const LEGACY_TYPES: Record<string, string> = {
  '"string"': "string",
  '"list"': "list(string)",
  '"map"': "map(string)",
  list: "list(any)",
  map: "map(any)",
};

interface Edit {
  offset: number;
  length: number;
  text: string;
}

/**
 * The inner expression of `"${ expr }"` when the template is exactly one interpolation, else undefined; as
 * terraform's formatValueExpr: nested quoted strings may hold their own interpolations, newlines at both ends are
 * trimmed, and an expression still spanning lines is wrapped in parentheses.
 */
function interpolationOnly(expr: string): string | undefined {
  if (!expr.startsWith('"${') || !expr.endsWith('}"') || expr.length < 5) return undefined;
  const inner = expr.slice(3, -2);
  if (inner.startsWith("~") || inner.endsWith("~")) return undefined;
  let braces = 0;
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i]!;
    if (c === '"') {
      i = skipNestedString(inner, i);
      if (i < 0) return undefined;
    } else if ((c === "$" || c === "%") && inner[i + 1] === "{") {
      return undefined; // a second template sequence: "${a}${b}"
    } else if (c === "{") braces++;
    else if (c === "}" && --braces < 0) return undefined; // closes the interpolation early: literal text follows
  }
  if (braces !== 0) return undefined;
  const trimmed = inner.trim();
  return trimmed.includes("\n") ? `(${trimmed})` : trimmed;
}

/** Index of the closing quote of the string opening at `start` (template sequences included), or -1. */
function skipNestedString(text: string, start: number): number {
  let depth = 0;
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i]!;
    if (c === "\\") i++;
    else if (depth === 0 && c === '"') return i;
    else if ((c === "$" || c === "%") && text[i + 1] === "{") {
      depth++;
      i++;
    } else if (depth > 0 && c === "{") depth++;
    else if (depth > 0 && c === "}") depth--;
    else if (depth > 0 && c === '"') {
      const end = skipNestedString(text, i);
      if (end < 0) return -1;
      i = end;
    }
  }
  return -1;
}

function collectEdits(body: HclBody, inVariable: boolean, edits: Edit[]): void {
  for (const attribute of body.attributes) {
    const legacy = inVariable && attribute.name === "type" ? LEGACY_TYPES[attribute.expr] : undefined;
    const unwrapped = legacy ?? interpolationOnly(attribute.expr);
    if (unwrapped !== undefined) edits.push({ offset: attribute.exprOffset, length: attribute.expr.length, text: unwrapped });
  }
  for (const block of body.blocks) collectEdits(block.body, block.type === "variable" && !inVariable, edits);
}

let formatter: Promise<(source: string) => Promise<string>> | undefined;

/** Loads the wasm formatter on first use only: importing it instantiates the module. */
function loadFormatter(): Promise<(source: string) => Promise<string>> {
  formatter ??= import("@cdktf/hcl-tools").then((module) => module.format);
  return formatter;
}

/**
 * Provider-defined functions (`provider::scaleway::parse_zonal_id(...)`, Terraform 1.8+) are newer than the
 * hclwrite in @cdktf/hcl-tools, whose scanner splits `::` into two colons and spaces them out (`provider : :
 * scaleway`), which is invalid HCL. Around the formatter, each `provider::NS::` is spelled as one identifier with a
 * marker the file does not contain, then restored: the formatter lays it out as the call it is, as terraform fmt does.
 */
function protectProviderFunctions(source: string): { text: string; restore: (formatted: string) => string } {
  if (!source.includes("::")) return { text: source, restore: (formatted) => formatted };
  let marker = "__ccrpf__";
  for (let n = 0; source.includes(marker); n++) marker = `__ccrpf${n}__`;
  const text = source.replace(/\bprovider::([A-Za-z_][A-Za-z0-9_-]*)::/g, `provider${marker}$1${marker}`);
  const pattern = new RegExp(`provider${marker}([A-Za-z_][A-Za-z0-9_-]*?)${marker}`, "g");
  return { text, restore: (formatted) => formatted.replace(pattern, "provider::$1::") };
}

/**
 * hclwrite's layout of `source` (what `terraform fmt` does before its own two rewrites). Rejects on invalid HCL.
 * The TypeScript formatter answers for the files it covers; the WebAssembly one, started on first use, for the rest.
 */
export async function formatHcl(source: string): Promise<string> {
  return formatHclNative(source) ?? formatHclWasm(source);
}

/** {@link formatHcl} by the WebAssembly formatter alone (exported for the tests that hold the two to each other). */
export async function formatHclWasm(source: string): Promise<string> {
  const format = await loadFormatter();
  const { text, restore } = protectProviderFunctions(source);
  const heredocs = scanHcl(text).heredocs;
  if (heredocs.length === 0 || sequenceSpansLines(text, heredocs)) return restore(await format(text));
  const aside = setHeredocContentAside(text, heredocs);
  const formatted = await format(aside.text);
  // should the formatter ever move a heredoc, fall back to formatting the whole text
  return restore(aside.restore(formatted, scanHcl(formatted).heredocs) ?? (await format(text)));
}

/** The file as `terraform fmt` would write it. Only call it on source that parses. */
export async function canonicalTerraform(source: string): Promise<string> {
  const format = formatHcl;
  const formatted = await format(source);
  const edits: Edit[] = [];
  collectEdits(scanHcl(formatted).body, false, edits);
  if (edits.length === 0) return formatted;
  let result = formatted;
  for (const edit of edits.sort((a, b) => b.offset - a.offset)) {
    result = result.slice(0, edit.offset) + edit.text + result.slice(edit.offset + edit.length);
  }
  // unwrapping shortens values, which can change alignment: format once more
  return format(result);
}

export interface FormatDifference {
  /** First line (1-based) that differs. */
  line: number;
  /** Unified diff from the file to its canonical form, at most `maxLines` lines. */
  diff: string;
}

/** Lines of each side the diff looks at, past the common prefix: enough for the 40 lines shown, and bounded. */
const DIFF_WINDOW_LINES = 400;

/**
 * Compares a file with its canonical form; undefined when it is already canonical. The diff covers a window from
 * the first differing line: a Myers diff of two whole large files that differ everywhere (re-aligned `=` in a
 * 10,000-attribute block) costs minutes, and only the first `maxLines` lines are shown anyway.
 */
export async function checkTerraformFormat(path: string, source: string, maxLines = 40): Promise<FormatDifference | undefined> {
  const canonical = await canonicalTerraform(source);
  if (canonical === source) return undefined;
  const before = source.split("\n");
  const after = canonical.split("\n");
  let index = 0;
  while (index < before.length && before[index] === after[index]) index++;
  let tail = 0;
  while (tail < before.length - index && tail < after.length - index && before[before.length - 1 - tail] === after[after.length - 1 - tail]) tail++;
  const from = Math.max(0, index - 1); // one line of context before the change
  const window = (lines: string[]) => lines.slice(from, Math.min(lines.length - Math.max(0, tail - 1), from + DIFF_WINDOW_LINES)).join("\n") + "\n";
  const patch = structuredPatch(path, path, window(before), window(after), "", "", { context: 1 });
  const lines = [`--- ${path}`, `+++ ${path}`];
  for (const hunk of patch.hunks) {
    lines.push(`@@ -${hunk.oldStart + from},${hunk.oldLines} +${hunk.newStart + from},${hunk.newLines} @@`, ...hunk.lines.filter((line) => !line.startsWith("\\")));
  }
  const shown = lines.length > maxLines ? [...lines.slice(0, maxLines), `... (${lines.length - maxLines} more diff lines)`] : lines;
  return { line: Math.min(index + 1, before.length), diff: shown.join("\n") };
}
