import { parse as parseHcl } from "@cdktf/hcl2json";
import fc from "fast-check";
import { parse as parseYaml } from "yaml";
import { describe, expect, test } from "vitest";
import { blueprintIds } from "../src/blueprints/registry.js";
import { loadBlueprint } from "../src/blueprints/load.js";
import { buildRenderContext } from "../src/generator/context.js";
import { hclString, hclValue, yamlString } from "../src/generator/helpers.js";
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
    const paths = stringParams(blueprint.paramsSchema).filter((path) => path[0] !== "gitops");
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
