import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import type HandlebarsLibrary from "handlebars";
import { requireVendored, VENDOR_DIR } from "../code-cache.js";
import { escapeLine } from "../terminal-text.js";
import { toYamlText, yamlQuote } from "./yaml-text.js";

/**
 * Quoting helpers: every parameter value reaches HCL or YAML through one of these, so no value can end its string
 * and start a key, block or document of its own.
 */

/** An HCL quoted string: escapes `\`, `"`, control characters, and the template sequences `${` and `%{`. */
export function hclString(value: unknown): string {
  const text = String(value);
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    const code = ch.charCodeAt(0);
    if (ch === "\\") out += "\\\\";
    else if (ch === '"') out += '\\"';
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if ((ch === "$" || ch === "%") && text[i + 1] === "{") out += ch + ch; // $${ and %%{ are literal in HCL
    else if (code < 0x20 || code === 0x7f) out += `\\u${code.toString(16).padStart(4, "0")}`;
    else out += ch;
  }
  return `${out}"`;
}

/** Any JSON-like value as an HCL expression (strings quoted, lists, objects with quoted keys). */
export function hclValue(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string") return hclString(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`cannot write ${value} as an HCL number`);
    return String(value);
  }
  if (typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return `[${value.map(hclValue).join(", ")}]`;
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>);
    return entries.length === 0 ? "{}" : `{ ${entries.map(([k, v]) => `${hclString(k)} = ${hclValue(v)}`).join(", ")} }`;
  }
  throw new Error(`cannot write a ${typeof value} as HCL`);
}

/** A YAML double-quoted scalar on one line that every YAML 1.2 parser reads back as the same string. */
export function yamlString(value: unknown): string {
  return yamlQuote(String(value));
}

/**
 * A YAML scalar written plain whenever it reads back as the same string, quoted otherwise (as Go's sigs.k8s.io/yaml
 * writes, so files in another tool's layout match it byte for byte). YAML 1.1 rules, so that `yes`, `on` and `0777`
 * stay strings for the 1.1 parsers Kubernetes tools use.
 */
export function yamlPlain(value: unknown): string {
  return toYamlText(String(value), { version: "1.1" }).trimEnd();
}

/** A value as YAML: flow style on one line (`{}`/`[]`/scalars), for use after `key: `. */
export function yamlInline(value: unknown): string {
  if (typeof value === "string") return yamlString(value);
  return withoutFinalNewline(toYamlText(value, { collectionStyle: "flow", defaultStringType: "QUOTE_DOUBLE" }));
}

/**
 * A value as a YAML block, every line indented by `indent` spaces (first line included). Strings are plain unless
 * YAML 1.1 would read them back differently (`on`, `yes`, `0777` are quoted), as for {@link yamlPlain}: Kubernetes
 * tools read YAML 1.1.
 */
export function yamlBlock(value: unknown, indent = 0): string {
  // Only the final newline goes: trimming white space would also cut a value's own trailing characters.
  const text = withoutFinalNewline(toYamlText(value, { defaultStringType: "PLAIN", yaml11Safe: true }));
  const pad = " ".repeat(indent);
  return text
    .split("\n")
    .map((line) => (line ? pad + line : line))
    .join("\n");
}

/**
 * A Markdown code span that shows `value` literally: control characters (newlines included) as visible escapes, a
 * backtick fence longer than any run of backticks inside, and the padding CommonMark needs. A free-form parameter
 * in the README can then neither end the span nor add headings, links, images or HTML.
 */
export function markdownCode(value: unknown): string {
  // An empty span is not a span in CommonMark: one space shows that there is nothing.
  const text = escapeLine(String(value)) || " ";
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((run) => run[0].length));
  const fence = "`".repeat(longest + 1);
  // CommonMark drops one space at each end when both ends have one, unless the span is nothing but spaces (U+0020
  // only: a no-break space or a BOM between them is content, though String.prototype.trim takes it for white space):
  // pad then, and when a backtick is at an end.
  const pad = text.startsWith("`") || text.endsWith("`") || (text.startsWith(" ") && text.endsWith(" ") && !/^ +$/.test(text)) ? " " : "";
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** Text as YAML (or HCL) comment lines, `# ` before each, indented by `indent` spaces. */
export function commentLines(text: unknown, indent = 0): string {
  const pad = " ".repeat(indent);
  return String(text)
    .trim()
    .split("\n")
    .map((line) => `${pad}# ${line}`.trimEnd())
    .join("\n");
}

function withoutFinalNewline(text: string): string {
  return text.endsWith("\n") ? text.slice(0, -1) : text;
}

export type HandlebarsEnvironment = typeof HandlebarsLibrary;
const require = createRequire(import.meta.url);

/** Whether the build vendored the runtime (scripts/bundle-cli.mjs): one script through the code cache instead of about 20 modules compiled each run. */
let vendoredRuntime: boolean | undefined;

/**
 * Handlebars with its compiler, or its runtime alone, loaded on first use. The runtime binds precompiled templates and
 * is a fraction of the library (no parser, compiler or source maps: about 0.6 MB less to load in every run that
 * renders only what the build compiled). Its environment has no `compile`.
 */
export const loadHandlebars = (flavour: "handlebars" | "handlebars/runtime"): HandlebarsEnvironment =>
  (flavour === "handlebars/runtime" && (vendoredRuntime ??= existsSync(join(VENDOR_DIR, "handlebars-runtime.cjs"))) ? requireVendored("handlebars-runtime") : require(flavour)) as HandlebarsEnvironment;

/** Registers the helpers on an isolated Handlebars environment (of the compiler, unless `base` says otherwise). */
export function createHandlebars(base: HandlebarsEnvironment = loadHandlebars("handlebars")): HandlebarsEnvironment {
  const hb = base.create();
  const plain = (fn: (...args: any[]) => unknown) =>
    function (this: unknown, ...args: any[]) {
      args.pop(); // Handlebars' options object
      return fn(...args);
    };
  hb.registerHelper({
    hcl: plain(hclString),
    hclValue: plain(hclValue),
    yaml: plain(yamlString),
    yamlPlain: plain(yamlPlain),
    yamlInline: plain(yamlInline),
    markdownCode: plain(markdownCode),
    toYaml: plain((value: unknown, indent?: unknown) => yamlBlock(value, typeof indent === "number" ? indent : 0)),
    comment: plain((text: unknown, indent?: unknown) => commentLines(text, typeof indent === "number" ? indent : 0)),
    json: plain((value: unknown) => JSON.stringify(value)),
    eq: plain((a: unknown, b: unknown) => a === b),
    ne: plain((a: unknown, b: unknown) => a !== b),
    not: plain((a: unknown) => !a),
    and: plain((...values: unknown[]) => values.every(Boolean)),
    or: plain((...values: unknown[]) => values.some(Boolean)),
    gt: plain((a: number, b: number) => a > b),
    includes: plain((list: unknown, value: unknown) => Array.isArray(list) && list.includes(value)),
    add: plain((a: number, b: number) => a + b),
    mul: plain((a: number, b: number) => a * b),
    concat: plain((...parts: unknown[]) => parts.map(String).join("")),
    /** A list written in a template, `(array "a" "b")`, for a partial's parameter. */
    array: plain((...items: unknown[]) => items),
    /** One field of every item of a list: `(pluck fleet.clusters "dir")`. */
    pluck: plain((list: Array<Record<string, unknown>>, key: string) => list.map((item) => item[key])),
    join: plain((list: unknown[], separator: unknown) => list.join(typeof separator === "string" ? separator : ", ")),
    upper: plain((value: unknown) => String(value).toUpperCase()),
    replace: plain((value: unknown, from: string, to: string) => String(value).split(from).join(to)),
    /** A GitHub Actions expression, `${{ ... }}`, which Handlebars would otherwise read as its own braces. */
    gha: plain((expression: unknown) => `\${{ ${String(expression)} }}`),
  });
  return hb;
}
