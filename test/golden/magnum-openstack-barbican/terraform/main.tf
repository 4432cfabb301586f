locals {
  # Labels of the capi-helm driver; Magnum labels are strings.
  template_labels = {
    # magnum-capi-helm takes the Kubernetes version from the image's kube_version property, not from kube_tag.
    monitoring_enabled   = "false"
    auto_scaling_enabled = "true"
    auto_healing_enabled = "true"
    # No floating IP: the API is reachable from inside the cloud only.
    master_lb_floating_ip_enabled = "false"
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
  network_driver      = "calico"
  volume_driver       = "cinder"
  master_lb_enabled   = true
  floating_ip_enabled = false
  labels              = local.template_labels
}

# Every argument but node_count and cluster_template_id is ForceNew, labels included.
resource "openstack_containerinfra_cluster_v1" "this" {
  name                = "magnum-k8s"
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
