/**
 * The build compiles the shipped parameter and rule-option schemas into Ajv standalone code
 * (scripts/precompile-schemas.mjs); a run loads the validator instead of compiling it. Each shipped schema must be
 * there, the shipped validator must give what a fresh compile gives (verdict, the defaults it fills in, the errors
 * with their schema and data) on the fixtures and on random values, and a schema that is not shipped is compiled.
 */
import { existsSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { loadBlueprint } from "../src/blueprints/load.js";
import { blueprintIds } from "../src/blueprints/registry.js";
import { PRECOMPILED_SCHEMAS_DIR, createSchemaAjv, schemaDigest, schemaValidator, shippedSchemaValidator, type SchemaFlavour } from "../src/params/compiled-schemas.js";
import { ruleLibrary } from "../src/params/rules/index.js";
import { paramsFixtures } from "./helpers/fixtures.js";

const built = existsSync(PRECOMPILED_SCHEMAS_DIR);
/** The build's validator of a schema, which the test requires to exist. */
const shipped = (flavour: SchemaFlavour, schema: object) => shippedSchemaValidator(schemaDigest(flavour, schema))!;

/** Runs a validator on a copy of `data`: its verdict, the data as it left it (defaults filled in) and its errors. */
function outcome(validate: ((data: unknown) => boolean) & { errors?: unknown }, data: unknown) {
  const copy = structuredClone(data);
  const valid = validate(copy);
  return JSON.parse(JSON.stringify({ valid, data: copy, errors: validate.errors ?? null }));
}

/** Paths to every leaf of `value` (array items included). */
function leafPaths(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value)) return value.flatMap((item, i) => leafPaths(item, [...path, i]));
  if (value && typeof value === "object") return Object.entries(value).flatMap(([key, item]) => leafPaths(item, [...path, key]));
  return [path];
}

function setAt(target: Record<string, unknown>, path: (string | number)[], value: unknown): void {
  let node: any = target;
  for (const key of path.slice(0, -1)) node = node[key];
  node[path.at(-1)!] = value;
}

const fresh = (flavour: SchemaFlavour, schema: object) => createSchemaAjv(flavour).compile(schema);
const ruleSchemas = [...ruleLibrary.values()].filter((rule) => rule.options).map((rule) => [rule.name, rule.options!] as const);

describe.skipIf(!built)("schemas compiled at build time", () => {
  test("every shipped blueprint's parameters and every library rule's options are in the build's output", () => {
    for (const id of blueprintIds()) expect(shippedSchemaValidator(schemaDigest("params", loadBlueprint(id).paramsSchema)), `run \`npm run build\`: ${id}`).toBeTypeOf("function");
    expect(ruleSchemas.length).toBeGreaterThan(0);
    for (const [name, schema] of ruleSchemas) expect(shippedSchemaValidator(schemaDigest("rule-options", schema)), name).toBeTypeOf("function");
  });

  test.each(blueprintIds())("%s: the shipped validator fills in and rejects exactly as a fresh compile, on every fixture", (id) => {
    const schema = loadBlueprint(id).paramsSchema;
    const precompiled = shipped("params", schema);
    const compiled = fresh("params", schema);
    const fixtures = [...paramsFixtures("valid"), ...paramsFixtures("invalid")].filter((fixture) => fixture.blueprint === id);
    expect(fixtures.length).toBeGreaterThan(1);
    const inputs = [{}, ...fixtures.map((fixture) => fixture.params), { clusterName: 42, extra: true }, { gitops: "helm", repoUrl: "" }];
    let rejected = 0;
    for (const input of inputs) {
      const expected = outcome(compiled, input);
      expect(outcome(precompiled, input), JSON.stringify(input)).toEqual(expected);
      if (!expected.valid) rejected++;
    }
    expect(rejected).toBeGreaterThan(0);
  });

  test("random values at every depth: the shipped and the freshly compiled validators agree", () => {
    const cases = blueprintIds().map((id) => {
      const schema = loadBlueprint(id).paramsSchema;
      const compiled = fresh("params", schema);
      const defaults: Record<string, unknown> = {};
      compiled(defaults);
      return { precompiled: shipped("params", schema), compiled, defaults, paths: leafPaths(defaults) };
    });
    let rejected = 0;
    fc.assert(
      fc.property(fc.nat({ max: cases.length - 1 }), fc.array(fc.tuple(fc.nat(), fc.anything()), { minLength: 1, maxLength: 4 }), fc.dictionary(fc.string(), fc.anything(), { maxKeys: 2 }), (i, changes, extra) => {
        const { precompiled, compiled, defaults, paths } = cases[i]!;
        // The defaults with random values at some of their leaves (nested pools, labels, sizes...), and random keys.
        const input = { ...structuredClone(defaults), ...extra };
        for (const [pick, value] of changes) setAt(input, paths[pick % paths.length]!, value);
        const expected = outcome(compiled, input);
        if (!expected.valid) rejected++;
        expect(outcome(precompiled, input)).toEqual(expected);
      }),
      { numRuns: 300 },
    );
    expect(rejected).toBeGreaterThan(100);
  });

  test.each(ruleSchemas)("rule %s: the shipped options validator agrees with a fresh compile", (_name, schema) => {
    const precompiled = shipped("rule-options", schema);
    const compiled = fresh("rule-options", schema);
    for (const input of [{}, { unknown: 1 }, null, [], "text"]) expect(outcome(precompiled, input)).toEqual(outcome(compiled, input));
  });
});

test("a schema not in the build's output (edited, or a new blueprint's) is compiled at run time", () => {
  const schema = { type: "object", properties: { size: { type: "integer", minimum: 1, default: 3, description: "nodes" } }, additionalProperties: false };
  expect(shippedSchemaValidator(schemaDigest("params", schema))).toBeUndefined();
  expect(shippedSchemaValidator("../../package")).toBeUndefined(); // a digest is hex: never a path
  const validate = schemaValidator("params", schema);
  const data: Record<string, unknown> = {};
  expect(validate(data)).toBe(true);
  expect(data).toEqual({ size: 3 });
  expect(validate({ size: 0 })).toBe(false);
  expect(schemaValidator("params", schema)).toBe(validate); // once per process
});

test("the digest names the flavour and every byte of the schema", () => {
  const schema = { type: "object", properties: { a: { type: "string" } } };
  expect(schemaDigest("params", schema)).toBe(schemaDigest("params", structuredClone(schema)));
  expect(schemaDigest("params", schema)).not.toBe(schemaDigest("rule-options", schema));
  expect(schemaDigest("params", schema)).not.toBe(schemaDigest("params", { ...schema, required: ["a"] }));
});
