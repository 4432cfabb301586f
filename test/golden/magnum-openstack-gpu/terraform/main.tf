locals {
  # Labels of the capi-helm driver; Magnum labels are strings.
  template_labels = {
    # magnum-capi-helm takes the Kubernetes version from the image's kube_version property, not from kube_tag.
    capi_helm_chart_version = "0.27.0"
    monitoring_enabled      = "false"
    # Who may reach the API load balancer (the cluster's own network stays allowed).
    api_master_lb_allowed_cidrs = "192.0.2.0/24,203.0.113.7/32"
    auto_scaling_enabled        = "true"
    auto_healing_enabled        = "true"
    # The API load balancer gets a public floating IP, limited to apiAllowedCidrs.
    master_lb_floating_ip_enabled = "true"
    boot_volume_size              = "60"
    "etcd_volume_size"            = "20"
  }

  # Extra node groups; flavors come from var.node_group_flavors, keyed by name.
  node_groups = {
    "cpu" = { node_count = 2, min_node_count = 1, max_node_count = 6, role = "worker" }
    "gpu" = { node_count = 1, min_node_count = 0, max_node_count = 2, role = "gpu" }
  }
}

data "openstack_networking_network_v2" "external" {
  name     = var.external_network_name
  external = true
}

# Magnum refuses to update a template that a cluster uses: to change it, create a new one and point the cluster at
# it (a cluster_template_id change is an in-place Magnum upgrade, not a replacement).
resource "openstack_containerinfra_clustertemplate_v1" "this" {
  name                = "magnum-gpu-template"
  coe                 = "kubernetes"
  image               = var.image
  flavor              = var.worker_flavor
  master_flavor       = var.master_flavor
  external_network_id = data.openstack_networking_network_v2.external.id
  fixed_network       = var.fixed_network
  fixed_subnet        = var.fixed_subnet
  dns_nameserver      = var.dns_nameserver
  network_driver      = "calico"
  volume_driver       = "cinder"
  master_lb_enabled   = true
  floating_ip_enabled = false
  labels              = local.template_labels
}

# Every argument but node_count and cluster_template_id is ForceNew, labels included.
resource "openstack_containerinfra_cluster_v1" "this" {
  name                = "magnum-gpu"
  cluster_template_id = openstack_containerinfra_clustertemplate_v1.this.id
  master_count        = 3
  node_count          = 2
  # An existing keypair, by name, or none. Nova keypairs belong to one OpenStack user (Magnum checks the name among
  # the caller's keypairs, magnum/api/attr_validator.py): a keypair resource here would read as missing, and be
  # planned anew, whenever plan and apply run as different users, so its plan would never match the reviewed one.
  keypair      = var.keypair_name
  merge_labels = true
  labels = {
    min_node_count = "1"
    max_node_count = "4"
  }

  # Terraform refuses any plan that destroys or replaces the cluster (parameter preventDestroy; README,
  # "Destroying or replacing the cluster").
  lifecycle {
    prevent_destroy = true
  }
}

# magnum-capi-helm builds every node group from the template image and ignores node group labels: a node group
# contributes its flavor, size and autoscaling bounds only.
resource "openstack_containerinfra_nodegroup_v1" "extra" {
  for_each = local.node_groups

  cluster_id     = openstack_containerinfra_cluster_v1.this.id
  name           = each.key
  flavor_id      = var.node_group_flavors[each.key]
  node_count     = each.value.node_count
  min_node_count = each.value.min_node_count
  max_node_count = each.value.max_node_count
  role           = each.value.role
}
