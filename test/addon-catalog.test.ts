/**
 * The add-on catalog as a framework: a fixture catalog (test/fixtures/catalog/framework: a chart that installs CRDs and
 * configures a custom resource, an OCI chart that depends on it, an add-on of manifests only) rendered with a real
 * blueprint for both engines, and the ways a catalog, a blueprint or an answers file can be wrong. The contract of
 * the shipped catalog is test/addon-contract.test.ts.
 */
import { cpSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { parseAllDocuments } from "yaml";
import { loadBlueprint, mergeParamsSchemas } from "../src/blueprints/load.js";
import { blueprintIds } from "../src/blueprints/registry.js";
import { loadCatalog } from "../src/catalog/load.js";
import { offeredAddons } from "../src/catalog/select.js";
import { BlueprintError } from "../src/errors.js";
import { buildRenderContext } from "../src/generator/context.js";
import { renderTree } from "../src/generator/render.js";
import { parseParams } from "../src/params/parse.js";
import { tempDir } from "./helpers/cli.js";
import { fixturesDir } from "./helpers/fixtures.js";

const FRAMEWORK = join(fixturesDir, "catalog", "framework");
const BLUEPRINT = "kapsule-gpu"; // any blueprint that binds no add-on of its own will do; this one declares `gpu`

function render(values: Record<string, unknown>, catalogRoot = FRAMEWORK) {
  const blueprint = loadBlueprint(BLUEPRINT, { catalog: loadCatalog(catalogRoot) });
  const parsed = parseParams({ values }, blueprint);
  if (parsed.errors) return { errors: parsed.errors };
  const context = buildRenderContext(parsed.params, blueprint, { toolVersion: "0.0.0-test" });
  return { params: parsed.params, context, tree: renderTree(blueprint, context) };
}

const objectsOf = (text: string | undefined) => parseAllDocuments(text ?? "").map((document) => document.toJS());

describe("a fixture catalog rendered with a blueprint", () => {
  const both = { addons: { "crd-owner": { enabled: true }, "crd-user": { enabled: true } } };

  test("Flux: HelmRepository (type oci for an oci:// chart) and HelmRelease with dependsOn, CRDs created and replaced, values layered", () => {
    const { tree } = render({ gitops: "flux", ...both, addons: { ...both.addons, "crd-owner": { enabled: true, values: { greeting: "hi" } } } });
    const [owner] = objectsOf(tree!.get("infrastructure/crd-owner/helmrelease.yaml"));
    expect(owner.spec.chart.spec).toMatchObject({ chart: "owner", version: "1.2.3", sourceRef: { kind: "HelmRepository", name: "owner-charts" } });
    expect(owner.spec.install.crds).toBe("CreateReplace");
    expect(owner.spec.upgrade.crds).toBe("CreateReplace");
    // catalog (replicas, engine) -> cluster (greeting)
    expect(owner.spec.values).toEqual({ replicas: 1, engine: "flux", greeting: "hi" });
    expect(owner.spec.dependsOn).toBeUndefined();
    const [user] = objectsOf(tree!.get("infrastructure/crd-user/helmrelease.yaml"));
    expect(user.spec.dependsOn).toEqual([{ name: "crd-owner", namespace: "owner" }]);
    const [repository] = objectsOf(tree!.get("infrastructure/crd-user/helmrepository.yaml"));
    expect(repository.spec).toMatchObject({ url: "oci://registry.example.org/charts", type: "oci" });
    // Its namespace says why it is privileged, above the labels.
    expect(tree!.get("infrastructure/crd-user/namespace.yaml")).toMatch(/^# privileged: it says so, for the test\.\napiVersion: v1\nkind: Namespace/);
    expect(tree!.get("infrastructure/crd-user/networkpolicy.yaml")).toContain("namespace: user");
  });

  test("Flux: the custom resources an add-on configures wait for the CRDs in a Kustomization of their own", () => {
    const { tree, context } = render({ gitops: "flux", ...both });
    expect(tree!.get("infrastructure-configs/crd-owner/widget.yaml")).toContain('replicas: "1"');
    expect(tree!.get("infrastructure/kustomization.yaml")).not.toContain("infrastructure-configs");
    const [kustomization] = objectsOf(tree!.get(`${context!.gitops.clusterPath}/infrastructure-configs.yaml`));
    expect(kustomization.spec).toMatchObject({ path: "./infrastructure-configs", dependsOn: [{ name: "infrastructure" }], wait: true });
    expect(tree!.get("infrastructure-configs/kustomization.yaml")).toContain("crd-owner");
  });

  test("Argo CD: an Application per chart, in a wave after the add-ons it depends on; the settings come before both", () => {
    const { tree, context } = render({ gitops: "argo", ...both });
    const apps = `${context!.gitops.clusterPath}/argocd/apps`;
    const [owner] = objectsOf(tree!.get(`${apps}/crd-owner.yaml`));
    const [user] = objectsOf(tree!.get(`${apps}/crd-user.yaml`));
    const wave = (application: any) => Number(application.metadata.annotations["argocd.argoproj.io/sync-wave"]);
    expect(wave(owner)).toBeLessThan(wave(user));
    expect(wave(user)).toBeLessThan(Number(context!.argoSyncWaves.infrastructure));
    const [project] = objectsOf(tree!.get(`${context!.gitops.clusterPath}/argocd/project.yaml`));
    expect(Number(project.metadata.annotations["argocd.argoproj.io/sync-wave"])).toBeLessThan(wave(owner));
    // OCI: Argo CD takes the registry without its scheme, and the project allows it.
    expect(user.spec.source).toMatchObject({ repoURL: "registry.example.org/charts", chart: "user", targetRevision: "v0.1.0" });
    expect(project.spec.sourceRepos).toEqual(expect.arrayContaining(["https://charts.example.org", "registry.example.org/charts"]));
    expect(user.spec.syncPolicy.syncOptions).toEqual(expect.arrayContaining(["CreateNamespace=true", "ServerSideApply=true"]));
    expect(user.spec.syncPolicy.managedNamespaceMetadata.labels["pod-security.kubernetes.io/enforce"]).toBe("privileged");
    expect(owner.spec.source.helm.valuesObject).toEqual({ replicas: 1, engine: "argo" });
    // The custom resources: an Application of their own, after the add-ons' Applications.
    const [configs] = objectsOf(tree!.get(`${apps}/infrastructure-configs.yaml`));
    expect(configs.spec.source.path).toBe("infrastructure-configs");
    expect(wave(configs)).toBeGreaterThan(wave(user));
  });

  test("no add-on configures custom resources: no infrastructure-configs layer at all", () => {
    const { tree } = render({ gitops: "flux" });
    expect([...tree!.keys()].filter((path) => path.includes("infrastructure-configs"))).toEqual([]);
  });

  test("defaults by capability: plain is on where the engine is Flux, off with Argo CD; the answers file records the switch", () => {
    expect(render({ gitops: "flux" }).params!.addons).toMatchObject({ plain: { enabled: true }, "crd-owner": { enabled: false } });
    expect(render({ gitops: "argo" }).params!.addons).toMatchObject({ plain: { enabled: false } });
    expect(render({ gitops: "flux" }).tree!.get("infrastructure/plain/configmap.yaml")).toContain("name: plain");
    // Manifests only: its namespace is written for both engines.
    expect(render({ gitops: "argo", addons: { plain: { enabled: true } } }).tree!.get("infrastructure/plain/namespace.yaml")).toContain("name: plain");
  });

  test("an add-on enabled without the add-on whose CRDs it uses is refused, naming both switches", () => {
    const { errors } = render({ addons: { "crd-user": { enabled: true } } });
    expect(errors).toEqual([expect.stringMatching(/^addons\.crd-user\.enabled: crd-user uses the CRDs of crd-owner; enable addons\.crd-owner\.enabled too/)]);
  });

  test("bad values are refused naming the add-on and the key", () => {
    expect(render({ addons: { "crd-owner": { values: { replicas: 0 } } } }).errors!.join("\n")).toMatch(/addons\.crd-owner\.values\.replicas/);
    expect(render({ addons: { "crd-owner": { values: { replica: 2 } } } }).errors!.join("\n")).toMatch(/addons\.crd-owner\.values.*replica/);
    expect(render({ addons: { "no-such-addon": { enabled: true } } }).errors!.join("\n")).toMatch(/addons.*no-such-addon/);
  });

  test("hostile strings in an add-on's values reach its chart values verbatim, without changing the structure", async () => {
    await fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 40 }).filter((value) => value === value.normalize("NFC")), (value) => {
        const { tree, errors } = render({ gitops: "flux", addons: { "crd-owner": { enabled: true, values: { greeting: value } } } });
        if (errors) return;
        const documents = parseAllDocuments(tree!.get("infrastructure/crd-owner/helmrelease.yaml")!);
        expect(documents).toHaveLength(1);
        expect(documents[0]!.toJS().spec.values).toEqual({ replicas: 1, engine: "flux", greeting: value });
      }),
      { numRuns: 60 },
    );
  });
});

describe("a broken catalog says which file to add or change", () => {
  function brokenCatalog(edit: (root: string) => void): string {
    const root = join(tempDir("ccr-catalog-"), "addons");
    cpSync(FRAMEWORK, root, { recursive: true });
    edit(root);
    return root;
  }
  const problemsOf = (root: string) => {
    try {
      loadCatalog(root);
    } catch (error) {
      expect(error).toBeInstanceOf(BlueprintError);
      return (error as BlueprintError).problems;
    }
    return [];
  };

  test("a folder without addon.yaml, or without values.schema.json", () => {
    expect(problemsOf(brokenCatalog((root) => mkdirSync(join(root, "new-addon"))))).toEqual(["addons/new-addon/: add addons/new-addon/addon.yaml (see docs/ADDON-GUIDE.md)"]);
    expect(problemsOf(brokenCatalog((root) => rmSync(join(root, "plain", "values.schema.json"))))).toEqual([
      "addons/plain/: add addons/plain/values.schema.json, what users may set in addons.plain.values",
    ]);
  });

  test("a chart version that is a range, a dependency that is not an add-on, a cycle", () => {
    const problems = problemsOf(
      brokenCatalog((root) => {
        writeFileSync(join(root, "crd-owner", "addon.yaml"), "description: x\nlayer: infrastructure\nnamespace: owner\nchart: { repository: { name: o, url: https://o.example }, name: o, version: '^1.2' }\ndependsOn: [crd-user, nowhere]\n");
      }),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^addons\/crd-owner\/addon\.yaml: chart\.version: an exact version/),
        "addons/crd-owner/addon.yaml: dependsOn: nowhere is not an add-on of the catalog",
        expect.stringMatching(/dependsOn makes a cycle \(crd-(owner|user) -> crd-(owner|user) -> crd-(owner|user)\)/),
      ]),
    );
  });

  test("neither a blueprint nor the common schema may define the catalog's parameter; a blueprint restates a common one only for its default", () => {
    const common = { properties: { gitops: { type: "string", enum: ["flux", "argo"], default: "flux", description: "engine" } } };
    expect(() => mergeParamsSchemas(common, { properties: { addons: { type: "object", description: "mine" } } }, "blueprints/x/params.schema.json", {})).toThrow(
      /addons: defined by both blueprints\/x\/params\.schema\.json and the add-on catalog \(addons\/, which owns addons\.<name>\)/,
    );
    expect(() => mergeParamsSchemas(common, { properties: { gitops: { type: "boolean" } } }, "blueprints/x/params.schema.json", {})).toThrow(
      /gitops: defined by both blueprints\/_common\/params\.schema\.json and blueprints\/x\/params\.schema\.json/,
    );
    expect(mergeParamsSchemas(common, { properties: { gitops: { default: "argo" } } }, "blueprints/x/params.schema.json", {}).properties).toMatchObject({ gitops: { default: "argo", type: "string" } });
  });
});

describe.each(blueprintIds())("blueprint %s with the shipped catalog", (id) => {
  test("offers every add-on it binds, and only add-ons it can run", () => {
    const blueprint = loadBlueprint(id);
    for (const [name, offer] of blueprint.offeredAddons) {
      if (offer.when !== undefined) continue;
      const declared = new Set([...Object.keys(blueprint.capabilities ?? {}), ...blueprint.catalog.addons.keys()]);
      for (const capability of offer.addon.requires ?? []) expect(declared.has(capability) || capability.includes("="), `${id} offers ${name}, which needs ${capability}`).toBe(true);
    }
    for (const name of Object.keys(blueprint.addons ?? {})) expect(blueprint.offeredAddons.has(name), name).toBe(true);
  });
});

describe("an add-on is offered only where every add-on it depends on is", () => {
  const catalog = loadCatalog();
  const dependents = [...catalog.addons.values()].filter((addon) => (addon.dependsOn ?? []).length > 0);

  test.each(blueprintIds())("%s: each offered add-on's dependencies are offered too, so no switch is refused on every use", (id) => {
    const offered = loadBlueprint(id).offeredAddons;
    for (const [name, offer] of offered) {
      for (const dependency of offer.addon.dependsOn ?? []) expect(offered.has(dependency), `${id}: ${name} is offered without ${dependency}`).toBe(true);
    }
  });

  test("a dependency a cloud cannot offer takes its dependents with it (transitively)", () => {
    expect(dependents.length).toBeGreaterThan(0);
    const dependency = dependents[0]!.dependsOn![0]!;
    const use = { cloud: "test", provider: "Test", capabilities: Object.fromEntries([...catalog.addons.values()].flatMap((addon) => addon.requires ?? []).map((capability) => [capability, true])) };
    const everything = offeredAddons(use, catalog);
    expect(everything.has(dependents[0]!.name)).toBe(true);
    // The same catalog without the dependency: every add-on that needs it, directly or not, drops out.
    const without = { ...catalog, addons: new Map([...catalog.addons].filter(([name]) => name !== dependency)) };
    const offered = offeredAddons(use, without);
    const needs = (name: string): boolean => (catalog.addons.get(name)?.dependsOn ?? []).some((next) => next === dependency || needs(next));
    for (const name of without.addons.keys()) expect({ name, offered: offered.has(name) }).toEqual({ name, offered: everything.has(name) && !needs(name) });
  });
});
