locals {
  # Labels of the vexxhost-capi driver; Magnum labels are strings.
  template_labels = {
    # The vexxhost driver deploys the Kubernetes version named by kube_tag (its image must match).
    kube_tag             = var.kube_tag
    auto_scaling_enabled = "true"
    auto_healing_enabled = "true"
    # No floating IP: the API is reachable from inside the cloud only.
    master_lb_floating_ip_enabled = "false"
    boot_volume_size              = "80"
    "audit_log_enabled"           = "true"
  }

  # Extra node groups; flavors come from var.node_group_flavors, keyed by name.
  node_groups = {
    "a100" = { node_count = 1, min_node_count = 1, max_node_count = 3, role = "gpu" }
  }
}

data "openstack_networking_network_v2" "external" {
  name     = var.external_network_name
  external = true
}

# Magnum refuses to update a template that a cluster uses: to change it, create a new one and point the cluster at
# it (a cluster_template_id change is an in-place Magnum upgrade, not a replacement).
resource "openstack_containerinfra_clustertemplate_v1" "this" {
  name                = "magnum-k8s-template"
  coe                 = "kubernetes"
  image               = var.image
  flavor              = var.worker_flavor
  master_flavor       = var.master_flavor
  external_network_id = data.openstack_networking_network_v2.external.id
  fixed_network       = var.fixed_network
  fixed_subnet        = var.fixed_subnet
  dns_nameserver      = var.dns_nameserver
  network_driver      = "cilium"
  volume_driver       = "cinder"
  master_lb_enabled   = true
  floating_ip_enabled = false
  labels              = local.template_labels
}

# Every argument but node_count and cluster_template_id is ForceNew, labels included.
resource "openstack_containerinfra_cluster_v1" "this" {
  name                = "magnum-k8s"
  cluster_template_id = openstack_containerinfra_clustertemplate_v1.this.id
  master_count        = 1
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
