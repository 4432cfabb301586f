import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { parse as parseYaml } from "yaml";
import { blueprintIds } from "../src/blueprints/registry.js";
import { loadCatalog } from "../src/catalog/load.js";
import { InputError } from "../src/errors.js";
import { overlayPathOf, parseOverlayFile, promoteOverlay, renderOverlayFile, type Overlay } from "../src/fleet/environment-overlay.js";
import { deepMerge } from "../src/params/merge.js";
import { renderBlueprint } from "../src/render-blueprint.js";
import { runCli, tempDir } from "./helpers/cli.js";
import { builtPaths, git, kustomize, kustomizeAvailable, objectsOf, read } from "./helpers/fleet-builds.js";

const catalog = loadCatalog();
const ids = blueprintIds();
const engines = ["flux", "argo"] as const;

const overlay = (entries: Partial<Overlay>): Overlay => ({ versions: new Map(), values: new Map(), engines: new Set(["flux"]), ...entries });

describe("an environment overlay with values", () => {
  const values: Record<string, unknown> = { resources: { limits: { memory: "321Mi" } }, list: ["on", 1, "0777"], text: "a: b\n# not a comment", "a.b": null };

  test.each([[["flux"]], [["argo"]], [["flux", "argo"]]] as const)("reads back what it was rendered from, for %j", (kinds) => {
    const written = overlay({ versions: new Map([["monitoring", "1.0.0"], ["cert-manager", "v1.2.3"]]), values: new Map([["monitoring", values], ["kueue", { a: 1 }]]), engines: new Set(kinds) });
    const text = renderOverlayFile("staging", written);
    expect(parseOverlayFile(text, "x.yaml")).toEqual(written);
    // Each values patch is a block the team edits, not a quoted line; YAML 1.1 readers (kustomize) read the same strings.
    expect(text).toContain("    patch: |\n");
    expect(text).toContain('- "on"');
    expect(parseYaml(text).patches.filter((entry: { patch: string }) => !entry.patch.startsWith("[")).map((entry: { patch: string }) => parseYaml(entry.patch).kind)).toEqual(
      ["kueue", "monitoring"].flatMap(() => kinds.map((engine) => (engine === "flux" ? "HelmRelease" : "Application"))),
    );
  });

  const valuesPatch = (body: string) => `kind: Component\npatches:\n  - target: {group: helm.toolkit.fluxcd.io, kind: HelmRelease, name: x}\n    patch: |\n${body.split("\n").map((line) => `      ${line}`).join("\n")}\n`;
  test.each([
    ["a values patch that sets more than the values", valuesPatch("apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: x}\nspec: {values: {a: 1}, suspend: true}"), /setting only spec\.values/],
    ["a values patch of another object", valuesPatch("apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: y}\nspec: {values: {a: 1}}"), /must be a HelmRelease x/],
    ["values that are not a mapping", valuesPatch("apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: x}\nspec: {values: [1]}"), /to a mapping of values/],
    ["a merge directive in the values", valuesPatch("apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: x}\nspec: {values: {a: {$patch: delete}}}"), /a\.\$patch would be read by kustomize as a merge directive/],
    [
      "two engines that disagree",
      renderOverlayFile("s", overlay({ values: new Map([["x", { a: 1 }]]), engines: new Set(["flux", "argo"]) })).replace(/(valuesObject:\n\s+a:) 1/, "$1 2"),
      /sets other values than the other engine's/,
    ],
  ])("refuses %s, naming the file and the fix", (_case, text, message) => {
    const refused = (() => {
      try {
        parseOverlayFile(text, "environments/s/addons/kustomization.yaml");
      } catch (error) {
        return error;
      }
    })();
    expect(refused).toBeInstanceOf(InputError);
    expect((refused as Error).message).toMatch(message);
    expect((refused as Error).message).toContain("environments/s/addons/kustomization.yaml");
  });

  test("promote: every add-on the source names takes its version and values (values it does not set go); others stay; patches for the target's engines", () => {
    const target = overlay({ versions: new Map([["a", "1"], ["b", "1"], ["c", "1"]]), values: new Map([["a", { x: 1 }], ["b", { y: 1 }], ["c", { z: 1 }]]) });
    const source = overlay({ versions: new Map([["a", "2"], ["b", "2"]]), values: new Map([["a", { x: 2 }]]), engines: new Set(["argo"]) });
    expect(promoteOverlay(target, source)).toEqual({
      versions: new Map([["a", "2"], ["b", "2"], ["c", "1"]]),
      values: new Map([["a", { x: 2 }], ["c", { z: 1 }]]),
      engines: new Set(["flux"]),
    });
  });
});

describe.each(ids)("%s with Argo CD: the root builds its folder with kustomize only in a fleet", (blueprint) => {
  test("alone, the root reads clusters/<name>/argocd as a directory and there is no kustomization; in a fleet, every file of the folder is listed with the overlay", async () => {
    const alone = (await renderBlueprint(blueprint, { values: { gitops: "argo", clusterName: "c1" } }, {})).tree;
    expect(alone.has("clusters/c1/argocd/kustomization.yaml")).toBe(false);
    expect(parseYaml(alone.get("clusters/c1/argocd/root.yaml")!).spec.source.directory).toEqual({ recurse: true });
    const inFleet = (await renderBlueprint(blueprint, { values: { gitops: "argo", clusterName: "c1" } }, { root: "fleet/c1/", environment: "qa" })).tree;
    const kustomization = parseYaml(inFleet.get("clusters/c1/argocd/kustomization.yaml")!);
    expect(parseYaml(inFleet.get("clusters/c1/argocd/root.yaml")!).spec.source.directory).toBeUndefined();
    expect(kustomization.components).toEqual(["../../../environments/qa/addons"]);
    // apps/ is listed as a folder: its kustomization lists its files (the add-ons' patches among them, see test/fleet-argo-bases.test.ts).
    const folder = [...inFleet.keys()].filter((path) => path.startsWith("clusters/c1/argocd/") && path !== "clusters/c1/argocd/kustomization.yaml").map((path) => path.slice("clusters/c1/argocd/".length));
    const apps = parseYaml(inFleet.get("clusters/c1/argocd/apps/kustomization.yaml")!);
    const inApps = [...apps.resources, ...apps.patches.map((patch: { path: string }) => patch.path)].filter((entry: string) => !entry.startsWith("../")).map((file: string) => `apps/${file}`);
    expect([...kustomization.resources.filter((entry: string) => entry !== "apps"), ...inApps, "apps/kustomization.yaml"].sort()).toEqual(folder.sort());
  });
});

/** Where each engine's add-on object keeps its values. */
const valuesOf = (object: Record<string, any>) => (object.kind === "HelmRelease" ? object.spec.values : object.spec.source.helm.valuesObject) ?? {};
// An Argo CD cluster of a fleet keeps its add-on Applications as patches of their shared bases (spec.source.helm, no chart).
const isAddonObject = (object: Record<string, any>) => (object.kind === "HelmRelease" || (object.kind === "Application" && (object.spec?.source?.chart || object.spec?.source?.helm))) && catalog.addons.has(object.metadata?.name);


/** Add-on name -> its object in the cluster's build (with the overlay), and as the cluster's own files have it. */
async function addonObjects(dir: string, cluster: string, engine: string): Promise<Map<string, { built: Record<string, any>; own: Record<string, any> }>> {
  const own = new Map<string, Record<string, any>>();
  for (const path of git(dir, "ls-files").split("\n").filter((path) => path.endsWith(".yaml") && !path.startsWith("environments/"))) {
    if (!(path.startsWith(`clusters/${cluster}/`) || path.startsWith(`fleet/${cluster}/`) || (!path.startsWith("fleet/") && !path.startsWith("clusters/") && cluster === "prod"))) continue;
    for (const object of objectsOf(read(dir, path))) if (isAddonObject(object)) own.set(object.metadata.name, object);
  }
  const found = new Map<string, { built: Record<string, any>; own: Record<string, any> }>();
  for (const path of builtPaths(dir, cluster, engine)) {
    for (const object of objectsOf(await kustomize(dir, path))) {
      if (!isAddonObject(object)) continue;
      expect(found.has(object.metadata.name)).toBe(false);
      found.set(object.metadata.name, { built: object, own: own.get(object.metadata.name)! });
    }
  }
  return found;
}

/** Values every add-on schema with a `resources` object takes: a memory limit. */
const hasResources = (name: string) => ((catalog.addons.get(name)?.valuesSchema as { properties?: Record<string, { type?: string }> })?.properties?.resources?.type ?? "") === "object";
const limit = (memory: string) => ({ resources: { limits: { memory } } });

describe.each(engines)("environment values in a fleet (%s): kustomize merges them over each cluster's own, promote carries them, validate checks them", (engine) => {
  const work = tempDir(`ccr-fleet-values-${engine}-`);
  const [first, staged, second] = [ids[0]!, ids[1 % ids.length]!, ids[2 % ids.length]!];

  test.skipIf(!kustomizeAvailable)("staging's values reach each staging cluster's build, merged; validate names bad ones; promote gives production the same", async () => {
    const dir = join(work, "repo");
    const merge = (branch: string) => {
      git(dir, "checkout", "-q", "main");
      git(dir, "merge", "-q", "--ff-only", branch);
    };
    expect((await runCli(["-b", first, "-y", "--gitops", engine, "--set", "clusterName=prod", "--set", "repoUrl=https://github.com/acme/fleet.git", dir])).status).toBe(0);
    expect((await runCli(["add-cluster", "stg", "--blueprint", staged, dir])).status).toBe(0);
    merge("create-cluster-repo/add-cluster-stg");
    expect((await runCli(["add-cluster", "eu", "--blueprint", second, "--env", "production", dir])).status).toBe(0);
    merge("create-cluster-repo/add-cluster-eu");

    // Staging sets a memory limit on each add-on its cluster runs whose values schema takes one.
    const stagingPath = overlayPathOf("staging");
    const staging = parseOverlayFile(read(dir, stagingPath), stagingPath);
    const running = await addonObjects(dir, "stg", engine);
    const chosen = [...running.keys()].filter(hasResources);
    expect(chosen.length).toBeGreaterThan(0);
    for (const name of chosen) staging.values.set(name, limit("321Mi"));
    // And one on a catalog add-on no staging cluster runs: valid, and named.
    const idle = [...catalog.addons.keys()].find((name) => !running.has(name) && hasResources(name))!;
    expect(idle).toBeDefined();
    writeFileSync(join(dir, stagingPath), renderOverlayFile("staging", { ...staging, values: new Map([...staging.values, [idle, limit("1Gi")]]) }));
    const named = await runCli(["validate", dir]);
    expect(named.status).toBe(0);
    expect(named.stdout).toContain(`values of ${idle} for staging reach no cluster: none of its clusters (stg) runs ${idle}`);
    // A value the add-on's schema refuses fails validate, naming it.
    writeFileSync(join(dir, stagingPath), renderOverlayFile("staging", { ...staging, values: new Map([...staging.values, [chosen[0]!, { resources: "a lot" }]]) }));
    const refused = await runCli(["validate", dir]);
    expect(refused.status).toBe(1);
    expect(refused.stdout).toMatch(new RegExp(`values of ${chosen[0]} for staging: resources: must be (an )?object`));
    writeFileSync(join(dir, stagingPath), renderOverlayFile("staging", staging));
    git(dir, "commit", "-qam", "staging limits its add-ons' memory");

    for (const [name, { built, own }] of await addonObjects(dir, "stg", engine)) {
      expect([name, valuesOf(built)]).toEqual([name, staging.values.has(name) ? deepMerge(valuesOf(own), staging.values.get(name)!) : valuesOf(own)]);
    }
    expect((await runCli(["validate", dir])).status).toBe(0);
    expect((await runCli(["check", dir])).status).toBe(0);
    // update keeps the team's values (a render never writes them).
    expect((await runCli(["update", dir, "--all"])).status).toBe(0);
    expect(git(dir, "branch", "--list", "create-cluster-repo/*-rerender")).toBe("");

    const preview = await runCli(["promote", "staging", "production", "--dry-run", dir]);
    expect(preview.status).toBe(0);
    expect(preview.stdout).toContain(`Environment values in ${overlayPathOf("production")}:\n`);
    for (const name of chosen) expect(preview.stdout).toContain(`  ${name}: set ${JSON.stringify(limit("321Mi"))}\n`);
    const promoted = await runCli(["promote", "staging", "production", dir]);
    expect(promoted.stderr.split("\n").filter((line) => line.startsWith("error"))).toEqual([]);
    expect(promoted.status).toBe(0);
    merge("create-cluster-repo/promote-staging-to-production");
    const production = parseOverlayFile(read(dir, overlayPathOf("production")), overlayPathOf("production"));
    expect(production.values).toEqual(staging.values);
    for (const cluster of ["prod", "eu"]) {
      for (const [name, { built, own }] of await addonObjects(dir, cluster, engine)) {
        expect([cluster, name, valuesOf(built)]).toEqual([cluster, name, production.values.has(name) ? deepMerge(valuesOf(own), production.values.get(name)!) : valuesOf(own)]);
        if (production.versions.has(name)) expect(built.kind === "HelmRelease" ? built.spec.chart.spec.version : built.spec.source.targetRevision).toBe(production.versions.get(name));
      }
    }
    expect((await runCli(["check", dir])).status).toBe(0);
  });
});
