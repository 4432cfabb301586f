/**
 * Every add-on of the shipped catalog, rendered into every valid fixture that offers it as a switch (so every
 * blueprint, both engines and the fixtures' capabilities: GPU operator or not, device plugin, Kilo...), with the
 * add-ons whose CRDs it uses: the render validates strictly (every custom resource against its derived CRD schema,
 * Pod Security restricted where the namespace does not say otherwise, GitOps references), its namespace starts from
 * the default deny, and the README quotes what it needs before the bootstrap. No expectation is per blueprint: what
 * differs comes from the catalog's and the blueprints' data.
 */
import { parseAllDocuments } from "yaml";
import { describe, expect, test } from "vitest";
import { loadBlueprint } from "../src/blueprints/load.js";
import { loadCatalog } from "../src/catalog/load.js";
import { renderBlueprint } from "../src/render-blueprint.js";
import { treeSource, validateSource } from "../src/validators/index.js";
import { defaults } from "../src/defaults.js";
import { parseAnswersFile } from "../src/generator/answers.js";
import { parseParams } from "../src/params/parse.js";
import { switchedOn } from "./helpers/addon-settings.js";
import { paramsFixtures, type ParamsFixture } from "./helpers/fixtures.js";

const catalog = loadCatalog();

/** The add-on and, transitively, those whose CRDs it uses. */
function withDependencies(name: string, into = new Set<string>()): Set<string> {
  into.add(name);
  for (const dependency of catalog.addons.get(name)!.dependsOn ?? []) withDependencies(dependency, into);
  return into;
}

/** The fixture's parameters with the add-on and its dependencies switched on (and a repository URL). */
function valuesWith(fixture: ParamsFixture, name: string): Record<string, unknown> {
  const switches = Object.fromEntries([...withDependencies(name)].map((addon) => [addon, switchedOn(catalog.addons.get(addon)!)]));
  return { ...fixture.params, repoUrl: "https://git.example.org/platform/cluster.git", addons: switches };
}

/**
 * [fixture, add-on] for every add-on a fixture's blueprint offers as a switch (not bound to one of its parameters)
 * and that may run there: its requirements hold and nothing it excludes runs (no device plugin beside a GPU operator).
 */
const cases = paramsFixtures("valid").flatMap((fixture) => {
  const blueprint = loadBlueprint(fixture.blueprint);
  return [...blueprint.offeredAddons.values()]
    .filter((offer) => offer.when === undefined && !parseParams({ values: valuesWith(fixture, offer.addon.name) }, blueprint).errors)
    .map((offer) => [fixture, offer.addon.name] as const);
});

test("every add-on of the catalog is rendered by some fixture", () => {
  const covered = new Set(cases.map(([, name]) => name));
  // Add-ons a blueprint binds to its own parameters render in the fixtures that set them (the goldens).
  const bound = new Set(paramsFixtures("valid").flatMap((fixture) => [...loadBlueprint(fixture.blueprint).offeredAddons.values()].filter((offer) => offer.when !== undefined).map((offer) => offer.addon.name)));
  for (const name of catalog.addons.keys()) expect(covered.has(name) || bound.has(name), `addons/${name}: no valid fixture (test/fixtures/params/valid/) can run it`).toBe(true);
});

describe.each(cases.map(([fixture, name]) => [`${fixture.name} + ${name}`, fixture, name] as const))("%s", (_, fixture, name) => {
  let rendered: ReturnType<typeof renderBlueprint> | undefined;
  const render = () => (rendered ??= renderBlueprint(fixture.blueprint, { values: valuesWith(fixture, name) }, { toolVersion: "0.0.0-test" }));

  test("validates strictly: schemas (the add-ons' CRDs derived), Pod Security restricted unless its namespace says why, GitOps references", async () => {
    const { tree, context } = await render();
    expect(context.addonList.map((addon) => addon.name)).toContain(name);
    const report = await validateSource(treeSource(tree), { strict: true, repoUrls: [context.gitops.repoUrl], podSecurity: { level: "restricted" }, terraform: false });
    expect(report.results.flatMap((result) => result.problems).filter((problem) => problem.severity === "error")).toEqual([]);
    expect(report.summary.skipped).toBe(0);
    // Its custom resources were among them (not left out): each kind a configs/ file writes was checked.
    const configKinds = [...tree].filter(([path]) => path.startsWith(`infrastructure-configs/${name}/`) && !path.endsWith("kustomization.yaml"));
    for (const [path, content] of configKinds) {
      for (const document of parseAllDocuments(content)) {
        const object = document.toJS();
        const checked = report.results.some((result) => result.validator === "kubernetes" && result.resource?.kind === object.kind && result.resource?.name === object.metadata.name && result.status === "valid");
        expect(checked, `${path}: ${object.kind} ${object.metadata.name} validated`).toBe(true);
      }
    }
  });

  test("its namespace starts from the default deny, with its Pod Security level; the answers file records the switch", async () => {
    const { tree, context } = await render();
    const addon = context.addonList.find((one) => one.name === name)!;
    expect((parseAnswersFile(tree.get(defaults.answersFile)!).params as any).addons?.[name]?.enabled).toBe(true);
    // An add-on made of CRD sources or cluster-scoped objects alone runs no pod: no namespace of its own.
    if (addon.namespace === undefined) return;
    const objects = [...tree].filter(([path]) => path.endsWith(".yaml")).flatMap(([, content]) => parseAllDocuments(content).map((document) => document.toJS()));
    const policies = objects.filter((object) => object?.kind === "NetworkPolicy" && object.metadata.namespace === addon.namespace);
    const denyAll = policies.some((policy) => Object.keys(policy.spec.podSelector ?? {}).length === 0 && !policy.spec.ingress && !policy.spec.egress && ["Ingress", "Egress"].every((type) => policy.spec.policyTypes.includes(type)));
    expect(denyAll, `default-deny NetworkPolicy in ${addon.namespace}`).toBe(true);
    const level = addon.podSecurity?.level ?? "restricted";
    const labelled = JSON.stringify(objects.filter((object) => object?.kind === "Namespace" || object?.kind === "Application"));
    expect(labelled).toContain(`"pod-security.kubernetes.io/enforce":"${level}"`);
  });

  test("the README says what it needs before the bootstrap, in Day 1", async () => {
    const { tree, context } = await render();
    const addon = context.addonList.find((one) => one.name === name)!;
    if (!addon.day1Template) return;
    const readme = tree.get("README.md")!;
    const dayOne = readme.slice(readme.indexOf("### 3. Bootstrap"), readme.indexOf("### 4."));
    expect(dayOne).toContain(`the add-on \`${name}\` needs`);
    expect(dayOne.indexOf(`the add-on \`${name}\``)).toBeLessThan(dayOne.indexOf(context.gitops.flux ? "flux bootstrap" : "kubectl create namespace argocd"));
  });
});
