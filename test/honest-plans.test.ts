import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { createClusterRepo } from "../src/pipeline.js";
import { parseSetFlag } from "../src/params/set-flags.js";
import { pullRequestBody, describePlan } from "../src/update/describe.js";
import { planUpdate } from "../src/update/plan.js";
import { formatSummary, formatTerraformWarning } from "../src/update/summary.js";
import { replacementFor } from "../src/validators/terraform/provider-tables.js";
import { recordingCli, runCli, tempDir } from "./helpers/cli.js";
import { sharedDir } from "./helpers/fixtures.js";
import { useGitHubDouble } from "./helpers/github-api-server.js";

/**
 * Plans that say when something is replaced: `plan`, `update` and the PR body mark each Terraform address added,
 * changed, replaced (a ForceNew argument changed, or it references a resource that is replaced) or destroyed, with
 * replacements and destroys first under a warning. One case per provider with a ForceNew argument a parameter
 * governs; the ForceNew facts they rely on are checked against the provider facts first.
 */
const set = (...flags: string[]) => ({ sets: flags.map(parseSetFlag) });
const work = tempDir("ccr-honest-");
const repos = new Map<string, string>();
/** One generated repository per blueprint, shared by the cases (plan writes nothing). */
async function repo(blueprint: string): Promise<string> {
  if (!repos.has(blueprint)) {
    const dir = join(work, blueprint);
    await createClusterRepo({ blueprint, targetDir: dir, params: { values: { repoUrl: `https://github.com/acme/${blueprint}.git` } } });
    repos.set(blueprint, dir);
  }
  return repos.get(blueprint)!;
}

/** `| `arg` | kind | type | default | notes |` rows of a resource's section in the shared provider facts. */
function factsSaysForceNew(resource: string, argument: string): boolean | undefined {
  const file = join(sharedDir, "reference", "provider-facts.md");
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, "utf8");
  const start = text.search(new RegExp(`^### [0-9.]+ \`${resource}\`$`, "m"));
  const section = text.slice(start, text.indexOf("\n### ", start + 1));
  const row = section.split("\n").find((line) => line.startsWith(`| \`${argument}\` |`));
  return row === undefined ? undefined : row.split("|").at(-2)!.includes("ForceNew");
}

describe("the ForceNew facts these cases rely on", () => {
  const facts: Array<[string, string[], boolean]> = [
    ["scaleway_k8s_cluster", ["cni"], true],
    ["scaleway_k8s_pool", ["max_size"], false],
    ["scaleway_k8s_pool", ["cluster_id"], true],
    ["azurerm_kubernetes_cluster_node_pool", ["gpu_driver"], true],
    ["azurerm_kubernetes_cluster_node_pool", ["max_count"], false],
    ["azurerm_kubernetes_cluster", ["default_node_pool", "gpu_driver"], true],
    ["openstack_containerinfra_cluster_v1", ["master_count"], true],
    ["openstack_containerinfra_cluster_v1", ["labels"], true],
    ["openstack_containerinfra_nodegroup_v1", ["role"], true],
    ["openstack_containerinfra_nodegroup_v1", ["max_node_count"], false],
  ];
  test.each(facts)("%s %j: ForceNew %s", async (resource, path, forceNew) => {
    expect(await replacementFor(resource, path.join("."))).toBe(forceNew ? "always" : false);
    const shared = factsSaysForceNew(resource, path.join("."));
    if (shared !== undefined) expect(shared).toBe(forceNew);
  });

  test("unknown resources and arguments are unknown, not in place", async () => {
    expect(await replacementFor("aws_instance", "ami")).toBeUndefined();
    expect(await replacementFor("scaleway_k8s_pool", "no_such_argument")).toBeUndefined();
  });
});

describe("Scaleway (kapsule-gpu)", () => {
  test("plan --set cni=calico: the cluster is replaced, and its pools with it, under a warning that comes first", async () => {
    const dir = await repo("kapsule-gpu");
    const run = await runCli(["plan", dir, "--set", "cni=calico"]);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    // The cluster, and what references its ID: the pools and the API ACL.
    expect(run.stdout).toMatch(/^WARNING: Terraform replaces 4 \(scaleway_k8s_cluster\.this, scaleway_k8s_acl\.this, scaleway_k8s_pool\.gpu, scaleway_k8s_pool\.system\)/);
    expect(run.stdout).toContain("lifecycle.prevent_destroy, so terraform plan refuses the change");
    const lines = run.stdout.split("\n");
    const section = lines.indexOf(lines.find((l) => l.startsWith("Terraform resources"))!);
    // External Secrets' IAM policy names the cluster's project: known only after the new cluster exists, so changed in place.
    expect(lines[section]).toBe("Terraform resources (4 replaced, 0 destroyed, 0 added, 1 changed in place):");
    expect(lines[section + 1]).toBe("  -/+ scaleway_k8s_cluster.this  replaced: cni forces a new resource");
    expect(lines.slice(section)).toContain("  -/+ scaleway_k8s_pool.gpu  replaced: cluster_id (scaleway_k8s_cluster.this is replaced) forces a new resource");

    const json = JSON.parse((await runCli(["plan", dir, "--set", "cni=calico", "-o", "json"])).stdout);
    expect(json.summary.terraform.replaced).toEqual(["scaleway_k8s_cluster.this", "scaleway_k8s_acl.this", "scaleway_k8s_pool.gpu", "scaleway_k8s_pool.system"]);
    expect(json.summary.terraform.changes[0]).toEqual({ address: "scaleway_k8s_cluster.this", action: "replace", reasons: ["cni"], mayReplace: [], unknown: [], preventDestroy: true });
  });

  test("a pool's max_size changes in place, with no warning", async () => {
    const plan = await planUpdate(await repo("kapsule-gpu"), set("gpuPool.maxSize=3"));
    expect(plan.summary.terraform.changes).toEqual([{ address: "scaleway_k8s_pool.gpu", action: "change", reasons: ["max_size"], mayReplace: [], unknown: [], preventDestroy: false }]);
    expect(formatTerraformWarning(plan.summary.terraform)).toBe("");
    expect(formatSummary(plan.summary)).toContain("  ~ scaleway_k8s_pool.gpu  (max_size)");
  });

  test("with preventDestroy off, the replacement is still flagged but no longer refused", async () => {
    const plan = await planUpdate(await repo("kapsule-gpu"), set("cni=calico", "preventDestroy=false"));
    expect(plan.summary.terraform.replaced).toContain("scaleway_k8s_cluster.this");
    expect(plan.summary.terraform.changes.every((c) => !c.preventDestroy)).toBe(true);
    expect(formatTerraformWarning(plan.summary.terraform)).not.toContain("prevent_destroy");
  });
});

describe("Scaleway (kosmos-multicloud): a replacement the provider decides on the values", () => {
  test("a new clusterType is a possible replacement (a CustomizeDiff forces some type changes): flagged first, not hidden", async () => {
    expect(await replacementFor("scaleway_k8s_cluster", "type")).toBe("conditional");
    const plan = await planUpdate(await repo("kosmos-multicloud"), set("clusterType=multicloud-dedicated-4"));
    const cluster = plan.summary.terraform.changes[0]!;
    expect(cluster).toMatchObject({ address: "scaleway_k8s_cluster.this", action: "change", mayReplace: ["type"], preventDestroy: true });
    expect(formatTerraformWarning(plan.summary.terraform)).toMatch(/^WARNING: Terraform may replace 1 \(scaleway_k8s_cluster\.this; terraform plan tells\)/);
    expect(formatSummary(plan.summary)).toContain("  ~ scaleway_k8s_cluster.this  (type; the provider replaces it for some values of: type)");
    expect(pullRequestBody(describePlan(plan))).toMatch(/^> \[!WARNING\]\n> \*\*Terraform may destroy resources in this change \(1 possibly replaced\)\.\*\*/);
  });
});

describe("Azure (aks-gpu)", () => {
  test("switching gpuStack replaces the GPU pool: gpu_driver is ForceNew", async () => {
    // The answers file records dcgm-exporter on (the device plugin ran alone): the GPU operator brings its own
    // exporter, and the two never run together, so the switch goes with it.
    const plan = await planUpdate(await repo("aks-gpu"), set("gpuStack=gpu-operator", "addons.dcgm-exporter.enabled=false"));
    expect(plan.summary.terraform.replaced).toEqual(["azurerm_kubernetes_cluster_node_pool.gpu"]);
    expect(plan.summary.terraform.changes[0]).toMatchObject({ action: "replace", reasons: ["gpu_driver"], preventDestroy: false });
    expect(formatTerraformWarning(plan.summary.terraform)).toMatch(/^WARNING: Terraform replaces 1 \(azurerm_kubernetes_cluster_node_pool\.gpu\)/);
  });

  test("a GPU pool's maxSize changes in place; its size under the autoscaler changes nothing (ignore_changes)", async () => {
    const dir = await repo("aks-gpu");
    const max = await planUpdate(dir, set("gpuPool.maxSize=3"));
    expect(max.summary.terraform.changes).toEqual([{ address: "azurerm_kubernetes_cluster_node_pool.gpu", action: "change", reasons: ["max_count"], mayReplace: [], unknown: [], preventDestroy: false }]);
    const size = await planUpdate(dir, set("gpuPool.size=1"));
    expect(size.summary.terraform.changes).toEqual([]);
  });
});

describe("OpenStack (magnum-openstack)", () => {
  test("masterCount replaces the cluster, and prevent_destroy refuses it", async () => {
    const plan = await planUpdate(await repo("magnum-openstack"), set("masterCount=5"));
    expect(plan.summary.terraform.changes).toEqual([{ address: "openstack_containerinfra_cluster_v1.this", action: "replace", reasons: ["master_count"], mayReplace: [], unknown: [], preventDestroy: true }]);
  });

  test("node groups are instances of a for_each: a new role replaces that group only, a new bound changes it in place", async () => {
    const dir = join(work, "magnum-groups");
    const groups = [
      { name: "cpu", nodeCount: 2, minNodeCount: 1, maxNodeCount: 4 },
      { name: "gpu", gpu: true, nodeCount: 1, minNodeCount: 0, maxNodeCount: 2 },
    ];
    await createClusterRepo({ blueprint: "magnum-openstack", targetDir: dir, params: { values: { nodeGroups: groups } } });
    const role = await planUpdate(dir, set("nodeGroups[1].role=inference"));
    expect(role.summary.terraform.changes.map(({ address, action, reasons }) => ({ address, action, reasons }))).toEqual([
      { address: 'openstack_containerinfra_nodegroup_v1.extra["gpu"]', action: "replace", reasons: ["role"] },
    ]);
    const bound = await planUpdate(dir, set("nodeGroups[0].maxNodeCount=6"));
    expect(bound.summary.terraform.changes.map(({ address, action }) => ({ address, action }))).toEqual([{ address: 'openstack_containerinfra_nodegroup_v1.extra["cpu"]', action: "change" }]);
    const removed = await planUpdate(dir, { values: { nodeGroups: groups.slice(0, 1) } });
    expect(removed.summary.terraform.destroyed).toEqual(['openstack_containerinfra_nodegroup_v1.extra["gpu"]']);
    expect(formatTerraformWarning(removed.summary.terraform)).toMatch(/destroys 1 \(openstack_containerinfra_nodegroup_v1\.extra\["gpu"\]\)/);
  });
});

describe("the PR body", () => {
  let body: string;
  beforeAll(async () => {
    body = pullRequestBody(describePlan(await planUpdate(await repo("kapsule-gpu"), set("cni=calico"))));
  });

  test("opens with the warning, naming each replaced address and why", () => {
    expect(body.startsWith("> [!WARNING]\n> **Terraform destroys resources in this change (4 replaced).**")).toBe(true);
    expect(body).toContain("> - `scaleway_k8s_cluster.this`: **replaced**: `cni` forces a new resource — `prevent_destroy` is set");
    expect(body.indexOf("[!WARNING]")).toBeLessThan(body.indexOf("| parameter | from | to |"));
  });

  test("a change with nothing destroyed has no warning", async () => {
    const quiet = pullRequestBody(describePlan(await planUpdate(await repo("kapsule-gpu"), set("gpuPool.maxSize=3"))));
    expect(quiet).not.toContain("[!WARNING]");
    expect(quiet.startsWith("Re-rendered by")).toBe(true);
  });
});

describe("update --pr against the local GitHub double", () => {
  const TOKEN = "ghp_HonestPlansTestToken0123456789abcdefXYZ";
  const servers = useGitHubDouble(TOKEN);
  const { cli } = recordingCli({ GITHUB_TOKEN: TOKEN });

  test("the pull request body of a CNI change opens with the replacement warning; update prints it too", async () => {
    const dir = join(work, "fleet");
    expect((await cli(["-b", "kapsule-gpu", "-y", "--github", "octocat/fleet", "--github-api-url", servers.api.url, dir])).status).toBe(0);
    const update = await cli(["update", dir, "--set", "cni=calico", "--pr", "--github-api-url", servers.api.url]);
    expect(update.stderr).toBe("");
    expect(update.status).toBe(0);
    expect(update.stdout).toMatch(/^WARNING: Terraform replaces 4 \(scaleway_k8s_cluster\.this, /);
    const [pull] = servers.api.state().pulls;
    expect(pull!.title).toBe("Update cni=calico");
    expect(pull!.body!.split("\n").slice(0, 5)).toEqual([
      "> [!WARNING]",
      "> **Terraform destroys resources in this change (4 replaced).** A replaced resource is destroyed, with what runs on it, and created again.",
      ">",
      "> - `scaleway_k8s_cluster.this`: **replaced**: `cni` forces a new resource — `prevent_destroy` is set, so `terraform plan` refuses this until it is turned off on purpose (README: *Destroying or replacing the cluster*)",
      // The ACL is protected like the cluster: replacing it would reopen the API for a while.
      "> - `scaleway_k8s_acl.this`: **replaced**: `cluster_id (scaleway_k8s_cluster.this is replaced)` forces a new resource — `prevent_destroy` is set, so `terraform plan` refuses this until it is turned off on purpose (README: *Destroying or replacing the cluster*)",
    ]);
    expect(pull!.body).toContain("  -/+ scaleway_k8s_cluster.this  replaced: cni forces a new resource");
    expect(servers.api.takeViolations()).toEqual([]);
  });
});
