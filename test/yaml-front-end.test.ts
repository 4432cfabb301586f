/**
 * The YAML front end (src/yaml) and the bounded reads (src/read-input.ts), in-process: every document gives data or
 * a failure with its line, whatever the input; the limits of src/limits.ts hold; aliases are measured, never
 * expanded. The same inputs through the built CLI are in hostile-bounds.test.ts.
 */
import { execFileSync } from "node:child_process";
import { appendFileSync, mkdirSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, test, vi } from "vitest";
import { MAX_FILE_BYTES, MAX_NESTING_DEPTH, MIN_ALIAS_EXPANSION } from "../src/limits.js";
import { setAtPath } from "../src/params/set-flags.js";
import { InputFileError, readInputFile } from "../src/read-input.js";
import { LineLocator, parseDocuments } from "../src/validators/kubernetes/documents.js";
import { measureExpansion } from "../src/yaml/expansion.js";
import { YamlLoadError, loadYamlDocument, loadYamlStream, type YamlDocument } from "../src/yaml/load.js";
import { splitDocuments } from "../src/yaml/split.js";
import { tempDir } from "./helpers/cli.js";

/** Billion laughs: `levels` levels of 9 aliases each. */
function laughs(levels: number): string {
  const lines = [`l0: &l0 [${Array(9).fill('"lol"').join(", ")}]`];
  for (let level = 1; level <= levels; level++) lines.push(`l${level}: &l${level} [${Array(9).fill(`*l${level - 1}`).join(", ")}]`);
  return `${lines.join("\n")}\n`;
}

const lineCount = (text: string) => text.split("\n").length;

describe("loadYamlStream", () => {
  test("reads every document, with its range and index among the non-empty ones", () => {
    const text = "a: 1\n---\n# only a comment\n---\nb: &x {c: [1, 2]}\nd: *x\n--- |\n  text\n...\n%YAML 1.2\n---\n- x\n";
    const documents = loadYamlStream(text, { schema: "kubernetes" });
    expect(documents.map((d) => [d.index, d.data, text.slice(...d.range).split("\n")[0]])).toEqual([
      [0, { a: 1 }, "a: 1"],
      [1, { b: { c: [1, 2] }, d: { c: [1, 2] } }, "b: &x {c: [1, 2]}"],
      [2, "text\n", "|"],
      [3, ["x"], "- x"],
    ]);
    // Aliases share what they refer to: the parser expands nothing.
    const [, shared] = documents;
    expect((shared!.data as any).b).toBe((shared!.data as any).d);
  });

  test("a broken document gets a failure with its line; the documents around it are still read", () => {
    const text = "kind: A\n---\nkey: [unclosed\n---\nkind: B\n---\na: 1\na: 2\n";
    const documents = loadYamlStream(text, { schema: "kubernetes", uniqueKeys: true });
    expect(documents.map((d) => [d.index, d.failure?.kind, d.failure?.line, d.data])).toEqual([
      [0, undefined, undefined, { kind: "A" }],
      [1, "syntax", 3, undefined],
      [2, undefined, undefined, { kind: "B" }],
      [3, "duplicate-key", 8, {}],
    ]);
    expect(documents[3]?.failure?.message).toBe('duplicate key "a"');
    // Without unique keys the later one wins, as in Go's decoders.
    expect(loadYamlStream("a: 1\na: 2\n", { uniqueKeys: false })[0]?.data).toEqual({ a: 2 });
  });

  test("messages name the repeated key (block or flow) and the control character, escaped", () => {
    expect(loadYamlStream("{x1, x2, x1", { uniqueKeys: true })[0]?.failure?.message).toBe('duplicate key "x1"');
    expect(loadYamlStream('a: 1\nb: "x\u001b[2J"\n')[0]?.failure).toEqual({
      kind: "syntax",
      line: 2,
      message: 'a control character (\\x1b) that YAML does not allow; write it as an escape inside double quotes ("\\x1b")',
    });
  });

  test("an unterminated nested flow collection costs one linear parse, and no runtime warning", () => {
    const warnings = vi.spyOn(process, "emitWarning");
    try {
      const text = `a: ${"[{".repeat(5000)}${Array.from({ length: 20_000 }, (_, i) => `k${i}: v`).join(", ")}`;
      const [document] = loadYamlStream(text, { schema: "kubernetes" });
      expect(document?.failure).toMatchObject({ kind: "limit", line: 1 });
      expect(document?.failure?.message).toBe(`YAML nesting deeper than ${MAX_NESTING_DEPTH} levels, the limit`);
      const shallow = loadYamlStream(`a: ${"[{".repeat(100)}${Array.from({ length: 20_000 }, (_, i) => `k${i}: v`).join(", ")}`)[0];
      expect(shallow?.failure).toMatchObject({ kind: "syntax", line: 1, message: "unexpected end of the stream within a flow collection" });
      expect(warnings).not.toHaveBeenCalled();
    } finally {
      warnings.mockRestore();
    }
  });

  test("nesting: up to the limit is read, one level more is refused with its line", () => {
    // Each flow sequence is one level; the root mapping and the key's value add two.
    const nested = (levels: number) => `apiVersion: v1\nx: ${"[".repeat(levels)}${"]".repeat(levels)}\n`;
    expect(loadYamlStream(nested(MAX_NESTING_DEPTH - 1))[0]?.failure).toBeUndefined();
    expect(loadYamlStream(nested(MAX_NESTING_DEPTH))[0]?.failure).toMatchObject({ kind: "limit", line: 2 });
  });

  test("aliases: a billion-laughs bomb is refused as excessive aliasing, naming the document's line", () => {
    const text = `kind: ConfigMap\n---\napiVersion: v1\nkind: Bomb\nmetadata: {name: lol}\n${laughs(9)}---\nkind: After\n`;
    const documents = loadYamlStream(text, { schema: "kubernetes" });
    expect(documents.map((d) => [d.failure?.kind, d.failure?.line])).toEqual([
      [undefined, undefined],
      ["limit", 3],
      [undefined, undefined],
    ]);
    expect(documents[1]?.failure?.message).toMatch(/^excessive aliasing: aliases expand the file's documents past the limit of 10 times the file's size \(at least 1 MiB\)/);
    // Only the identity of the refused document is kept, never the aliased data.
    expect(documents[1]?.data).toEqual({ apiVersion: "v1", kind: "Bomb", metadata: { name: "lol" } });
    expect(documents[2]?.data).toEqual({ kind: "After" });
  });

  test("aliases: moderate use is read (merge keys included), and the budget is per file, not per document", () => {
    const defaults = `defaults: &d {image: nginx, pullPolicy: IfNotPresent}\n`;
    const uses = Array.from({ length: 50 }, (_, i) => `c${i}: {<<: *d, name: c${i}}`).join("\n");
    const [document] = loadYamlStream(`${defaults}${uses}\n`, { schema: "kubernetes" });
    expect(document?.failure).toBeUndefined();
    expect((document?.data as any).c7).toEqual({ image: "nginx", pullPolicy: "IfNotPresent", name: "c7" });
    // Many small documents that each expand well below the floor still share one budget.
    const small = `${laughs(4)}`; // 9^4 * 7 characters: about 46 kB expanded, from 200 bytes of text
    const many = Array.from({ length: 40 }, () => small).join("---\n");
    const failures = loadYamlStream(many).filter((d) => d.failure);
    expect(failures.length).toBeGreaterThan(0);
    expect(failures.every((d) => d.failure?.kind === "limit")).toBe(true);
  });

  test("an alias to a node that contains it is refused (it would expand forever)", () => {
    for (const text of ["a: &a [1, *a]\n", "--- &root\nself: *root\n", "metadata: &m {name: x, labels: {more: *m}}\n"]) {
      expect(loadYamlStream(text, { schema: "kubernetes" })[0]?.failure?.message, text).toMatch(/alias refers to a node that contains it/);
    }
  });

  test("aliases cannot nest a document past the depth limit", () => {
    // Each level is 40 deep and refers to the previous one: 30 levels are 1,200 deep once expanded.
    const lines = ["l0: &l0 " + "[".repeat(40) + "]".repeat(40)];
    for (let i = 1; i <= 30; i++) lines.push(`l${i}: &l${i} ${"[".repeat(39)}*l${i - 1}${"]".repeat(39)}`);
    expect(loadYamlStream(lines.join("\n"))[0]?.failure?.message).toBe(`aliases nest the document deeper than ${MAX_NESTING_DEPTH} levels, the limit`);
  });

  test("merge keys cannot multiply keys past the file's size", () => {
    const keys = Array.from({ length: 2000 }, (_, i) => `k${i}: ${i}`).join(", ");
    const text = `base: &b {${keys}}\n${Array.from({ length: 200 }, (_, i) => `m${i}: {<<: *b}`).join("\n")}\n`;
    expect(loadYamlStream(text, { schema: "kubernetes" })[0]?.failure).toMatchObject({ kind: "limit", message: expect.stringMatching(/merge keys/) });
  });

  test("the yaml-1.2 schema reads back what the yaml library writes: 0b11 and +0x1 are strings, << a plain key", () => {
    expect(loadYamlDocument("a: 0b11\nb: +0x1\nc: 0o17\nd: 0x1F\ne: 1e3\nf: ~\ng: True\n<<: x\n")).toEqual({ a: "0b11", b: "+0x1", c: 15, d: 31, e: 1000, f: null, g: true, "<<": "x" });
    expect(loadYamlStream("a: 2024-01-01\n", { schema: "kubernetes" })[0]?.data).toEqual({ a: "2024-01-01" });
  });

  test("manifests read !!binary as the API server's decoder does (its decoded text); invalid base64 is an error with its line", () => {
    const secret = (value: string) => `apiVersion: v1\nkind: Secret\nmetadata:\n  name: a\ndata:\n  x: ${value}\n`;
    const [read] = loadYamlStream(secret("!!binary aGVsbG8="), { schema: "kubernetes" });
    expect(read?.failure).toBeUndefined();
    expect((read?.data as { data: { x: unknown } }).data.x).toBe("hello");
    // A block of base64 over lines, as tools write certificates.
    const [block] = loadYamlStream(secret("!!binary |\n    aGVs\n    bG8="), { schema: "kubernetes" });
    expect((block?.data as { data: { x: unknown } }).data.x).toBe("hello");
    const [bad] = loadYamlStream(secret('!!binary "%%"'), { schema: "kubernetes" });
    expect(bad?.failure).toMatchObject({ kind: "syntax", line: 6 });
    // Values and answers files keep YAML 1.2's core schema, which has no binary type.
    expect(loadYamlStream("x: !!binary aGVsbG8=\n")[0]?.failure?.kind).toBe("syntax");
  });

  test("loadYamlDocument: one document or a YamlLoadError with its line", () => {
    expect(loadYamlDocument("")).toBeUndefined();
    expect(() => loadYamlDocument("a: 1\n---\nb: 2\n")).toThrow(expect.objectContaining({ line: 3, reason: "expected one YAML document, found several (separated by ---)" }));
    const error = (() => {
      try {
        loadYamlDocument("a: 1\nb: [\n");
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(YamlLoadError);
    expect(error).toMatchObject({ line: 2 });
  });
});

describe("splitDocuments", () => {
  test("cuts at --- and after ... lines only, keeping directives with the document they precede", () => {
    const text = "%YAML 1.2\n---\na: |\n  --- not a marker: indented\n...\n%TAG ! tag:x,2000:\n--- {b: 1}\n---\n";
    const chunks = splitDocuments(text).map((chunk) => text.slice(chunk.start, chunk.end));
    expect(chunks).toEqual(["%YAML 1.2\n---\na: |\n  --- not a marker: indented\n...\n", "%TAG ! tag:x,2000:\n--- {b: 1}\n", "---\n"]);
    expect(splitDocuments("a: 1").map((chunk) => chunk.contentStart)).toEqual([0]);
  });
});

describe("measureExpansion", () => {
  test("measures each shared node once: linear in the parsed data, whatever it expands to", () => {
    let node: unknown = "lol";
    for (let i = 0; i < 60; i++) node = [node, node]; // 2^60 leaves once expanded
    expect(measureExpansion(node, { maxSize: MIN_ALIAS_EXPANSION })).toEqual({ problem: "size" });
    // About its JSON length: {} 2, each key its length + 4, each item 1 more, a string its length + 2, other scalars 4.
    expect(measureExpansion({ a: [1, "x"], b: null }, { maxSize: 1000 })).toEqual({ size: 2 + (1 + 4) + (2 + (4 + 1) + (3 + 1)) + (1 + 4) + 4 });
  });
});

describe("LineLocator", () => {
  test("finds the lines of thousands of fields of one mapping in linear time (a map per mapping, not a scan per field)", () => {
    const entries = 20_000;
    const text = `data:\n${Array.from({ length: entries }, (_, i) => `  k${i}: ${i}`).join("\n")}\n`;
    const locator = new LineLocator(text, parseDocuments(text, false));
    const lines = Array.from({ length: entries }, (_, i) => locator.fieldLine(0, ["data", `k${i}`]));
    expect(lines).toEqual(Array.from({ length: entries }, (_, i) => i + 2));
  });

  test("a document after a broken one is located without parsing the broken one again", () => {
    const text = `a: ${"[{".repeat(200)}${"x, ".repeat(5000)}\n---\nkind: B\nspec:\n  field: 1\n`;
    const documents = parseDocuments(text, false);
    expect(documents.map((d) => d.failure?.rule)).toEqual(["k8s-yaml-syntax", undefined]);
    expect(new LineLocator(text, documents).fieldLine(1, ["spec", "field"])).toBe(5);
    expect(new LineLocator(text).documentLine(1)).toBe(3);
  });

  test("a document's own line (path []) is its root node's line, also after markers, comments, anchors and tags", async () => {
    const { LineCounter, parseAllDocuments } = await import("yaml");
    // The root node's line as the `yaml` library places it: what fieldLine answered by parsing every document.
    const rootLines = (text: string) => {
      const counter = new LineCounter();
      return parseAllDocuments(text, { lineCounter: counter }).flatMap((document) => (document.contents?.range ? [counter.linePos(document.contents.range[0]).line] : []));
    };
    const heads = ["", "---\n", "--- # c\n\n", "# c\n", "&a\n", "!!map\n", "--- !!map\n", "--- &a\n", "&a !!map\n# c\n", "%YAML 1.2\n---\n"];
    const bodies = ["a: 1\n", "  a: 1\n", "- a\n- b\n", "{a: 1}\n", "? a\n: 1\n", "x\n"];
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...heads), fc.constantFrom(...bodies)), { minLength: 1, maxLength: 4 }), (parts) => {
        const text = parts.map(([head, body], i) => (i > 0 && !head.startsWith("---") && !head.startsWith("%") ? `---\n${head}` : i > 0 && head.startsWith("%") ? `...\n${head}` : head) + body).join("");
        const documents = parseDocuments(text, false);
        if (documents.some((document) => document.failure) || documents.length !== rootLines(text).length) return;
        const locator = new LineLocator(text, documents);
        expect(documents.map((_, index) => locator.fieldLine(index, [])), JSON.stringify(text)).toEqual(rootLines(text));
      }),
      { numRuns: 300 },
    );
  });
});

describe("the YAML front end on random input (fast-check)", () => {
  /** Random YAML-ish text: nested flow and block collections, anchors and aliases (some undefined or cyclic), cut anywhere. */
  const node: fc.Memo<string> = fc.memo((depth) =>
    depth <= 1
      ? fc.oneof(fc.constantFrom("x", "1", "~", '"q"', "'s'", "*a", "*b", "&a v", "&b w", "[", "{", "}", "]", ":", "- ", "? ", "|", ">", "#c", "!!str", "!t"), fc.string({ maxLength: 5 }))
      : fc.oneof(
          fc.array(node(depth - 1), { maxLength: 4 }).map((items) => `[${items.join(", ")}]`),
          fc.array(fc.tuple(fc.constantFrom("k", "a", "<<", "&a k", "? x"), node(depth - 1)), { maxLength: 4 }).map((pairs) => `{${pairs.map(([k, v]) => `${k}: ${v}`).join(", ")}}`),
          fc.array(node(depth - 1), { minLength: 1, maxLength: 3 }).map((items) => items.map((item) => `- ${item}`).join("\n")),
          fc.array(fc.tuple(fc.constantFrom("k", "b", "<<", "&b m"), node(depth - 1)), { minLength: 1, maxLength: 3 }).map((pairs) =>
            pairs.map(([k, v]) => `${k}:\n  ${v.replace(/\n/g, "\n  ")}`).join("\n"),
          ),
          node(depth - 1).map((inner) => `&a ${inner}`),
          node(depth - 1).map((inner) => `[${inner}, *a, *a, *a]`),
        ),
  );
  const stream = fc
    .tuple(fc.array(node(6), { minLength: 1, maxLength: 4 }), fc.nat(), fc.boolean(), fc.nat({ max: 3 }))
    .map(([documents, cut, truncate, deepen]) => {
      const text = documents.map((document) => `${"[".repeat(deepen * 400)}${document}`).join("\n---\n");
      return truncate ? text.slice(0, cut % (text.length + 1)) : text;
    });

  function checkDocuments(text: string, documents: YamlDocument[]): void {
    expect(documents.map((d) => d.index)).toEqual(documents.map((_, i) => i));
    for (const document of documents) {
      expect(document.range[0]).toBeLessThanOrEqual(document.range[1]);
      expect(document.range[1]).toBeLessThanOrEqual(text.length);
      if (!document.failure) continue;
      expect(document.failure.message.length).toBeGreaterThan(5);
      expect(document.failure.message).not.toMatch(/undefined|\[object /);
      if (document.failure.line !== undefined) {
        expect(document.failure.line).toBeGreaterThanOrEqual(1);
        expect(document.failure.line).toBeLessThanOrEqual(lineCount(text));
      }
    }
  }

  // Generous timeouts: a few seconds on an idle machine, much more on a loaded one.
  // Async properties that yield to the event loop between runs: a loaded machine stretches a synchronous loop of
  // seconds to minutes, in which the worker could neither answer vitest (vitest 3 gave up after 60 s) nor time out.
  const yieldToVitest = () => new Promise((resolve) => setImmediate(resolve));

  test("always returns documents or failures with a message and a line inside the text; never throws, never warns", { timeout: 300_000 }, async () => {
    const warnings = vi.spyOn(process, "emitWarning");
    try {
      await fc.assert(
        fc.asyncProperty(stream, fc.boolean(), async (text, strict) => {
          await yieldToVitest();
          const documents = loadYamlStream(text, { schema: "kubernetes", uniqueKeys: strict });
          checkDocuments(text, documents);
          // The Kubernetes view of the same text agrees document for document.
          expect(parseDocuments(text, strict).map((d) => d.failure?.line)).toEqual(documents.map((d) => d.failure?.line));
          // Single-document readers (values, answers, --set) give data or a YamlLoadError, nothing else.
          try {
            loadYamlDocument(text);
          } catch (error) {
            expect(error).toBeInstanceOf(YamlLoadError);
          }
        }),
        { numRuns: 150 },
      );
      expect(warnings).not.toHaveBeenCalled();
    } finally {
      warnings.mockRestore();
    }
  });

  test("random alias graphs: measured within the budget or refused, never expanded", { timeout: 300_000 }, async () => {
    // Anchors over earlier anchors, each referring to up to 9 of them: some stay small, most explode.
    const graph = fc.array(fc.array(fc.nat(), { minLength: 1, maxLength: 9 }), { minLength: 1, maxLength: 40 }).map((levels) => {
      const lines = ['n0: &n0 "leaf"'];
      levels.forEach((refs, i) => lines.push(`n${i + 1}: &n${i + 1} [${refs.map((ref) => `*n${ref % (i + 1)}`).join(", ")}]`));
      return `${lines.join("\n")}\n`;
    });
    await fc.assert(
      fc.asyncProperty(graph, async (text) => {
        await yieldToVitest();
        const [document] = loadYamlStream(text, { schema: "kubernetes" });
        checkDocuments(text, document ? [document] : []);
        if (document?.failure) expect(document.failure.kind).toBe("limit");
        else expect(JSON.stringify(document?.data).length).toBeLessThanOrEqual(Math.max(MIN_ALIAS_EXPANSION, 10 * text.length));
      }),
      { numRuns: 200 },
    );
  });
});

describe("readInputFile", () => {
  const dir = tempDir("ccr-read-input-");
  const path = (name: string) => join(dir, name);

  const failure = (file: string, options?: { maxBytes?: number }) => {
    try {
      readInputFile(file, options);
    } catch (error) {
      return error as InputFileError;
    }
    throw new Error(`${file} was read`);
  };

  test("refuses a FIFO without waiting for a writer, and a link to /dev/zero without reading it", () => {
    execFileSync("mkfifo", [path("fifo.yaml")]);
    expect(failure(path("fifo.yaml"))).toMatchObject({ reason: "not-regular", detail: "it is a FIFO (named pipe), not a regular file" });
    symlinkSync("/dev/zero", path("zero.yaml"));
    expect(failure(path("zero.yaml"))).toMatchObject({ reason: "not-regular", detail: "it is a character device (a symbolic link to /dev/zero), not a regular file" });
    mkdirSync(path("folder"));
    expect(failure(path("folder"))).toMatchObject({ reason: "not-regular", detail: "it is a directory, not a regular file" });
    expect(failure(path("absent"))).toMatchObject({ reason: "missing", message: `${path("absent")}: no such file` });
  });

  test("refuses a file over the size limit from its size, before reading it", () => {
    writeFileSync(path("big.yaml"), "");
    truncateSync(path("big.yaml"), MAX_FILE_BYTES + 1); // sparse: nothing is written, nothing read
    expect(failure(path("big.yaml"))).toMatchObject({ reason: "too-large", detail: "it is 33,554,433 bytes, over the limit of 32 MiB per file" });
    writeFileSync(path("small.yaml"), "a: 1\n");
    expect(readInputFile(path("small.yaml"))).toBe("a: 1\n");
    appendFileSync(path("small.yaml"), "b: 2\n");
    expect(failure(path("small.yaml"), { maxBytes: 8 })).toMatchObject({ reason: "too-large" });
  });
});

describe("--set list indexes", () => {
  test("an index may change an item or add one, never leave holes", () => {
    const target: Record<string, unknown> = { pools: [{ name: "a" }] };
    setAtPath(target, ["pools", 1, "name"], "b", "--set pools[1].name=b");
    setAtPath(target, ["pools", 0, "name"], "c", "--set pools[0].name=c");
    expect(target.pools).toEqual([{ name: "c" }, { name: "b" }]);
    expect(() => setAtPath(target, ["pools", 10_000_000, "name"], "x", "--set pools[10000000].name=x")).toThrow(
      "--set pools[10000000].name=x: index 10000000 is past the end of the list; pools has 2 items: use [0] to [1] to change one, [2] to add one",
    );
    expect(() => setAtPath({}, ["groups", 3], "x", "--set groups[3]=x")).toThrow("groups is empty: use [0] to add its first item");
  });
});
