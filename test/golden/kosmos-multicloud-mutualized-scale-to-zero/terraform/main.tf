locals {
  tags = concat(["cluster=kosmos-multicloud", "managed-by=create-cluster-repo"], var.tags)
}

# Kosmos: a managed control plane in fr-par that takes Scaleway Instances from any zone and external
# nodes from any cloud. Kilo (a WireGuard mesh) is the only CNI for multicloud clusters, and Kosmos has no private
# network: the provider rejects private_network_id on this type.
resource "scaleway_k8s_cluster" "this" {
  name                        = "kosmos-multicloud"
  type                        = "multicloud"
  version                     = "1.36"
  cni                         = "kilo"
  region                      = "fr-par"
  delete_additional_resources = false
  tags                        = local.tags

  # Upgrades the control plane and the Scaleway pools; external nodes are upgraded by hand.
  auto_upgrade {
    enable                        = true
    maintenance_window_day        = "sunday"
    maintenance_window_start_hour = 3
  }

  # Pools of the same type in several zones are "similar node groups": balancing them keeps the autoscaler
  # from growing one region only.
  autoscaler_config {
    balance_similar_node_groups = true
    expander                    = "least_waste"
    scale_down_delay_after_add  = "10m"
    scale_down_unneeded_time    = "10m"
  }

  # Terraform refuses any plan that destroys or replaces the cluster (parameter preventDestroy; README,
  # "Destroying or replacing the cluster").
  lifecycle {
    prevent_destroy = true
  }
}

# The API server answers only these addresses. A new cluster allows 0.0.0.0/0; this resource replaces that rule,
# and destroying it puts 0.0.0.0/0 back, so it is protected like the cluster (prevent_destroy below; a plan that
# replaces it, after a cluster_id change, is refused too). To open the API on purpose, list 0.0.0.0/0 in
# apiAllowedCidrs rather than deleting this resource: removing the block also removes its protection.
# scaleway_ranges allows every address range of Scaleway, the nodes among them: any machine hosted at Scaleway, any
# customer's, reaches the API endpoint (it still needs the cluster's credentials), not only this project's.
# External nodes reach the API over the internet: their public egress addresses must be listed too.
resource "scaleway_k8s_acl" "this" {
  cluster_id = scaleway_k8s_cluster.this.id

  acl_rules {
    scaleway_ranges = true
    description     = "Scaleway ranges: the nodes, and any machine hosted at Scaleway"
  }

  lifecycle {
    prevent_destroy = true
  }
}

# Scaleway pool "par" in fr-par-1: a pool belongs to its cluster's region, its zone may be another region's.
resource "scaleway_k8s_pool" "par" {
  cluster_id  = scaleway_k8s_cluster.this.id
  name        = "par"
  node_type   = "PRO2-XS"
  region      = scaleway_k8s_cluster.this.region
  zone        = "fr-par-1"
  size        = 1
  autoscaling = true
  min_size    = 1
  max_size    = 3
  autohealing = true
  labels      = {}
  tags        = local.tags
}

# Scaleway pool "waw-gpu" in pl-waw-2: a pool belongs to its cluster's region, its zone may be another region's.
resource "scaleway_k8s_pool" "waw-gpu" {
  cluster_id  = scaleway_k8s_cluster.this.id
  name        = "waw-gpu"
  node_type   = "L40S-1-48G"
  region      = scaleway_k8s_cluster.this.region
  zone        = "pl-waw-2"
  size        = 0
  autoscaling = true
  min_size    = 0
  max_size    = 1
  autohealing = true
  labels      = {}
  tags        = local.tags

  # A mutualized cluster refuses an empty pool until another pool has a node.
  depends_on = [
    scaleway_k8s_pool.par,
  ]
}

# External pool "hetzner": nodes from other clouds or bare metal join it with Scaleway's node-agent (see the
# README). Scaleway neither creates, autoscales, autoheals nor upgrades them, so size stays 0 and max_size caps
# how many nodes may join.
resource "scaleway_k8s_pool" "hetzner" {
  cluster_id  = scaleway_k8s_cluster.this.id
  name        = "hetzner"
  node_type   = "external"
  region      = scaleway_k8s_cluster.this.region
  size        = 0
  min_size    = 0
  max_size    = 1
  autoscaling = false
  autohealing = false
  labels      = {}
  tags        = local.tags

  # A mutualized cluster refuses an empty pool until another pool has a node.
  depends_on = [
    scaleway_k8s_pool.par,
  ]
}
