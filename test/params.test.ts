import { describe, expect, test } from "vitest";
import { loadBlueprint } from "../src/blueprints/load.js";
import { parseParams } from "../src/params/parse.js";
import { parseParamPath, parseSetFlag, typeSetValue } from "../src/params/set-flags.js";
import { paramsFixtures } from "./helpers/fixtures.js";

describe("valid parameter fixtures", () => {
  test.each(paramsFixtures("valid").map((f) => [f.name, f] as const))("%s parses", (_name, fixture) => {
    const result = parseParams({ values: fixture.params }, loadBlueprint(fixture.blueprint));
    expect(result.errors).toBeUndefined();
  });
});

describe("invalid parameter fixtures fail with the rule named on their first line", () => {
  test.each(paramsFixtures("invalid").map((f) => [f.name, f] as const))("%s", (_name, fixture) => {
    expect(fixture.rule, "first line must be `# rule: <name>`").toBeTruthy();
    const result = parseParams({ values: fixture.params }, loadBlueprint(fixture.blueprint));
    expect(result.errors).toBeDefined();
    if (fixture.rule === "schema") {
      // Schema errors come before any cross-field rule runs.
      expect(result.errors!.every((line) => !line.includes("[rule:"))).toBe(true);
    } else {
      expect(result.errors!.some((line) => line.endsWith(`[rule: ${fixture.rule}]`))).toBe(true);
    }
    // Every message names a parameter path first: "<dot.path>: what is wrong".
    for (const line of result.errors!) expect(line).toMatch(/^[A-Za-z][\w.[\]-]*: /);
  });
});

describe("--set", () => {
  const blueprint = loadBlueprint("kapsule-gpu");

  test("dotted paths and indexes", () => {
    expect(parseParamPath("gpuPool.size")).toEqual(["gpuPool", "size"]);
    expect(parseParamPath("pools[0].zone")).toEqual(["pools", 0, "zone"]);
    expect(parseParamPath("a[1][2]")).toEqual(["a", 1, 2]);
  });

  test("malformed flags are input errors that show the expected form", () => {
    expect(() => parseSetFlag("gpuPool.size")).toThrow(/expected key=value/);
    expect(() => parseSetFlag("=2")).toThrow(/expected key=value/);
    expect(() => parseSetFlag("gpuPool..size=2")).toThrow(/malformed parameter path/);
    expect(() => parseSetFlag("pools[x].zone=a")).toThrow(/malformed parameter path/);
  });

  test("values are typed by the schema; strings stay exactly as typed", () => {
    expect(typeSetValue("2", { type: "integer" })).toBe(2);
    expect(typeSetValue("true", { type: "boolean" })).toBe(true);
    expect(typeSetValue("0123", { type: "string" })).toBe("0123");
    expect(typeSetValue("a, b", { type: "array", items: { type: "string" } })).toEqual(["a", "b"]);
    expect(typeSetValue("[1, 2]", { type: "array", items: { type: "integer" } })).toEqual([1, 2]);
  });

  test("flags win over the values file, and defaults fill the rest", () => {
    const result = parseParams(
      { values: { gpuPool: { maxSize: 5, size: 1 } }, sets: [parseSetFlag("gpuPool.maxSize=3")] },
      blueprint,
    );
    expect(result.errors).toBeUndefined();
    expect(result.params!.gpuPool).toMatchObject({ maxSize: 3, size: 1, nodeType: "L4-1-24G" });
  });

  test("a wrong type names the flag it came from", () => {
    const result = parseParams({ sets: [parseSetFlag("gpuPool.size=abc")] }, blueprint);
    expect(result.errors).toEqual([expect.stringMatching(/^gpuPool\.size: must be integer \(got "abc"\) \(from --set gpuPool\.size=abc\)/)]);
  });

  test("an unknown parameter suggests the closest name", () => {
    const result = parseParams({ sets: [parseSetFlag("gpuPol.size=2")] }, blueprint);
    expect(result.errors?.[0]).toMatch(/^gpuPol: unknown parameter; did you mean "gpuPool"\?/);
  });

  test("prototype keys are refused", () => {
    expect(() => parseParams({ sets: [parseSetFlag("__proto__.polluted=1")] }, blueprint)).toThrow(/not a parameter name/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("keys named like Object.prototype members", () => {
  const magnum = loadBlueprint("magnum-openstack");

  test("an extra label called constructor is an unknown label (a warning), not 'set by function Object()'", () => {
    const result = parseParams({ values: { extraLabels: { constructor: "x" } } }, magnum);
    expect(result.errors).toBeUndefined();
    expect(result.warnings.join("\n")).toContain("extraLabels.constructor: not a label");
  });

  test("a __proto__ key in a values file stays a key that the schema refuses, and pollutes nothing", () => {
    const values = JSON.parse('{"__proto__": {"clusterName": "injected"}}');
    const result = parseParams({ values }, magnum);
    expect(result.errors?.join("\n")).toMatch(/__proto__/);
    expect(result.params).toBeUndefined();
    expect(({} as Record<string, unknown>).clusterName).toBeUndefined();
  });
});
