import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { summarize, type Problem, type UnitResult } from "../src/validators/types.js";
import { formatReport } from "../src/validators/report/index.js";
import { loadProviderTables, replacementArguments, replacementFor, validateTerraform, type ProviderTable } from "../src/validators/terraform/index.js";
import { canonicalTerraform } from "../src/validators/terraform/format.js";
import { highestAllowedMajor } from "../src/validators/terraform/provider-config.js";
import { tableFit } from "../src/validators/terraform/table-fit.js";
import { providerTablesDir, providerTablesIn, tabledProviders } from "../src/validators/terraform/provider-tables.js";
import { isLiteralExpression } from "../src/validators/terraform/references.js";

const root = resolve(import.meta.dirname, "..");
const factsPath = resolve(root, "../shared/reference/provider-facts.md");
const haveFacts = existsSync(factsPath);
const facts = haveFacts ? readFileSync(factsPath, "utf8") : "";

/** The `kind` column of a row of the facts' argument tables, e.g. factKind("`delete_additional_resources`"). */
function factKind(argument: string): string | undefined {
  return new RegExp(`^\\| \`${argument.replace(/[.{}]/g, "\\$&")}\` \\| ([A-Za-z ]+) \\|`, "m").exec(facts)?.[1]?.trim();
}

/** A local `terraform` binary, when there is one, is the oracle for `terraform fmt` (it formats offline). Awaited, not synchronous: see test/helpers/cli.ts. */
function terraformFmt(source: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const child = execFile("terraform", ["fmt", "-"], { encoding: "utf8", timeout: 120_000 }, (error, stdout) => resolve(error ? undefined : stdout));
    child.stdin?.on("error", () => undefined);
    child.stdin?.end(source);
  });
}
const haveTerraform = (await terraformFmt('a = 1\n')) !== undefined;

const PIN = `terraform {
  required_providers {
    scaleway = { source = "scaleway/scaleway", version = "~> 2.81" }
  }
}
`;

const KAPSULE = `${PIN}
resource "scaleway_vpc_private_network" "pn" {
  name   = "gpu-pn"
  region = "fr-par"
}

resource "scaleway_k8s_cluster" "this" {
  name                        = "gpu"
  type                        = "kapsule"
  version                     = "1.35"
  cni                         = "cilium"
  region                      = "fr-par"
  private_network_id          = scaleway_vpc_private_network.pn.id
  delete_additional_resources = false
  auto_upgrade {
    enable                        = true
    maintenance_window_start_hour = 3
    maintenance_window_day        = "sunday"
  }
}

resource "scaleway_k8s_pool" "gpu" {
  cluster_id  = scaleway_k8s_cluster.this.id
  name        = "gpu-l4"
  node_type   = "L4-1-24G"
  zone        = "fr-par-2"
  size        = 1
  min_size    = 0
  max_size    = 3
  autoscaling = true
  taints {
    key    = "nvidia.com/gpu"
    value  = "present"
    effect = "NoSchedule"
  }
}
`;

const PROVIDER_FUNCTIONS = `locals {
  id = provider::scaleway::parse_zonal_id("fr-par-1/11111111-1111-1111-1111-111111111111")
  a = provider::scaleway::parse_region( "x" ).region
  b   = "\${provider::scaleway::fn(1)}"
  c = [for x in var.l : provider::scaleway::f(x)]
}
`;

async function validate(content: string, path = "infra/main.tf", options?: { checkFormat?: boolean }): Promise<UnitResult[]> {
  return validateTerraform([{ path, content }], options);
}

function problems(results: UnitResult[], rule?: string): Problem[] {
  return results.flatMap((result) => result.problems).filter((problem) => rule === undefined || problem.rule === rule);
}

function unitFor(results: UnitResult[], label: string): UnitResult {
  const found = results.find((result) => result.label === label);
  if (!found) throw new Error(`no result for ${label}: ${results.map((result) => result.label).join(", ")}`);
  return found;
}

function lineOf(content: string, needle: string): number {
  const index = content.indexOf(needle);
  if (index < 0) throw new Error(`"${needle}" not in fixture`);
  return content.slice(0, index).split("\n").length;
}

// Re-deriving the tables reads three providers' Go source (about a minute of CPU on a busy machine): run only when
// PROVIDER_SOURCE_MIRROR names the folder holding the git directories (`<owner>+<name>/repo`).
const mirror = process.env.PROVIDER_SOURCE_MIRROR ?? "";
const haveMirror = mirror !== "" && ["scaleway+terraform-provider-scaleway", "terraform-provider-openstack+terraform-provider-openstack", "hashicorp+terraform-provider-azurerm"].every((repo) => existsSync(join(mirror, repo, "repo")));

describe("provider tables", () => {
  it("are found by the presence of their file: a table added to the folder is used, with nothing to register", () => {
    const dir = mkdtempSync(join(tmpdir(), "provider-tables-"));
    try {
      for (const file of ["ovh.json", "azurerm.json", "README.md"]) writeFileSync(join(dir, file), "{}");
      expect(providerTablesIn(dir)).toEqual(["azurerm", "ovh"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(tabledProviders).toEqual(readdirSync(providerTablesDir).filter((file) => file.endsWith(".json")).map((file) => file.replace(/\.json$/, "")).sort());
    expect(tabledProviders.length).toBeGreaterThanOrEqual(3);
  });

  let providerTables: Record<string, ProviderTable>;
  it("pins the providers' current releases and names their source, commit and licence", async () => {
    providerTables = { ...(await loadProviderTables(["scaleway", "openstack", "azurerm"])) };
    expect(providerTables.scaleway).toMatchObject({ source: "scaleway/scaleway", version: "2.81.0", versionConstraint: "~> 2.81", upstream: { repository: "scaleway/terraform-provider-scaleway", tag: "v2.81.0", licence: "MPL-2.0" } });
    expect(providerTables.openstack).toMatchObject({ source: "terraform-provider-openstack/openstack", version: "3.4.0", versionConstraint: "~> 3.4", upstream: { tag: "v3.4.0", licence: "MPL-2.0" } });
    expect(providerTables.azurerm).toMatchObject({ source: "hashicorp/azurerm", version: "5.2.0", versionConstraint: "~> 5.2", upstream: { tag: "v5.2.0", licence: "MPL-2.0" } });
    for (const table of Object.values(providerTables)) expect(table.upstream.commit).toMatch(/^[0-9a-f]{40}$/);
  });

  it("cover the whole Scaleway and OpenStack releases and the azurerm services a cluster repository uses", async () => {
    const { scaleway, openstack, azurerm } = await loadProviderTables(["scaleway", "openstack", "azurerm"]);
    expect(Object.keys(scaleway!.resources).sort()).toEqual([...scaleway!.resourceTypes].sort());
    expect(Object.keys(openstack!.resources).sort()).toEqual([...openstack!.resourceTypes].sort());
    expect(scaleway!.resourceTypes).toEqual(expect.arrayContaining(["scaleway_secret", "scaleway_iam_policy", "scaleway_lb", "scaleway_object_bucket", "scaleway_domain_record", "scaleway_instance_server", "scaleway_iam_saml"]));
    expect(openstack!.resourceTypes).toEqual(expect.arrayContaining(["openstack_lb_loadbalancer_v2", "openstack_identity_application_credential_v3", "openstack_objectstorage_container_v1", "openstack_dns_recordset_v2", "openstack_keymanager_secret_v1"]));
    for (const type of ["azurerm_kubernetes_cluster", "azurerm_role_assignment", "azurerm_user_assigned_identity", "azurerm_lb", "azurerm_storage_account", "azurerm_linux_virtual_machine", "azurerm_dns_zone", "azurerm_private_dns_zone", "azurerm_key_vault_secret", "azurerm_federated_identity_credential"]) {
      expect(azurerm!.resources[type], type).toBeDefined();
    }
    // types outside those services are known by name (so a typo is still caught) but have no table
    expect(azurerm!.resourceTypes).toContain("azurerm_cosmosdb_account");
    expect(azurerm!.resources.azurerm_cosmosdb_account).toBeUndefined();
  });

  it.skipIf(!haveFacts)("agree with the argument rows of provider-facts.md", async () => {
    const { scaleway, azurerm } = await loadProviderTables(["scaleway", "azurerm"]);
    const rows = [...facts.matchAll(/^\| `([a-z0-9_.]+)( \{\})?` \| (Required|Optional|Computed)/gm)];
    expect(rows.length).toBeGreaterThan(700);
    const cluster = scaleway!.resources.scaleway_k8s_cluster!;
    expect(cluster.attributes.delete_additional_resources?.kind).toBe(factKind("delete_additional_resources")?.toLowerCase());
    expect(cluster.attributes.kubeconfig?.kind).toBe("computed");
    expect(cluster.blocks.auto_upgrade).toMatchObject({ required: false, max: 1 });
    expect(cluster.timeouts).toEqual(["create", "read", "update", "delete", "default"]);
    const aks = azurerm!.resources.azurerm_kubernetes_cluster!;
    expect(factKind("node_provisioning_profile {}")).toBe("Required block");
    expect(aks.blocks.node_provisioning_profile).toMatchObject({ required: true, min: 1, max: 1 });
    expect(aks.blocks.linux_profile?.schema.blocks.ssh_key).toMatchObject({ required: true, max: 1 });
    expect(aks.blocks.default_node_pool?.schema.removed?.node_taints?.since).toBe("4.0.0");
    expect(scaleway!.resources.scaleway_vpc_private_network!.timeouts).toEqual([]);
  });

  it.skipIf(!haveMirror)("are exactly what scripts/extract-provider-schemas.mjs derives from the providers' source (PROVIDER_SOURCE_MIRROR)", async () => {
    const out = mkdtempSync(join(tmpdir(), "provider-schemas-"));
    try {
      // awaited, not waited on synchronously: see spawnCli in test/helpers/cli.ts
      await new Promise<void>((done, fail) =>
        execFile(process.execPath, [resolve(root, "scripts/extract-provider-schemas.mjs"), "--mirror", mirror, "--out", out], { timeout: 300_000 }, (error) => (error ? fail(error) : done())),
      );
      for (const file of readdirSync(out)) {
        const committed = readFileSync(resolve(root, "schemas/terraform", file), "utf8");
        expect(readFileSync(join(out, file), "utf8") === committed, `${file} differs from a fresh extraction`).toBe(true);
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 300_000);
});

describe("replacement arguments (ForceNew) for plans", () => {
  it("marks the arguments the blueprints' parameters govern", async () => {
    expect(await replacementFor("scaleway_k8s_cluster", "cni")).toBe("always");
    expect(await replacementFor("scaleway_k8s_cluster", "version")).toBe(false);
    expect(await replacementFor("scaleway_k8s_cluster", "private_network_id")).toBe("conditional");
    expect(await replacementFor("scaleway_k8s_pool", "node_type")).toBe("always");
    expect(await replacementFor("scaleway_k8s_pool", "zone")).toBe("always");
    expect(await replacementFor("scaleway_k8s_pool", "max_size")).toBe(false);
    expect(await replacementFor("scaleway_k8s_pool", "size")).toBe(false);
    expect(await replacementFor("azurerm_kubernetes_cluster_node_pool", "gpu_driver")).toBe("always");
    expect(await replacementFor("azurerm_kubernetes_cluster_node_pool", "vm_size")).toBe(false);
    expect(await replacementFor("azurerm_kubernetes_cluster_node_pool", "max_count")).toBe(false);
    expect(await replacementFor("azurerm_kubernetes_cluster", "default_node_pool.0.gpu_driver")).toBe("always");
    expect(await replacementFor("azurerm_kubernetes_cluster", "network_profile.network_plugin")).toBe("conditional");
    expect(await replacementFor("azurerm_kubernetes_cluster", "network_profile")).toBe("always"); // adding or removing the block
    expect(await replacementFor("azurerm_kubernetes_cluster", "default_node_pool.max_count")).toBe(false);
    expect(await replacementFor("openstack_containerinfra_cluster_v1", "cluster_template_id")).toBe(false);
    expect(await replacementFor("openstack_containerinfra_cluster_v1", "keypair")).toBe("always");
    expect(await replacementFor("openstack_containerinfra_nodegroup_v1", "flavor_id")).toBe("always");
    expect(await replacementFor("openstack_containerinfra_nodegroup_v1", "node_count")).toBe(false);
    expect(await replacementFor("openstack_containerinfra_clustertemplate_v1", "region")).toBe("always");
    expect(await replacementFor("openstack_containerinfra_clustertemplate_v1", "image")).toBe(false);
    expect(await replacementFor("scaleway_k8s_pool", "no_such_argument")).toBeUndefined();
    expect(await replacementFor("aws_instance", "ami")).toBeUndefined();
  });

  it("lists every ForceNew path of a type, nested blocks included", async () => {
    const pool = await replacementArguments("scaleway_k8s_pool");
    expect(pool).toEqual(expect.arrayContaining([{ path: "node_type", when: "always" }, { path: "zone", when: "always" }]));
    expect(pool!.some(({ path }) => path === "max_size")).toBe(false);
    const aks = await replacementArguments("azurerm_kubernetes_cluster");
    expect(aks).toEqual(expect.arrayContaining([{ path: "default_node_pool.gpu_driver", when: "always" }]));
    expect(await replacementArguments("scaleway_nope")).toBeUndefined();
  });
});

describe("validateTerraform: provider schemas", () => {
  it("accepts a correct Kapsule cluster with a GPU pool", async () => {
    const results = await validate(KAPSULE);
    expect(problems(results)).toEqual([]);
    expect(results.map((result) => [result.label, result.status])).toEqual([
      ["infra/main.tf", "valid"],
      ["scaleway_vpc_private_network.pn", "valid"],
      ["scaleway_k8s_cluster.this", "valid"],
      ["scaleway_k8s_pool.gpu", "valid"],
    ]);
    expect(results.every((result) => result.validator === "terraform")).toBe(true);
  });

  it.skipIf(!haveFacts)("reports the missing delete_additional_resources, Required per the facts", async () => {
    expect(factKind("delete_additional_resources")).toBe("Required");
    const content = KAPSULE.replace("  delete_additional_resources = false\n", "");
    const cluster = unitFor(await validate(content), "scaleway_k8s_cluster.this");
    expect(cluster.status).toBe("invalid");
    expect(cluster.problems).toEqual([
      expect.objectContaining({ rule: "tf-missing-required", path: "delete_additional_resources", line: lineOf(content, 'resource "scaleway_k8s_cluster"'), file: "infra/main.tf" }),
    ]);
  });

  it("reports the removed default_pool with its replacement", async () => {
    const content = KAPSULE.replace("  auto_upgrade {", '  default_pool {\n    node_type = "DEV1-M"\n    size      = 1\n  }\n  auto_upgrade {');
    const cluster = unitFor(await validate(content, "main.tf", { checkFormat: false }), "scaleway_k8s_cluster.this");
    expect(cluster.problems).toHaveLength(1);
    expect(cluster.problems[0]).toMatchObject({ rule: "tf-removed", path: "default_pool", line: lineOf(content, "default_pool {"), resource: "scaleway_k8s_cluster.this" });
    expect(cluster.problems[0]!.message).toContain("scaleway_k8s_pool");
  });

  it("reports an unknown argument with the closest name, also inside nested blocks", async () => {
    const content = KAPSULE.replace("  node_type   =", "  node_typ    =").replace("    enable                        = true", "    enabled                       = true");
    const results = await validate(content, "main.tf", { checkFormat: false });
    const unknown = problems(results, "tf-unknown-argument");
    expect(unknown.map((problem) => [problem.path, problem.line])).toEqual([
      ["auto_upgrade.enabled", lineOf(content, "enabled ")],
      ["node_typ", lineOf(content, "node_typ ")],
    ]);
    expect(unknown[0]!.message).toContain("did you mean enable?");
    expect(unknown[1]!.message).toContain("did you mean node_type?");
    // the misspelt required arguments are missing too
    expect(problems(results, "tf-missing-required").map((problem) => problem.path)).toEqual(["auto_upgrade.enable", "node_type"]);
  });

  it("reports a Computed attribute that is set", async () => {
    const content = KAPSULE.replace('  zone        = "fr-par-2"\n', '  zone        = "fr-par-2"\n  status      = "ready"\n');
    const pool = unitFor(await validate(content, "main.tf", { checkFormat: false }), "scaleway_k8s_pool.gpu");
    expect(pool.problems).toEqual([expect.objectContaining({ rule: "tf-computed-attribute", path: "status", line: lineOf(content, "status") })]);
  });

  it("reports the removed scaleway_k8s_cluster_beta resource type", async () => {
    const content = `resource "scaleway_k8s_cluster_beta" "old" {\n  name    = "old"\n  version = "1.18"\n  cni     = "cilium"\n}\n`;
    const [, unit] = await validate(content);
    expect(unit).toMatchObject({ label: "scaleway_k8s_cluster_beta.old", status: "invalid" });
    expect(unit!.problems[0]).toMatchObject({ rule: "tf-removed", line: 1 });
    expect(unit!.problems[0]!.message).toContain("use scaleway_k8s_cluster");
    // no required_providers entry: Terraform would look for hashicorp/scaleway
    expect(unit!.problems[1]).toMatchObject({ rule: "tf-provider-source", severity: "warning", line: 1 });
    expect(unit!.problems[1]!.message).toContain('source = "scaleway/scaleway"');
  });

  it("reports a second block where at most one is allowed", async () => {
    const content = KAPSULE.replace(
      "  auto_upgrade {",
      '  autoscaler_config {\n    estimator = "binpacking"\n  }\n  autoscaler_config {\n    expander = "random"\n  }\n  auto_upgrade {',
    );
    const cluster = unitFor(await validate(content, "main.tf", { checkFormat: false }), "scaleway_k8s_cluster.this");
    const second = content.indexOf("autoscaler_config {", content.indexOf("autoscaler_config {") + 1);
    expect(cluster.problems).toEqual([expect.objectContaining({ rule: "tf-too-many-blocks", path: "autoscaler_config", line: content.slice(0, second).split("\n").length })]);
  });

  it("checks dynamic block content and accepts meta-arguments and timeouts", async () => {
    const content = `variable "taints" {
  type = list(object({ key = string, value = string, effect = string }))
}

resource "scaleway_k8s_pool" "p" {
  count      = 2
  cluster_id = "11111111-1111-1111-1111-111111111111"
  node_type  = "PRO2-XS"
  size       = 1
  dynamic "taints" {
    for_each = var.taints
    content {
      key    = taints.value.key
      value  = taints.value.value
      efect  = taints.value.effect
    }
  }
  lifecycle {
    ignore_changes = [size]
  }
  timeouts {
    create = "30m"
    delete = "30m"
  }
}
`;
    const results = await validate(content, "main.tf", { checkFormat: false });
    const errors = problems(results).filter((problem) => problem.severity === "error");
    expect(errors.map((problem) => [problem.rule, problem.path, problem.line])).toEqual([
      ["tf-missing-required", "taints.effect", 12],
      ["tf-unknown-argument", "taints.efect", 15],
      ["tf-unknown-argument", "timeouts.delete", 23], // scaleway_k8s_pool accepts create, update, default
    ]);
  });

  it.skipIf(!haveFacts)("reports an AKS cluster without node_provisioning_profile, Required in azurerm 5.x", async () => {
    const content = `resource "azurerm_kubernetes_cluster" "aks" {
  name                = "aks-gpu"
  location            = "westeurope"
  resource_group_name = "rg"
  dns_prefix          = "aksgpu"

  default_node_pool {
    name    = "system"
    vm_size = "Standard_D4s_v5"
  }

  identity {
    type = "SystemAssigned"
  }
}
`;
    const aks = unitFor(await validate(content), "azurerm_kubernetes_cluster.aks");
    expect(aks.problems).toEqual([expect.objectContaining({ rule: "tf-missing-required", path: "node_provisioning_profile", line: 1 })]);
    const empty = content.replace("  identity {", "  node_provisioning_profile {}\n\n  identity {");
    const emptyAks = unitFor(await validate(empty), "azurerm_kubernetes_cluster.aks");
    expect(emptyAks.problems).toEqual([expect.objectContaining({ rule: "tf-at-least-one-of", path: "node_provisioning_profile" })]);
    const fixed = content.replace("  identity {", '  node_provisioning_profile {\n    mode = "Manual"\n  }\n\n  identity {');
    expect(problems(await validate(fixed))).toEqual([]);
  });

  it("an optional block with MinItems 1 may be left out: only the provider's Required makes a block required", async () => {
    // openstack 3.4: vendor_options is Optional with MinItems 1 (resource_openstack_compute_instance_v2.go).
    const content = `terraform {
  required_providers {
    openstack = { source = "terraform-provider-openstack/openstack", version = "~> 3.4" }
  }
}

resource "openstack_compute_instance_v2" "bastion" {
  name        = "bastion"
  image_name  = "ubuntu-24.04"
  flavor_name = "m1.small"
}
`;
    expect(problems(await validate(content))).toEqual([]);
    const written = content.replace('  flavor_name = "m1.small"\n', '  flavor_name = "m1.small"\n\n  vendor_options {\n    detach_ports_before_destroy = true\n  }\n');
    expect(problems(await validate(written))).toEqual([]);
  });

  it("reports azurerm 3.x/4.x-era arguments as removed and exactly-one-of violations", async () => {
    const content = `resource "azurerm_kubernetes_cluster" "aks" {
  name                      = "aks"
  location                  = "westeurope"
  resource_group_name       = "rg"
  automatic_channel_upgrade = "stable"

  default_node_pool {
    name                = "system"
    enable_auto_scaling = true
    node_taints         = ["a=b:NoSchedule"]
  }

  node_provisioning_profile {
    mode = "Manual"
  }

  identity {
    type = "SystemAssigned"
  }

  service_principal {
    client_id     = "x"
    client_secret = "y"
  }
}
`;
    const aks = unitFor(await validate(content), "azurerm_kubernetes_cluster.aks");
    expect(aks.problems.map((problem) => [problem.rule, problem.path, problem.line])).toEqual([
      ["tf-exactly-one-of", "", 1], // neither dns_prefix nor dns_prefix_private_cluster
      ["tf-removed", "automatic_channel_upgrade", 5],
      ["tf-removed", "default_node_pool.enable_auto_scaling", 9],
      ["tf-removed", "default_node_pool.node_taints", 10],
      ["tf-exactly-one-of", "service_principal", 21], // identity and service_principal
    ]);
    expect(aks.problems[1]!.message).toContain("automatic_upgrade_channel");
  });

  it("reports blocks of providers or types without a table as not checked, never as valid", async () => {
    const content = `resource "random_password" "p" {\n  length = 16\n}\n\nresource "azurerm_cosmosdb_account" "db" {\n  name = "x"\n}\n`;
    const results = await validate(content);
    expect(unitFor(results, "random_password.p")).toMatchObject({ status: "skipped", problems: [], notChecked: "no table for provider random" });
    expect(unitFor(results, "azurerm_cosmosdb_account.db")).toMatchObject({ status: "skipped", problems: [] });
    expect(unitFor(results, "azurerm_cosmosdb_account.db").notChecked).toContain("has no table");
    const report = summarize(results);
    expect(report.summary).toMatchObject({ resources: 0, checks: { total: 3, valid: 1, skipped: 2 }, notChecked: 2 });
    const text = formatReport(report, "text");
    expect(text).toContain("Skipped: 2 (not checked: 2, see below)");
    expect(text).toContain("not checked: 1 - no table for provider random: random_password.p");
  });

  it("reports a type the provider does not have, with a suggestion only when it is a plausible typo", async () => {
    const content = `resource "scaleway_k8s_clustr" "c" {\n  name = "x"\n}\n\nresource "scaleway_secret" "s" {\n  name = "db"\n}\n\nresource "scaleway_sekret_store" "t" {\n  name = "db"\n}\n\ndata "scaleway_k8s_versoin" "v" {\n}\n`;
    const results = await validate(content, "infra/main.tf", { checkFormat: false });
    const near = unitFor(results, "scaleway_k8s_clustr.c");
    expect(near.status).toBe("invalid");
    expect(near.problems[0]).toMatchObject({ rule: "tf-unknown-resource-type", severity: "error" });
    expect(near.problems[0]!.message).toBe("scaleway 2.81.0 has no resource type scaleway_k8s_clustr; did you mean scaleway_k8s_cluster?");
    // scaleway_secret is a real type (Secret Manager) and is checked; nothing suggests scaleway_vpc for it
    expect(unitFor(results, "scaleway_secret.s")).toMatchObject({ status: "valid", problems: [] });
    const far = unitFor(results, "scaleway_sekret_store.t");
    expect(far.problems[0]!.message).toBe("scaleway 2.81.0 has no resource type scaleway_sekret_store");
    expect(unitFor(results, "data.scaleway_k8s_versoin.v").problems[0]!.message).toBe("scaleway 2.81.0 has no data source scaleway_k8s_versoin; did you mean scaleway_k8s_version?");
  });
});

describe("validateTerraform: rules derived from the providers' ConflictsWith", () => {
  it("reports two conflicting arguments set together, but not one whose value may be null", async () => {
    const port = (noFixedIp: string) => `resource "openstack_networking_port_v2" "p" {\n  network_id  = "n"\n  no_fixed_ip = ${noFixedIp}\n  fixed_ip {\n    subnet_id = "s"\n  }\n}\n`;
    const conflict = unitFor(await validate(port("true"), "infra/main.tf", { checkFormat: false }), "openstack_networking_port_v2.p");
    expect(conflict.problems.filter((problem) => problem.rule === "tf-conflicts-with").map((problem) => [problem.line, problem.message])).toEqual([
      [4, "fixed_ip and no_fixed_ip cannot both be set in openstack_networking_port_v2.p"],
    ]);
    const maybeNull = unitFor(await validate(port("var.no_ip ? true : null") + 'variable "no_ip" {}\n', "infra/main.tf", { checkFormat: false }), "openstack_networking_port_v2.p");
    expect(maybeNull.problems.filter((problem) => problem.rule === "tf-conflicts-with")).toEqual([]);
  });
});

describe("validateTerraform: declarations", () => {
  it("reports duplicate resource, data, variable and local declarations across the files of a module, as Terraform does", async () => {
    const a = `resource "scaleway_vpc" "main" {\n  name = "a"\n}\n\ndata "scaleway_vpc" "x" {\n  name = "a"\n}\n\nvariable "region" {}\n\nlocals {\n  n = 1\n}\n`;
    const b = `resource "scaleway_vpc" "main" {\n  name = "b"\n}\n\ndata "scaleway_vpc" "x" {\n  name = "b"\n}\n\nvariable "region" {}\n\nlocals {\n  n = 2\n}\n`;
    const results = await validateTerraform([{ path: "m/a.tf", content: a }, { path: "m/b.tf", content: b }, { path: "other/b.tf", content: b }], { checkFormat: false });
    const duplicates = problems(results, "tf-duplicate").map((problem) => [problem.file, problem.line, problem.message]);
    expect(duplicates).toEqual([
      ["m/b.tf", 9, 'Duplicate variable declaration: a variable named "region" was already declared at m/a.tf:9'],
      ["m/b.tf", 12, 'Duplicate local value definition: a local value named "n" was already defined at m/a.tf:12; local value names must be unique within a module'],
      ["m/b.tf", 1, 'Duplicate resource "scaleway_vpc" configuration: a resource named "main" was already declared at m/a.tf:1'],
      ["m/b.tf", 5, 'Duplicate data "scaleway_vpc" configuration: a data named "x" was already declared at m/a.tf:5'],
    ]);
    expect(unitFor(results.filter((r) => r.file === "m/b.tf"), "scaleway_vpc.main").status).toBe("invalid");
    expect(results.filter((r) => r.file === "other/b.tf").every((r) => r.status === "valid")).toBe(true);
  });

  it("reports an invalid variable name once where it is declared, not at each use", async () => {
    const content = `variable "node_type " {\n  type = string\n}\n\nresource "scaleway_k8s_pool" "gpu" {\n  cluster_id = "x"\n  name       = var.node_type\n  node_type  = var.node_type\n  size       = 1\n}\n\noutput "a" {\n  value = var.node_type\n}\n`;
    const results = await validate(content, "infra/main.tf", { checkFormat: false });
    expect(problems(results, "tf-undeclared-reference")).toEqual([]);
    expect(problems(results, "tf-invalid-name").map((problem) => [problem.line, problem.message])).toEqual([
      [1, 'Invalid variable name "node_type ": a name must start with a letter or underscore and may contain only letters, digits, underscores, and dashes'],
    ]);
    // a real typo next to it is still reported, and never suggests the invalid declaration
    const typo = await validate(content.replace("value = var.node_type", "value = var.node_typo"), "infra/main.tf", { checkFormat: false });
    expect(problems(typo, "tf-undeclared-reference").map((problem) => problem.message)).toEqual(["var.node_typo refers to a variable that is not declared in module infra"]);
  });

  it("reports invalid resource names and reserved variable names", async () => {
    const content = `resource "scaleway_vpc" "1st" {\n  name = "a"\n}\n\nvariable "count" {}\n`;
    const results = await validate(content, "infra/main.tf", { checkFormat: false });
    expect(problems(results, "tf-invalid-name").map((problem) => problem.message).sort()).toEqual([
      'Invalid resource name "1st": a name must start with a letter or underscore and may contain only letters, digits, underscores, and dashes',
      'Invalid variable name: the variable name "count" is reserved due to its special meaning inside module blocks',
    ]);
  });
});

describe("validateTerraform: providers and pins", () => {
  const providerBlocks = `
provider "scaleway" {
  zone   = "fr-par-1"
  reigon = "fr-par"
}

provider "azurerm" {
  skip_provider_registration = true
}
`;

  it("checks provider blocks against the tables' release", async () => {
    const content = `terraform {
  required_providers {
    scaleway = { source = "scaleway/scaleway", version = "~> 2.81" }
    azurerm  = { source = "hashicorp/azurerm", version = "~> 5.2" }
  }
}
${providerBlocks}`;
    const [file] = await validate(content);
    expect(file!.problems.map((problem) => [problem.rule, problem.severity, problem.line])).toEqual([
      ["tf-unknown-argument", "error", 10],
      ["tf-missing-required", "error", 13], // features {}
      ["tf-removed", "error", 14],
    ]);
    expect(file!.problems[0]!.message).toContain("did you mean region?");
  });

  it("warns about pins to an older major, and leaves that release's provider blocks unchecked", async () => {
    // skip_provider_registration is an argument of azurerm 3.x: removed in 4.0, it is no error in a module pinned to 3.x.
    const content = `terraform {
  required_providers {
    scaleway = { source = "scaleway/scaleway", version = "~> 1.17" }
    azurerm  = { source = "hashicorp/azurerm", version = ">= 3.0, < 4.0" }
    random   = { source = "hashicorp/random", version = "~> 3.6" }
  }
}
${providerBlocks}`;
    const [file] = await validate(content);
    expect(file!.problems.map((problem) => [problem.rule, problem.severity, problem.line])).toEqual([
      ["tf-provider-version", "warning", 3],
      ["tf-provider-version", "warning", 4],
    ]);
  });

  const aksWithLogs = (azurerm: string) => `terraform {
  required_providers {
    azurerm = { source = "hashicorp/azurerm", version = "${azurerm}" }
  }
}

resource "azurerm_log_analytics_workspace" "main" {
  name                          = "logs"
  location                      = "westeurope"
  resource_group_name           = "rg"
  local_authentication_disabled = true
}
`;

  it("leaves the blocks of a module pinned below the tables' release unchecked, with the reason", async () => {
    // local_authentication_disabled is an azurerm 4.x argument, removed in 5.0
    const covered = await validate(aksWithLogs("~> 5.2"));
    expect(covered.find((unit) => unit.label === "azurerm_log_analytics_workspace.main")!.status).toBe("invalid");
    const older = (await validate(aksWithLogs(">= 4.48.0, < 5.0"))).find((unit) => unit.label === "azurerm_log_analytics_workspace.main")!;
    expect(older).toMatchObject({ status: "skipped", problems: [] });
    expect(older.notChecked).toBe('the module requires azurerm ">= 4.48.0, < 5.0", older than the 5.2.0 the tables describe');
  });

  it("checks a child module against the release its callers pin, as Terraform resolves one release per configuration", async () => {
    const child = aksWithLogs("~> 5.2").replace(/terraform \{[\s\S]*?\n\}\n\n/, "");
    const root = (azurerm: string, source: string) => `terraform {
  required_providers {
    azurerm = { source = "hashicorp/azurerm", version = "${azurerm}" }
  }
}

module "logs" {
  source = "${source}"
}
`;
    const childUnit = async (files: { path: string; content: string }[]) =>
      (await validateTerraform(files, { checkFormat: false })).find((unit) => unit.label === "azurerm_log_analytics_workspace.main")!;
    // Called from a root pinned to 4.x (through a second module): the argument 5.0 removed is not an error.
    const older = await childUnit([
      { path: "live/main.tf", content: root(">= 4.2.0, < 5.0.0", "../modules/wrapper") },
      { path: "modules/wrapper/main.tf", content: 'module "inner" {\n  source = "../logs"\n}\n' },
      { path: "modules/logs/main.tf", content: child },
    ]);
    expect(older).toMatchObject({ status: "skipped", problems: [] });
    expect(older.notChecked).toBe('the modules calling it require azurerm ">= 4.2.0, < 5.0.0", older than the 5.2.0 the tables describe');
    // Called from a root on the tables' release, or by nobody: checked, and the removed argument fails.
    expect((await childUnit([{ path: "live/main.tf", content: root("~> 5.2", "../modules/logs") }, { path: "modules/logs/main.tf", content: child }])).status).toBe("invalid");
    expect((await childUnit([{ path: "modules/logs/main.tf", content: child }])).status).toBe("invalid");
    // A source outside the repository, or a registry module, is not a caller.
    expect((await childUnit([{ path: "live/main.tf", content: root(">= 4.2.0, < 5.0.0", "../../elsewhere/logs") }, { path: "modules/logs/main.tf", content: child }])).status).toBe("invalid");
    // Two roots disagree: the one on the older release decides, so that it gets no error its release would not give.
    expect(
      (await childUnit([
        { path: "a/main.tf", content: root("~> 5.2", "../modules/logs") },
        { path: "b/main.tf", content: root("~> 4.48", "../modules/logs") },
        { path: "modules/logs/main.tf", content: child },
      ])).status,
    ).toBe("skipped");
  });

  it("does not fail resource types or arguments a newer pinned release may have added", async () => {
    const content = (version: string) => `terraform {
  required_providers {
    scaleway = { source = "scaleway/scaleway", version = "${version}" }
  }
}

resource "scaleway_quantum_computer" "q" {
  name = "q"
}

resource "scaleway_vpc" "main" {
  name          = "main"
  enable_quarks = true
}
`;
    const newer = await validate(content("~> 2.95"));
    expect(newer.find((unit) => unit.label === "scaleway_quantum_computer.q")).toMatchObject({ status: "skipped", notChecked: expect.stringContaining('the module requires "~> 2.95"') });
    const vpc = newer.find((unit) => unit.label === "scaleway_vpc.main")!;
    expect(vpc.status).toBe("valid");
    expect(vpc.problems.map((problem) => [problem.rule, problem.severity])).toEqual([["tf-unknown-argument", "warning"]]);
    expect(vpc.problems[0]!.message).toMatch(/^not checked: enable_quarks is not an argument/);
    // The same module pinned to the tables' release: both are errors.
    const covered = await validate(content("~> 2.81"));
    expect(covered.filter((unit) => unit.status === "invalid").map((unit) => unit.label)).toEqual(["scaleway_quantum_computer.q", "scaleway_vpc.main"]);
  });

  it("reads the range a Terraform version constraint admits, and how the tables' release fits it", () => {
    const fit = (constraint: string, version: string) => tableFit(constraint, { version }).fit;
    expect(fit("~> 2.81", "2.81.0")).toBe("covered");
    expect(fit("~> 2.81", "3.0.0")).toBe("older");
    expect(fit("~> 2.81.3", "2.82.0")).toBe("older");
    expect(fit("~> 2.81.3", "2.81.0")).toBe("newer");
    expect(fit(">= 4.48.0, < 5.0", "5.2.0")).toBe("older");
    expect(fit(">= 4.48.0, < 5.0", "4.48.0")).toBe("covered");
    expect(fit("> 5.2.0", "5.2.0")).toBe("newer");
    expect(fit("~> 2", "9.0.0")).toBe("covered"); // ~> with a major only has no upper bound
    expect(fit("= 3.4.0", "3.4.0")).toBe("covered");
    expect(fit("!= 3.4.0", "3.4.0")).toBe("covered"); // excludes one release, the range's ends stay
    expect(fit("not a version", "3.4.0")).toBe("covered");
  });
});

describe("validateTerraform: rules between arguments", () => {
  it("counts the argument that carries ExactlyOneOf among its own choices, as the SDK does", async () => {
    const content = `terraform {
  required_providers {
    scaleway = { source = "scaleway/scaleway", version = "~> 2.81" }
  }
}

resource "scaleway_iam_application" "app" {
  name = "app"
}

resource "scaleway_iam_policy" "app" {
  name           = "app"
  application_id = scaleway_iam_application.app.id
  rule {
    permission_set_names = ["ObjectStorageFullAccess"]
    organization_id      = "11111111-1111-1111-1111-111111111111"
  }
}

resource "scaleway_iam_policy" "nobody" {
  name = "nobody"
  rule {
    permission_set_names = ["ObjectStorageFullAccess"]
    organization_id      = "11111111-1111-1111-1111-111111111111"
  }
}
`;
    const results = await validate(content);
    expect(results.find((unit) => unit.label === "scaleway_iam_policy.app")).toMatchObject({ status: "valid", problems: [] });
    expect(problems(results, "tf-exactly-one-of").map((problem) => problem.message)).toEqual([
      "exactly one of application_id, group_id, no_principal, user_id must be set in scaleway_iam_policy.nobody, found none",
    ]);
  });

  it("does not count dynamic blocks whose for_each may be empty as set together", async () => {
    const cluster = (identity: string) => `terraform {
  required_providers {
    azurerm = { source = "hashicorp/azurerm", version = "~> 5.2" }
  }
}

variable "client_id" {
  type    = string
  default = ""
}

resource "azurerm_kubernetes_cluster" "main" {
  name                = "aks"
  location            = "westeurope"
  resource_group_name = "rg"
  dns_prefix          = "aks"

  default_node_pool {
    name       = "system"
    vm_size    = "Standard_D2s_v5"
    node_count = 1
  }
${identity}
}
`;
    const dynamic = `
  dynamic "identity" {
    for_each = var.client_id == "" ? ["identity"] : []
    content {
      type = "SystemAssigned"
    }
  }

  dynamic "service_principal" {
    for_each = var.client_id != "" ? ["service_principal"] : []
    content {
      client_id     = var.client_id
      client_secret = "secret"
    }
  }
`;
    const both = `
  identity {
    type = "SystemAssigned"
  }

  service_principal {
    client_id     = "id"
    client_secret = "secret"
  }
`;
    expect(problems(await validate(cluster(dynamic)), "tf-exactly-one-of")).toEqual([]);
    const secondLine = cluster(both).split("\n").indexOf("  service_principal {") + 1;
    expect(problems(await validate(cluster(both)), "tf-exactly-one-of").map((problem) => problem.line)).toEqual([secondLine]);
  });
});

describe("validateTerraform: version constraints", () => {
  it("reads the highest major a version constraint admits", () => {
    expect(highestAllowedMajor("~> 2.81")).toBe(2);
    expect(highestAllowedMajor(">= 3.0, < 4.0")).toBe(3);
    expect(highestAllowedMajor("< 5.0.1")).toBe(5);
    expect(highestAllowedMajor("= 1.17.2")).toBe(1);
    expect(highestAllowedMajor(">= 2.0")).toBeUndefined();
  });
});

describe("validateTerraform: syntax, layout and references", () => {
  it("reports a syntax error with its line and skips the rest of the file", async () => {
    const content = `resource "scaleway_k8s_pool" "p" {\n  size = 1\n  name =\n}\n`;
    const results = await validate(content, "infra/broken.tf");
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ status: "error", file: "infra/broken.tf" });
    expect(results[0]!.problems).toEqual([expect.objectContaining({ rule: "tf-syntax", line: 3, file: "infra/broken.tf" })]);
    expect(results[0]!.problems[0]!.message).toContain("Invalid expression");
  });

  it("reports a file that terraform fmt would change, with a diff", async () => {
    const content = `variable "name" {\n  type = "string"\n}\n\nresource "scaleway_vpc" "v" {\n  name = "\${var.name}"\n  tags = ["a"]\n}\n`;
    const [file] = await validate(content, "main.tf");
    expect(file).toMatchObject({ status: "invalid" });
    expect(file!.problems).toHaveLength(1);
    const [problem] = file!.problems;
    expect(problem).toMatchObject({ rule: "tf-fmt", line: 2 });
    expect(problem!.message).toContain('-  type = "string"');
    expect(problem!.message).toContain("+  type = string");
    expect(problem!.message).toContain("+  name = var.name");
    const aligned = `resource "scaleway_vpc" "v" {\n  name = "a"\n  tags = ["a"]\n  enable_routing=true\n}\n`;
    const [misaligned] = await validate(aligned, "main.tf");
    expect(misaligned!.problems[0]!.message).toContain("+  name           = \"a\"");
    expect((await validate(aligned, "main.tf", { checkFormat: false }))[0]!.problems).toEqual([]);
  });

  it.skipIf(!haveTerraform)("produces exactly what terraform fmt writes", async () => {
    const cases = [
      'variable "x" {\n type = "string"\n}\nvariable "y" {\n  type = list\n}\nvariable "z" {\n  type = "map"\n}\n',
      'resource "a_b" "c" {\n  name = "${var.x}"\n  long_name_here = "${lookup(var.m, "k")}"\n  t = "x-${var.y}"\n  m = "${\n var.a\n}"\n  x = ["${var.q}"]\n  n = "${format("%s-${var.a}", "b")}"\n  two = "${var.a}${var.b}"\n  lit = "${var.a}-"\n}\n',
      'resource "a_b" "c" {\n  version = "1.35"          # comment\n  cni = "cilium"\n  labels = { "a" = "b", c = "d" }\n\n\n\n  x {\n  y = 1\n  }\n}\n',
      'locals {\n  a = <<EOT\n  ${var.x}\nEOT\n  b = "${var.z}"\n}\n',
      'resource "x_y" "z" {\n  a = 1\n  # comment\n  bb = 2\n\n  ccc = 3\n  dynamic "d" {\n    for_each = var.l\n    content { k = d.value }\n  }\n  list = [\n    1,\n  2,\n  ]\n}\n',
      'resource "x_y" "z" {\n  m = "${\n    merge(\n      var.a,\n      var.b\n    )\n  }"\n}\n',
      KAPSULE,
      PROVIDER_FUNCTIONS,
      'resource "x_y" "z" {\n  a = 1\n  long_name = <<-EOT\n      indented ${var.a}\n    "quoted" \\ back\n    EOT\n  b    = <<EOT\nplain\n  not EOT\n  EOT\n  block {\n  c = 2\n  }\n}\n',
      'output "z" {\n  value = "${provider::scaleway::parse_zonal_id( var.id ).zone}"\n  # provider::x::y in a comment\n  description = "provider::x::y in a string"\n}\n',
    ];
    for (const source of cases) expect(await canonicalTerraform(source), source).toBe(await terraformFmt(source));
  });

  it("a template sequence spanning lines in a heredoc shapes the indentation after it, as in terraform fmt", async () => {
    // hclwrite counts the brackets of `${join(` ... `)}` in the heredoc: the closing line pops the block's level, so
    // terraform fmt (1.11.4, checked by hand) leaves the next attribute at column 0, and moves an indented one there.
    const canonical = 'locals {\n  a = <<EOT\nx: ${join(\n  ", ",\n  ["p", "q"]\n)}\nEOT\n\nb = "c"\n}\n';
    if (haveTerraform) expect(await terraformFmt(canonical)).toBe(canonical);
    expect(await canonicalTerraform(canonical)).toBe(canonical);
    expect(problems(await validate(canonical, "infra/main.tf"), "tf-fmt")).toEqual([]);
    const indented = canonical.replace('\nb = "c"', '\n  b = "c"');
    const [fmt] = problems(await validate(indented, "infra/main.tf"), "tf-fmt");
    expect(fmt).toMatchObject({ line: 9 });
    expect(fmt!.message).toContain('-  b = "c"\n+b = "c"');
  });

  it("keeps provider-defined functions intact: a canonical file passes, a diff shows them as terraform fmt writes them", async () => {
    const canonical = `locals {\n  zone   = provider::scaleway::parse_zonal_id(var.id).zone\n  region = provider::scaleway::parse_regional_id(var.rid).region\n}\n\nvariable "id" {}\nvariable "rid" {}\n`;
    if (haveTerraform) expect(await terraformFmt(canonical)).toBe(canonical);
    expect(problems(await validate(canonical, "infra/main.tf"))).toEqual([]);
    const results = await validate(PROVIDER_FUNCTIONS + 'variable "l" {}\n', "infra/main.tf");
    const [fmt] = problems(results, "tf-fmt");
    expect(fmt!.message).toContain("+  a  = provider::scaleway::parse_region(\"x\").region");
    expect(fmt!.message).not.toContain(": :");
  });

  it("reports undeclared references but not literal text or for-expression iterators", async () => {
    const content = `locals {
  names = [for s in var.subnets : s.name]
  doc   = <<EOT
var.not_a_reference and \${local.names[0]}
EOT
}

variable "subnets" {
  type = list(object({ name = string }))
}

resource "scaleway_k8s_pool" "p" {
  cluster_id = scaleway_k8s_cluster.missing.id
  node_type  = var.node_type
  size       = length(local.names)
  tags       = ["$\${var.escaped}"]
  depends_on = [data.scaleway_k8s_version.latest]
}

output "kubeconfig" {
  value = module.cluster.kubeconfig
}
`;
    const results = await validate(content, "main.tf");
    expect(problems(results, "tf-fmt")).toEqual([]);
    const undeclared = problems(results, "tf-undeclared-reference");
    // the file's own result comes first, then one per resource
    expect(undeclared.map((problem) => [problem.message.split(" ")[0], problem.line, problem.resource])).toEqual([
      ["module.cluster", 21, 'output "kubeconfig"'],
      ["scaleway_k8s_cluster.missing", 13, "scaleway_k8s_pool.p"],
      ["var.node_type", 14, "scaleway_k8s_pool.p"],
      ["data.scaleway_k8s_version.latest", 17, "scaleway_k8s_pool.p"],
    ]);
    expect(unitFor(results, "main.tf").status).toBe("invalid");
  });

  it("skips the expression parser only for literals: text that looks like a reference in a plain string is not one", async () => {
    const content = `resource "scaleway_k8s_pool" "p" {
  name        = "var.not_declared and local.nothing"
  description = "\${var.pool_name}"
  tags        = ["module.x", "%\${local.percent}"]
  size        = 1
  autoscaling = true
  labels      = { a = "data.x.y", b = local.labels }
}
`;
    const undeclared = problems(await validate(content, "main.tf"), "tf-undeclared-reference");
    expect(undeclared.map((problem) => [problem.message.split(" ")[0], problem.line, problem.path])).toEqual([
      ["var.pool_name", 3, "description"],
      ["local.percent", 4, "tags"],
      ["local.labels", 7, "labels"],
    ]);
  });

  it("tells literal expressions from those that may hold references", () => {
    for (const literal of ['"var.x"', '"100%"', '"$ {x}"', "1", "1.5e3", "true", "null", "string", '["a", "b"]', '{ a = "b", c = 1 }', "[\n  \"a\",\n]"]) {
      expect(isLiteralExpression(literal), literal).toBe(true);
    }
    for (const expr of ['"${var.x}"', '"%{ if true }x%{ endif }"', '"$${var.x}"', "var.x", "var .x", 'var["x"]', "local.a[0]", "-1", "length(x)", '"a" == x.y', "<<EOT\nx\nEOT", "[for s in var.l : s]", "{ a = b.c }"]) {
      expect(isLiteralExpression(expr), expr).toBe(false);
    }
  });

  it("resolves references across the files of one module, not across modules", async () => {
    const results = await validateTerraform([
      { path: "infra/variables.tf", content: `variable "region" {\n  type = string\n}\n` },
      { path: "infra/main.tf", content: `resource "scaleway_vpc" "v" {\n  region = var.region\n}\n` },
      { path: "other/main.tf", content: `resource "scaleway_vpc" "v" {\n  region = var.region\n}\n` },
    ]);
    const undeclared = problems(results, "tf-undeclared-reference");
    expect(undeclared.map((problem) => problem.file)).toEqual(["other/main.tf"]);
    expect(undeclared[0]!.message).toContain("module other");
  });

  it.skipIf(!haveFacts)("finds no schema or reference problem in the facts' minimal HCL for Scaleway and AKS", async () => {
    const examples = [...facts.matchAll(/```hcl\n([\s\S]*?)```/g)].map((match) => match[1]!);
    const scaleway = examples.find((example) => example.includes("scaleway_k8s_cluster"))!;
    const aks = examples.find((example) => example.includes("azurerm_kubernetes_cluster"))!;
    const results = await validateTerraform([
      { path: "scaleway/main.tf", content: scaleway },
      { path: "aks/main.tf", content: aks },
    ], { checkFormat: false });
    expect(problems(results)).toEqual([]);
  });
});
