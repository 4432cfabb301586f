import { isTeamPath } from "../src/generator/record.js";
import { parse as parseHcl } from "@cdktf/hcl2json";
import { parseAllDocuments } from "yaml";
import { beforeAll, describe, expect, test } from "vitest";
import { loadBlueprint } from "../src/blueprints/load.js";
import { defaults } from "../src/defaults.js";
import type { FileTree } from "../src/file-tree.js";
import { renderBlueprint } from "../src/render-blueprint.js";
import { podTemplatePath } from "../src/validators/pod-security/index.js";
import { paramsFixtures } from "./helpers/fixtures.js";

/**
 * Day 1 on a real account, render by render: nothing in the Terraform follows whoever runs it (so plans by one
 * identity and applies by another agree), what guards API access is protected like the cluster, the clouds'
 * prerequisites are declared, and the cluster side holds what the README promises (NetworkPolicies enforced where
 * the CNI enforces none, quiet privileged namespaces, a model cache and a startup probe for model servers, Argo CD
 * managing itself, no Application with nothing to sync). Each check reads the render or the blueprint's data;
 * none names a blueprint.
 */

type Json = Record<string, any>;

interface Render {
  name: string;
  blueprint: string;
  params: Json;
  tree: FileTree;
  warnings: string[];
  /** The URL the GitOps engine pulls this repository from. */
  repoUrl: string;
  objects: Array<{ file: string; object: Json }>;
  /** Every .tf file merged: resource, data, locals, variable, output, provider. */
  terraform: Json;
}

const fixtures = paramsFixtures("valid");
const renders: Render[] = [];

async function terraformOf(tree: FileTree): Promise<Json> {
  const merged: Json = {};
  for (const [path, content] of tree) {
    if (!path.endsWith(".tf")) continue;
    const parsed = (await parseHcl(path, content)) as Json;
    for (const [kind, body] of Object.entries(parsed)) {
      if (kind === "locals") merged.locals = [...(merged.locals ?? []), ...(body as Json[])];
      else for (const [type, blocks] of Object.entries(body as Json)) merged[kind] = { ...merged[kind], [type]: { ...merged[kind]?.[type], ...(blocks as Json) } };
    }
  }
  return merged;
}

beforeAll(async () => {
  for (const fixture of fixtures) {
    const { tree, params, warnings, context } = await renderBlueprint(fixture.blueprint, { values: fixture.params }, { toolVersion: "0.0.0-test" });
    const objects: Render["objects"] = [];
    for (const [file, content] of tree) {
      if (!/^(apps|infrastructure|clusters)\/.*\.ya?ml$/.test(file)) continue;
      for (const document of parseAllDocuments(content)) {
        const object = document.toJS();
        if (object && typeof object === "object" && object.kind) objects.push({ file, object });
      }
    }
    renders.push({ name: fixture.name, blueprint: fixture.blueprint, params: params as Json, tree, warnings, repoUrl: context.gitops.repoUrl, objects, terraform: await terraformOf(tree) });
  }
}, 120_000);

const byName = (name: string) => renders.find((r) => r.name === name)!;
const names = fixtures.map((f) => f.name);
const blocks = (r: Render, kind: "resource" | "data", type: string): Array<[string, Json]> =>
  Object.entries<Json[]>(r.terraform[kind]?.[type] ?? {}).map(([name, list]) => [name, list[0]!]);
const allBlocks = (r: Render, kind: "resource" | "data"): Array<[string, string, Json]> =>
  Object.entries<Json>(r.terraform[kind] ?? {}).flatMap(([type, named]) => Object.entries<Json[]>(named).map(([name, list]): [string, string, Json] => [type, name, list[0]!]));

/**
 * Terraform types whose value depends on the identity that runs Terraform: the caller's own object ID, or an object
 * that belongs to the calling user (a Nova keypair is read among the caller's keypairs, and reads as missing for
 * another user). A plan made by one identity and applied by another could never agree on them.
 */
const CALLER_SCOPED = {
  data: ["azurerm_client_config", "openstack_identity_auth_scope_v3"],
  resource: ["openstack_compute_keypair_v2"],
};

describe.each(names)("%s: Terraform that any identity plans the same", (name) => {
  test("no resource or data source depends on who runs Terraform", () => {
    const r = byName(name);
    const found = [...allBlocks(r, "data").filter(([type]) => CALLER_SCOPED.data.includes(type)), ...allBlocks(r, "resource").filter(([type]) => CALLER_SCOPED.resource.includes(type))];
    expect(found.map(([type, block]) => `${type}.${block}`)).toEqual([]);
    expect(JSON.stringify(r.terraform)).not.toMatch(/azurerm_client_config|openstack_compute_keypair_v2/);
  });
});

/** Resources whose destruction opens the API server to everyone (a new Scaleway cluster allows 0.0.0.0/0). */
const API_GUARDS = ["scaleway_k8s_acl"];
const CLUSTERS = ["scaleway_k8s_cluster", "azurerm_kubernetes_cluster", "openstack_containerinfra_cluster_v1"];

describe.each(names)("%s: what guards the API is protected like the cluster", (name) => {
  test("an API guard carries prevent_destroy exactly when the cluster does", () => {
    const r = byName(name);
    const protectedOf = (block: Json) => block.lifecycle?.[0]?.prevent_destroy === true;
    const clusters = CLUSTERS.flatMap((type) => blocks(r, "resource", type));
    expect(clusters.length).toBe(1);
    expect(protectedOf(clusters[0]![1])).toBe(r.params.preventDestroy);
    for (const type of API_GUARDS) for (const [block, body] of blocks(r, "resource", type)) expect(protectedOf(body), `${type}.${block}`).toBe(r.params.preventDestroy);
  });
});

test("preventDestroy=false unprotects the API guard with the cluster (the check above sees both states)", async () => {
  const guarded = renders.find((r) => API_GUARDS.some((type) => blocks(r, "resource", type).length > 0))!;
  const open = await renderBlueprint(guarded.blueprint, { values: { ...fixtures.find((f) => f.name === guarded.name)!.params, preventDestroy: false } }, { toolVersion: "0.0.0-test" });
  const terraform = await terraformOf(open.tree);
  for (const type of API_GUARDS) for (const list of Object.values<Json[]>(terraform.resource?.[type] ?? {})) expect(list[0]!.lifecycle).toBeUndefined();
});

/** Azure resource providers each azurerm type needs registered (AKS creates scale sets, disks, load balancers, an identity). */
const AZURE_PROVIDERS: Record<string, string[]> = {
  azurerm_resource_group: ["Microsoft.Resources"],
  azurerm_virtual_network: ["Microsoft.Network"],
  azurerm_subnet: ["Microsoft.Network"],
  azurerm_kubernetes_cluster: ["Microsoft.ContainerService", "Microsoft.Compute", "Microsoft.ManagedIdentity", "Microsoft.Network"],
  azurerm_kubernetes_cluster_node_pool: ["Microsoft.ContainerService", "Microsoft.Compute"],
  azurerm_role_assignment: ["Microsoft.Authorization"],
  // External Secrets' store (templates/packs/azure-key-vault): the vault, its reader identity and federation.
  azurerm_key_vault: ["Microsoft.KeyVault"],
  azurerm_user_assigned_identity: ["Microsoft.ManagedIdentity"],
  azurerm_federated_identity_credential: ["Microsoft.ManagedIdentity"],
};
/** Registered in every subscription from the start. */
const ALWAYS_REGISTERED = ["Microsoft.Resources", "Microsoft.Authorization"];
const azureRenders = () => renders.filter((r) => r.terraform.provider?.azurerm);

describe("Azure: access and prerequisites", () => {
  test("there are Azure renders to check", () => expect(azureRenders().length).toBeGreaterThan(0));

  test("the resource providers the configuration uses are registered by the provider (azurerm 5.x registers none)", () => {
    for (const r of azureRenders()) {
      const provider = r.terraform.provider.azurerm[0];
      const registered = new Set([...ALWAYS_REGISTERED, ...(provider.resource_providers_to_register ?? [])]);
      for (const [type] of allBlocks(r, "resource")) {
        expect(AZURE_PROVIDERS[type], `${r.name}: ${type}: add the resource providers it needs to AZURE_PROVIDERS`).toBeDefined();
        for (const namespace of AZURE_PROVIDERS[type]!) expect([...registered], `${r.name}: ${type} needs ${namespace}`).toContain(namespace);
      }
      // And the README registers them once, so that a read-only plan identity never has to.
      for (const namespace of provider.resource_providers_to_register) expect(r.tree.get("README.md")).toContain(namespace);
    }
  });

  test("the admin groups, and only they, administer the cluster: both roles on the cluster, and the AKS admin groups", () => {
    for (const r of azureRenders()) {
      const groups = r.params.adminGroupObjectIds as string[];
      const local = r.terraform.locals.find((l: Json) => "admin_group_object_ids" in l)!.admin_group_object_ids;
      expect(local, r.name).toEqual(groups);
      const [, cluster] = blocks(r, "resource", "azurerm_kubernetes_cluster")[0]!;
      expect(cluster.azure_active_directory_role_based_access_control[0].admin_group_object_ids).toBe("${local.admin_group_object_ids}");
      const assignments = blocks(r, "resource", "azurerm_role_assignment");
      const onCluster = assignments.filter(([, body]) => body.scope === "${azurerm_kubernetes_cluster.this.id}");
      expect(onCluster.map(([, body]) => body.role_definition_name).sort(), r.name).toEqual(["Azure Kubernetes Service Cluster User Role", "Azure Kubernetes Service RBAC Cluster Admin"]);
      for (const [, body] of onCluster) expect(body, r.name).toMatchObject({ for_each: "${toset(local.admin_group_object_ids)}", principal_id: "${each.value}", principal_type: "Group" });
    }
  });

  test("while no admin group is set, every render warns, naming the parameter; with one it does not", () => {
    const schemaHasGroups = (r: Render) => "adminGroupObjectIds" in (loadBlueprint(r.blueprint).paramsSchema as Json).properties;
    const withParam = renders.filter(schemaHasGroups);
    expect(withParam.some((r) => r.params.adminGroupObjectIds.length === 0)).toBe(true);
    expect(withParam.some((r) => r.params.adminGroupObjectIds.length > 0)).toBe(true);
    for (const r of withParam) {
      const warned = r.warnings.some((warning) => warning.startsWith("adminGroupObjectIds:") && warning.includes("Break-glass"));
      expect(warned, r.name).toBe(r.params.adminGroupObjectIds.length === 0);
      expect(r.tree.get("README.md"), r.name).toContain("## Break-glass access");
    }
  });

  test("upgrades and node image updates happen only in the maintenance window", () => {
    for (const r of azureRenders()) {
      for (const [name, cluster] of blocks(r, "resource", "azurerm_kubernetes_cluster")) {
        const window = (block: string) => cluster[block]?.[0];
        const expected = { frequency: "Weekly", interval: 1, day_of_week: r.params.maintenanceWindow.dayOfWeek, start_time: r.params.maintenanceWindow.startTime, utc_offset: r.params.maintenanceWindow.utcOffset, duration: r.params.maintenanceWindow.durationHours };
        if (!["None", "Unmanaged"].includes(cluster.node_os_upgrade_channel ?? "None")) expect(window("maintenance_window_node_os"), `${r.name} ${name}`).toEqual(expected);
        if (cluster.automatic_upgrade_channel) expect(window("maintenance_window_auto_upgrade"), `${r.name} ${name}`).toEqual(expected);
        else expect(window("maintenance_window_auto_upgrade")).toBeUndefined();
      }
    }
  });
});

describe("OpenStack: reaching an API without a floating IP", () => {
  const withBastionParam = () => renders.filter((r) => r.params.bastion !== undefined);

  test("a bastion opens SSH to bastion.sshAllowedCidrs only, on the cluster's network, with a floating IP", () => {
    const enabled = withBastionParam().filter((r) => r.params.bastion.enabled);
    expect(enabled.length).toBeGreaterThan(0);
    for (const r of enabled) {
      const [, rules] = blocks(r, "resource", "openstack_networking_secgroup_rule_v2")[0]!;
      expect(rules).toMatchObject({ direction: "ingress", protocol: "tcp", port_range_min: 22, port_range_max: 22, remote_ip_prefix: "${each.value}" });
      expect(rules.for_each).toBe(`\${toset(${JSON.stringify(r.params.bastion.sshAllowedCidrs).replace(/,/g, ", ")})}`);
      expect(blocks(r, "resource", "openstack_networking_secgroup_rule_v2")).toHaveLength(1);
      const [, port] = blocks(r, "resource", "openstack_networking_port_v2")[0]!;
      expect(port.security_group_ids).toEqual(["${openstack_networking_secgroup_v2.bastion.id}"]);
      expect(blocks(r, "resource", "openstack_networking_floatingip_v2")[0]![1].port_id).toBe("${openstack_networking_port_v2.bastion.id}");
      expect(blocks(r, "resource", "openstack_compute_instance_v2")[0]![1].network[0].port).toBe("${openstack_networking_port_v2.bastion.id}");
      // The cluster and the bastion share an existing network: Terraform asks for it.
      for (const variable of ["fixed_network", "fixed_subnet", "bastion_ssh_public_key"]) expect(r.terraform.variable[variable][0].default, `${r.name} ${variable}`).toBeUndefined();
      expect(r.terraform.output.bastion_address).toBeDefined();
    }
  });

  test("without a bastion there is none, and the network stays optional", () => {
    const disabled = withBastionParam().filter((r) => !r.params.bastion.enabled);
    expect(disabled.length).toBeGreaterThan(0);
    for (const r of disabled) {
      expect(JSON.stringify(r.terraform.resource)).not.toMatch(/bastion/);
      expect(r.terraform.variable.fixed_network[0].default).toBeNull();
    }
  });
});

/** Namespaces as they reach the cluster: Namespace objects, and the labels Argo CD puts on those it creates. */
function namespaceLabels(r: Render): Array<{ where: string; labels: Record<string, string> }> {
  return r.objects.flatMap(({ file, object }) => {
    if (object.kind === "Namespace") return [{ where: `${file} ${object.metadata.name}`, labels: object.metadata.labels ?? {} }];
    const managed = object.kind === "Application" ? object.spec?.syncPolicy?.managedNamespaceMetadata?.labels : undefined;
    return managed ? [{ where: `${file} (managedNamespaceMetadata)`, labels: managed }] : [];
  });
}

describe.each(names)("%s: the cluster side", (name) => {
  test("every namespace warns at the Pod Security level it enforces, and audits at restricted", () => {
    for (const { where, labels } of namespaceLabels(byName(name))) {
      const enforce = labels["pod-security.kubernetes.io/enforce"];
      expect(enforce, where).toBeDefined();
      // A privileged namespace's pods that break restricted land in the audit log; nobody is warned on every reconcile.
      expect({ where, warn: labels["pod-security.kubernetes.io/warn"], audit: labels["pod-security.kubernetes.io/audit"] }).toEqual({ where, warn: enforce, audit: "restricted" });
    }
  });

  test("a model server waits for its first load (startup probe) and keeps its model on a volume of the cloud's storage class (a StatefulSet's, which outlives the pod, unless progressive delivery replaces it)", () => {
    const r = byName(name);
    for (const { object } of r.objects) {
      const path = podTemplatePath(object);
      if (!path) continue;
      const template = path.reduce((value: any, key) => value?.[key], object);
      for (const container of template.spec.containers as Json[]) {
        const cache = (container.env ?? []).find((e: Json) => e.name === "HF_HOME")?.value as string | undefined;
        if (!cache) continue;
        const label = `${object.kind} ${object.metadata.name}/${container.name}`;
        if (container.livenessProbe) expect(container.startupProbe, `${label}: a liveness probe without a startup probe kills a slow first load`).toBeDefined();
        const mount = (container.volumeMounts as Json[]).filter((m) => cache === m.mountPath || cache.startsWith(`${m.mountPath}/`)).sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
        expect(mount, `${label}: ${cache} is on a volume`).toBeDefined();
        // A Deployment (Flagger's canary target) or a Rollout (Argo Rollouts): its canary pods are new pods on GPU
        // nodes of their own, so each pod has its own claim (an ephemeral volume), of the same storage class.
        const progressive = object.kind !== "StatefulSet";
        const claim = progressive
          ? (template.spec.volumes as Json[]).find((volume) => volume.name === mount!.name)?.ephemeral?.volumeClaimTemplate
          : (object.spec.volumeClaimTemplates ?? []).find((c: Json) => c.metadata.name === mount!.name);
        expect(claim, `${label}: the volume at ${mount!.mountPath} is a claim (not an emptyDir, lost on every restart)`).toBeDefined();
        if (progressive) expect(r.params.addons?.[object.kind === "Rollout" ? "argo-rollouts" : "flagger"]?.enabled, `${label}: only progressive delivery turns the StatefulSet into a ${object.kind}`).toBe(true);
        expect(claim.spec.storageClassName, `${label}: the cloud's storage class is named`).toBe(r.params.inference.modelCache.storageClass);
      }
    }
  });

  test("where the CNI enforces no NetworkPolicy, a policy engine runs on every node, or the README says they are not enforced", () => {
    const r = byName(name);
    const cni = blocks(r, "resource", "scaleway_k8s_cluster")[0]?.[1].cni;
    if (cni !== "kilo") return; // Cilium, Calico and the AKS and Magnum engines enforce NetworkPolicies themselves.
    const policies = r.objects.filter(({ object }) => object.kind === "NetworkPolicy");
    expect(policies.length).toBeGreaterThan(0);
    const engine = r.objects.find(({ object }) => object.kind === "DaemonSet" && (object.spec.template.spec.containers as Json[]).some((c) => (c.args ?? []).includes("--run-firewall=true")));
    if (!engine) {
      expect(r.tree.get("README.md")).toMatch(/\*\*not enforced\*\*/);
      return;
    }
    const spec = engine.object.spec.template.spec;
    // kube-router beside Kilo: its firewall only (Kilo routes, kube-proxy serves Services), on every node.
    expect(spec.containers[0].args).toEqual(expect.arrayContaining(["--run-router=false", "--run-firewall=true", "--run-service-proxy=false"]));
    expect(spec.tolerations).toEqual([{ operator: "Exists" }]);
    expect(spec.hostNetwork).toBe(true);
    // Its namespace is declared privileged, with the reason, by the add-on's catalog entry.
    const namespace = engine.object.metadata.namespace;
    const addon = [...loadBlueprint(r.blueprint).offeredAddons.values()].map((offer) => offer.addon).find((a) => a.namespace === namespace);
    expect(addon?.podSecurity?.level).toBe("privileged");
    const file = r.objects.find(({ object }) => object.kind === "Namespace" && object.metadata.name === namespace)!.file;
    expect(r.tree.get(file)!.startsWith("# privileged:")).toBe(true);
    expect(r.tree.get("README.md")).not.toMatch(/\*\*not enforced\*\*/);
  });

  test("every Application synced from this repository has something to sync", () => {
    const r = byName(name);
    if (r.params.gitops !== "argo") return;
    for (const { object } of r.objects) {
      if (object.kind !== "Application" || object.spec.source.repoURL !== r.repoUrl) continue;
      const kustomization = r.tree.get(`${object.spec.source.path}/kustomization.yaml`);
      if (kustomization === undefined) continue; // a plain directory (the root Application)
      // The team's own place is wired in empty on purpose: it is there for the team's first app.
      if (isTeamPath(`${object.spec.source.path}/kustomization.yaml`)) continue;
      const resources = parseAllDocuments(kustomization)[0]!.toJS().resources as string[];
      expect(resources.length, `${object.metadata.name} syncs ${object.spec.source.path}, which builds nothing`).toBeGreaterThan(0);
    }
  });

  test("Argo CD manages itself from its pinned release, never deleting itself, and leaves argocd-cm to the root Application", () => {
    const r = byName(name);
    if (r.params.gitops !== "argo") return;
    const self = r.objects.find(({ object }) => object.kind === "Application" && object.spec.source.repoURL === "https://github.com/argoproj/argo-cd.git")?.object;
    expect(self).toBeDefined();
    expect(self!.spec.source).toMatchObject({ targetRevision: defaults.argoCdVersion, path: "manifests/cluster-install" });
    expect(self!.spec.destination.namespace).toBe("argocd");
    expect(self!.metadata.finalizers).toBeUndefined();
    expect(self!.metadata.annotations["argocd.argoproj.io/sync-options"]).toContain("Prune=false");
    expect(self!.spec.syncPolicy.syncOptions).toContain("ServerSideApply=true");
    expect(self!.spec.source.kustomize.patches.map((p: Json) => p.patch).join("\n")).toMatch(/\$patch: delete[\s\S]*kind: ConfigMap[\s\S]*name: argocd-cm/);
    expect(r.objects.some(({ object }) => object.kind === "ConfigMap" && object.metadata.name === "argocd-cm")).toBe(true);
    const project = r.objects.find(({ object }) => object.kind === "AppProject")!.object;
    expect(project.spec.sourceRepos).toContain("https://github.com/argoproj/argo-cd.git");
  });
});
