/**
 * The delivery and queueing add-ons (flagger, argo-rollouts, kueue, dcgm-exporter) on every blueprint and engine
 * that offers them: each render validates strictly (custom resources against the schemas derived from upstream CRDs)
 * and passes the Pod Security audit at restricted; the workloads the render has follow the add-ons (the inference
 * server gets its canary, GPU Jobs wait in a Kueue queue); wrong engines, clashes and bad values are refused naming
 * the switch (Terraform is the golden tests' business: these renders are not formatted). Expectations come from each render's own data (its nodes.gpu, its Jobs), never from a blueprint's id.
 */
import { cpSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { parseAllDocuments } from "yaml";
import { loadBlueprint } from "../src/blueprints/load.js";
import { blueprintIds } from "../src/blueprints/registry.js";
import { catalogRoot, loadCatalog } from "../src/catalog/load.js";
import { buildRenderContext } from "../src/generator/context.js";
import { renderTree } from "../src/generator/render.js";
import { parseParams } from "../src/params/parse.js";
import { treeSource, validateSource } from "../src/validators/index.js";
import { runCli, tempDir } from "./helpers/cli.js";
import { paramsFixtures } from "./helpers/fixtures.js";

const ADDONS = ["flagger", "argo-rollouts", "kueue", "dcgm-exporter"];
const ENGINES = ["flux", "argo"] as const;
const REPO_URL = "https://github.com/example/cluster.git";
/** Workload switches of the packs, turned on where a blueprint's schema has them, so that every workload renders. */
const WORKLOADS = ["inference", "smokeTest", "training"];

/** One valid answers file per blueprint (the first fixture of each that sets no add-on: the cases set their own). */
const baseParams = new Map<string, Record<string, unknown>>();
for (const fixture of paramsFixtures("valid")) if (!baseParams.has(fixture.blueprint) && fixture.params.addons === undefined) baseParams.set(fixture.blueprint, fixture.params);

function render(blueprintId: string, values: Record<string, unknown>, catalog = loadCatalog()) {
  const blueprint = loadBlueprint(blueprintId, { catalog });
  const properties = (blueprint.paramsSchema as { properties?: Record<string, unknown> }).properties ?? {};
  const workloads = Object.fromEntries(WORKLOADS.filter((name) => name in properties).map((name) => [name, { ...((baseParams.get(blueprintId)?.[name] as object) ?? {}), enabled: true }]));
  const parsed = parseParams({ values: { ...baseParams.get(blueprintId), ...workloads, repoUrl: REPO_URL, ...values } }, blueprint);
  if (parsed.errors) return { errors: parsed.errors };
  const context = buildRenderContext(parsed.params, blueprint, { toolVersion: "0.0.0-test" });
  return { context, tree: renderTree(blueprint, context) };
}

const objects = (tree: Map<string, string>) =>
  [...tree].filter(([path]) => /\.ya?ml$/.test(path)).flatMap(([path, text]) => parseAllDocuments(text).map((document) => ({ path, object: document.toJS() as any })).filter(({ object }) => object && typeof object === "object" && object.kind));

/** Every (blueprint, engine, add-on) where the add-on may run: the others are refused (tested below). */
const cases = blueprintIds().flatMap((blueprintId) =>
  ENGINES.flatMap((engine) =>
    ADDONS.flatMap((addon) => {
      const offered = loadBlueprint(blueprintId).offeredAddons.get(addon);
      if (!offered || offered.when !== undefined) return [];
      return "errors" in render(blueprintId, { gitops: engine, addons: { [addon]: { enabled: true } } }) ? [] : [[blueprintId, engine, addon] as const];
    }),
  ),
);

describe("the delivery and queueing add-ons on every blueprint and engine that may run them", () => {
  test("each add-on runs somewhere, on the engines it is made for", () => {
    const where = (addon: string) => new Set(cases.filter(([, , name]) => name === addon).map(([, engine]) => engine));
    expect([...where("flagger")]).toEqual(["flux"]);
    expect([...where("argo-rollouts")]).toEqual(["argo"]);
    expect([...where("kueue")].sort()).toEqual(["argo", "flux"]);
    expect([...where("dcgm-exporter")].sort()).toEqual(["argo", "flux"]);
  });

  test.each(cases)("%s, %s, %s: validates strictly and passes the Pod Security audit at restricted", async (blueprintId, engine, addon) => {
    const { tree, context } = render(blueprintId, { gitops: engine, addons: { [addon]: { enabled: true } } }) as Required<ReturnType<typeof render>>;
    const report = await validateSource(treeSource(tree), { strict: true, repoUrls: [context.gitops.repoUrl], podSecurity: { level: "restricted" }, terraform: false });
    expect(report.results.flatMap((result) => result.problems).filter((problem) => problem.severity === "error")).toEqual([]);
    expect(report.summary.skipped).toBe(0);
    // Its namespace, its NetworkPolicies, and a README section saying what it does.
    const namespace = context.addonList.find((one) => one.name === addon)!.namespace;
    expect(objects(tree).filter(({ object }) => object.kind === "NetworkPolicy" && object.metadata.namespace === namespace).length).toBeGreaterThan(1);
    expect(tree.get("README.md")).toContain(`### ${addon}`);
  });
});

describe("progressive delivery: the inference server, where the render has one, becomes the add-on's workload", () => {
  const withInference = cases.filter(([blueprintId, engine, addon]) => (addon === "flagger" || addon === "argo-rollouts") && objects(render(blueprintId, { gitops: engine }).tree!).some(({ object }) => object.kind === "StatefulSet" && object.metadata.name === "inference"));

  test("some render has an inference server", () => expect(withInference.length).toBeGreaterThan(0));

  test.each(withInference)("%s, %s, %s", (blueprintId, engine, addon) => {
    const all = objects(render(blueprintId, { gitops: engine, addons: { [addon]: { enabled: true } } }).tree!).map(({ object }) => object);
    const named = (kind: string, name: string) => all.find((object) => object.kind === kind && object.metadata.name === name);
    expect(all.filter((object) => object.kind === "StatefulSet")).toEqual([]);
    if (addon === "flagger") {
      const canary = named("Canary", "inference");
      const target = named(canary.spec.targetRef.kind, canary.spec.targetRef.name);
      expect(target.kind).toBe("Deployment");
      // Flagger writes the Service inference itself.
      expect(named("Service", "inference")).toBeUndefined();
      // The model cache is a volume of each pod: stable and canary pods do not share a ReadWriteOnce disk.
      expect(target.spec.template.spec.volumes.find((volume: any) => volume.name === "model-cache").ephemeral).toBeDefined();
      expect(canary.spec.progressDeadlineSeconds).toBeGreaterThan(target.spec.template.spec.containers[0].startupProbe.failureThreshold * target.spec.template.spec.containers[0].startupProbe.periodSeconds);
    } else {
      const rollout = named("Rollout", "inference");
      for (const service of [rollout.spec.strategy.canary.stableService, rollout.spec.strategy.canary.canaryService]) expect(named("Service", service)).toBeDefined();
      const analyses = rollout.spec.strategy.canary.steps.flatMap((step: any) => step.analysis?.templates ?? []);
      expect(analyses.length).toBeGreaterThan(0);
      for (const { templateName } of analyses) expect(named("AnalysisTemplate", templateName)).toBeDefined();
      expect(rollout.spec.template.spec.volumes.find((volume: any) => volume.name === "model-cache").ephemeral).toBeDefined();
      // The controller may reach the canary's port through the inference NetworkPolicy.
      const policy = all.find((object) => object.kind === "NetworkPolicy" && object.metadata.namespace === rollout.metadata.namespace && object.spec.ingress);
      expect(JSON.stringify(policy.spec.ingress)).toContain('"kubernetes.io/metadata.name":"argo-rollouts"');
    }
  });
});

describe("kueue: GPU Jobs wait in a queue", () => {
  const kueueCases = cases.filter(([, , addon]) => addon === "kueue");
  const gpuJobs = (all: any[]) => all.filter((object) => object.kind === "Job" && object.spec.template.spec.containers.some((container: any) => container.resources?.limits?.["nvidia.com/gpu"]));

  test("some render has a GPU Job", () => expect(kueueCases.some(([blueprintId, engine]) => gpuJobs(objects(render(blueprintId, { gitops: engine }).tree!).map(({ object }) => object)).length > 0)).toBe(true));

  test.each(kueueCases)("%s, %s: every GPU Job is queued and suspended, its namespace has the LocalQueue, the flavor is the GPU nodes", (blueprintId, engine) => {
    const { tree, context } = render(blueprintId, { gitops: engine, addons: { kueue: { enabled: true, values: { gpuQueue: { gpus: 3 } } } } }) as Required<ReturnType<typeof render>>;
    const all = objects(tree).map(({ object }) => object);
    for (const job of gpuJobs(all)) {
      expect(job.metadata.labels["kueue.x-k8s.io/queue-name"]).toBe("gpu-batch");
      expect(job.spec.suspend).toBe(true);
      // Flux creates it once and leaves Kueue's unsuspension alone.
      expect(job.metadata.annotations["kustomize.toolkit.fluxcd.io/ssa"]).toBe("IfNotPresent");
      expect(all.find((object) => object.kind === "LocalQueue" && object.metadata.namespace === job.metadata.namespace)?.spec.clusterQueue).toBe("gpu-batch");
    }
    const flavor = all.find((object) => object.kind === "ResourceFlavor");
    expect(flavor.spec.nodeLabels ?? {}).toEqual(context.nodes.gpu.nodeSelector ?? {});
    const queue = all.find((object) => object.kind === "ClusterQueue" && object.metadata.name === "gpu-batch");
    expect(queue.spec.resourceGroups[0].flavors[0].resources.find((resource: any) => resource.name === "nvidia.com/gpu").nominalQuota).toBe(3);
    // The queue's quota is the add-on's own setting, never the chart's.
    expect(JSON.stringify(all.find((object) => object.kind === "HelmRelease" && object.metadata.name === "kueue")?.spec.values ?? all.find((object) => object.kind === "Application" && object.metadata.name === "kueue").spec.source.helm.valuesObject)).not.toContain("gpuQueue");
    if (engine === "argo") expect(all.find((object) => object.kind === "ConfigMap" && object.metadata.name === "argocd-cm").data["resource.customizations.ignoreDifferences.batch_Job"]).toContain("/spec/suspend");
  });

  test("bad values name the add-on and the key", () => {
    const [blueprintId] = kueueCases[0]!;
    expect((render(blueprintId, { addons: { kueue: { enabled: true, values: { gpuQueue: { gpus: 0 } } } } }).errors ?? []).join("\n")).toMatch(/addons\.kueue\.values\.gpuQueue\.gpus/);
    expect((render(blueprintId, { addons: { kueue: { enabled: true, values: { gpuQueue: { memory: "lots" } } } } }).errors ?? []).join("\n")).toMatch(/addons\.kueue\.values\.gpuQueue\.memory/);
  });
});

describe("dcgm-exporter: GPU metrics without a GPU operator, never beside one", () => {
  const dcgmCases = cases.filter(([, , addon]) => addon === "dcgm-exporter");

  test.each(dcgmCases)("%s, %s: on by default exactly where the device plugin runs alone; only on the GPU nodes", (blueprintId, engine) => {
    const { context } = render(blueprintId, { gitops: engine }) as Required<ReturnType<typeof render>>;
    expect(context.addons["dcgm-exporter"]!.enabled).toBe(context.capabilities["nvidia-device-plugin"] === true && !context.capabilities["gpu-operator"] && !context.capabilities["platform-gpu-operator"]);
    const on = render(blueprintId, { gitops: engine, addons: { "dcgm-exporter": { enabled: true } } }) as Required<ReturnType<typeof render>>;
    const values = on.context.gitops.flux
      ? objects(on.tree).find(({ object }) => object.kind === "HelmRelease" && object.metadata.name === "dcgm-exporter")!.object.spec.values
      : objects(on.tree).find(({ object }) => object.kind === "Application" && object.metadata.name === "dcgm-exporter")!.object.spec.source.helm.valuesObject;
    expect(values.serviceMonitor.enabled).toBe(false);
    expect(values.nodeSelector ?? null).toEqual(on.context.nodes.gpu.nodeSelector);
    expect(values.tolerations ?? []).toEqual(on.context.nodes.gpu.tolerations);
  });

  test("enabled beside a GPU operator, it is refused naming the switch", () => {
    const clashes = blueprintIds().flatMap((blueprintId) => {
      const offered = loadBlueprint(blueprintId).offeredAddons;
      return offered.has("dcgm-exporter") && offered.get("gpu-operator")?.when === undefined && offered.has("gpu-operator") ? [blueprintId] : [];
    });
    const withOperator = blueprintIds().flatMap((blueprintId) => {
      const result = render(blueprintId, { addons: { "dcgm-exporter": { enabled: true } } });
      return "context" in result && result.context!.capabilities["gpu-operator"] ? [blueprintId] : [];
    });
    // No render enables both.
    expect(withOperator).toEqual([]);
    for (const blueprintId of clashes) {
      expect((render(blueprintId, { addons: { "dcgm-exporter": { enabled: true }, "gpu-operator": { enabled: true } } }).errors ?? []).join("\n")).toMatch(/addons\.dcgm-exporter\.enabled: dcgm-exporter cannot run beside gpu-operator/);
    }
  });

  test("its ServiceMonitor is written only where an enabled add-on installs the monitoring.coreos.com CRDs, and validates strictly", async () => {
    const [blueprintId, engine] = dcgmCases[0]!;
    // The shipped catalog plus an add-on that installs the ServiceMonitor CRD, as the monitoring add-on does.
    const root = join(tempDir("ccr-catalog-monitoring-"), "addons");
    cpSync(catalogRoot, root, { recursive: true });
    mkdirSync(join(root, "crds-monitoring", "manifests"), { recursive: true });
    writeFileSync(join(root, "crds-monitoring", "addon.yaml"), "description: installs the ServiceMonitor CRD, for the test\nlayer: infrastructure\nnamespace: monitoring\ncrds: [monitoring.coreos.com/ServiceMonitor]\n");
    writeFileSync(join(root, "crds-monitoring", "values.schema.json"), '{"type": "object", "additionalProperties": false}');
    writeFileSync(join(root, "crds-monitoring", "manifests", "configmap.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: marker, namespace: monitoring}\n");
    const catalog = loadCatalog(root);
    const path = "infrastructure-configs/dcgm-exporter/servicemonitor.yaml";
    const without = render(blueprintId, { gitops: engine, addons: { "dcgm-exporter": { enabled: true } } }, catalog);
    expect(without.tree!.has(path)).toBe(false);
    const { tree, context } = render(blueprintId, { gitops: engine, addons: { "dcgm-exporter": { enabled: true }, "crds-monitoring": { enabled: true } } }, catalog) as Required<ReturnType<typeof render>>;
    const [monitor] = objects(new Map([[path, tree.get(path)!]])).map(({ object }) => object);
    expect(monitor.spec.selector.matchLabels["app.kubernetes.io/name"]).toBe("dcgm-exporter");
    const report = await validateSource(treeSource(new Map([[path, tree.get(path)!]])), { strict: true, repoUrls: [context.gitops.repoUrl] });
    expect(report.summary.valid).toBe(1);
    expect(report.valid).toBe(true);
  });
});

describe("the CLI refuses an add-on on the wrong engine (exit 2, naming the switch)", () => {
  test.each([
    ["flagger", "argo", "engine=flux"],
    ["argo-rollouts", "flux", "engine=argo"],
  ])("%s with --gitops %s", async (addon, engine, needs) => {
    const [blueprintId] = cases.find(([, , name]) => name === addon)!;
    const dir = tempDir("ccr-delivery-cli-");
    const run = await runCli([join(dir, "repo"), "--blueprint", blueprintId, "--gitops", engine, "--yes", "--dry-run", "--set", `addons.${addon}.enabled=true`, ...Object.entries(baseParams.get(blueprintId) ?? {}).filter(([key, value]) => typeof value !== "object" && key !== "gitops").flatMap(([key, value]) => ["--set", `${key}=${value}`])]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`addons.${addon}.enabled: ${addon} needs ${needs}`);
  });
});
