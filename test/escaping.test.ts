import { parse as parseHcl } from "@cdktf/hcl2json";
import fc from "fast-check";
import { parse as parseYaml } from "yaml";
import { describe, expect, test } from "vitest";
import { blueprintIds } from "../src/blueprints/registry.js";
import { loadBlueprint } from "../src/blueprints/load.js";
import { buildRenderContext } from "../src/generator/context.js";
import { Parser as MarkdownParser } from "commonmark";
import jsYaml from "js-yaml";
import { parseAllDocuments } from "yaml";
import { renderAnswersFile } from "../src/generator/answers.js";
import { hclString, hclValue, markdownCode, yamlBlock, yamlInline, yamlString } from "../src/generator/helpers.js";
import { toYamlText } from "../src/generator/yaml-text.js";
import { renderTree } from "../src/generator/render.js";
import { parseParams } from "../src/params/parse.js";
import { setAtPath, type PathSegment } from "../src/params/set-flags.js";
import { parseTree, shapeOf, stringLeaves, unescapeHclLiteral } from "./helpers/parse-output.js";

/** Strings built to break out of HCL and YAML: quotes, templates, newlines, document markers, anchors, tags. */
const hostileString = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc
    .array(
      fc.constantFrom('"', "'", "\\", "${", "%{", "}", "\n", "\r\n", "---", "...", "#", ": ", "- ", "&a", "*a", "!!str", "!<tag>", "{", "[", "]", "|", ">", "`", "$(id)", "\t", "\u0000", "\u2028", "é", "😀", "a", "prod", " ", "=", "<<", "EOT"),
      { maxLength: 12 },
    )
    .map((parts) => parts.join("")),
  fc.string({ minLength: 300, maxLength: 600 }),
);

describe("quoting helpers round-trip any string", () => {
  test("hclString: Terraform reads back exactly the value", async () => {
    await fc.assert(
      fc.asyncProperty(hostileString, async (value) => {
        const parsed = (await parseHcl("t.tf", `locals {\n  v = ${hclString(value)}\n}\n`)) as any;
        expect(Object.keys(parsed)).toEqual(["locals"]);
        // HCL normalises string literals to Unicode NFC; parameters must already be NFC (parseParams enforces it).
        expect(unescapeHclLiteral(parsed.locals[0].v)).toBe(value.normalize("NFC"));
      }),
      { numRuns: 300 },
    );
  });

  test("hclValue: maps with hostile keys stay one attribute", async () => {
    await fc.assert(
      fc.asyncProperty(hostileString, hostileString, async (key, value) => {
        const parsed = (await parseHcl("t.tf", `locals {\n  m = ${hclValue({ [key]: value })}\n}\n`)) as any;
        expect(Object.keys(parsed.locals[0])).toEqual(["m"]);
      }),
      { numRuns: 100 },
    );
  });

  test("yamlString: a YAML parser reads back exactly the value, as one scalar", () => {
    fc.assert(
      fc.property(hostileString, (value) => {
        const parsed = parseYaml(`key: ${yamlString(value)}\nother: 1\n`);
        expect(parsed).toEqual({ key: value, other: 1 });
      }),
      { numRuns: 500 },
    );
  });
});

/**
 * Strings that YAML writers and parsers disagree on: line breaks of YAML 1.1 (NEL, LS, PS), a BOM, DEL and the C1
 * controls, the non-characters U+FFFE/U+FFFF, white space at the ends of lines, and block-scalar indicators.
 */
const yamlAwkward = fc.oneof(
  hostileString,
  fc
    .array(fc.constantFrom(" ", "\n", "\t", "\r", "\u0085", "\u2028", "\u2029", "\ufeff", "\u007f", "\u0080", "\u009f", "\ufffe", "\uffff", "|", ">", "-", "#", ":", "a", "'", '"', "\\", "é"), { maxLength: 10 })
    .map((parts) => parts.join("")),
);

/** `text` read by both YAML 1.2 parsers: no error or warning from `yaml`, no exception from js-yaml, the same data. */
function readBack(text: string): unknown {
  const documents = parseAllDocuments(text);
  expect(documents).toHaveLength(1);
  expect(documents[0]!.errors.map((e) => e.message)).toEqual([]);
  expect(documents[0]!.warnings.map((e) => e.message)).toEqual([]);
  const data = documents[0]!.toJS();
  expect(jsYaml.load(text)).toEqual(data);
  return data;
}

describe("YAML from free-form values: every YAML 1.2 parser reads back exactly the value", () => {
  test("yamlString, as a mapping value, a list item and inside flow", () => {
    fc.assert(
      fc.property(yamlAwkward, (value) => {
        expect(readBack(`key: ${yamlString(value)}\nlist:\n  - ${yamlString(value)}\n  - x\nflow: [${yamlString(value)}]\n`)).toEqual({ key: value, list: [value, "x"], flow: [value] });
      }),
      { numRuns: 1000 },
    );
  });

  test("yamlBlock and yamlInline, values and keys, at any indent", () => {
    fc.assert(
      fc.property(yamlAwkward, yamlAwkward, fc.integer({ min: 0, max: 6 }), (value, key, indent) => {
        const data = { [key]: value, list: [value], nested: { inner: value } };
        expect(readBack(`top:\n${yamlBlock(data, indent + 2)}\n`)).toEqual({ top: data });
        expect(readBack(`top: ${yamlInline(data)}\n`)).toEqual({ top: data });
      }),
      { numRuns: 500 },
    );
    // Found by this property (seed 212360015): a plain `<<` key is YAML 1.1's merge key to js-yaml and Go's yaml.
    for (const data of [{ "<<": "" }, { "<<": "<<" }, { labels: { "<<": "x" } }]) {
      expect(readBack(`top:\n${yamlBlock(data, 2)}\n`)).toEqual({ top: data });
      expect(readBack(`top: ${yamlInline(data)}\n`)).toEqual({ top: data });
      expect(readBack(toYamlText({ top: data }))).toEqual({ top: data });
    }
  });

  test("whole documents (the answers file, GitOps objects) keep every string, and plain text stays plain", () => {
    fc.assert(
      fc.property(yamlAwkward, (value) => {
        expect(readBack(`# header\n${toYamlText({ params: { inference: { model: value, replicas: 1 } } })}`)).toEqual({ params: { inference: { model: value, replicas: 1 } } });
      }),
      { numRuns: 1000 },
    );
    expect(toYamlText({ model: "meta-llama/Llama-3.1-8B-Instruct", version: "1.35", empty: "" })).toBe('model: meta-llama/Llama-3.1-8B-Instruct\nversion: "1.35"\nempty: ""\n');
  });

  test("a multi-line model in a rendered kapsule-gpu repository: the answers file and the inference server read back by both parsers", async () => {
    const blueprint = loadBlueprint("kapsule-gpu");
    const model = "meta/llama\n  next: line \u0085\u2028 #x\n";
    const parsed = parseParams({ values: { inference: { enabled: true, model } } }, blueprint);
    expect(parsed.errors).toBeUndefined();
    const context = buildRenderContext(parsed.params!, blueprint, { toolVersion: "0.0.0" });
    const answers = readBack(renderAnswersFile(context)) as { params: { inference: { model: string } } };
    expect(answers.params.inference.model).toBe(model);
    const tree = await renderTree(blueprint, context);
    const server = readBack(tree.get("apps/inference/statefulset.yaml")!) as any;
    expect(server.spec.template.spec.containers[0].args).toContain(model);
  });

  test("a model that tries to add Markdown to the README stays inside its code span", async () => {
    const blueprint = loadBlueprint("kapsule-gpu");
    const model = "x`](https://evil.example) <img src=x onerror=alert(1)>\n# Owned\n[click](https://evil.example)";
    const parsed = parseParams({ values: { inference: { enabled: true, model } } }, blueprint);
    expect(parsed.errors).toBeUndefined();
    const baseline = parseParams({ values: { inference: { enabled: true } } }, blueprint);
    const readme = (params: typeof parsed.params) => renderTree(blueprint, buildRenderContext(params!, blueprint, { toolVersion: "0.0.0" })).get("README.md")!;
    /** Every heading, link, image and HTML node of a Markdown text. */
    const structure = (markdown: string) => {
      const out: string[] = [];
      const walker = new MarkdownParser().parse(markdown).walker();
      for (let event = walker.next(); event; event = walker.next()) {
        if (event.entering && ["heading", "link", "image", "html_inline", "html_block"].includes(event.node.type)) out.push(`${event.node.type} ${event.node.destination ?? ""}`);
      }
      return out;
    };
    const [hostile, plain] = [readme(parsed.params), readme(baseline.params)];
    expect(structure(hostile)).toEqual(structure(plain));
    expect(hostile).not.toContain("evil.example)\n");
  });
});

describe("markdownCode: a free-form value in the README is one code span showing exactly the value", () => {
  const parser = new MarkdownParser();
  /** The paragraph's inline nodes: a single code span is [text, code, text]. */
  const inlines = (markdown: string) => {
    const paragraph = parser.parse(markdown).firstChild!;
    const nodes: Array<{ type: string; literal: string | null }> = [];
    for (let node = paragraph.firstChild; node; node = node.next) nodes.push({ type: node.type, literal: node.literal });
    return { paragraph: paragraph.type, next: paragraph.next, nodes };
  };

  test("any string: no heading, link, image, HTML or second paragraph gets out", () => {
    fc.assert(
      fc.property(yamlAwkward, (value) => {
        const { paragraph, next, nodes } = inlines(`a vLLM server for ${markdownCode(value)}, 1 replica`);
        expect(paragraph).toBe("paragraph");
        expect(next).toBeNull();
        expect(nodes.map((n) => n.type)).toEqual(["text", "code", "text"]);
        // The span shows the value itself, its control characters (newlines included) as visible escapes.
        const shown = nodes[1]!.literal!;
        expect(shown.replace(/\\x([0-9a-f]{2})|\\u([0-9a-f]{4})|\\[nrt]/g, "")).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
        if (!/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.test(value)) expect(shown).toBe(value === "" ? " " : value);
      }),
      { numRuns: 1000 },
    );
    expect(markdownCode("meta/llama")).toBe("`meta/llama`");
    expect(markdownCode("a`b``c")).toBe("```a`b``c```");
    expect(markdownCode("`x")).toBe("`` `x ``");
    // Spaces around a character String.prototype.trim takes for white space are content around content (a case the
    // property found under load): CommonMark strips one space at each end, so the span is padded.
    for (const value of [" \ufeff ", " \u00a0 ", " \u3000 ", "  \u2028  "]) expect(inlines(`x ${markdownCode(value)} y`).nodes[1]!.literal).toBe(value);
  });
});

/** Every free string parameter of a schema (no enum), as a path. */
function stringParams(schema: any, prefix: PathSegment[] = []): PathSegment[][] {
  return Object.entries<any>(schema.properties ?? {}).flatMap(([key, sub]) => {
    const path = [...prefix, key];
    if (sub.type === "object") return stringParams(sub, path);
    if (sub.type === "array" && sub.items?.type === "object") return stringParams(sub.items, [...path, 0]);
    return sub.type === "string" && !sub.enum ? [path] : [];
  });
}

/**
 * The defaults, with every list on the way to `path` holding at least one item: a list that is empty by default
 * (magnum-openstack's nodeGroups) takes the schema's first example, so that the hostile value lands in an item that the
 * baseline render also has, rather than creating one.
 */
function baselineFor(defaults: Record<string, unknown>, schema: any, path: PathSegment[]): Record<string, unknown> {
  const values = structuredClone(defaults);
  let node: any = values;
  let sub: any = schema;
  for (const segment of path.slice(0, -1)) {
    if (typeof segment === "number") {
      sub = sub.items;
    } else {
      sub = sub.properties[segment];
      if (sub.type === "array" && (node[segment] ?? []).length === 0) {
        const example = sub["x-examples"]?.[0];
        if (!Array.isArray(example) || example.length === 0) throw new Error(`${path.join(".")}: an empty list needs an x-examples entry`);
        node[segment] = structuredClone(example);
      }
    }
    node = node[segment];
  }
  return values;
}

describe.each(blueprintIds())("blueprint %s: hostile strings in every string parameter", (id) => {
  const blueprint = loadBlueprint(id);
  const defaults = parseParams({}, blueprint);

  test("are rejected with a message naming the parameter, or appear verbatim without changing the structure", async () => {
    expect(defaults.errors).toBeUndefined();
    // addons.<name>.values are chart values written from objects (test/addon-catalog.test.ts breaks them the same way).
    const paths = stringParams(blueprint.paramsSchema).filter((path) => path[0] !== "gitops" && path[0] !== "addons");
    expect(paths.length).toBeGreaterThan(0);
    let accepted = 0;
    for (const path of paths) {
      const baselineValues = baselineFor(defaults.params as Record<string, unknown>, blueprint.paramsSchema, path);
      const baseline = parseParams({ values: baselineValues }, blueprint);
      expect(baseline.errors, `baseline for ${path.join(".")}`).toBeUndefined();
      const baseParsed = await parseTree(await renderTree(blueprint, buildRenderContext(baseline.params!, blueprint, { toolVersion: "0.0.0" })));
      await fc.assert(
        fc.asyncProperty(hostileString, async (value) => {
          const values = structuredClone(baseline.params!) as Record<string, unknown>;
          setAtPath(values, path, value, "test");
          const result = parseParams({ values }, blueprint);
          const dotted = path.map((s) => (typeof s === "number" ? `[${s}]` : s)).join(".").replace(/\.\[/g, "[");
          if (result.errors) {
            expect(result.errors.join("\n")).toContain(dotted.split(/[.[]/)[0]);
            return;
          }
          accepted++;
          const tree = await renderTree(blueprint, buildRenderContext(result.params!, blueprint, { toolVersion: "0.0.0" }));
          const parsed = await parseTree(tree);
          // Same files (a value may rename a path segment only through clusterName, which is a DNS label).
          expect(parsed.size).toBe(baseParsed.size);
          const baseFiles = [...baseParsed.values()];
          [...parsed.values()].forEach((content, i) => {
            expect(shapeOf(content), `changed structure for ${dotted}=${JSON.stringify(value)}`).toBe(shapeOf(baseFiles[i]));
          });
          const leaves = [...parsed.values()].flatMap((content) => stringLeaves(content)).map(unescapeHclLiteral);
          expect(value.normalize("NFC")).toBe(value);
          if (value !== "") expect(leaves.some((leaf) => leaf.includes(value)), `${dotted}=${JSON.stringify(value)} not found verbatim`).toBe(true);
        }),
        { numRuns: 25 },
      );
    }
    // The generators are hostile; at least some values must get through for the round-trip to be tested at all.
    expect(accepted).toBeGreaterThan(0);
  });
});
