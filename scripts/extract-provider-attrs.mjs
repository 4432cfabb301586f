#!/usr/bin/env node
// Regenerates src/validators/terraform/providers/{scaleway,openstack,azurerm}.json from the argument tables in
// ../shared/reference/provider-facts.md. The JSON files are committed: the product never reads ../shared.
//
//   node scripts/extract-provider-attrs.mjs [path/to/provider-facts.md [output-dir]]
//
// scripts/provider-facts-supplement.md, read after it in the same format, adds resources the snapshot lacks.
//
// The argument tables are parsed mechanically. Facts that the document states only in prose (removed resources
// and arguments, provider block arguments, exactly-one-of rules) are listed by hand below, each with the section
// of provider-facts.md it comes from, so that a reviewer can check them one by one.
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const factsPath = resolve(process.argv[2] ?? resolve(root, "../shared/reference/provider-facts.md"));
const outDir = resolve(process.argv[3] ?? resolve(root, "src/validators/terraform/providers"));

const PROVIDERS = {
  scaleway: { prefix: "scaleway_", section: "1" },
  openstack: { prefix: "openstack_", section: "2" },
  azurerm: { prefix: "azurerm_", section: "3" },
};

/** Prose facts, by provider. Paths are dotted from the resource's top level. */
const PROSE = {
  scaleway: {
    // §1.1 Provider
    providerBlock: {
      complete: true,
      attributes: ["access_key", "secret_key", "profile", "project_id", "organization_id", "region", "zone", "api_url"],
      blocks: {},
      removed: {},
    },
    removedResources: {
      scaleway_k8s_cluster_beta: { since: "2.0.0", hint: "use scaleway_k8s_cluster" },
      scaleway_k8s_pool_beta: { since: "2.0.0", hint: "use scaleway_k8s_pool" },
    },
    removedArguments: {
      scaleway_k8s_cluster: {
        default_pool: { since: "2.0.0", hint: "declare the pool as a separate scaleway_k8s_pool resource" },
        enable_dashboard: { since: "2.0.0", hint: "no replacement; install the dashboard from the GitOps layer if needed" },
        ingress: { since: "2.0.0", hint: "no replacement; install an ingress controller from the GitOps layer" },
      },
    },
    constraints: {
      // §1.4 scaleway_k8s_acl: "Exactly one of acl_rules and no_ip_allowed must be set."
      scaleway_k8s_acl: [{ exactlyOneOf: ["acl_rules", "no_ip_allowed"] }],
    },
  },
  openstack: {
    // §2.1 lists no provider block arguments: only the pin is known, so the provider block is not checked.
    providerBlock: { complete: false, attributes: [], blocks: {}, removed: {} },
    removedResources: {},
    removedArguments: {},
    constraints: {},
    // §2.2 and §2.3: arguments with an environment default (the provider reads the variable when unset)
    envDefaults: {
      openstack_containerinfra_clustertemplate_v1: { image: "OS_MAGNUM_IMAGE", flavor: "OS_MAGNUM_FLAVOR", master_flavor: "OS_MAGNUM_MASTER_FLAVOR" },
      openstack_containerinfra_cluster_v1: { cluster_template_id: "OS_MAGNUM_CLUSTER_TEMPLATE" },
    },
  },
  azurerm: {
    // §3.1 Provider: features {} is Required (MinItems 1); the argument list in the facts is partial.
    providerBlock: {
      complete: false,
      attributes: ["subscription_id", "resource_provider_registrations", "resource_providers_to_register"],
      blocks: { features: { min: 1, max: 1 } },
      removed: {
        skip_provider_registration: { since: "5.0.0", hint: "use resource_provider_registrations / resource_providers_to_register" },
      },
    },
    removedResources: {},
    removedArguments: {
      // §3.3 "Removed or renamed in azurerm_kubernetes_cluster"
      azurerm_kubernetes_cluster: {
        "default_node_pool.linux_os_config.transparent_huge_page_enabled": { since: "5.0.0", hint: "renamed to transparent_huge_page" },
        "default_node_pool.kubelet_config.container_log_max_line": { since: "5.0.0", hint: "renamed to container_log_max_files" },
        enable_pod_security_policy: { since: "4.0.0", hint: "removed without replacement" },
        "network_profile.ebpf_data_plane": { since: "4.0.0", hint: "use network_profile.network_data_plane" },
        api_server_authorized_ip_ranges: { since: "4.0.0", hint: "use api_server_access_profile { authorized_ip_ranges = [...] }" },
        "network_profile.docker_bridge_cidr": { since: "4.0.0", hint: "removed without replacement" },
        "azure_active_directory_role_based_access_control.client_app_id": { since: "4.0.0", hint: "removed (legacy AAD integration)" },
        "azure_active_directory_role_based_access_control.server_app_id": { since: "4.0.0", hint: "removed (legacy AAD integration)" },
        "azure_active_directory_role_based_access_control.server_app_secret": { since: "4.0.0", hint: "removed (legacy AAD integration)" },
        "azure_active_directory_role_based_access_control.managed": { since: "4.0.0", hint: "removed; AAD integration is always managed" },
        "workload_autoscaler_profile.vertical_pod_autoscaler_update_mode": { since: "4.0.0", hint: "removed without replacement" },
        "workload_autoscaler_profile.vertical_pod_autoscaler_controlled_values": { since: "4.0.0", hint: "removed without replacement" },
        "web_app_routing.dns_zone_id": { since: "4.0.0", hint: "renamed to dns_zone_ids (a list)" },
        public_network_access_enabled: { since: "4.0.0", hint: "removed without replacement" },
        "default_node_pool.node_taints": { since: "4.0.0", hint: "use only_critical_addons_enabled = true, and taint a separate azurerm_kubernetes_cluster_node_pool" },
        automatic_channel_upgrade: { since: "4.0.0", hint: "renamed to automatic_upgrade_channel" },
        node_os_channel_upgrade: { since: "4.0.0", hint: "renamed to node_os_upgrade_channel" },
        "default_node_pool.enable_auto_scaling": { since: "4.0.0", hint: "renamed to auto_scaling_enabled" },
        "default_node_pool.enable_node_public_ip": { since: "4.0.0", hint: "renamed to node_public_ip_enabled" },
        "default_node_pool.enable_host_encryption": { since: "4.0.0", hint: "renamed to host_encryption_enabled" },
        addon_profile: {
          since: "3.0.0",
          hint: "use the top-level azure_policy_enabled, http_application_routing_enabled, open_service_mesh_enabled and the oms_agent, ingress_application_gateway, key_vault_secrets_provider, aci_connector_linux blocks",
        },
        role_based_access_control: { since: "3.0.0", hint: "use role_based_access_control_enabled and azure_active_directory_role_based_access_control {}" },
        private_link_enabled: { since: "3.0.0", hint: "renamed to private_cluster_enabled" },
        "default_node_pool.availability_zones": { since: "3.0.0", hint: "renamed to zones" },
        "identity.user_assigned_identity_ids": { since: "3.0.0", hint: "renamed to identity_ids" },
      },
      // §3.4 "Renamed or removed"
      azurerm_kubernetes_cluster_node_pool: {
        enable_auto_scaling: { since: "4.0.0", hint: "renamed to auto_scaling_enabled" },
        enable_node_public_ip: { since: "4.0.0", hint: "renamed to node_public_ip_enabled" },
        enable_host_encryption: { since: "4.0.0", hint: "renamed to host_encryption_enabled" },
        availability_zones: { since: "3.0.0", hint: "renamed to zones" },
        "linux_os_config.transparent_huge_page_enabled": { since: "5.0.0", hint: "renamed to transparent_huge_page" },
        "kubelet_config.container_log_max_line": { since: "5.0.0", hint: "renamed to container_log_max_files" },
      },
      // §3.5
      azurerm_virtual_network: {
        "subnet.service_endpoints": { since: "5.0.0", hint: "use repeated subnet.service_endpoint { service = \"...\" } blocks" },
      },
      azurerm_subnet: {
        service_endpoints: { since: "5.0.0", hint: "use repeated service_endpoint { service = \"...\" } blocks" },
        address_prefix: { since: "3.0.0", hint: "use address_prefixes (a list)" },
      },
    },
    constraints: {
      // §3.3 rule 2, §3.3 rule 1 (AtLeastOneOf inside node_provisioning_profile), §3.5
      azurerm_kubernetes_cluster: [
        { exactlyOneOf: ["dns_prefix", "dns_prefix_private_cluster"] },
        { exactlyOneOf: ["identity", "service_principal"] },
        { atLeastOneOf: ["node_provisioning_profile.mode", "node_provisioning_profile.default_node_pools"] },
      ],
      azurerm_virtual_network: [{ exactlyOneOf: ["address_space", "ip_address_pool"] }],
      azurerm_subnet: [{ exactlyOneOf: ["address_prefixes", "ip_address_pool"] }],
      // provider-facts-supplement.md
      azurerm_role_assignment: [{ exactlyOneOf: ["role_definition_id", "role_definition_name"] }],
    },
  },
};

const supplementPath = resolve(root, "scripts/provider-facts-supplement.md");
const text = readFileSync(factsPath, "utf8");
const lines = [...text.split("\n"), ...readFileSync(supplementPath, "utf8").split("\n")];

/** Finds the resource a line introduces: a `### x.y \`name\`` heading or a paragraph opening with the name. */
function introducedResource(line) {
  const heading = /^###\s+[\d.]+\s+`([a-z0-9_]+)`\s*$/.exec(line);
  if (heading) return { name: heading[1], data: false };
  const para = /^(Data source |Helper resource )?`([a-z0-9_]+)` \(/.exec(line);
  if (para) return { name: para[2], data: para[1] === "Data source " };
  return undefined;
}

function parseRow(line) {
  const cells = line.split("|").slice(1, -1).map((cell) => cell.trim());
  if (cells.length !== 5) return undefined;
  const [arg, kind, type, def, notes] = cells;
  const m = /^`([a-z0-9_.]+)( \{\})?`$/.exec(arg);
  if (!m) return undefined;
  return { path: m[1].split("."), isBlock: Boolean(m[2]), kind, type, def, notes };
}

function emptySchema() {
  return { attributes: {}, blocks: {} };
}

function schemaAt(top, path) {
  let schema = top;
  for (const segment of path) {
    const block = schema.blocks[segment];
    if (!block) throw new Error(`block ${path.join(".")} used before it was declared`);
    schema = block.schema;
  }
  return schema;
}

function addRow(top, row) {
  const parent = schemaAt(top, row.path.slice(0, -1));
  const name = row.path[row.path.length - 1];
  const notes = row.notes;
  if (row.isBlock) {
    const max = /max (\d+)/.exec(notes);
    const required = row.kind.startsWith("Required");
    const block = { required, min: required ? 1 : 0 };
    if (max) block.max = Number(max[1]);
    block.nesting = /\bset\b/.test(notes) ? "set" : "list";
    if (/ForceNew/.test(notes)) block.forceNew = true;
    if (/Optional\+Computed/.test(notes)) block.optionalComputed = true;
    block.schema = emptySchema();
    parent.blocks[name] = block;
    return;
  }
  const attribute = { kind: row.kind.toLowerCase(), type: row.type.replace(" (computed)", "") };
  if (!["required", "optional", "computed"].includes(attribute.kind)) throw new Error(`unknown kind ${row.kind}`);
  if (row.def !== "") attribute.default = JSON.parse(row.def);
  if (/ForceNew/.test(notes)) attribute.forceNew = true;
  if (/Optional\+Computed/.test(notes)) attribute.optionalComputed = true;
  if (/Deprecated/.test(notes)) attribute.deprecated = true;
  parent.attributes[name] = attribute;
}

const out = {};
for (const [provider, meta] of Object.entries(PROVIDERS)) {
  out[provider] = { resources: {}, dataSources: {} };
}

let current; // { provider, name, data, schema, sawTopTable }
let section = "";
for (const line of lines) {
  const top = /^## (\d+)\./.exec(line);
  if (top) section = top[1];
  const intro = introducedResource(line);
  if (intro) {
    const provider = Object.keys(PROVIDERS).find((p) => intro.name.startsWith(PROVIDERS[p].prefix));
    if (provider && PROVIDERS[provider].section === section) {
      const schema = emptySchema();
      current = { provider, name: intro.name, data: intro.data, schema };
      (intro.data ? out[provider].dataSources : out[provider].resources)[intro.name] = schema;
      if (/It has no timeouts block/.test(line)) schema.timeouts = [];
    }
    continue;
  }
  if (/^## /.test(line) || /^### /.test(line)) current = undefined;
  if (!current) continue;
  const timeouts = /^`timeouts \{\}` accepts: (.*)$/.exec(line);
  if (timeouts) {
    current.schema.timeouts = timeouts[1].split(",").map((s) => s.trim());
    continue;
  }
  if (line.startsWith("|")) {
    const row = parseRow(line);
    if (row) addRow(current.schema, row);
  }
}

// Pins: `required_providers { scaleway = { source = "scaleway/scaleway", version = "~> 2.81" } }`. Latest release is **2.81.0**
for (const provider of Object.keys(PROVIDERS)) {
  const pin = new RegExp(`required_providers \\{ ${provider} = \\{ source = "([^"]+)", version = "([^"]+)" \\} \\}\`\\. Latest release is \\*\\*([0-9.]+)\\*\\*`).exec(text);
  if (!pin) throw new Error(`no required_providers pin found for ${provider}`);
  const prose = PROSE[provider];
  const data = out[provider];
  for (const [resource, removed] of Object.entries(prose.removedArguments)) {
    const schema = data.resources[resource];
    if (!schema) throw new Error(`removed arguments for unknown resource ${resource}`);
    for (const [path, info] of Object.entries(removed)) {
      const segments = path.split(".");
      const parent = schemaAt(schema, segments.slice(0, -1));
      const name = segments[segments.length - 1];
      if (parent.attributes[name] || parent.blocks[name]) throw new Error(`${resource}.${path} is both current and removed`);
      parent.removed ??= {};
      parent.removed[name] = info;
    }
  }
  for (const [resource, constraints] of Object.entries(prose.constraints)) {
    if (!data.resources[resource]) throw new Error(`constraints for unknown resource ${resource}`);
    data.resources[resource].constraints = constraints;
  }
  for (const [resource, envs] of Object.entries(prose.envDefaults ?? {})) {
    for (const [name, env] of Object.entries(envs)) {
      const attribute = data.resources[resource]?.attributes[name];
      if (!attribute) throw new Error(`env default for unknown argument ${resource}.${name}`);
      attribute.envDefault = env;
    }
  }
  const sorted = (record) => Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : 1)));
  const document = {
    $comment: `Generated by scripts/extract-provider-attrs.mjs from provider-facts.md (snapshot 2026-08-22) and scripts/provider-facts-supplement.md; do not edit by hand.`,
    provider,
    source: pin[1],
    versionConstraint: pin[2],
    version: pin[3],
    resourcePrefix: PROVIDERS[provider].prefix,
    providerBlock: prose.providerBlock,
    removedResources: prose.removedResources,
    resources: sorted(data.resources),
    dataSources: sorted(data.dataSources),
  };
  mkdirSync(outDir, { recursive: true });
  writeFileSync(resolve(outDir, `${provider}.json`), JSON.stringify(document, null, 2) + "\n");
  const count = (schema) => Object.keys(schema.attributes).length + Object.values(schema.blocks).reduce((n, b) => n + 1 + count(b.schema), 0);
  const summary = [...Object.entries(document.resources), ...Object.entries(document.dataSources)].map(([name, s]) => `${name}(${count(s)})`);
  console.log(`${provider} ${document.version}: ${summary.join(", ")}`);
}
