/**
 * Template files in a folder walk: YAML files whose Go-template (`{{ .name }}`) or Jinja (`{% raw %}`) syntax is
 * written where YAML reads structure, so that the file is not the manifest it will be once a generator renders it
 * (test data of a CLI, a load-test generator's input, a documentation site's snippet). Such a file is left out with
 * its reason when nothing in the repository applies it (no kustomization, Flux Kustomization path or Argo CD
 * source); one that is applied as it is stays validated, errors and all. Its objects do not count as appliers either:
 * a Flux Kustomization with `path: ./` in a template does not make the repository's root "applied".
 *
 * Written here: no library tells a template from a manifest with a mistake.
 */
import type { Document } from "yaml";
import { loadYamlLibrary } from "../yaml/library.js";
import type { UnitResult } from "./types.js";
import { leftOut, REASON_JINJA, REASON_TEMPLATE } from "./walk-filter.js";

type YamlLibrary = typeof import("yaml");

/** The reason a left-out template gives, naming its syntax. */
export const reasonTemplateSyntax = (syntax: TemplateSyntax) =>
  `template (${syntax === "go" ? "Go template actions such as {{ .name }}" : "Jinja statements such as {% raw %}"} written as YAML structure) that no kustomization, Flux Kustomization or Argo CD source applies: not a manifest until a generator renders it`;

export type TemplateSyntax = "go" | "jinja";

/**
 * A line whose value or key starts with one, unquoted (after indentation, sequence dashes and a plain key): the only
 * place where one is YAML structure. Block-scalar lines pass too, and the parse below tells them apart; quoted text
 * and actions inside a plain scalar (`msg: "{{ x }}"`, `image: repo:{{ .tag }}`, Kyverno's variables) do not, which
 * spares reading such files a second time.
 */
const STRUCTURAL_OPENER = /^[ \t]*(?:-[ \t]+)*(?:[^\s#'"{][^#\n]*?:[ \t]+)?\{[{%]/m;

/**
 * Which template syntax a file's text holds where YAML reads structure, or undefined:
 * - a YAML error on a line that holds `{{` or `{%` (`name: {{ .a }}-{{ .b }}`, `{% raw %}`);
 * - `{{ x }}` read as YAML: a flow mapping whose key is a flow mapping, which no manifest writes (a value
 *   `name: {{ .ns }}` or a key `{{ .key }}: v`). Quoted text and block scalars (`'{{ .x }}'`, an alerting
 *   template under `|`) are strings, not structure, and do not count.
 */
export function templateSyntax(yaml: YamlLibrary, text: string): TemplateSyntax | undefined {
  if (!STRUCTURAL_OPENER.test(text)) return undefined;
  let documents: Document.Parsed[];
  try {
    documents = yaml.parseAllDocuments(text, { uniqueKeys: false }) as Document.Parsed[];
  } catch {
    return undefined;
  }
  if (!Array.isArray(documents)) return undefined;
  const lines = text.split("\n");
  const syntaxOf = (line: string): TemplateSyntax | undefined => (line.includes("{{") ? "go" : line.includes("{%") ? "jinja" : undefined);
  for (const document of documents) {
    for (const error of document.errors) {
      const line = error.linePos?.[0]?.line;
      const found = line === undefined ? undefined : syntaxOf(lines[line - 1] ?? "");
      if (found) return found;
    }
    let nested = false;
    yaml.visit(document, {
      Map(_key, node) {
        if (node.flow && node.items.some((pair) => yaml.isMap(pair.key) && pair.key.flow)) {
          nested = true;
          return yaml.visit.BREAK;
        }
        return undefined;
      },
    });
    if (nested) return "go";
  }
  return undefined;
}

/**
 * The walked manifests that are templates, with their syntax: only files with a failed document are read again (a
 * template whose actions sit in strings validates, and is no concern).
 */
export async function findTemplates(results: readonly UnitResult[], read: (file: string) => string | undefined, patches: ReadonlyMap<string, unknown>): Promise<Map<string, TemplateSyntax>> {
  const failed = new Set<string>();
  for (const result of results) {
    if (result.validator === "kubernetes" && (result.status === "error" || result.status === "invalid") && !patches.has(result.file)) failed.add(result.file);
  }
  const templates = new Map<string, TemplateSyntax>();
  if (failed.size === 0) return templates;
  const candidates = [...failed].map((file) => [file, read(file)] as const).filter(([, text]) => text !== undefined && STRUCTURAL_OPENER.test(text));
  if (candidates.length === 0) return templates;
  const yaml = await loadYamlLibrary();
  for (const [file, text] of candidates) {
    const syntax = templateSyntax(yaml, text!);
    if (syntax) templates.set(file, syntax);
  }
  return templates;
}

/**
 * The templates nothing applies: starting with every template left out of the index, those the rest of the
 * repository applies are put back (their own appliers may then apply more), until none changes. `applied` gives the
 * files applied when the named templates are left out.
 */
export function unappliedTemplates(templates: ReadonlyMap<string, TemplateSyntax>, applied: (without: ReadonlySet<string>) => ReadonlySet<string>): Set<string> {
  const without = new Set(templates.keys());
  while (without.size > 0) {
    const files = applied(without);
    const back = [...without].filter((file) => files.has(file));
    if (back.length === 0) break;
    for (const file of back) without.delete(file);
  }
  return without;
}

/**
 * A file no document of which parses is no YAML at all until rendered, and keeps the reason the walk always gave
 * it (walk-filter.ts); one that parses into the wrong structure gets the longer reason.
 */
function reasonOf(own: readonly UnitResult[], syntax: TemplateSyntax): string {
  const unparsed = own.every((result) => result.problems.length > 0 && result.problems.every((problem) => problem.rule === "k8s-yaml-syntax"));
  if (unparsed) return syntax === "go" ? REASON_TEMPLATE : REASON_JINJA;
  return reasonTemplateSyntax(syntax);
}

/** The results with each left-out template's units replaced by one "left out" unit that names its syntax. */
export function leaveOutTemplates(results: UnitResult[], templates: ReadonlyMap<string, TemplateSyntax>, unapplied: ReadonlySet<string>): UnitResult[] {
  if (unapplied.size === 0) return results;
  const byFile = new Map<string, UnitResult[]>();
  for (const result of results) {
    if (!unapplied.has(result.file) || result.validator !== "kubernetes") continue;
    const own = byFile.get(result.file);
    if (own) own.push(result);
    else byFile.set(result.file, [result]);
  }
  const kept: UnitResult[] = [];
  for (const result of results) {
    const own = result.validator === "kubernetes" ? byFile.get(result.file) : undefined;
    if (!own) {
      kept.push(result);
      continue;
    }
    // One unit per file, where its first document was.
    if (own[0] === result) kept.push(leftOut(result.file, reasonOf(own, templates.get(result.file)!)));
  }
  return kept;
}
