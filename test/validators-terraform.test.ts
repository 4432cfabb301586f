import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import type { Problem, UnitResult } from "../src/validators/types.js";
import { providerTables, validateTerraform } from "../src/validators/terraform/index.js";
import { canonicalTerraform } from "../src/validators/terraform/format.js";
import { highestAllowedMajor } from "../src/validators/terraform/provider-config.js";
import { isLiteralExpression } from "../src/validators/terraform/references.js";

const root = resolve(import.meta.dirname, "..");
const factsPath = resolve(root, "../shared/reference/provider-facts.md");
const haveFacts = existsSync(factsPath);
const facts = haveFacts ? readFileSync(factsPath, "utf8") : "";

/** The `kind` column of a row of the facts' argument tables, e.g. factKind("`delete_additional_resources`"). */
function factKind(argument: string): string | undefined {
  return new RegExp(`^\\| \`${argument.replace(/[.{}]/g, "\\$&")}\` \\| ([A-Za-z ]+) \\|`, "m").exec(facts)?.[1]?.trim();
}

/** A local `terraform` binary, when there is one, is the oracle for `terraform fmt` (it formats offline). */
function terraformFmt(source: string): string | undefined {
  try {
    return execFileSync("terraform", ["fmt", "-"], { input: source, stdio: ["pipe", "pipe", "ignore"], timeout: 20_000 }).toString();
  } catch {
    return undefined;
  }
}
const haveTerraform = terraformFmt('a = 1\n') !== undefined;

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

describe("provider tables", () => {
  it("pins the providers' current majors", () => {
    expect(providerTables.scaleway).toMatchObject({ source: "scaleway/scaleway", version: "2.81.0", versionConstraint: "~> 2.81" });
    expect(providerTables.openstack).toMatchObject({ source: "terraform-provider-openstack/openstack", version: "3.4.0", versionConstraint: "~> 3.4" });
    expect(providerTables.azurerm).toMatchObject({ source: "hashicorp/azurerm", version: "5.2.0", versionConstraint: "~> 5.2" });
  });

  it.skipIf(!haveFacts)("are exactly what the generator derives from provider-facts.md", () => {
    const out = mkdtempSync(join(tmpdir(), "provider-attrs-"));
    try {
      execFileSync(process.execPath, [resolve(root, "scripts/extract-provider-attrs.mjs"), factsPath, out], { stdio: "pipe" });
      for (const file of readdirSync(out)) {
        const committed = readFileSync(resolve(root, "src/validators/terraform/providers", file), "utf8");
        expect(readFileSync(join(out, file), "utf8"), file).toBe(committed);
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it.skipIf(!haveFacts)("hold every argument row of the facts with its kind", () => {
    const rows = [...facts.matchAll(/^\| `([a-z0-9_.]+)( \{\})?` \| (Required|Optional|Computed)/gm)];
    expect(rows.length).toBeGreaterThan(700);
    const cluster = providerTables.scaleway!.resources.scaleway_k8s_cluster!;
    expect(cluster.attributes.delete_additional_resources?.kind).toBe(factKind("delete_additional_resources")?.toLowerCase());
    expect(cluster.attributes.kubeconfig?.kind).toBe("computed");
    expect(cluster.blocks.auto_upgrade).toMatchObject({ required: false, max: 1 });
    expect(cluster.timeouts).toEqual(["create", "read", "update", "delete", "default"]);
    const aks = providerTables.azurerm!.resources.azurerm_kubernetes_cluster!;
    expect(factKind("node_provisioning_profile {}")).toBe("Required block");
    expect(aks.blocks.node_provisioning_profile).toMatchObject({ required: true, min: 1, max: 1 });
    expect(aks.blocks.linux_profile?.schema.blocks.ssh_key).toMatchObject({ required: true, max: 1 });
    expect(aks.blocks.default_node_pool?.schema.removed?.node_taints?.since).toBe("4.0.0");
    expect(providerTables.scaleway!.resources.scaleway_vpc_private_network!.timeouts).toEqual([]);
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

  it("skips resources of providers without a table and flags near-miss type names", async () => {
    const content = `resource "random_password" "p" {\n  length = 16\n}\n\nresource "scaleway_k8s_clustr" "c" {\n  name = "x"\n}\n`;
    const results = await validate(content);
    expect(unitFor(results, "random_password.p")).toMatchObject({ status: "skipped", problems: [] });
    const near = unitFor(results, "scaleway_k8s_clustr.c");
    expect(near.status).toBe("skipped");
    expect(near.problems[0]).toMatchObject({ rule: "tf-unknown-resource-type", severity: "warning" });
    expect(near.problems[0]!.message).toContain("scaleway_k8s_cluster");
  });
});

describe("validateTerraform: providers and pins", () => {
  it("warns about pins to an older major and checks provider blocks", async () => {
    const content = `terraform {
  required_providers {
    scaleway = { source = "scaleway/scaleway", version = "~> 1.17" }
    azurerm  = { source = "hashicorp/azurerm", version = ">= 3.0, < 4.0" }
    random   = { source = "hashicorp/random", version = "~> 3.6" }
  }
}

provider "scaleway" {
  zone   = "fr-par-1"
  reigon = "fr-par"
}

provider "azurerm" {
  skip_provider_registration = true
}
`;
    const [file] = await validate(content);
    expect(file!.problems.map((problem) => [problem.rule, problem.severity, problem.line])).toEqual([
      ["tf-provider-version", "warning", 3],
      ["tf-provider-version", "warning", 4],
      ["tf-unknown-argument", "error", 11],
      ["tf-missing-required", "error", 14], // features {}
      ["tf-removed", "error", 15],
    ]);
    expect(file!.problems[2]!.message).toContain("did you mean region?");
  });

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
    ];
    for (const source of cases) expect(await canonicalTerraform(source), source).toBe(terraformFmt(source));
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
