/**
 * The precedence of an add-on's values in a cluster of a fleet (src/fleet/values-layers.ts): properties of the pure
 * function, then kustomize itself building what it says, for both engines, from the texts the render writes.
 */
import { execFile, spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { parseAllDocuments } from "yaml";
import { toYamlDocuments } from "../src/generator/gitops.js";
import { clusterValuesPatchesText, renderOverlayFile, type OverlayEngine } from "../src/fleet/environment-overlay.js";
import { clusterObjectValues, clusterPatchValues, keptOverEnvironment, layeredValues, mergeValuesPatch, valuesPatchConflicts, type Values } from "../src/fleet/values-layers.js";
import { deepMerge } from "../src/params/merge.js";
import { tempDir } from "./helpers/cli.js";

/** Values with few keys (so that layers meet), leaves of every kind YAML and Helm take, nulls and lists included. */
const leaf = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom("x", "y", "on", "0777", ""), fc.boolean(), fc.constant(null), fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 2 }));
const values: fc.Arbitrary<Values> = fc.letrec<{ node: unknown; map: Values }>((tie) => ({
  node: fc.oneof({ depthSize: "small", withCrossShrink: true }, leaf, tie("map")),
  map: fc.dictionary(fc.constantFrom("a", "b", "c"), tie("node"), { maxKeys: 3 }) as fc.Arbitrary<Values>,
})).map as fc.Arbitrary<Values>;

const isMapping = (value: unknown): value is Values => !!value && typeof value === "object" && !Array.isArray(value);
/** Every path to a value that is not a mapping, with the value (an empty mapping says nothing but that one is there). */
const leaves = (value: Values, prefix: string[] = []): Array<[string[], unknown]> =>
  Object.entries(value).flatMap(([key, inner]) => (isMapping(inner) ? leaves(inner, [...prefix, key]) : [[[...prefix, key], inner] as [string[], unknown]]));
const at = (value: unknown, path: string[]): unknown => path.reduce<unknown>((node, key) => (isMapping(node) && Object.hasOwn(node, key) ? node[key] : undefined), value);
/** Does `value` set anything at `path`, at a key on the way to it, or below it? */
/** kustomize builds it: the environment's patch meets no value of another kind in the cluster's object. */
const builds = (defaults: Values, environment: Values, cluster: Values) => valuesPatchConflicts(clusterObjectValues(defaults, cluster), environment).length === 0;
const ends = (value: Values, prefix: string[] = []): string[][] =>
  Object.entries(value).flatMap(([key, inner]) => (isMapping(inner) && Object.keys(inner).length > 0 ? ends(inner, [...prefix, key]) : [[...prefix, key]]));
const touches = (value: Values, path: string[]) => ends(value).some((other) => other.every((key, i) => path[i] === undefined || path[i] === key) || path.every((key, i) => other[i] === key));

describe("layeredValues: defaults, then the environment's, then the cluster's own", () => {
  test("outside a fleet (no environment, no patch), the cluster runs its own object: the defaults with its values over them, as before", () => {
    fc.assert(fc.property(values, values, (defaults, cluster) => {
      expect(layeredValues({ defaults, cluster })).toEqual(deepMerge(defaults, cluster));
    }));
  });

  test("in a fleet whose environment sets nothing, the cluster's patch changes nothing its object does not already say", () => {
    fc.assert(fc.property(values, values, (defaults, cluster) => {
      expect(layeredValues({ defaults, cluster, fleet: true })).toEqual(clusterObjectValues(defaults, cluster));
    }));
  });

  test("once its environment's patch applies, the cluster's own patch meets no value of another kind: it adds no way to fail the build", () => {
    fc.assert(
      fc.property(values, values, values, (defaults, environment, cluster) => {
        fc.pre(builds(defaults, environment, cluster));
        const withEnvironment = mergeValuesPatch(clusterObjectValues(defaults, cluster), environment);
        expect(valuesPatchConflicts(withEnvironment, clusterPatchValues(cluster) ?? {})).toEqual([]);
      }),
    );
  });

  test("every value the cluster sets (but a null) is what runs, whatever its environment sets", () => {
    fc.assert(
      fc.property(values, values, values, (defaults, environment, cluster) => {
        fc.pre(builds(defaults, environment, cluster));
        const result = layeredValues({ defaults, environment, cluster });
        for (const [path, value] of leaves(clusterPatchValues(cluster) ?? {})) expect([path, at(result, path)]).toEqual([path, value]);
      }),
    );
  });

  test("where the cluster says nothing, the environment's value runs (its null removes the key), and elsewhere the defaults'", () => {
    fc.assert(
      fc.property(values, values, values, (defaults, environment, cluster) => {
        fc.pre(builds(defaults, environment, cluster));
        const result = layeredValues({ defaults, environment, cluster });
        for (const [path, value] of leaves(environment)) {
          if (touches(cluster, path)) continue;
          expect([path, at(result, path)]).toEqual([path, value === null ? undefined : value]);
        }
        for (const [path, value] of leaves(defaults)) {
          if (touches(cluster, path) || touches(environment, path)) continue;
          expect([path, at(result, path)]).toEqual([path, value]);
        }
      }),
    );
  });

  test("keptOverEnvironment names exactly the keys both set where the cluster's value is not the environment's", () => {
    fc.assert(
      fc.property(values, values, (environment, cluster) => {
        fc.pre(builds({}, environment, cluster));
        const kept = keptOverEnvironment(environment, cluster);
        for (const { path, environment: theirs, cluster: own } of kept) {
          expect(at(environment, path.split("."))).toEqual(theirs);
          expect(at(clusterPatchValues(cluster), path.split("."))).toEqual(own);
          expect(JSON.stringify(theirs)).not.toBe(JSON.stringify(own));
        }
        // Without those keys, the cluster's patch leaves the environment's values as they were.
        const agreed = kept.reduce<Values>((env, { path, cluster: own }) => mergeValuesPatch(env, path.split(".").reduceRight<Values>((inner, key) => ({ [key]: inner }), own as never)), environment);
        expect(mergeValuesPatch(agreed, clusterPatchValues(cluster) ?? {})).toEqual(mergeValuesPatch(environment, clusterPatchValues(cluster) ?? {}));
      }),
    );
  });

  test("a __proto__ key stays a plain key", () => {
    const patch = JSON.parse('{"__proto__": {"polluted": 1}}') as Values;
    const merged = mergeValuesPatch({}, patch);
    expect(Object.keys(merged)).toEqual(["__proto__"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

const kustomizeAvailable = spawnSync("kubectl", ["version", "--client"], { encoding: "utf8" }).status === 0;
const kustomize = async (path: string) => (await promisify(execFile)("kubectl", ["kustomize", path], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 })).stdout;

/** Each engine's add-on object, holding `values` where the render puts them. */
const OBJECTS: Record<OverlayEngine, (name: string, values: Values) => Record<string, unknown>> = {
  flux: (name, values) => ({ apiVersion: "helm.toolkit.fluxcd.io/v2", kind: "HelmRelease", metadata: { name, namespace: "ns" }, spec: { values } }),
  argo: (name, values) => ({ apiVersion: "argoproj.io/v1alpha1", kind: "Application", metadata: { name, namespace: "argocd" }, spec: { source: { chart: name, helm: { valuesObject: values } } } }),
};
const valuesIn = (object: Record<string, any>) => (object.kind === "HelmRelease" ? object.spec.values : object.spec.source.helm.valuesObject) ?? {};

describe.each(["flux", "argo"] as const)("kustomize builds what layeredValues says (%s), from the overlay and the patches the render writes", (engine) => {
  test.skipIf(!kustomizeAvailable)("for random defaults, environment values and cluster values; and it refuses what valuesPatchConflicts names", async () => {
    const sampled = fc.sample(fc.tuple(values, values, values), { numRuns: 80, seed: 25 });
    const cases = sampled.filter(([defaults, environment, cluster]) => builds(defaults, environment, cluster));
    const refused = sampled.filter(([defaults, environment, cluster]) => !builds(defaults, environment, cluster));
    expect([cases.length, refused.length].every((count) => count >= 10)).toBe(true);
    const dir = tempDir("ccr-values-layers-");
    mkdirSync(join(dir, "environment"));
    mkdirSync(join(dir, "cluster"));
    // Written as the render writes each add-on's object.
    writeFileSync(join(dir, "cluster", "objects.yaml"), toYamlDocuments(cases.map(([defaults, , cluster], i) => OBJECTS[engine](`a${i}`, clusterObjectValues(defaults, cluster)))));
    const environmentValues = new Map(cases.map(([, environment], i) => [`a${i}`, environment] as const).filter(([, environment]) => Object.keys(environment).length > 0));
    writeFileSync(join(dir, "environment", "kustomization.yaml"), renderOverlayFile("qa", { versions: new Map(), values: environmentValues, engines: new Set([engine]) }));
    const own = cases.flatMap(([, , cluster], i) => {
      const patch = clusterPatchValues(cluster);
      return patch ? [{ name: `a${i}`, layer: "infrastructure", values: patch }] : [];
    });
    writeFileSync(join(dir, "cluster", "kustomization.yaml"), `resources: [objects.yaml]\ncomponents: [../environment]\n${clusterValuesPatchesText(engine, own)}`);
    const built = new Map(parseAllDocuments(await kustomize(join(dir, "cluster"))).map((doc) => doc.toJS() as Record<string, any>).map((object) => [object.metadata.name as string, valuesIn(object)]));
    cases.forEach(([defaults, environment, cluster], i) => {
      expect([i, defaults, environment, cluster, built.get(`a${i}`)]).toEqual([i, defaults, environment, cluster, layeredValues({ defaults, environment, cluster, fleet: true })]);
    });
    // A patch that meets a value of another kind fails the whole build: each of a few such cases alone.
    for (const [defaults, environment, cluster] of refused.slice(0, 3)) {
      writeFileSync(join(dir, "cluster", "objects.yaml"), toYamlDocuments([OBJECTS[engine]("a0", clusterObjectValues(defaults, cluster))]));
      writeFileSync(join(dir, "environment", "kustomization.yaml"), renderOverlayFile("qa", { versions: new Map(), values: new Map([["a0", environment]]), engines: new Set([engine]) }));
      writeFileSync(join(dir, "cluster", "kustomization.yaml"), "resources: [objects.yaml]\ncomponents: [../environment]\n");
      await expect(kustomize(join(dir, "cluster"))).rejects.toThrow(/wrong node kind/);
    }
  });
});
