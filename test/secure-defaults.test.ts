import { parse as parseHcl } from "@cdktf/hcl2json";
import { parseAllDocuments } from "yaml";
import { beforeAll, describe, expect, test } from "vitest";
import { loadBlueprint } from "../src/blueprints/load.js";
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
  tree: FileTree;
  objects: Array<{ file: string; object: Json }>;
  terraform: Json;
}

const fixtures = paramsFixtures("valid");
const renders = new Map<string, Render>();

beforeAll(async () => {
  for (const fixture of fixtures) {
    const { tree, params } = await renderBlueprint(fixture.blueprint, { values: fixture.params }, { toolVersion: "0.0.0-test" });
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
    renders.set(fixture.name, { name: fixture.name, blueprint: fixture.blueprint, params: params as Json, tree, objects, terraform });
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

/** Namespaces a blueprint declares with their Pod Security level: its Helm releases' and its manifest add-ons'. */
function declaredNamespaces(blueprintId: string): Array<{ namespace: string; podSecurity?: { level: string; reason: string } }> {
  const blueprint = loadBlueprint(blueprintId);
  return [...(blueprint.helmReleases ?? []), ...(blueprint.manifestAddons ?? [])];
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

describe.each(allRenders)("%s: the Terraform restricts API access", (name) => {
  test("closed by default, open only to apiAllowedCidrs", async () => {
    const r = render(name);
    const tf = r.terraform;
    const cidrs = r.params.apiAllowedCidrs as string[];
    const refused = cidrs.length === 0 ? ["0.0.0.0/0"] : [];
    if (r.blueprint === "kapsule-gpu" || r.blueprint === "kosmos-multicloud") {
      const acl = tf.resource.scaleway_k8s_acl.this[0];
      expect(acl.cluster_id).toBe("${scaleway_k8s_cluster.this.id}");
      expect(acl.no_ip_allowed).toBeUndefined();
      expect(acl.acl_rules.filter((rule: Json) => rule.ip).map((rule: Json) => rule.ip)).toEqual(cidrs);
      expect(acl.acl_rules.filter((rule: Json) => rule.scaleway_ranges === true)).toHaveLength(1);
      for (const rule of acl.acl_rules) expect(refused).not.toContain(rule.ip);
      for (const path of [["cluster_id"], ["acl_rules", "ip"], ["acl_rules", "scaleway_ranges"], ["acl_rules", "description"]]) await expectInTable("scaleway_k8s_acl", path);
    } else if (r.blueprint === "aks-gpu") {
      const cluster = tf.resource.azurerm_kubernetes_cluster.this[0];
      expect(cluster.api_server_access_profile[0].authorized_ip_ranges).toEqual(cidrs.length > 0 ? cidrs : ["0.0.0.0/32"]);
      expect(cluster.local_account_disabled).toBe(true);
      expect(cluster.azure_active_directory_role_based_access_control[0].azure_rbac_enabled).toBe(true);
      expect(Object.values(tf.output).map((o: any) => o[0].value).join(" ")).not.toMatch(/kube_(admin_)?config/);
      const network = tf.resource.azurerm_role_assignment.cluster_network[0];
      expect(network).toMatchObject({ scope: "${azurerm_subnet.nodes.id}", role_definition_name: "Network Contributor", principal_id: "${azurerm_kubernetes_cluster.this.identity[0].principal_id}" });
      for (const path of [["api_server_access_profile", "authorized_ip_ranges"], ["local_account_disabled"], ["azure_active_directory_role_based_access_control", "azure_rbac_enabled"], ["azure_active_directory_role_based_access_control", "admin_group_object_ids"]]) {
        await expectInTable("azurerm_kubernetes_cluster", path);
      }
      for (const path of [["scope"], ["role_definition_name"], ["principal_id"], ["principal_type"]]) await expectInTable("azurerm_role_assignment", path);
    } else {
      const labels = tf.locals[0].template_labels;
      const template = tf.resource.openstack_containerinfra_clustertemplate_v1.this[0];
      const publicApi = template.master_lb_enabled ? labels.master_lb_floating_ip_enabled === "true" : template.floating_ip_enabled === true;
      expect(publicApi).toBe(r.params.apiFloatingIp && r.params.masterLbEnabled);
      if (publicApi) {
        const label = { "capi-helm": "api_master_lb_allowed_cidrs", heat: "master_lb_allowed_cidrs", "vexxhost-capi": undefined }[r.params.driver as string];
        if (label) expect(labels[label]).toBe(cidrs.join(","));
        else expect(cidrs).toEqual(["0.0.0.0/0"]); // vexxhost cannot restrict: only an explicit, open choice renders
      }
      for (const path of [["labels"], ["master_lb_enabled"], ["floating_ip_enabled"]]) await expectInTable("openstack_containerinfra_clustertemplate_v1", path);
    }
  });
});

/** The node labels each GPU pool sets in Terraform, and the label keys that select a node group. */
function gpuPoolLabels(r: Render): Array<Record<string, string[]>> {
  const tf = r.terraform;
  if (r.blueprint === "kapsule-gpu") {
    const labels = tf.resource.scaleway_k8s_pool.gpu[0].labels as Record<string, string>;
    return [Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, [v]]))];
  }
  if (r.blueprint === "aks-gpu") {
    const labels = tf.resource.azurerm_kubernetes_cluster_node_pool.gpu[0].node_labels as Record<string, string>;
    return [Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, [v]]))];
  }
  // Magnum: the driver labels every node with its node group's Terraform name (local.node_groups keys).
  const groups = (r.params.nodeGroups as Json[]).filter((group) => group.gpu).map((group) => group.name as string);
  const key = { "capi-helm": "capi.stackhpc.com/node-group", "vexxhost-capi": "node.cluster.x-k8s.io/nodegroup", heat: "magnum.openstack.org/nodegroup" }[r.params.driver as string]!;
  const nodeGroups = Object.keys(tf.locals[0].node_groups ?? {});
  for (const group of groups) expect(nodeGroups, `node group ${group} is in Terraform`).toContain(group);
  return [{ [key]: groups }];
}

/** Every render that ships a GPU workload: the default Kapsule and AKS renders, and the GPU fixtures (checked below). */
const gpuRenders = ["kapsule-gpu-argo", "kapsule-gpu-flux", "kapsule-gpu-scale-from-zero", "kapsule-gpu-sops", "aks-gpu-argo", "aks-gpu-flux", "aks-gpu-gitlab", "aks-gpu-gpu-operator", "magnum-openstack-gpu", "magnum-openstack-vexxhost-gpu"];

test("the GPU renders are exactly the fixtures whose pods request a GPU", () => {
  expect(allRenders.filter((name) => podTemplates(render(name)).some((t) => requestsGpu(t.spec))).sort()).toEqual([...gpuRenders].sort());
});

describe.each(gpuRenders)("%s: GPU scheduling", (name) => {
  test("GPU pods select only labels their node pool sets in Terraform, and carry a PriorityClass the repository defines", () => {
    const r = render(name);
    const gpuPods = podTemplates(r).filter((t) => requestsGpu(t.spec));
    expect(gpuPods.length).toBeGreaterThan(0);
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
    const classes = Object.fromEntries(render(name).objects.filter(({ object }) => object.kind === "PriorityClass").map(({ object }) => [object.metadata.name, object]));
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
  expect(r.tree.get("README.md")).toContain("kubectl -n inference create secret generic inference-api-key");
});

test("the Kosmos demo serves its hostname and nothing else (no agnhost netexec, which runs commands)", () => {
  for (const name of allRenders.filter((n) => n.startsWith("kosmos-multicloud"))) {
    const r = render(name);
    for (const { spec } of podTemplates(r).filter((t) => t.namespace === r.params.appsNamespace)) {
      for (const container of containersOf(spec)) expect(container.args).toEqual(["serve-hostname", "--port=8080"]);
    }
  }
});
