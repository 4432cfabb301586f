/**
 * Schemas compiled at run time (schema locations, CRD files) share their object subschemas between kinds: one
 * compiler generates the code of kubeconform's inlined PodTemplateSpec, ObjectMeta, Container... once, whichever kinds
 * carry them. The errors must stay exactly those of a plain Ajv compile of each whole schema, on random documents.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv, type ErrorObject } from "ajv";
import fc from "fast-check";
import { describe, expect, test, vi } from "vitest";
import { AJV_OPTIONS, createCompiler, strictSchema, withoutDocumentation } from "../src/validators/kubernetes/compile.js";
import type { JsonSchema } from "../src/validators/kubernetes/embedded.js";
import { violations } from "../src/validators/kubernetes/problems.js";
import { createSubschemaPool, POOL_PREFIX } from "../src/validators/kubernetes/shared-subschemas.js";
import { sharedDir } from "./helpers/fixtures.js";

/** Characters of validator code generated, counted where the safety check sees each function before it runs. */
const generated = vi.hoisted(() => ({ chars: 0 }));
vi.mock("../src/validators/kubernetes/schema-safety.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../src/validators/kubernetes/schema-safety.js")>();
  return {
    ...real,
    checkGeneratedCode: (code: string, source: string) => {
      generated.chars += code.length;
      return real.checkGeneratedCode(code, source);
    },
  };
});

const kubernetesDir = join(sharedDir, "schemas", "kubernetes", "v1.32.2-standalone-strict");
const crdDir = join(sharedDir, "schemas", "crds");
const haveSchemas = existsSync(kubernetesDir) && existsSync(crdDir);
const read = (file: string) => JSON.parse(readFileSync(file, "utf8")) as JsonSchema;
const kubernetes = (kind: string) => read(join(kubernetesDir, `${kind}.json`));

/** The kinds that carry a PodSpec (kubeconform inlines it in each). */
const POD_KINDS = ["deployment-apps-v1", "job-batch-v1", "cronjob-batch-v1", "statefulset-apps-v1", "daemonset-apps-v1", "replicationcontroller-v1", "pod-v1"];

describe("a subschema pool", () => {
  const big = (field: string) => ({ type: "object", properties: Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`${field}${i}`, { type: "string", maxLength: 63 }])) });

  test("an object subschema two schemas have becomes one entry, added by the first schema only", () => {
    const pool = createSubschemaPool(() => true);
    const first = pool.split({ type: "object", properties: { spec: big("a"), other: { type: "string" } } })!;
    const second = pool.split({ type: "object", properties: { template: { type: "array", items: big("a") } } })!;
    expect(first.added).toHaveLength(1);
    expect(second.added).toEqual([]);
    const ref = (first.root.properties as Record<string, JsonSchema>).spec;
    expect(ref).toEqual({ $ref: first.added[0]![0] });
    expect(((second.root.properties as Record<string, JsonSchema>).template as JsonSchema).items).toEqual(ref);
    expect(pool.size).toBe(1);
  });

  test("the same fields in another order are another entry (their errors come in another order)", () => {
    const pool = createSubschemaPool(() => true);
    const reversed = { type: "object", properties: Object.fromEntries(Object.entries(big("a").properties).reverse()) };
    pool.split({ properties: { x: big("a") } });
    expect(pool.split({ properties: { x: reversed } })!.added).toHaveLength(1);
  });

  test("a schema with references or scopes is not split, nor one the caller refuses; a field named id is split", () => {
    const pool = createSubschemaPool((schema) => !("refuse" in schema));
    expect(pool.split({ properties: { x: big("a"), y: { $ref: "#/properties/x" } } })).toBeUndefined();
    expect(pool.split({ id: "http://example.com/s", properties: { x: big("a") } })).toBeUndefined();
    expect(pool.split({ properties: { x: { $ref: `${POOL_PREFIX}0` } } })).toBeUndefined();
    expect(pool.split({ refuse: true, properties: { x: big("a") } })).toBeUndefined();
    expect(pool.split({ properties: { id: { type: "string" }, x: big("b") } })!.added).toHaveLength(1);
  });
});

describe.skipIf(!haveSchemas)("kinds compiled by one compiler (kubeconform's schema files)", () => {
  /** A plain Ajv compile of the whole schema, as the compiler prepares it (no documentation, no draft-04 $schema). */
  const plain = new Ajv({ ...AJV_OPTIONS });
  const reference = (schema: JsonSchema) => {
    const { $schema: _ignored, ...rest } = withoutDocumentation(schema) as JsonSchema;
    return plain.compile(rest);
  };
  const shown = (errors: readonly ErrorObject[] | null | undefined) => (errors ?? []).map(({ instancePath, keyword, params }) => ({ instancePath, keyword, params }));

  // Fails on code that compiles each kind whole: there, seven pod-carrying kinds generate about seven times the code.
  test("seven kinds that carry a PodSpec generate less than twice the code of a Deployment alone", async () => {
    generated.chars = 0;
    await createCompiler()(kubernetes("deployment-apps-v1"), "deployment");
    const alone = generated.chars;
    generated.chars = 0;
    const compile = createCompiler();
    for (const kind of POD_KINDS) await compile(kubernetes(kind), kind);
    expect(alone).toBeGreaterThan(10_000);
    expect(generated.chars).toBeLessThan(2 * alone);
  });

  test("a pattern RE2 cannot run is reported by every schema that has it, at each place (such schemas compile whole)", async () => {
    const withPattern = { type: "object", properties: Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`f${i}`, { type: "string", pattern: "^(?!x)" }])) };
    const compile = createCompiler();
    const first = await compile({ type: "object", properties: { a: withPattern, b: withPattern } }, "first");
    const second = await compile({ type: "object", properties: { c: withPattern } }, "second");
    expect(first.patternFailures).toHaveLength(24);
    expect(second.patternFailures).toHaveLength(12);
  });

  test("a kind compiled after another it shares subschemas with is cached whole: a later run loads it, same errors", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ccr-shared-subschemas-"));
    try {
      const first = createCompiler({ compiledCacheDir: dir });
      await first(kubernetes("deployment-apps-v1"), "deployment");
      const compiled = await first(kubernetes("job-batch-v1"), "job");
      generated.chars = 0;
      const loaded = await createCompiler({ compiledCacheDir: dir })(kubernetes("job-batch-v1"), "job");
      expect(generated.chars).toBe(0); // loaded from the cache, not compiled
      expect(loaded.validate).not.toBe(compiled.validate);
      const expected = reference(kubernetes("job-batch-v1"));
      fc.assert(
        fc.property(documentOf(kubernetes("job-batch-v1")), (document) => {
          expect(loaded.validate(document)).toBe(expected(document));
          expect(shown(loaded.validate.errors)).toEqual(shown(expected.errors));
        }),
        { numRuns: 100, seed: 20261208 },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const schemas: [string, JsonSchema][] = haveSchemas
    ? [
        ...readdirSync(kubernetesDir)
          .filter((file) => file.endsWith(".json") && !file.startsWith("_"))
          .map((file): [string, JsonSchema] => [file, read(join(kubernetesDir, file))]),
        ...readdirSync(crdDir, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name).flatMap((group) => readdirSync(join(crdDir, group)).map((file): [string, JsonSchema] => [`${group}/${file}`, strictSchema(read(join(crdDir, group, file))) as JsonSchema])),
      ]
    : [];

  // One compiler for every kind, in one order: later kinds call entries earlier ones added.
  const shared = createCompiler();
  test.each(schemas)("%s: the same errors in the same order as a plain compile, on random documents", async (_name, schema) => {
    const expected = reference(schema);
    const { validate } = await shared(schema, _name);
    let invalid = 0;
    fc.assert(
      fc.property(documentOf(schema), (document) => {
        const valid = validate(document);
        expect(valid).toBe(expected(document));
        expect(shown(validate.errors)).toEqual(shown(expected.errors));
        expect(violations(validate.errors ?? [], document)).toEqual(violations(expected.errors ?? [], document));
        if (!valid) invalid++;
      }),
      { numRuns: 150, seed: 20261208 },
    );
    expect(invalid).toBeGreaterThan(75);
  });
});

/**
 * Documents shaped by a schema, mostly wrong: one to four random walks down its fields (into array items, map values
 * and anyOf/oneOf/allOf branches too), merged, each ending in a value of the right or a wrong type, an enum value or an
 * object with an unknown field. Walks reach as deep as a container's probe as readily as `metadata`.
 */
function documentOf(schema: JsonSchema): fc.Arbitrary<unknown> {
  return fc.array(walk(schema, 0), { minLength: 1, maxLength: 4 }).map((walks) => walks.reduce(merge));
}

function walk(schema: JsonSchema, depth: number): fc.Arbitrary<unknown> {
  const leaves: fc.Arbitrary<unknown>[] = [fc.constant(null), fc.integer({ min: -5, max: 100_000 }), fc.string({ maxLength: 6 }), fc.boolean(), fc.constant({ "zz-unknown": 1 }), fc.constant([1])];
  if (Array.isArray(schema.enum)) leaves.push(fc.constantFrom(...(schema.enum as unknown[])));
  const leaf = fc.oneof(...leaves);
  if (depth > 16) return leaf;
  const steps: fc.Arbitrary<unknown>[] = [];
  const properties = schema.properties && typeof schema.properties === "object" ? (schema.properties as Record<string, JsonSchema>) : undefined;
  if (properties && Object.keys(properties).length > 0) steps.push(fc.constantFrom(...Object.keys(properties)).chain((name) => walk(properties[name]!, depth + 1).map((value) => ({ [name]: value }))));
  if (schema.items && typeof schema.items === "object") steps.push(walk(schema.items as JsonSchema, depth + 1).map((value) => [value]));
  if (schema.additionalProperties && typeof schema.additionalProperties === "object") steps.push(walk(schema.additionalProperties as JsonSchema, depth + 1).map((value) => ({ key: value })));
  for (const key of ["anyOf", "oneOf", "allOf"]) if (Array.isArray(schema[key])) for (const branch of schema[key] as JsonSchema[]) steps.push(fc.constant(branch).chain((b) => walk(b, depth + 1)));
  return steps.length === 0 ? leaf : fc.oneof({ arbitrary: fc.oneof(...steps), weight: 6 }, { arbitrary: leaf, weight: 1 });
}

/** Two walks as one document: objects merged field by field, array items put side by side. */
function merge(a: unknown, b: unknown): unknown {
  if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
  if (a && b && typeof a === "object" && typeof b === "object" && !Array.isArray(a) && !Array.isArray(b)) {
    const merged: Record<string, unknown> = { ...(a as Record<string, unknown>) };
    for (const [key, value] of Object.entries(b)) merged[key] = key in merged ? merge(merged[key], value) : value;
    return merged;
  }
  return b;
}
