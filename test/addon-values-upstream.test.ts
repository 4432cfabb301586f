/**
 * The Helm values each add-on sets are keys its chart has at the pinned version: a misspelt or renamed key is silently
 * ignored by Helm, so the catalog is held to the chart's values.yaml. The key paths come from the chart's own
 * values.yaml at that tag (test/fixtures/upstream-values/<chart>-<version>.json, derived by
 * scripts/derive-values-keys.mjs, each with its source); a catalog bump that changes the version needs the new list.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { parseAllDocuments } from "yaml";
import { loadBlueprint } from "../src/blueprints/load.js";
import { loadCatalog } from "../src/catalog/load.js";
import { renderBlueprint } from "../src/render-blueprint.js";
import { switchedOn } from "./helpers/addon-settings.js";
import { fixturesDir, paramsFixtures } from "./helpers/fixtures.js";

/** Charts whose values.yaml at the pinned version this repository has no derived key list of yet, and why. */
const NOT_DERIVED: Record<string, string> = {
  "envoy-gateway": "the gateway-helm chart's values.yaml was not in the upstream snapshot read for the catalog (only gateway-crds-helm)",
  "nvidia-device-plugin": "NVIDIA/k8s-device-plugin was not in the upstream snapshot read for the catalog",
};

const catalog = loadCatalog();
const chartAddons = [...catalog.addons.values()].filter((addon) => addon.chart);

/** Every key path of a values object; a list or scalar ends a path. */
function valuePaths(values: unknown, prefix = ""): string[] {
  if (values === null || typeof values !== "object" || Array.isArray(values)) return [];
  return Object.entries(values).flatMap(([key, child]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    return [path, ...valuePaths(child, path)];
  });
}

describe.each(chartAddons.map((addon) => [addon.name, addon] as const))("add-on %s: the Helm values it sets are keys of its chart", (name, addon) => {
  const file = join(fixturesDir, "upstream-values", `${addon.chart!.name}-${addon.chart!.version}.json`);

  test.skipIf(name in NOT_DERIVED)("every key it sets, in every blueprint that offers it, is in the chart's values.yaml at the pinned version", async () => {
    expect(existsSync(file), `derive ${file} with scripts/derive-values-keys.mjs from ${addon.chart!.name} ${addon.chart!.version}'s values.yaml (or say in NOT_DERIVED why not)`).toBe(true);
    const upstream = JSON.parse(readFileSync(file, "utf8")) as { source: string; paths: string[]; open: string[] };
    expect(upstream.source.length).toBeGreaterThan(20);
    const known = new Set(upstream.paths);
    let checked = 0;
    // Every valid fixture (both engines, each blueprint's variants) that may run it: switched on where it is a switch,
    // as the fixture has it where its blueprint binds it to a parameter.
    for (const fixture of paramsFixtures("valid")) {
      const offer = loadBlueprint(fixture.blueprint).offeredAddons.get(name);
      if (!offer) continue;
      const switches = offer.when === undefined ? { [name]: switchedOn(addon), ...Object.fromEntries((addon.dependsOn ?? []).map((dependency) => [dependency, switchedOn(catalog.addons.get(dependency)!)])) } : {};
      const params = { ...fixture.params, addons: { ...((fixture.params.addons as object) ?? {}), ...switches } };
      let tree;
      try {
        ({ tree } = await renderBlueprint(fixture.blueprint, { values: params }, { toolVersion: "0.0.0-test" }));
      } catch {
        continue; // it may not run with this fixture (another engine, an add-on it excludes)
      }
      const objects = [...tree].flatMap(([path, content]) => (path.endsWith(".yaml") && content.includes(`name: ${name}`) ? parseAllDocuments(content).map((document) => document.toJS()) : []));
      const release = objects.find((object) => object?.kind === "HelmRelease" && object.metadata?.name === name)?.spec?.values;
      const application = objects.find((object) => object?.kind === "Application" && object.metadata?.name === name)?.spec?.source?.helm?.valuesObject;
      const values = release ?? application;
      if (values === undefined) continue;
      checked++;
      const unknown = valuePaths(values).filter((path) => !known.has(path) && !upstream.open.some((open) => path.startsWith(`${open}.`)));
      expect(unknown, `${fixture.name}: values of ${name} that ${addon.chart!.name} ${addon.chart!.version} does not have (${upstream.source})`).toEqual([]);
    }
    expect(checked, `${name}: no valid fixture rendered its HelmRelease or Application`).toBeGreaterThan(0);
  });
});

test("every chart add-on without a derived key list says why", () => {
  for (const addon of chartAddons) {
    const file = join(fixturesDir, "upstream-values", `${addon.chart!.name}-${addon.chart!.version}.json`);
    expect(existsSync(file) || addon.name in NOT_DERIVED, `${addon.name}: derive ${file} or list it in NOT_DERIVED with the reason`).toBe(true);
  }
});
