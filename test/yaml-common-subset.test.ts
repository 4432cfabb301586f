/**
 * The common-subset reader (src/yaml/common-subset.ts) held to js-yaml: wherever it answers, every document's data
 * (values, types, key order) and range are js-yaml's, and js-yaml reads the text without a failure. Checked on the
 * benchmark's corpus generator, on every YAML file the repository ships (fixtures, goldens, add-ons, blueprints) and
 * on fuzzed documents: generated manifests, then cut, spliced and sprinkled with YAML's special characters.
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { readCommonYaml } from "../src/yaml/common-subset.js";
import { LineIndex } from "../src/yaml/split.js";
import { IMPLICIT, loadWithJsYaml, loadYamlStream, type YamlLoadOptions } from "../src/yaml/load.js";
// @ts-expect-error the benchmark's generator is plain JavaScript
import { corpusTexts } from "../bench/validate-generate.mjs";

const root = join(import.meta.dirname, "..");
const SCHEMAS: YamlLoadOptions["schema"][] = ["kubernetes", "yaml-1.2"];

/** What the front end answers, in a comparable shape. */
const view = (documents: ReturnType<typeof loadYamlStream>) => documents.map(({ index, data, range, failure }) => ({ index, data, range, failure }));

/**
 * Whether the common-subset reader took the text (it answers for the whole text or not at all), and where it did,
 * that js-yaml gives the same answer. `Object.keys` order is compared too: the reports list fields in it.
 */
function agrees(text: string, schema: YamlLoadOptions["schema"]): boolean {
  const options = { schema, uniqueKeys: true };
  const reference = view(loadWithJsYaml(text, options));
  const taken = readCommonYaml(text, IMPLICIT[schema ?? "yaml-1.2"]) !== undefined;
  const ours = view(loadYamlStream(text, options));
  if (taken) {
    expect(reference.every((document) => document.failure === undefined), text).toBe(true);
    // The line it gives with each document is the line of the document's range.
    const lines = new LineIndex(text);
    for (const document of loadYamlStream(text, options)) expect(document.line, text).toBe(lines.lineAt(document.range[0]));
    expect(JSON.stringify(ours.map((document) => keyOrder(document.data))), text).toBe(JSON.stringify(reference.map((document) => keyOrder(document.data))));
  }
  expect(ours, text).toStrictEqual(reference);
  return taken;
}

/** Every key path of a value, in iteration order. */
function keyOrder(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(keyOrder);
  if (value !== null && typeof value === "object") return Object.entries(value).map(([key, inner]) => [key, keyOrder(inner)]);
  return value;
}

function yamlFiles(folder: string, found: string[] = []): string[] {
  for (const name of readdirSync(folder)) {
    if (name === "node_modules" || name === ".git" || name === ".bench" || name === "dist") continue;
    const path = join(folder, name);
    const stat = statSync(path, { throwIfNoEntry: false });
    if (stat?.isDirectory()) yamlFiles(path, found);
    else if (stat?.isFile() && /\.ya?ml$/.test(name) && stat.size < 2_000_000) found.push(path);
  }
  return found;
}

describe("the common-subset YAML reader agrees with js-yaml", () => {
  test("on the benchmark corpus, and takes all of it", () => {
    // 20 of its 400 files: every template, in every position of a file.
    for (const text of corpusTexts(20) as string[]) for (const schema of SCHEMAS) expect(agrees(text, schema)).toBe(true);
  });

  test("on every YAML file of the repository (and takes most manifests)", () => {
    const files = [...yamlFiles(join(root, "test")), ...yamlFiles(join(root, "addons")), ...yamlFiles(join(root, "blueprints")), ...yamlFiles(join(root, "templates"))];
    expect(files.length).toBeGreaterThan(100);
    let taken = 0;
    for (const file of files) if (agrees(readFileSync(file, "utf8"), "kubernetes")) taken++;
    expect(taken).toBeGreaterThan(files.length / 4);
  });

  test("on the shapes it takes, written in every way it must read alike", () => {
    const cases = [
      "a: 1\n# c\n\n---\nb: 2\n",
      "# head\n---\nx: y",
      "a:\n- 1\n- two\nb: ~\n",
      "- a\n",
      "a:\n  - name: x\n    args:\n    - -L\n    - --flag=1\n  - {name: y}\n  -\n  - []\n",
      "a: |\n  line 1\n\n    more\n  last\n\nb: |-\n  x\n\nc: |+\n  y\n\n\nd: |\n\ne: 1\n",
      'k: "quoted: #not a comment"\nl: \'it\'\'s\'\nm: plain # comment\nn: 0x1F\no: .inf\np: 1e3\nq: True\nr: 012\n',
      "a: null\nb: Null\nc: NULL\nd: nulls\ne: nul\nf: true\ng: TRUE\nh: False\ni: falsey\nj: tru\nk: {n: NULL, t: True, f: FALSE, x: trues}\nl: [null, true, false, nuLL, fAlse]\n",
      '"helm.sh/hook": pre-install\n\'x\': {"a":1, b: [c, "d"], e: {}}\n',
      "a: b\n  c: d\n",
      "a: [1, 2\n",
      "a: 1\na: 2\n",
      "<<: {a: 1}\n",
      "a: &x 1\nb: *x\n",
      "a: >\n  folded\n",
      "a:\n  b: 1\n c: 2\n",
      "a: - 1\n",
      "a: b: c\n",
      "a: [b: c]\n",
      "a: [b, ]\n",
      "1: x\n",
      "a: 'unterminated\n",
      "a: |\n  x\n---\nb: 1\n",
      "a: |\n x\n  y\n",
      "a:\n  |\n",
    ];
    for (const text of cases) for (const schema of SCHEMAS) agrees(text, schema);
    expect(agrees(cases[0]!, "kubernetes")).toBe(true);
  });

  test("on keys that are strings for one schema and numbers for the other, read under both in turn", () => {
    // The reader remembers keys it has read (by text): what it remembers for one schema must not answer for the other.
    const texts = ["0b1: x\n1_0: y\n", "a: {0b1: x, 1_0: y}\n"];
    for (const order of [SCHEMAS, [...SCHEMAS].reverse()]) {
      for (const text of texts) for (const schema of [...order, ...order]) agrees(text, schema);
    }
    expect(agrees("0b1: x\n", "yaml-1.2")).toBe(true);
    expect(agrees("0b1: x\n", "kubernetes")).toBe(false);
  });

  test("on plain scalars that end in a space beyond ASCII (no-break, ideographic, BOM): part of the value, as js-yaml reads it", () => {
    // YAML trims only spaces and tabs; a label value ending in U+00A0 is refused by the API server and must not be
    // read as its trimmed, valid, twin.
    const ends = ["\u00a0", "\u3000", "\u2003", "\ufeff", "\u00a0 "];
    for (const end of ends) {
      for (const text of [`a: b${end}\n`, `a: é${end}\n`, `b${end}: a\n`, `a: [b${end}]\n`, `a: {b: c${end}}\n`]) for (const schema of SCHEMAS) agrees(text, schema);
    }
    expect(agrees("a: b\u00a0\n", "kubernetes")).toBe(true);
  });

  test("on fuzzed manifests: cut, spliced and sprinkled with YAML's special characters", () => {
    const specials = [" ", "\n", "  ", "-", "- ", ":", ": ", "#", " #", "'", '"', "[", "]", "{", "}", ",", "|", "|-", ">", "&a", "*a", "!", "?", "%", "@", "~", "---\n", "...\n", "\t", "\r", "\\", "0x", ".5", "<<", "null", "true", "__proto__"];
    const corpus = (corpusTexts(3) as string[]).flatMap((text) => text.split("---\n"));
    let taken = 0;
    const edit = fc.record({ at: fc.nat(), cut: fc.nat({ max: 6 }), insert: fc.constantFrom(...specials) });
    fc.assert(
      fc.property(fc.nat({ max: corpus.length - 1 }), fc.array(edit, { maxLength: 4 }), fc.constantFrom(...SCHEMAS), (which, edits, schema) => {
        let text = corpus[which]! + (which % 2 === 0 ? "---\n" + corpus[(which + 1) % corpus.length] : "");
        for (const { at, cut, insert } of edits) {
          const position = at % (text.length + 1);
          text = text.slice(0, position) + insert + text.slice(position + cut);
        }
        if (agrees(text, schema)) taken++;
      }),
      { numRuns: 3000, seed: 23 },
    );
    // The edits must leave many texts in the subset, or the comparison would hold vacuously.
    expect(taken).toBeGreaterThan(300);
  });
});
