/** Rules of OpenStack Magnum clusters: etcd quorum, drivers and the labels they read, node groups, API access, the GPU operator. */
import { canonicalCidr, isCanonicalCidr } from "./cidr.js";
import { duplicateNames } from "./common.js";
import { defineRule, type RuleDefinition } from "./types.js";

/**
 * Magnum facts behind the rules: which labels each driver reads (magnum-capi-helm 1.4.0 driver.py/conf.py, vexxhost
 * magnum-cluster-api docs/user/labels.md, Magnum's user guide for the legacy Heat driver) and what Magnum itself
 * refuses (even master counts lose etcd quorum, several masters need a load balancer, no extra master node groups).
 */
type Driver = "capi-helm" | "vexxhost-capi" | "heat";

interface NodeGroup {
  name: string;
  nodeCount: number;
  minNodeCount: number;
  maxNodeCount: number;
  role: string;
  gpu: boolean;
}

const CAPI_HELM_LABELS = [
  "capi_helm_chart_version", "monitoring_enabled", "kube_dashboard_enabled", "auto_healing_enabled", "auto_scaling_enabled",
  "min_node_count", "max_node_count", "keystone_auth_enabled", "master_lb_floating_ip_enabled", "api_master_lb_allowed_cidrs",
  "fixed_subnet_cidr", "octavia_provider", "octavia_lb_algorithm", "octavia_lb_healthcheck", "boot_volume_size",
  "boot_volume_type", "etcd_volume_size", "etcd_blockdevice_size", "etcd_volume_type", "etcd_blockdevice_type",
  "etcd_blockdevice_volume_type", "etcd_blockdevice_volume_az", "csi_cinder_availability_zone", "csi_cinder_reclaim_policy",
  "csi_cinder_volume_binding_mode", "csi_cinder_fstype", "csi_cinder_allow_volume_expansion", "extra_network_names",
  "extra_network_name",
];

const VEXXHOST_LABELS = [
  "boot_volume_size", "boot_volume_type", "boot_volume_availability_zone", "etcd_volume_size", "etcd_volume_type",
  "container_infra_prefix", "calico_ipv4pool", "service_cluster_ip_range", "audit_log_enabled", "audit_log_maxage",
  "audit_log_maxbackup", "audit_log_maxsize", "cloud_provider_tag", "octavia_provider", "octavia_lb_algorithm",
  "octavia_lb_healthcheck", "calico_tag", "cilium_hubble_ui_enabled", "cinder_csi_plugin_tag", "manila_csi_plugin_tag",
  "manila_csi_share_network_id", "api_server_cert_sans", "api_server_tls_cipher_suites", "auto_healing_enabled",
  "auto_scaling_enabled", "kubelet_tls_cipher_suites", "kubelet_serving_tls_enabled", "kube_tag",
  "master_lb_floating_ip_enabled", "oidc_issuer_url", "oidc_client_id", "oidc_username_claim", "oidc_username_prefix",
  "oidc_groups_claim", "oidc_groups_prefix", "fixed_subnet_cidr", "different_failure_domain", "server_group_policies",
  "availability_zone", "dns_cluster_domain", "min_node_count", "max_node_count",
];

const HEAT_LABELS = [
  "kube_tag", "container_runtime", "containerd_version", "cloud_provider_enabled", "ingress_controller", "cgroup_driver",
  "heat_container_agent_tag", "auto_scaling_enabled", "min_node_count", "max_node_count", "auto_healing_enabled",
  "auto_healing_controller", "master_lb_floating_ip_enabled", "master_lb_allowed_cidrs",
];
/** Heat label families (calico_*, flannel_*) that the vexxhost driver only partly shares. */
const HEAT_LABEL_PREFIXES = ["calico_", "flannel_"];

const LABELS_READ_BY: Record<Driver, Set<string>> = {
  "capi-helm": new Set(CAPI_HELM_LABELS),
  "vexxhost-capi": new Set(VEXXHOST_LABELS),
  heat: new Set(HEAT_LABELS),
};

const DRIVERS = Object.keys(LABELS_READ_BY) as Driver[];

function driversReading(label: string): Driver[] {
  return DRIVERS.filter((driver) => LABELS_READ_BY[driver].has(label) || (driver === "heat" && HEAT_LABEL_PREFIXES.some((p) => label.startsWith(p))));
}

/** Labels the templates write from parameters or Terraform variables: extraLabels must not set them a second time. */
const LABELS_FROM_PARAMETERS: Record<string, string> = {
  auto_scaling_enabled: "autoScaling",
  auto_healing_enabled: "autoHealing",
  monitoring_enabled: "monitoring",
  min_node_count: "workers.minNodeCount or nodeGroups[].minNodeCount",
  max_node_count: "workers.maxNodeCount or nodeGroups[].maxNodeCount",
  master_lb_floating_ip_enabled: "apiFloatingIp",
  boot_volume_size: "bootVolumeSizeGb",
  api_master_lb_allowed_cidrs: "apiAllowedCidrs",
  master_lb_allowed_cidrs: "apiAllowedCidrs",
  capi_helm_chart_version: "capiHelmChartVersion",
  kube_tag: "the Terraform variable kube_tag",
  container_runtime: "the heat template (containerd)",
  cloud_provider_enabled: "the heat template (true)",
  auto_healing_controller: "the heat template (magnum-auto-healer)",
};

/** CNIs each driver can deploy from the template's network_driver. */
const NETWORK_DRIVERS: Record<Driver, string[]> = {
  "capi-helm": ["calico", "cilium"],
  "vexxhost-capi": ["calico", "cilium"],
  heat: ["calico", "flannel"],
};

/**
 * The label through which each driver restricts who reaches the API load balancer: magnum-capi-helm passes
 * api_master_lb_allowed_cidrs to the load balancer's allowedCidrs, the Heat driver reads master_lb_allowed_cidrs
 * (Octavia listener allowed_cidrs, with the cluster's subnet added). The vexxhost driver has no such label.
 */
export const ALLOWED_CIDRS_LABEL: Record<Driver, string | undefined> = {
  "capi-helm": "api_master_lb_allowed_cidrs",
  "vexxhost-capi": undefined,
  heat: "master_lb_allowed_cidrs",
};

/** The magnum-capi-helm cluster-addons chart installs the NVIDIA GPU operator; the other drivers install none. */
const DRIVERS_WITH_GPU_OPERATOR = new Set<Driver>(["capi-helm"]);

/** Magnum names the node groups it creates with the cluster like this; extra node groups cannot reuse the names. */
const RESERVED_NODE_GROUP_NAMES = ["default-master", "default-worker"];

const gpuNodeGroups = (nodeGroups: NodeGroup[]) => nodeGroups.filter((group) => group.gpu);

const masterCountOdd = defineRule({
  name: "master-count-odd",
  description: "masterCount is odd (etcd needs a majority)",
  check({ masterCount }) {
    return masterCount % 2 === 1
      ? undefined
      : { errors: [`masterCount: ${masterCount} masters tolerate no more failures than ${masterCount - 1} (etcd needs a majority); use 1, 3 or 5`] };
  },
});

const multiMasterNeedsLb = defineRule({
  name: "multi-master-needs-lb",
  description: "more than one master needs the master load balancer",
  check({ masterCount, masterLbEnabled }) {
    return masterCount > 1 && !masterLbEnabled
      ? { errors: [`masterLbEnabled: ${masterCount} masters need a load balancer in front of the API servers (Magnum refuses more than one master without it); set masterLbEnabled=true or masterCount=1`] }
      : undefined;
  },
});

const apiReachable = defineRule({
  name: "api-reachable",
  description: "warns when the API has no public address without a load balancer or node floating IPs",
  check({ masterLbEnabled, apiFloatingIp, nodeFloatingIps }) {
    return !masterLbEnabled && apiFloatingIp && !nodeFloatingIps
      ? { warnings: ["apiFloatingIp: without a master load balancer the API gets a public address only through node floating IPs; set nodeFloatingIps=true, masterLbEnabled=true, or expect to reach the API from inside the cloud"] }
      : undefined;
  },
});

const OPEN = "0.0.0.0/0";

/**
 * An API on a public address must say who may reach it: apiAllowedCidrs. Where nothing can restrict it (the
 * vexxhost driver's load balancer, or masters reached through their own floating IPs without a load balancer), the
 * only accepted list is [0.0.0.0/0]: open, as an explicit choice.
 */
const apiFloatingIpNeedsAllowedCidrs = defineRule({
  name: "api-floating-ip-needs-allowed-cidrs",
  description: "an API on a public address lists who may reach it in apiAllowedCidrs, through a label the driver reads",
  check({ driver, masterLbEnabled, apiFloatingIp, nodeFloatingIps, apiAllowedCidrs }) {
    const cidrs = apiAllowedCidrs as string[];
    const label = ALLOWED_CIDRS_LABEL[driver as Driver];
    const explicitlyOpen = cidrs.length === 1 && cidrs[0] === OPEN;
    const errors: string[] = [];
    if (masterLbEnabled && apiFloatingIp) {
      if (cidrs.length === 0) {
        errors.push(`apiAllowedCidrs: apiFloatingIp puts the API on the internet; list who may reach it (e.g. --set 'apiAllowedCidrs=[203.0.113.7/32]'${label ? "" : ", or [0.0.0.0/0] to open it on purpose"}), or set apiFloatingIp=false`);
      } else if (!label && !explicitlyOpen) {
        errors.push(`apiAllowedCidrs: the ${driver} driver cannot restrict its API load balancer, so ${cidrs.join(", ")} would be ignored; set apiFloatingIp=false and reach the API from inside the cloud, or apiAllowedCidrs=[0.0.0.0/0] to open it on purpose`);
      }
    } else if (!masterLbEnabled && nodeFloatingIps && !explicitlyOpen) {
      errors.push("apiAllowedCidrs: without a master load balancer the API is reached on the masters' own floating IPs, which no label restricts; set masterLbEnabled=true, nodeFloatingIps=false, or apiAllowedCidrs=[0.0.0.0/0] to open it on purpose");
    } else if (cidrs.length > 0 && !label && !explicitlyOpen) {
      errors.push(`apiAllowedCidrs: the ${driver} driver has no allowed-CIDRs label, so the list would be ignored; leave it empty`);
    }
    return { errors };
  },
});

const uniqueNodeGroupNames = defineRule({
  name: "unique-node-group-names",
  description: "node group names are unique and not the ones Magnum creates with the cluster",
  check(params) {
    const errors = duplicateNames("nodeGroups", params.nodeGroups);
    (params.nodeGroups as NodeGroup[]).forEach((group, i) => {
      if (RESERVED_NODE_GROUP_NAMES.includes(group.name)) {
        errors.push(`nodeGroups[${i}].name: "${group.name}" is the node group Magnum creates with the cluster; pick another name (the default workers are set by the workers parameter)`);
      }
    });
    return { errors };
  },
});

const nodeGroupSizeBounds = defineRule({
  name: "node-group-size-bounds",
  description: "workers and node groups have minNodeCount <= nodeCount <= maxNodeCount",
  check({ workers, nodeGroups }) {
    const groups: Array<{ path: string; group: Omit<NodeGroup, "name" | "role" | "gpu"> }> = [
      { path: "workers", group: workers },
      ...(nodeGroups as NodeGroup[]).map((group, i) => ({ path: `nodeGroups[${i}]`, group })),
    ];
    const errors: string[] = [];
    for (const { path, group } of groups) {
      const { nodeCount, minNodeCount, maxNodeCount } = group;
      if (minNodeCount > maxNodeCount) {
        errors.push(`${path}.minNodeCount: must be <= ${path}.maxNodeCount (${minNodeCount} > ${maxNodeCount}); lower minNodeCount or raise maxNodeCount`);
      } else if (nodeCount < minNodeCount || nodeCount > maxNodeCount) {
        errors.push(`${path}.nodeCount: must be between ${path}.minNodeCount and ${path}.maxNodeCount (${minNodeCount} <= ${nodeCount} <= ${maxNodeCount} does not hold); change nodeCount or the bounds`);
      }
    }
    return { errors };
  },
});

const noMasterNodeGroup = defineRule({
  name: "no-master-node-group",
  description: "extra node groups are not masters",
  check({ nodeGroups }) {
    const errors = (nodeGroups as NodeGroup[]).flatMap((group, i) =>
      group.role === "master"
        ? [`nodeGroups[${i}].role: Magnum does not create extra master node groups; use masterCount for the control plane and another role (e.g. worker) here`]
        : [],
    );
    return { errors };
  },
});

const gpuNodeGroupNeedsGpuOperator = defineRule({
  name: "gpu-node-group-needs-gpu-operator",
  description: "GPU node groups get a GPU operator, from the driver or from gpuOperator.install",
  check({ driver, nodeGroups, gpuOperator }) {
    const gpus = gpuNodeGroups(nodeGroups);
    if (gpus.length === 0 || DRIVERS_WITH_GPU_OPERATOR.has(driver) || gpuOperator.install) return undefined;
    const at = (nodeGroups as NodeGroup[]).indexOf(gpus[0]!);
    return { errors: [`nodeGroups[${at}].gpu: the ${driver} driver installs no GPU driver or device plugin, so GPU node groups need gpuOperator.install=true`] };
  },
});

const noDuplicateGpuOperator = defineRule({
  name: "no-duplicate-gpu-operator",
  description: "no second GPU operator where the driver installs one",
  check({ driver, gpuOperator }) {
    return gpuOperator.install && DRIVERS_WITH_GPU_OPERATOR.has(driver)
      ? { errors: [`gpuOperator.install: the ${driver} driver's cluster-addons chart already installs the NVIDIA GPU operator; a second one would fight it, set gpuOperator.install=false`] }
      : undefined;
  },
});

const gpuOperatorWithoutGpus = defineRule({
  name: "gpu-operator-without-gpu-node-group",
  description: "warns when the GPU operator has no GPU node group to manage",
  check({ nodeGroups, gpuOperator }) {
    return gpuOperator.install && gpuNodeGroups(nodeGroups).length === 0
      ? { warnings: ["gpuOperator.install: no node group has gpu: true, so the operator has nothing to manage; add a GPU node group or set gpuOperator.install=false"] }
      : undefined;
  },
});

const networkDriverMatchesDriver = defineRule({
  name: "network-driver-matches-driver",
  description: "the network driver is one the Magnum driver deploys",
  check({ driver, networkDriver }) {
    const supported = NETWORK_DRIVERS[driver as Driver];
    return supported.includes(networkDriver)
      ? undefined
      : { errors: [`networkDriver: the ${driver} driver does not deploy ${networkDriver}; use ${supported.join(" or ")}`] };
  },
});

/** Options that become labels only one driver reads, so they would be silently ignored by the others. */
function optionErrors(params: Record<string, any>, driver: Driver): string[] {
  const errors: string[] = [];
  if (driver !== "capi-helm") {
    if (params.monitoring) errors.push(`monitoring: the ${driver} driver has no monitoring_enabled label here; set monitoring=false and install monitoring through GitOps`);
    if (params.capiHelmChartVersion) errors.push(`capiHelmChartVersion: only the capi-helm driver deploys the openstack-cluster chart; leave it empty for ${driver}`);
  }
  if (driver === "heat" && params.bootVolumeSizeGb > 0) {
    errors.push("bootVolumeSizeGb: the heat driver has no boot_volume_size label; set 0 (the nodes boot from the flavor's disk)");
  }
  return errors;
}

const labelsMatchDriver = defineRule({
  name: "labels-match-driver",
  description: "options and extra labels are ones the chosen driver reads, not set twice",
  check(params) {
    const driver = params.driver as Driver;
    const errors = optionErrors(params, driver);
    const warnings: string[] = [];
    for (const label of Object.keys(params.extraLabels as Record<string, string>)) {
      const readers = driversReading(label);
      if (label === "kube_tag" && driver === "capi-helm") {
        errors.push("extraLabels.kube_tag: magnum-capi-helm takes the Kubernetes version from the image's kube_version property, not from kube_tag; remove the label and pick the image");
      } else if (readers.length > 0 && !readers.includes(driver)) {
        errors.push(`extraLabels.${label}: only the ${readers.join(" and ")} driver reads this label, not ${driver}; remove it or change driver`);
      } else if (Object.hasOwn(LABELS_FROM_PARAMETERS, label)) {
        // hasOwn: a label named like an Object.prototype member (constructor, toString) is just an unknown label
        errors.push(`extraLabels.${label}: set by ${LABELS_FROM_PARAMETERS[label]}; remove it from extraLabels`);
      } else if (readers.length === 0) {
        warnings.push(`extraLabels.${label}: not a label the ${driver} driver is known to read; check the spelling against the driver's documentation`);
      } else if (label === "extra_network_name") {
        warnings.push("extraLabels.extra_network_name: deprecated by magnum-capi-helm; use extra_network_names");
      }
    }
    return { errors, warnings };
  },
});

/**
 * The bastion is an SSH server on the internet: it opens port 22 to listed addresses only, each written canonically
 * and once (Neutron refuses a rule that repeats another). 0.0.0.0/0 is accepted as an explicit choice, with a warning.
 */
const bastionSshAllowedCidrs = defineRule({
  name: "bastion-ssh-allowed-cidrs",
  description: "a bastion lists who may reach it on SSH in bastion.sshAllowedCidrs, canonical and once each",
  check({ bastion }) {
    const { enabled, sshAllowedCidrs } = bastion as { enabled: boolean; sshAllowedCidrs: string[] };
    const errors: string[] = [];
    const warnings: string[] = [];
    if (enabled && sshAllowedCidrs.length === 0) {
      errors.push("bastion.sshAllowedCidrs: the bastion takes SSH connections from the internet; list who may connect (e.g. --set 'bastion.sshAllowedCidrs=[203.0.113.7/32]'), or set bastion.enabled=false");
    }
    const seen = new Set<string>();
    sshAllowedCidrs.forEach((cidr, i) => {
      if (!isCanonicalCidr(cidr)) errors.push(`bastion.sshAllowedCidrs[${i}]: ${cidr} has host bits set; write the range from its first address, ${canonicalCidr(cidr)} (or ${cidr.split("/")[0]}/32 for one address)`);
      else if (seen.has(cidr)) errors.push(`bastion.sshAllowedCidrs[${i}]: ${cidr} is listed twice; list each range once`);
      seen.add(cidr);
      if (enabled && cidr === OPEN) warnings.push("bastion.sshAllowedCidrs: 0.0.0.0/0 opens the bastion's SSH port to the whole internet; list your administrators' addresses instead");
    });
    if (!enabled && sshAllowedCidrs.length > 0) warnings.push("bastion.sshAllowedCidrs: there is no bastion (bastion.enabled=false), so this list is not used");
    return { errors, warnings };
  },
});

const heatDriverDeprecated = defineRule({
  name: "heat-driver-deprecated",
  description: "warns that the Heat driver is deprecated",
  check({ driver }) {
    return driver === "heat"
      ? { warnings: ["driver: the Heat driver is deprecated and removed from Magnum after 2026.1; plan a move to capi-helm or vexxhost-capi"] }
      : undefined;
  },
});

export const magnumRules: RuleDefinition[] = [
  masterCountOdd,
  multiMasterNeedsLb,
  apiReachable,
  apiFloatingIpNeedsAllowedCidrs,
  bastionSshAllowedCidrs,
  uniqueNodeGroupNames,
  nodeGroupSizeBounds,
  noMasterNodeGroup,
  gpuNodeGroupNeedsGpuOperator,
  noDuplicateGpuOperator,
  gpuOperatorWithoutGpus,
  networkDriverMatchesDriver,
  labelsMatchDriver,
  heatDriverDeprecated,
];
