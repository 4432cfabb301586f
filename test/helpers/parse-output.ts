import { parse as parseHcl } from "@cdktf/hcl2json";
import { parseAllDocuments } from "yaml";
import type { FileTree } from "../../src/file-tree.js";

/** hcl2json keeps HCL's template escapes in literal strings; undo them to get the value Terraform sees. */
export function unescapeHclLiteral(text: string): string {
  return text.replace(/\$\$\{/g, "${").replace(/%%\{/g, "%{");
}

/** Every .tf file as JSON and every YAML file as its documents: what Terraform and Kubernetes would read. */
export async function parseTree(tree: FileTree): Promise<Map<string, unknown>> {
  const parsed = new Map<string, unknown>();
  for (const [path, content] of tree) {
    if (path.endsWith(".tf")) parsed.set(path, await parseHcl(path, content));
    else if (/\.ya?ml$/.test(path)) {
      const documents = parseAllDocuments(content, { uniqueKeys: true });
      if (!Array.isArray(documents)) throw new Error(`${path}: not a YAML stream`);
      for (const document of documents) if (document.errors.length > 0) throw new Error(`${path}: ${document.errors[0]!.message}`);
      parsed.set(path, documents.map((document) => document.toJS()));
    }
  }
  return parsed;
}

/**
 * The structure of a parsed value with every name and string blanked out: how many documents, blocks, keys and list
 * items there are, and leaf types. A value that renames a resource keeps the structure; one that injects a key,
 * block or document changes it.
 */
export function shapeOf(value: unknown): string {
  // Items are compared as a multiset: a renamed item may sort elsewhere in a list.
  if (Array.isArray(value)) return `[${value.map(shapeOf).sort().join(",")}]`;
  if (value && typeof value === "object") return `{${Object.values(value).map(shapeOf).sort().join(",")}}`;
  return typeof value;
}

export function stringLeaves(value: unknown, out: string[] = []): string[] {
  if (typeof value === "string") out.push(value);
  else if (Array.isArray(value)) value.forEach((item) => stringLeaves(item, out));
  else if (value && typeof value === "object") Object.values(value).forEach((item) => stringLeaves(item, out));
  return out;
}
