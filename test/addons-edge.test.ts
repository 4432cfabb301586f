/**
 * The edge and policy add-ons (gateway-api, cert-manager, envoy-gateway, policy) on every blueprint that offers them,
 * for both engines: each render validates strictly (the add-ons' custom resources against their derived CRD schemas)
 * and passes the Pod Security audit at restricted; the CRDs the cluster fetches from Git come before every add-on;
 * settings the add-ons cannot do without are required, and bad ones name the add-on and key.
 */
import { describe, expect, test } from "vitest";
import { parseAllDocuments } from "yaml";
import { loadBlueprint } from "../src/blueprints/load.js";
import { blueprintIds } from "../src/blueprints/registry.js";
import { buildRenderContext } from "../src/generator/context.js";
import { renderTree } from "../src/generator/render.js";
import { parseParams } from "../src/params/parse.js";
import { renderBlueprint } from "../src/render-blueprint.js";
import { treeSource, validateSource } from "../src/validators/index.js";
import { paramsFixtures } from "./helpers/fixtures.js";

const EDGE = ["gateway-api", "cert-manager", "envoy-gateway", "policy"];
const SETTINGS: Record<string, Record<string, unknown>> = {
  "cert-manager": { email: "ops@example.com" },
  "envoy-gateway": { hostname: "api.example.com" },
};
const ENGINES = ["flux", "argo"] as const;

function render(id: string, values: Record<string, unknown>) {
  const blueprint = loadBlueprint(id);
  const parsed = parseParams({ values }, blueprint);
  if (parsed.errors) return { blueprint, errors: parsed.errors };
  const context = buildRenderContext(parsed.params, blueprint, { toolVersion: "0.0.0-test" });
  return { blueprint, context, tree: renderTree(blueprint, context) };
}

/** The edge add-ons a blueprint offers whose dependencies it offers too, each switched on with its settings. */
function edgeAddons(id: string): Record<string, unknown> {
  const offered = loadBlueprint(id).offeredAddons;
  const usable = [...offered.keys()].filter((name) => EDGE.includes(name) && (offered.get(name)!.addon.dependsOn ?? []).every((dependency) => offered.has(dependency)));
  return Object.fromEntries(usable.map((name) => [name, { enabled: true, ...(SETTINGS[name] ? { settings: SETTINGS[name] } : {}) }]));
}

/** A valid fixture's parameters for the blueprint and engine (what else the blueprint requires). */
const fixtureParams = (id: string, engine: string) => paramsFixtures("valid").find((fixture) => fixture.blueprint === id && fixture.name.endsWith(`-${engine}`))!.params;

const objectsOf = (text: string | undefined) => parseAllDocuments(text ?? "").map((document) => document.toJS());
const cases = blueprintIds().flatMap((id) => ENGINES.map((engine) => [id, engine] as const));

describe.each(cases)("%s (%s) with the edge add-ons it offers", (id, engine) => {
  const addons = edgeAddons(id);
  const values = { ...fixtureParams(id, engine), gitops: engine, addons };

  test("validates strictly and passes the Pod Security audit at restricted; every custom resource is checked", async () => {
    // As `create` renders (Terraform formatted), and as test/golden.test.ts validates.
    const { tree, context } = await renderBlueprint(id, { values }, { toolVersion: "0.0.0-test" });
    const report = await validateSource(treeSource(tree), { strict: true, repoUrls: [context.gitops.repoUrl], podSecurity: { level: "restricted" } });
    // An unset repoUrl (a fixture's) is the one error allowed, as in test/golden.test.ts.
    expect(report.results.flatMap((r) => r.problems).filter((p) => p.severity === "error" && p.rule !== "gitops-placeholder-url")).toEqual([]);
    expect(report.summary.skipped).toBe(0);
  });

  test("each enabled add-on with a page (README.md.hbs) gets docs/addons/<name>.md, linked from the README", () => {
    const { tree, context } = render(id, values);
    const documented = context!.addonList.filter((addon) => addon.readme);
    expect(documented.map((addon) => addon.name).sort()).toEqual(Object.keys(addons).sort());
    for (const addon of documented) {
      expect(tree!.get(`docs/addons/${addon.name}.md`)).toMatch(new RegExp(`^# ${addon.name}\n`));
      expect(tree!.get("README.md")).toContain(`(docs/addons/${addon.name}.md)`);
    }
  });

  test("the CRDs fetched from Git come before every add-on (Flux dependsOn, Argo CD waves)", () => {
    const { tree, context } = render(id, values);
    const sources = context!.addonCrdSources.map((source) => source.name);
    if (!("gateway-api" in addons)) return expect(sources).toEqual([]);
    expect(sources).toContain("gateway-api-crds");
    if (engine === "flux") {
      const [infrastructure] = objectsOf(tree!.get(`${context!.gitops.clusterPath}/infrastructure.yaml`));
      expect(infrastructure.spec.dependsOn.map((d: { name: string }) => d.name)).toEqual(sources);
      for (const name of sources) {
        const [repository, kustomization] = objectsOf(tree!.get(`${context!.gitops.clusterPath}/crds/${name}.yaml`));
        expect(repository.spec.ref.tag).toMatch(/^v\d+\.\d+\.\d+$/);
        expect(kustomization.spec).toMatchObject({ prune: false, wait: true, sourceRef: { kind: "GitRepository", name } });
      }
    } else {
      const waveOf = (file: string) => Number(objectsOf(tree!.get(`${context!.gitops.clusterPath}/argocd/${file}`))[0].metadata.annotations["argocd.argoproj.io/sync-wave"]);
      const [project] = objectsOf(tree!.get(`${context!.gitops.clusterPath}/argocd/project.yaml`));
      for (const name of sources) {
        const [application] = objectsOf(tree!.get(`${context!.gitops.clusterPath}/argocd/apps/${name}.yaml`));
        expect(application.spec.syncPolicy.automated.prune).toBe(false);
        expect(project.spec.sourceRepos).toContain(application.spec.source.repoURL);
        expect(waveOf(`apps/${name}.yaml`)).toBeGreaterThan(waveOf("project.yaml"));
        for (const addon of context!.addonList.filter((one) => one.chart)) expect(waveOf(`apps/${name}.yaml`)).toBeLessThan(waveOf(`apps/${addon.name}.yaml`));
      }
    }
  });
});

describe("settings and values of the edge add-ons", () => {
  // Any blueprint that offers the add-on under test; none is named.
  const offering = (name: string) => blueprintIds().find((id) => loadBlueprint(id).offeredAddons.has(name))!;

  test.each(Object.keys(SETTINGS))("%s: enabled without its settings is a parameter error naming it (exit 2)", (name) => {
    const id = offering(name);
    const addons = { ...edgeAddons(id), [name]: { enabled: true } };
    const { errors } = render(id, { ...fixtureParams(id, "flux"), addons });
    expect(errors?.join("\n")).toContain(`addons.${name}`);
    expect(errors?.join("\n")).toMatch(/settings/);
  });

  test.each([
    ["cert-manager", { email: "not an address" }, "addons.cert-manager.settings.email"],
    ["envoy-gateway", { hostname: "*.example.com" }, "addons.envoy-gateway.settings.hostname"],
    ["envoy-gateway", { hostname: "api.example.com", loadBalancerAnnotations: { "bad key!": "x" } }, "addons.envoy-gateway.settings.loadBalancerAnnotations"],
  ])("%s: bad settings %j name the key", (name, settings, key) => {
    const id = offering(name);
    const { errors } = render(id, { ...fixtureParams(id, "flux"), addons: { ...edgeAddons(id), [name]: { enabled: true, settings } } });
    expect(errors?.join("\n")).toContain(key);
  });

  test.each([[["Deny", "Warn"]], [["Block"]], [[]]])("policy: validationActions %j is refused, naming the key", (actions) => {
    const id = offering("policy");
    const { errors } = render(id, { ...fixtureParams(id, "flux"), addons: { policy: { enabled: true, values: { validationActions: actions } } } });
    expect(errors?.join("\n")).toContain("addons.policy.values.validationActions");
  });

  test("policy: audit first, and the allowed registries reach the policy as a CEL list that every image of the render passes", () => {
    const id = offering("policy");
    const { tree } = render(id, { ...fixtureParams(id, "flux"), gitops: "flux", addons: edgeAddons(id) });
    const objects = objectsOf(tree!.get("infrastructure/policy/policies.yaml"));
    const bindings = objects.filter((o) => o.kind === "ValidatingAdmissionPolicyBinding");
    expect(bindings.length).toBe(objects.filter((o) => o.kind === "ValidatingAdmissionPolicy").length);
    for (const binding of bindings) expect(binding.spec.validationActions).toEqual(["Warn", "Audit"]);
    const registries = JSON.parse(objects[0].spec.variables.find((v: { name: string }) => v.name === "allowedRegistries").expression) as string[];
    // Every image the render pins (add-on images and the workloads' images) comes from an allowed registry.
    const images = [...tree!.values()].flatMap((text) => [...text.matchAll(/^\s*image: "?([^"\s]+)"?$/gm)].map((m) => m[1]!));
    for (const image of images) {
      const full = /^[^/]*[.:]|^localhost\//.test(image) ? image : image.includes("/") ? `docker.io/${image}` : `docker.io/library/${image}`;
      expect(registries.some((registry) => full.startsWith(registry)), image).toBe(true);
    }
  });

  test("envoy-gateway: the blueprint's load balancer annotations and the user's are merged on the EnvoyProxy", () => {
    const id = offering("envoy-gateway");
    const addons = edgeAddons(id);
    const blueprintAnnotations = (loadBlueprint(id).offeredAddons.get("envoy-gateway")!.settings.loadBalancerAnnotations ?? {}) as Record<string, unknown>;
    const { tree } = render(id, { ...fixtureParams(id, "flux"), addons: { ...addons, "envoy-gateway": { enabled: true, settings: { hostname: "api.example.com", loadBalancerAnnotations: { "example.com/extra": "yes" } } } } });
    const envoyProxy = objectsOf(tree!.get("infrastructure-configs/envoy-gateway/gateway.yaml")).find((o) => o.kind === "EnvoyProxy");
    expect(Object.keys(envoyProxy.spec.provider.kubernetes.envoyService.annotations).sort()).toEqual([...Object.keys(blueprintAnnotations), "example.com/extra"].sort());
  });
});

describe("blueprint data for the add-ons", () => {
  test("every add-on a shipped blueprint gives settings to is an add-on of the shipped catalog (a typo would be ignored by a catalog without it)", () => {
    for (const id of blueprintIds()) {
      const blueprint = loadBlueprint(id);
      for (const [name] of Object.entries(blueprint.addons ?? {})) expect(blueprint.catalog.addons.has(name), `${id}: addons.${name}`).toBe(true);
    }
  });
});
