import { describe, expect, test } from "vitest";
import { parse as parseYaml } from "yaml";
import { parseMigrations, readCatalogMigrations, readMigrations } from "../src/blueprints/migrations.js";
import { loadBlueprint } from "../src/blueprints/load.js";
import { blueprintIds, readManifest } from "../src/blueprints/registry.js";
import { catalogUnit, readUnitRecord, readVersionRecord } from "../src/blueprints/versions.js";
import { loadCatalog } from "../src/catalog/load.js";
import { PRE_CATALOG_VERSION, parseAnswersFile } from "../src/generator/answers.js";
import { catalogVersionChange } from "../src/update/plan.js";
import { BlueprintError } from "../src/errors.js";
import { parseParams } from "../src/params/parse.js";
import { migrateAnswersParams, migrateParams } from "../src/update/migrate.js";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "./helpers/cli.js";
import { cloneRelease, releaseCases } from "./helpers/release-fixtures.js";

/**
 * Answers files migrate by declared steps (blueprints/<id>/migrations.yaml): rename, move, default change, remove,
 * each under an optional condition, applied for every version between the recorded one and this one.
 */
const steps = parseMigrations(
  parseYaml(`
- version: 1.1.0
  steps:
    - rename: gpuPool.type
      to: nodeType
      why: Scaleway calls it a node type
    - move: cni
      to: network.cni
      why: network settings are grouped
- version: 1.2.0
  steps:
    - default: kubernetesVersion
      from: "1.34"
      to: "1.35"
      when: { autoUpgrade.enabled: true }
      why: 1.34 leaves support
    - remove: legacyFlag
      why: gone
`),
  "test",
);

describe("migrateParams", () => {
  const recorded = { gpuPool: { type: "L4-1-24G", size: 1 }, cni: "cilium", kubernetesVersion: "1.34", autoUpgrade: { enabled: true }, legacyFlag: true };

  test("applies every version after the recorded one up to the target, in order, and says what each step did", () => {
    const { params, applied } = migrateParams(recorded, steps, "1.0.0", "1.2.0");
    expect(params).toEqual({ gpuPool: { nodeType: "L4-1-24G", size: 1 }, network: { cni: "cilium" }, kubernetesVersion: "1.35", autoUpgrade: { enabled: true } });
    expect(applied.map((step) => step.text)).toEqual([
      "gpuPool.type renamed to gpuPool.nodeType: Scaleway calls it a node type",
      "cni moved to network.cni: network settings are grouped",
      'kubernetesVersion: "1.34" -> "1.35": 1.34 leaves support',
      "legacyFlag removed (was true): gone",
    ]);
    expect(recorded.gpuPool).toEqual({ type: "L4-1-24G", size: 1 }); // the input is left as it was
  });

  test("only the versions in between: from 1.1.0, the 1.1.0 steps are done already; up to 1.1.0, 1.2.0's are not due", () => {
    expect(migrateParams(recorded, steps, "1.1.0", "1.2.0").applied.map((step) => step.version)).toEqual(["1.2.0", "1.2.0"]);
    expect(migrateParams(recorded, steps, "1.0.0", "1.1.0").applied.map((step) => step.version)).toEqual(["1.1.0", "1.1.0"]);
  });

  test("a default step changes only the old default, and only where its condition holds; a step on an absent parameter does nothing", () => {
    expect(migrateParams({ ...recorded, kubernetesVersion: "1.33" }, steps, "1.1.0", "1.2.0").params.kubernetesVersion).toBe("1.33");
    expect(migrateParams({ ...recorded, autoUpgrade: { enabled: false } }, steps, "1.1.0", "1.2.0").params.kubernetesVersion).toBe("1.34");
    expect(migrateParams({}, steps, "1.0.0", "1.2.0")).toEqual({ params: {}, applied: [] });
  });

  test("a __proto__ key in a path stays a plain key", () => {
    const [entry] = parseMigrations([{ version: "1.1.0", steps: [{ move: "a", to: "b.c", why: "x" }] }], "test");
    const { params } = migrateParams(JSON.parse('{"a": 1, "b": {"__proto__": {"polluted": true}}}'), [entry!], "1.0.0", "1.1.0");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((params.b as Record<string, unknown>).c).toBe(1);
  });
});

describe("parseMigrations", () => {
  test("every problem is named with where it is", () => {
    const error = (() => {
      try {
        parseMigrations([{ version: "1.1", steps: [{ rename: "a.b", why: "" }, { move: "x", to: "y", why: "ok", extra: 1 }, { default: "k", why: "w" }, { rename: "a", remove: "b", why: "w" }] }], "blueprints/x/migrations.yaml");
      } catch (e) {
        return e as BlueprintError;
      }
    })();
    expect(error).toBeInstanceOf(BlueprintError);
    expect(error!.problems).toEqual([
      "[0].version: a version such as 1.1.0",
      "[0].steps[0].why: say why, in a sentence (plan shows it)",
      "[0].steps[0].to: the new key name (one segment)",
      "[0].steps[1].extra: not a field of a move step",
      '[0].steps[2]: a default step has "from" (the old default) and "to"',
      "[0].steps[3]: exactly one of rename, move, default, remove",
    ]);
  });
});

describe.each(blueprintIds())("blueprint %s:", (id) => {
  test("its migrations file parses, and every answers file of a kept release migrates to parameters this version accepts", () => {
    const migrations = readMigrations(id);
    const blueprint = loadBlueprint(id);
    const shipped = readManifest(id).version;
    const versions = Object.keys(readVersionRecord(id));
    for (const fixture of releaseCases().filter((c) => c.blueprint === id)) {
      const answers = parseYaml(readFileSync(join(cloneRelease(fixture, tempDir("ccr-migrations-")), "cluster-repo.yaml"), "utf8")) as {
        blueprintVersion: string;
        gitops: string;
        params: Record<string, unknown>;
      };
      expect(versions, `${fixture.name}: the version it recorded is in versions.json`).toContain(answers.blueprintVersion);
      const migrated = migrateParams(answers.params, migrations, answers.blueprintVersion, shipped);
      const parsed = parseParams({ values: { ...migrated.params, gitops: answers.gitops } }, blueprint);
      expect(parsed.errors, `${fixture.name} migrated from ${answers.blueprintVersion}`).toBeUndefined();
    }
  });
});

describe("the add-on catalog's migrations (addons/migrations.yaml)", () => {
  const catalogSteps = parseMigrations(
    parseYaml(`
- version: 1.1.0
  steps:
    - rename: addons.gpu-operator.values.dcgm
      to: dcgmExporter
      why: the chart calls it dcgmExporter
    - default: addons.monitoring.enabled
      from: false
      to: true
      why: every cluster should have metrics
`),
    "addons/migrations.yaml",
  );

  test("add-on paths (with dashes) migrate after the blueprint's steps, and say they are the catalog's", () => {
    const recorded = { gpuPool: { type: "x" }, addons: { "gpu-operator": { values: { dcgm: { enabled: true } } }, monitoring: { enabled: false } } };
    const { params, applied } = migrateAnswersParams(recorded, { migrations: steps, from: "1.0.0", to: "1.1.0" }, { migrations: catalogSteps, from: PRE_CATALOG_VERSION, to: "1.1.0" });
    expect(params).toEqual({ gpuPool: { nodeType: "x" }, addons: { "gpu-operator": { values: { dcgmExporter: { enabled: true } } }, monitoring: { enabled: true } } });
    expect(applied.map((step) => [step.source ?? "blueprint", step.text])).toEqual([
      ["blueprint", "gpuPool.type renamed to gpuPool.nodeType: Scaleway calls it a node type"],
      ["catalog", "add-on catalog 1.1.0: addons.gpu-operator.values.dcgm renamed to addons.gpu-operator.values.dcgmExporter: the chart calls it dcgmExporter"],
      ["catalog", "add-on catalog 1.1.0: addons.monitoring.enabled: false -> true: every cluster should have metrics"],
    ]);
    // Recorded at the catalog's version: its steps are done already.
    expect(migrateAnswersParams(recorded, undefined, { migrations: catalogSteps, from: "1.1.0", to: "1.1.0" }).applied).toEqual([]);
  });

  test("the shipped file parses, and leads to versions the catalog recorded", () => {
    const versions = Object.keys(readUnitRecord(catalogUnit));
    expect(versions).toContain(loadCatalog().version);
    for (const entry of readCatalogMigrations()) expect(versions, `addons/migrations.yaml leads to ${entry.version}`).toContain(entry.version);
  });

  test("an answers file from before the catalog reads as catalog 0.0.0; one from a newer catalog is refused", () => {
    const answers = parseAnswersFile("tool: create-cluster-repo\ntoolVersion: 0.1.0\nblueprint: kapsule-gpu\nblueprintVersion: 1.0.0\ngitops: flux\nparams: {}\n");
    expect(catalogVersionChange(answers, "1.0.0")).toEqual({ from: PRE_CATALOG_VERSION, to: "1.0.0" });
    expect(() => catalogVersionChange({ ...answers, catalogVersion: "9.0.0" }, "1.0.0")).toThrow(/records the add-on catalog 9\.0\.0, newer than the 1\.0\.0/);
    expect(() => parseAnswersFile("tool: create-cluster-repo\ntoolVersion: 0.1.0\nblueprint: kapsule-gpu\nblueprintVersion: 1.0.0\ncatalogVersion: latest\ngitops: flux\nparams: {}\n")).toThrow(/"catalogVersion" must be a version/);
  });
});
