import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { parse as parseYaml, parseAllDocuments } from "yaml";
import { loadBlueprint } from "../src/blueprints/load.js";
import { blueprintIds } from "../src/blueprints/registry.js";
import { loadCatalog } from "../src/catalog/load.js";
import { overlayPathOf, overlayTextAfterRender } from "../src/fleet/environment-overlay.js";
import { baseDirOf, namespaceBaseDirOf, renderArgoSharedBases, renderNamespaceBase, renderSharedBases } from "../src/fleet/shared-bases.js";
import { parseParams } from "../src/params/parse.js";
import { renderBlueprint } from "../src/render-blueprint.js";
import { switchedOnWithDependencies } from "./helpers/addon-settings.js";
import { tempDir } from "./helpers/cli.js";
import { kustomize, kustomizeAvailable } from "./helpers/fleet-builds.js";

const catalog = loadCatalog();
const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function repository(files: Iterable<[string, string]>): string {
  const dir = tempDir();
  dirs.push(dir);
  for (const [path, content] of files) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

async function built(dir: string, path: string): Promise<Array<Record<string, any>>> {
  const objects = parseAllDocuments(await kustomize(dir, path)).map((doc) => doc.toJS()).filter(Boolean) as Array<Record<string, any>>;
  const key = (object: Record<string, any>) => `${object.kind}/${object.metadata?.namespace ?? ""}/${object.metadata?.name}`;
  return objects.sort((a, b) => key(a).localeCompare(key(b)));
}


describe("one Namespace base per add-on, for both engines", () => {
  const charts = [...catalog.addons.values()].filter((addon) => addon.chart);

  test("the Flux base lists it, the Argo CD bases hold it, with the same bytes: one folder, not one per engine", () => {
    const flux = new Map(renderSharedBases(catalog));
    const argo = new Map(renderArgoSharedBases(catalog));
    const owned = charts.filter((addon) => renderNamespaceBase(addon).length > 0);
    expect(owned.length).toBeGreaterThan(0);
    for (const addon of owned) {
      const namespace = `${namespaceBaseDirOf(addon.name)}/namespace.yaml`;
      expect(parseYaml(flux.get(namespace)!)).toMatchObject({ kind: "Namespace", metadata: { name: addon.namespace } });
      expect(argo.get(namespace)).toBe(flux.get(namespace));
      expect(parseYaml(flux.get(`${namespaceBaseDirOf(addon.name)}/kustomization.yaml`)!).resources).toEqual(["namespace.yaml"]);
      expect(parseYaml(flux.get(`${baseDirOf(addon.name)}/kustomization.yaml`)!).resources).toContain("namespace");
      expect(flux.has(`${baseDirOf(addon.name)}/namespace.yaml`)).toBe(false);
    }
  });

  test.each(blueprintIds())("%s: it is the object each engine's single cluster applies, byte for byte", async (blueprint) => {
    for (const gitops of ["flux", "argo"]) {
      const alone = await renderBlueprint(blueprint, { values: { gitops, clusterName: "c1" } });
      const namespaces = alone.context.addonList.filter((addon) => addon.chart && alone.tree.has(`${addon.layer}/${addon.name}/namespace.yaml`));
      for (const addon of namespaces) {
        expect(new Map(renderNamespaceBase(catalog.addons.get(addon.name)!)).get(`${namespaceBaseDirOf(addon.name)}/namespace.yaml`)).toBe(alone.tree.get(`${addon.layer}/${addon.name}/namespace.yaml`));
      }
    }
  });
});

describe.each(blueprintIds())("%s: an Argo CD cluster of a fleet takes its add-ons' Namespaces from their shared base, and applies the objects it applied from its own copies", (blueprint) => {
  const valuesWith = (name: string) => ({ gitops: "argo", clusterName: "c1", repoUrl: "https://github.com/acme/c.git", addons: switchedOnWithDependencies(catalog, name) });
  const offered = [...catalog.addons.values()]
    .filter((addon) => addon.chart && loadBlueprint(blueprint).offeredAddons.has(addon.name))
    .filter((addon) => !parseParams({ values: valuesWith(addon.name) }, loadBlueprint(blueprint)).errors);

  test("some add-on with a chart runs on its Argo CD clusters", () => expect(offered.length).toBeGreaterThan(0));

  test.skipIf(!kustomizeAvailable).each(offered.map((addon) => addon.name))("with %s on", async (name) => {
    const values = valuesWith(name);
    const alone = await renderBlueprint(blueprint, { values });
    const member = await renderBlueprint(blueprint, { values }, { root: "fleet/c1/", environment: "qa" });
    const charts = member.context.addonList.filter((addon) => addon.chart && alone.tree.has(`${addon.layer}/${addon.name}/namespace.yaml`));
    expect(charts.map((addon) => addon.name)).toContain(name);
    for (const addon of charts) {
      const folder = `fleet/c1/${addon.layer}/${addon.name}`;
      expect(member.tree.has(`${folder}/namespace.yaml`)).toBe(false);
      expect(parseYaml(member.tree.get(`${folder}/kustomization.yaml`)!).resources).toContain(`../../../../${namespaceBaseDirOf(addon.name)}`);
    }
    const overlay: [string, string] = [overlayPathOf("qa"), overlayTextAfterRender(undefined, ["qa"], member.context)!];
    const fleet = repository([...member.tree, ...renderArgoSharedBases(catalog), overlay]);
    const single = repository(alone.tree);
    const expected = await built(single, "infrastructure");
    expect(expected.filter((object) => object.kind === "Namespace").length).toBeGreaterThanOrEqual(charts.length);
    expect(await built(fleet, "fleet/c1/infrastructure")).toEqual(expected);
  });
});
