/**
 * A CRD's openAPIV3Schema read as the API server reads it (src/validators/kubernetes/crd-schema.ts), through --crd:
 * null is "unset" for an optional field and a map value, refused for a required one unless nullable; int-or-string,
 * OpenAPI 3.0's boolean exclusive bounds and embedded resources.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { crdSchemaToJsonSchema } from "../src/validators/kubernetes/crd-schema.js";
import { createKubernetesValidator } from "../src/validators/kubernetes/index.js";
import { tempDir } from "./helpers/cli.js";

const dir = tempDir("ccr-crd-schema-");
writeFileSync(
  join(dir, "crd.yaml"),
  `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: jobs.batch.example.com}
spec:
  group: batch.example.com
  names: {kind: Job, plural: jobs}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              required: [image, parallelism]
              properties:
                image: {type: string, description: required, so never null}
                parallelism: {type: integer, nullable: true}
                labels: {type: object, additionalProperties: {type: string}}
                maxUnavailable: {x-kubernetes-int-or-string: true, anyOf: [{type: integer}, {type: string}]}
                ratio: {type: number, minimum: 0, exclusiveMinimum: true, maximum: 1}
                template: {type: object, x-kubernetes-embedded-resource: true, properties: {spec: {type: object}}}
                mode: {type: string, enum: [fast, safe]}
`,
);

async function check(spec: string, strict = true) {
  const validator = await createKubernetesValidator({ crdFiles: [join(dir, "crd.yaml")], strict });
  const [result] = await validator.validateFile({ path: "job.yaml", content: `apiVersion: batch.example.com/v1\nkind: Job\nmetadata: {name: j}\nspec:\n${spec}` });
  return result?.problems.map((problem) => problem.message) ?? ["no result"];
}

describe("CRD schemas as the API server reads them", () => {
  test("an optional field or a map value left null is unset; a required one is refused unless nullable", async () => {
    expect(await check("  image: app\n  parallelism:\n  labels: {a: null}\n  mode:\n  maxUnavailable:\n")).toEqual([]);
    expect(await check("  image:\n  parallelism: 1\n")).toEqual(["spec.image must be string"]);
  });

  test("int-or-string takes both and nothing else; exclusive bounds hold", async () => {
    expect(await check("  image: a\n  parallelism: 1\n  maxUnavailable: 25%\n  ratio: 0.5\n")).toEqual([]);
    expect(await check("  image: a\n  parallelism: 1\n  maxUnavailable: 2\n")).toEqual([]);
    expect(await check("  image: a\n  parallelism: 1\n  maxUnavailable: [1]\n  ratio: 0\n")).toEqual(["spec.maxUnavailable must be integer or string", "spec.ratio must be > 0"]);
  });

  test("an embedded resource may carry apiVersion, kind and metadata in strict mode; other unknown fields are refused", async () => {
    expect(await check("  image: a\n  parallelism: 1\n  template: {apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {}}\n")).toEqual([]);
    expect(await check("  image: a\n  parallelism: 1\n  template: {spec: {}, extra: 1}\n")).toEqual(['spec.template: unknown field "extra"']);
  });

  test("the conversion drops prose and defaults, keeps constraints and markers", () => {
    const converted = crdSchemaToJsonSchema({
      type: "object",
      description: "prose",
      required: ["a"],
      properties: {
        a: { type: "string", pattern: "^x", default: "x", "x-kubernetes-validations": [{ rule: "self != ''" }] },
        b: { type: "integer", minimum: 1, exclusiveMinimum: false, description: "prose" },
        description: { type: "string" },
      },
    });
    // `a` has a default: the API server fills it in before it validates, so it is never missing.
    expect(converted).toEqual({
      type: "object",
      properties: {
        a: { type: "string", pattern: "^x", "x-kubernetes-validations": [{ rule: "self != ''" }] },
        b: { type: ["integer", "null"], minimum: 1 },
        description: { type: ["string", "null"] },
      },
    });
  });

  test("a oneOf branch tells its case apart by a defaulted field as if the default were written", () => {
    const converted = crdSchemaToJsonSchema({
      type: "object",
      oneOf: [{ properties: { mode: { enum: ["A"] } } }, { properties: { mode: { not: { enum: ["A"] } } } }, { required: ["mode", "size"] }],
      properties: { mode: { type: "string", default: "A" }, size: { type: "integer" } },
    });
    // The first branch holds for the default: unchanged. The second fails for it: only a written mode can match.
    // The third no longer needs mode (always there once defaulted), still size.
    // (An optional field may be null: the enum takes it.)
    expect(converted.oneOf).toEqual([{ properties: { mode: { enum: ["A", null] } } }, { properties: { mode: { not: { enum: ["A"] } } }, required: ["mode"] }, { required: ["size"] }]);
  });

  test("a default a branch's schema cannot be judged on (a pattern) leaves the branch as written", () => {
    const converted = crdSchemaToJsonSchema({
      type: "object",
      anyOf: [{ properties: { host: { pattern: "^[a-z]+$" } } }],
      properties: { host: { type: "string", default: "local" } },
    });
    expect(converted.anyOf).toEqual([{ properties: { host: { pattern: "^[a-z]+$" } } }]);
    expect(converted.required).toBeUndefined();
  });

  test("the IP address formats the API server checks become patterns; other formats stay annotations", () => {
    const converted = crdSchemaToJsonSchema({
      type: "object",
      properties: { v4: { type: "string", format: "ipv4" }, v6: { type: "string", format: "ipv6", pattern: "^f" }, when: { type: "string", format: "date-time" } },
    });
    const properties = converted.properties as Record<string, Record<string, unknown>>;
    const matches = (pattern: unknown, text: string) => new RegExp(String(pattern).replace("(?i)", ""), "i").test(text);
    expect(matches(properties.v4!.pattern, "192.0.2.1")).toBe(true);
    expect(matches(properties.v4!.pattern, "192.0.2.300")).toBe(false);
    expect(properties.v6!.pattern).toBe("^f");
    const v6 = (properties.v6!.allOf as Record<string, unknown>[])[0]!.pattern;
    expect(matches(v6, "2001:db8::1")).toBe(true);
    expect(matches(v6, "2001:db8:::1")).toBe(false);
    expect(properties.when!.pattern).toBeUndefined();
  });
});
