import { parse as parseHcl } from "@cdktf/hcl2json";
import { parseAllDocuments } from "yaml";
import { beforeAll, describe, expect, test } from "vitest";
import { loadBlueprint } from "../src/blueprints/load.js";
import type { ApiCidrsPlace } from "../src/blueprints/types.js";
import { resolveData } from "../src/generator/conditions.js";
import { blueprintIds } from "../src/blueprints/registry.js";
import type { FileTree } from "../src/file-tree.js";
import { renderBlueprint } from "../src/render-blueprint.js";
import { treeSource, validateSource } from "../src/validators/index.js";
import { podTemplatePath } from "../src/validators/pod-security/index.js";
import { loadProviderTable, providerOfType } from "../src/validators/terraform/provider-tables.js";
import { paramsFixtures } from "./helpers/fixtures.js";

/**
 * The renders are secure and well scheduled by default: every pod template passes the restricted Pod Security
 * Standards with requests and limits, every workload namespace enforces restricted and starts from a default-deny
 * NetworkPolicy, the Terraform closes the API server (with resources and arguments the provider tables know), and
 * GPU pods select only labels their node pool sets in Terraform and carry a PriorityClass the repository defines.
 */

type Json = Record<string, any>;

interface Render {
  name: string;
  blueprint: string;
  params: Json;
  derived: Json;
  packs: string[];
  tree: FileTree;
  objects: Array<{ file: string; object: Json }>;
  terraform: Json;
}

const fixtures = paramsFixtures("valid");
const renders = new Map<string, Render>();

beforeAll(async () => {
  for (const fixture of fixtures) {
    const { tree, params, context } = await renderBlueprint(fixture.blueprint, { values: fixture.params }, { toolVersion: "0.0.0-test" });
    const objects: Render["objects"] = [];
    for (const [file, content] of tree) {
      if (!/^(apps|infrastructure|clusters)\/.*\.ya?ml$/.test(file)) continue;
      for (const document of parseAllDocuments(content)) {
        const object = document.toJS();
        if (object && typeof object === "object" && object.kind && object.kind !== "Kustomization") objects.push({ file, object });
      }
    }
    const terraform = (await parseHcl("main.tf", tree.get("terraform/main.tf")!)) as Json;
    Object.assign(terraform, { output: ((await parseHcl("outputs.tf", tree.get("terraform/outputs.tf")!)) as Json).output });
    renders.set(fixture.name, { name: fixture.name, blueprint: fixture.blueprint, params: params as Json, derived: context.derived, packs: context.packs, tree, objects, terraform });
  }
}, 120_000);

const render = (name: string) => renders.get(name)!;
const defaultRenders = fixtures.filter((f) => /-(flux|argo)$/.test(f.name)).map((f) => f.name);
const allRenders = fixtures.map((f) => f.name);

function podTemplates(r: Render): Array<{ file: string; object: Json; spec: Json; namespace: string }> {
  return r.objects.flatMap(({ file, object }) => {
    const path = podTemplatePath(object);
    if (!path) return [];
    let template: any = object;
    for (const segment of path) template = template?.[segment];
    return [{ file, object, spec: template.spec, namespace: object.metadata.namespace }];
  });
}

/** Namespaces a blueprint may render with their Pod Security level: those of the add-ons it offers (the catalog's data). */
function declaredNamespaces(blueprintId: string): Array<{ namespace: string; podSecurity?: { level: string; reason: string } }> {
  return [...loadBlueprint(blueprintId).offeredAddons.values()].map((offer) => offer.addon);
}

const containersOf = (spec: Json): Json[] => [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
const requestsGpu = (spec: Json) => containersOf(spec).some((c) => c.resources?.limits?.["nvidia.com/gpu"] !== undefined);

test("the default renders are the flux and argo fixtures of every blueprint", () => {
  expect(defaultRenders.sort()).toEqual(blueprintIds().flatMap((b) => [`${b}-argo`, `${b}-flux`]));
});

describe.each(allRenders)("%s", (name) => {
  test("every pod template passes validate --pod-security restricted", async () => {
    const r = render(name);
    // The default renders all ship workloads; other fixtures may turn them off.
    if (defaultRenders.includes(name)) expect(podTemplates(r).length).toBeGreaterThan(0);
    const report = await validateSource(treeSource(r.tree), { strict: true, podSecurity: { level: "restricted" }, terraform: false, gitops: false });
    expect(report.results.flatMap((result) => result.problems)).toEqual([]);
  });

  test("every container has CPU and memory requests and a memory limit", () => {
    for (const { object, spec } of podTemplates(render(name))) {
      for (const container of containersOf(spec)) {
        expect(container.resources?.requests?.cpu, `${object.kind} ${object.metadata.name}/${container.name}`).toBeDefined();
        expect(container.resources?.requests?.memory, `${object.kind} ${object.metadata.name}/${container.name}`).toBeDefined();
        expect(container.resources?.limits?.memory, `${object.kind} ${object.metadata.name}/${container.name}`).toBeDefined();
      }
    }
  });

  test("every workload namespace enforces restricted and starts from a default-deny NetworkPolicy", () => {
    const r = render(name);
    const namespaces = r.objects.filter(({ object }) => object.kind === "Namespace").map(({ object }) => object);
    const releaseNamespaces = new Map(declaredNamespaces(r.blueprint).map((release) => [release.namespace, release.podSecurity?.level ?? "restricted"]));
    const workloadNamespaces = new Set(podTemplates(r).map((t) => t.namespace));
    for (const ns of workloadNamespaces) expect(namespaces.map((n) => n.metadata.name), `namespace ${ns} is defined`).toContain(ns);
    for (const namespace of namespaces) {
      const name = namespace.metadata.name as string;
      const labels = namespace.metadata.labels ?? {};
      if (releaseNamespaces.get(name) === "privileged") {
        // A driver's, operator's or node agent's namespace: the least level the blueprint declares for it.
        expect(labels["pod-security.kubernetes.io/enforce"], name).toBe(releaseNamespaces.get(name));
        continue;
      }
      expect(labels["pod-security.kubernetes.io/enforce"], name).toBe("restricted");
      const denyAll = r.objects.some(
        ({ object }) =>
          object.kind === "NetworkPolicy" &&
          object.metadata.namespace === name &&
          Object.keys(object.spec.podSelector ?? {}).length === 0 &&
          ["Ingress", "Egress"].every((type) => object.spec.policyTypes?.includes(type)) &&
          !object.spec.ingress &&
          !object.spec.egress,
      );
      expect(denyAll, `default-deny NetworkPolicy in ${name}`).toBe(true);
    }
  });

  test("privileged namespaces say why, and only drivers, operators and node agents the blueprint declares get one", () => {
    const r = render(name);
    for (const release of declaredNamespaces(r.blueprint)) {
      if (!release.podSecurity || release.podSecurity.level === "restricted") continue;
      expect(release.podSecurity.reason.length).toBeGreaterThan(40);
      for (const [file, content] of r.tree) {
        if (!content.includes(`enforce: ${release.podSecurity.level}`)) continue;
        expect(content.startsWith(`# ${release.podSecurity.level}:`), `${file} explains its level`).toBe(true);
      }
    }
    const explained = new Set(declaredNamespaces(r.blueprint).filter((release) => release.podSecurity).map((release) => release.namespace));
    for (const { object } of r.objects) {
      if (object.kind !== "Namespace" || explained.has(object.metadata.name)) continue;
      expect(object.metadata.labels?.["pod-security.kubernetes.io/enforce"], object.metadata.name).toBe("restricted");
    }
  });
});

/** Argument and block paths the tables must know, so the API restrictions are checked against the provider schema. */
async function expectInTable(resourceType: string, path: string[], kind: "resources" | "dataSources" = "resources") {
  const table = (await loadProviderTable(providerOfType(resourceType)!))!;
  let schema: any = table[kind][resourceType];
  expect(schema, `${resourceType} is in the ${table.provider} ${table.version} table`).toBeDefined();
  for (const [i, segment] of path.entries()) {
    if (i === path.length - 1) {
      expect(schema.attributes[segment] ?? schema.blocks[segment], `${resourceType}.${path.join(".")}`).toBeDefined();
      if (kind === "resources") expect(schema.attributes[segment]?.kind, `${resourceType}.${path.join(".")} can be set`).not.toBe("computed");
    } else {
      schema = schema.blocks[segment]?.schema;
      expect(schema, `${resourceType}.${path.slice(0, i + 1).join(".")} block`).toBeDefined();
    }
  }
}

/**
 * The value at a dotted path of the parsed HCL (hcl2json writes every block as a list): each list on the way is
 * mapped over and flattened, so `resource.scaleway_k8s_acl.this.acl_rules.ip` is the ip of every rule that has one.
 */
function terraformAt(tf: Json, path: string): unknown {
  let values: unknown[] = [tf];
  for (const key of path.split(".")) {
    values = values.flatMap((value) => (Array.isArray(value) ? value : [value])).flatMap((value) => (value && typeof value === "object" && key in value ? [(value as Json)[key]] : []));
  }
  const found = values.flatMap((value) => (Array.isArray(value) ? value : [value]));
  return found.length === 0 ? undefined : found.length === 1 && !Array.isArray(values[0]) ? found[0] : found;
}

/** blueprint.yaml data with its conditions and references resolved for one render, as the generator resolves it. */
const resolvedFor = (r: Render, data: unknown) => resolveData(data, { params: r.params, derived: r.derived });

describe.each(allRenders)("%s: the Terraform restricts API access", (name) => {
  test("closed by default, open only to apiAllowedCidrs (where blueprint.yaml's secureDefaults says)", async () => {
    const r = render(name);
    const secure = loadBlueprint(r.blueprint).secureDefaults!;
    const cidrs = r.params.apiAllowedCidrs as string[];
    const places = [resolvedFor(r, [secure.apiAllowedCidrs].flat())].flat() as ApiCidrsPlace[];
    for (const place of places) {
      const held = terraformAt(r.terraform, place.path);
      const list = held === undefined ? [] : typeof held === "string" && place.separator ? held.split(place.separator) : [held].flat();
      expect(list, `${place.path}`).toEqual(cidrs.length > 0 ? cidrs : (place.whenEmpty ?? []));
      expect(list, `${place.path} never opens the API to everyone`).not.toContain("0.0.0.0/0");
    }
    for (const check of resolvedFor(r, secure.terraform ?? []) as Array<{ path: string; equals: unknown }>) {
      const held = terraformAt(r.terraform, check.path) ?? null;
      if (check.equals !== null && typeof check.equals !== "object") expect(String(held), check.path).toBe(String(check.equals));
      else expect(held, check.path).toEqual(check.equals);
    }
    for (const argument of secure.arguments ?? []) {
      const [type, ...path] = argument.split(".");
      await expectInTable(type!, path);
    }
    if (secure.outputsNotMatching) {
      expect(Object.values(r.terraform.output ?? {}).map((o: any) => JSON.stringify(o[0].value)).join(" ")).not.toMatch(new RegExp(secure.outputsNotMatching));
    }
  });
});

/** The node labels each GPU pool sets in Terraform, from where blueprint.yaml's nodes.gpu says they are. */
function gpuPoolLabels(r: Render): Array<Record<string, string[]>> {
  const gpu = loadBlueprint(r.blueprint).nodes!.gpu!;
  const selected = nodesOf(r);
  if (gpu.terraformLabels) {
    const labels = (terraformAt(r.terraform, gpu.terraformLabels) ?? {}) as Record<string, string>;
    return [Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, [v]]))];
  }
  // The pool names themselves are the label's values (a Magnum driver labels every node with its group's name).
  const pools = Object.keys((terraformAt(r.terraform, gpu.terraformPools!) ?? {}) as Json);
  return selected.matchExpressions.map((expression) => ({ [expression.key as string]: pools }));
}

/** blueprint.yaml's nodes.gpu as this render resolves it. */
const nodesOf = (r: Render) => resolvedFor(r, loadBlueprint(r.blueprint).nodes?.gpu ?? {}) as { matchExpressions: Json[] } & Json;

/** Every render that ships a GPU workload: the fixtures whose pods request a GPU. */
const gpuRenders = () => allRenders.filter((name) => podTemplates(render(name)).some((t) => requestsGpu(t.spec)));

test("every blueprint that says how to reach GPU nodes (nodes.gpu) has a fixture with GPU pods, and only those do", () => {
  const withGpuNodes = blueprintIds().filter((id) => loadBlueprint(id).nodes?.gpu);
  expect(withGpuNodes.length).toBeGreaterThan(0);
  expect([...new Set(gpuRenders().map((name) => render(name).blueprint))].sort()).toEqual(withGpuNodes);
});

describe.each(allRenders)("%s: GPU scheduling", (name) => {
  test("GPU pods select only labels their node pool sets in Terraform, and carry a PriorityClass the repository defines", () => {
    const r = render(name);
    const gpuPods = podTemplates(r).filter((t) => requestsGpu(t.spec));
    if (gpuPods.length === 0) return; // no GPU workload in this render (see the test above)
    const poolLabels = gpuPoolLabels(r);
    const priorityClasses = r.objects.filter(({ object }) => object.kind === "PriorityClass").map(({ object }) => object);
    for (const { object, spec } of gpuPods) {
      const label = `${object.kind} ${object.metadata.name}`;
      const selected: Array<[string, string[]]> = [
        ...Object.entries((spec.nodeSelector ?? {}) as Record<string, string>).map(([k, v]): [string, string[]] => [k, [v]]),
        ...(spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []).flatMap((term: Json) =>
          (term.matchExpressions ?? []).map((e: Json): [string, string[]] => {
            expect(e.operator, label).toBe("In");
            return [e.key, e.values];
          }),
        ),
      ];
      expect(selected.length, `${label} selects GPU nodes`).toBeGreaterThan(0);
      for (const [key, values] of selected) {
        const pool = poolLabels.find((labels) => key in labels);
        expect(pool, `${label}: ${key} is a label the GPU pool sets in Terraform`).toBeDefined();
        for (const value of values) expect(pool![key], `${label}: ${key}=${value}`).toContain(value);
      }
      const priority = priorityClasses.find((pc) => pc.metadata.name === spec.priorityClassName);
      expect(priority, `${label}: priorityClassName ${spec.priorityClassName} is defined in the repository`).toBeDefined();
      if (object.kind === "Job" || object.kind === "CronJob") {
        expect(priority!.preemptionPolicy, `${label}: batch never preempts`).toBe("Never");
        const jobSpec = object.kind === "Job" ? object.spec : object.spec.jobTemplate.spec;
        expect(jobSpec.activeDeadlineSeconds, `${label}: a deadline frees a hung GPU`).toBeGreaterThan(0);
      }
    }
  });

  test("serving outranks batch, and batch does not preempt", () => {
    const r = render(name);
    if (!podTemplates(r).some((t) => requestsGpu(t.spec))) return;
    const classes = Object.fromEntries(r.objects.filter(({ object }) => object.kind === "PriorityClass").map(({ object }) => [object.metadata.name, object]));
    expect(classes["gpu-serving"].value).toBeGreaterThan(classes["gpu-batch"].value);
    expect(classes["gpu-serving"].preemptionPolicy).toBe("PreemptLowerPriority");
    expect(classes["gpu-batch"].preemptionPolicy).toBe("Never");
    expect(classes["gpu-serving"].globalDefault).toBe(false);
  });
});

test("a Kapsule GPU pool of size 0 waits for the system pool (a mutualized cluster refuses an empty pool first)", () => {
  const atZero = render("kapsule-gpu-scale-from-zero").terraform.resource.scaleway_k8s_pool.gpu[0];
  expect(atZero.size).toBe(0);
  expect(atZero.depends_on).toEqual(["${scaleway_k8s_pool.system}"]);
  expect(render("kapsule-gpu-flux").terraform.resource.scaleway_k8s_pool.gpu[0].depends_on).toBeUndefined();
});

test("the inference API needs a key read from a Secret the repository never contains", () => {
  const r = render("kapsule-gpu-flux");
  const server = r.objects.find(({ object }) => object.metadata.name === "inference" && podTemplatePath(object))!.object;
  const env = server.spec.template.spec.containers[0].env as Json[];
  expect(env.find((e) => e.name === "VLLM_API_KEY")?.valueFrom?.secretKeyRef).toEqual({ name: "inference-api-key", key: "api-key" });
  expect(r.objects.filter(({ object }) => object.kind === "Secret")).toEqual([]);
  // External Secrets makes it from the cloud's secret manager (secrets=external-secrets, the default); the README puts the value there.
  const made = r.objects.find(({ object }) => object.kind === "ExternalSecret" && object.spec.target.name === "inference-api-key")?.object;
  expect(made?.metadata.namespace).toBe(r.params.inference.namespace);
  expect(made?.spec.data.map((item: Json) => item.secretKey)).toEqual(["api-key"]);
  expect(r.tree.get("README.md")).toContain(`${r.params.clusterName}-${r.params.inference.namespace}-inference-api-key-api-key`);
});

test("the Kosmos demo serves its hostname and nothing else (no agnhost netexec, which runs commands)", () => {
  const withDemo = allRenders.filter((n) => render(n).packs.includes("kosmos-spread-demo"));
  expect(withDemo.length).toBeGreaterThan(0);
  for (const name of withDemo) {
    const r = render(name);
    for (const { spec } of podTemplates(r).filter((t) => t.namespace === r.params.appsNamespace)) {
      for (const container of containersOf(spec)) expect(container.args).toEqual(["serve-hostname", "--port=8080"]);
    }
  }
});
