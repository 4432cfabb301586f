import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { parse as parseYaml, parseAllDocuments } from "yaml";
import { blueprintIds } from "../src/blueprints/registry.js";
import { loadBlueprint } from "../src/blueprints/load.js";
import { loadCatalog } from "../src/catalog/load.js";
import { renderArgoSharedBases, renderSharedBases } from "../src/fleet/shared-bases.js";
import { WORKLOAD_BASES_DIR, canonicalWorkloads, isWorkloadBasePath, jsonPatch, renderWorkloadBases, workloadBaseDirOf } from "../src/fleet/workload-bases.js";
import { renderBlueprint } from "../src/render-blueprint.js";
import { tempDir } from "./helpers/cli.js";
import { paramsFixtures } from "./helpers/fixtures.js";
import { kustomize, kustomizeAvailable } from "./helpers/fleet-builds.js";

const catalog = loadCatalog();
const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function writeFiles(dir: string, files: Iterable<[string, string]>): void {
  for (const [path, content] of files) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
}

/** The objects a build gives, sorted by identity, compared as data (a patched object's keys come in kustomize's order). */
async function built(dir: string, path: string): Promise<Array<Record<string, any>>> {
  const objects = parseAllDocuments(await kustomize(dir, path)).map((doc) => doc.toJS()).filter(Boolean) as Array<Record<string, any>>;
  const key = (object: Record<string, any>) => `${object.apiVersion}/${object.kind}/${object.metadata?.namespace ?? ""}/${object.metadata?.name}`;
  return objects.sort((a, b) => key(a).localeCompare(key(b)));
}

/** A repository holding one render of a cluster and every shared base it may list. */
function repository(tree: Iterable<[string, string]>, blueprint: string): string {
  const dir = tempDir();
  dirs.push(dir);
  writeFiles(dir, [...renderSharedBases(catalog), ...renderArgoSharedBases(catalog), ...renderWorkloadBases(blueprint), ...tree]);
  return dir;
}

/** Every valid fixture (each blueprint with each engine, and with the parameters that change its workloads) and each blueprint's defaults in both engines. */
const cases = [
  ...paramsFixtures("valid").map((fixture) => ({ name: fixture.name, blueprint: fixture.blueprint, params: fixture.params as Record<string, unknown> })),
  ...blueprintIds().flatMap((blueprint) => ["flux", "argo"].map((gitops) => ({ name: `${blueprint}-defaults-${gitops}`, blueprint, params: { gitops } as Record<string, unknown> }))),
];

describe("the workload bases are each blueprint's alone", () => {
  test.each(blueprintIds())("%s: one base per workload of its default render, its files as rendered, with a kustomization listing them", (blueprint) => {
    const bases = new Map(renderWorkloadBases(blueprint));
    const workloads = canonicalWorkloads(loadBlueprint(blueprint));
    for (const [workload, files] of workloads) {
      const dir = workloadBaseDirOf(blueprint, workload);
      expect(parseYaml(bases.get(`${dir}/kustomization.yaml`)!).resources).toEqual([...files.keys()].sort());
      for (const [path, content] of files) expect(bases.get(`${dir}/${path}`)).toBe(content);
    }
    expect([...bases.keys()].every((path) => path.startsWith(`${WORKLOAD_BASES_DIR}${blueprint}/`))).toBe(true);
  });

  test("the same bytes for both engines and any cluster name: rendered from the blueprint alone", () => {
    for (const blueprint of blueprintIds()) expect(renderWorkloadBases(blueprint)).toEqual(renderWorkloadBases(blueprint));
    const total = blueprintIds().reduce((sum, blueprint) => sum + canonicalWorkloads(loadBlueprint(blueprint)).size, 0);
    expect(total).toBeGreaterThan(0);
  });
});

describe("jsonPatch: the operations that make one object into another", () => {
  test("maps key by key, lists item by item where their lengths agree and whole otherwise, keys escaped", () => {
    expect(jsonPatch({ a: 1, b: { c: [1, 2] }, "x/y": "p" }, { a: 1, b: { c: [1, 3] }, "x/y": "q", d: 4 })).toEqual([
      { op: "replace", path: "/b/c/1", value: 3 },
      { op: "replace", path: "/x~1y", value: "q" },
      { op: "add", path: "/d", value: 4 },
    ]);
    expect(jsonPatch({ l: [1, 2], gone: true }, { l: [1] })).toEqual([{ op: "remove", path: "/gone" }, { op: "replace", path: "/l", value: [1] }]);
    expect(jsonPatch({ a: [1] }, { a: [1] })).toEqual([]);
  });
});

describe.skipIf(!kustomizeAvailable)("a cluster of a fleet builds its workloads from its blueprint's bases: the objects of its own copies", () => {
  test.each(cases.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
    const values = { ...c.params, clusterName: "c2" };
    const single = await renderBlueprint(c.blueprint, { values });
    const alone = repository(single.tree, c.blueprint);
    const first = await renderBlueprint(c.blueprint, { values }, { environment: "production" });
    const added = await renderBlueprint(c.blueprint, { values }, { root: "fleet/c2/", environment: "staging" });
    const workloads = [...single.tree.keys()].filter((path) => /^apps\/[^/]+\/kustomization\.yaml$/.test(path));
    const expected = await built(alone, "apps");
    for (const [tree, root] of [[first.tree, ""], [added.tree, "fleet/c2/"]] as const) {
      // The cluster's copies of what the base holds are gone: its workload folders list the base.
      for (const path of workloads) {
        const workload = path.split("/")[1]!;
        if (!canonicalWorkloads(single.blueprint).has(workload)) continue;
        expect(parseYaml(tree.get(`${root}${path}`)!).resources[0]).toMatch(new RegExp(`${workloadBaseDirOf(c.blueprint, workload)}$`));
      }
      expect(await built(repository(tree, c.blueprint), `${root}apps`)).toEqual(expected);
    }
    // The first cluster's render holds its blueprint's bases, an added cluster's none; alone, none.
    expect(new Map([...first.tree].filter(([path]) => isWorkloadBasePath(path)))).toEqual(new Map(renderWorkloadBases(c.blueprint)));
    expect([...added.tree.keys()].filter(isWorkloadBasePath)).toEqual([]);
    expect([...single.tree.keys()].filter((path) => path.startsWith("environments/"))).toEqual([]);
  });
});
