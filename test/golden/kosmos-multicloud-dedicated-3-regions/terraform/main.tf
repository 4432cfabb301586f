locals {
  tags = concat(["cluster=edge-mesh", "managed-by=create-cluster-repo"], var.tags)
}

# Kosmos: a managed control plane in nl-ams that takes Scaleway Instances from any zone and external
# nodes from any cloud. Kilo (a WireGuard mesh) is the only CNI for multicloud clusters, and Kosmos has no private
# network: the provider rejects private_network_id on this type.
resource "scaleway_k8s_cluster" "this" {
  name                        = "edge-mesh"
  type                        = "multicloud-dedicated-8"
  version                     = "1.35.3"
  cni                         = "kilo"
  region                      = "nl-ams"
  delete_additional_resources = true
  tags                        = local.tags

  # Upgrades the control plane and the Scaleway pools; external nodes are upgraded by hand.
  auto_upgrade {
    enable                        = false
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
    ip          = "203.0.113.7/32"
    description = "apiAllowedCidrs"
  }

  acl_rules {
    ip          = "198.51.100.0/28"
    description = "apiAllowedCidrs"
  }

  acl_rules {
    ip          = "192.0.2.64/27"
    description = "apiAllowedCidrs"
  }

  acl_rules {
    scaleway_ranges = true
    description     = "Scaleway ranges: the nodes, and any machine hosted at Scaleway"
  }

  lifecycle {
    prevent_destroy = true
  }
}

# Scaleway pool "ams" in nl-ams-2: a pool belongs to its cluster's region, its zone may be another region's.
resource "scaleway_k8s_pool" "ams" {
  cluster_id  = scaleway_k8s_cluster.this.id
  name        = "ams"
  node_type   = "POP2-4C-16G"
  region      = scaleway_k8s_cluster.this.region
  zone        = "nl-ams-2"
  size        = 2
  autoscaling = true
  min_size    = 2
  max_size    = 5
  autohealing = true
  labels      = { "workload" = "general" }
  tags        = local.tags
}

# Scaleway pool "par-gpu" in fr-par-2: a pool belongs to its cluster's region, its zone may be another region's.
resource "scaleway_k8s_pool" "par-gpu" {
  cluster_id  = scaleway_k8s_cluster.this.id
  name        = "par-gpu"
  node_type   = "L4-1-24G"
  region      = scaleway_k8s_cluster.this.region
  zone        = "fr-par-2"
  size        = 0
  autoscaling = true
  min_size    = 0
  max_size    = 2
  autohealing = true
  labels      = { "workload" = "gpu" }
  tags        = local.tags

  taints {
    key    = "nvidia.com/gpu"
    value  = "present"
    effect = "NoSchedule"
  }
}

# Scaleway pool "waw" in pl-waw-3: a pool belongs to its cluster's region, its zone may be another region's.
resource "scaleway_k8s_pool" "waw" {
  cluster_id  = scaleway_k8s_cluster.this.id
  name        = "waw"
  node_type   = "PRO2-S"
  region      = scaleway_k8s_cluster.this.region
  zone        = "pl-waw-3"
  size        = 1
  autoscaling = false
  min_size    = 1
  max_size    = 1
  autohealing = false
  labels      = {}
  tags        = local.tags
}

# External pool "aws-eu-west-1": nodes from other clouds or bare metal join it with Scaleway's node-agent (see the
# README). Scaleway neither creates, autoscales, autoheals nor upgrades them, so size stays 0 and max_size caps
# how many nodes may join.
resource "scaleway_k8s_pool" "aws-eu-west-1" {
  cluster_id  = scaleway_k8s_cluster.this.id
  name        = "aws-eu-west-1"
  node_type   = "external"
  region      = scaleway_k8s_cluster.this.region
  size        = 0
  min_size    = 0
  max_size    = 5
  autoscaling = false
  autohealing = false
  labels      = { "topology.kubernetes.io/region" = "aws-eu-west-1" }
  tags        = local.tags
}

# External pool "onprem": nodes from other clouds or bare metal join it with Scaleway's node-agent (see the
# README). Scaleway neither creates, autoscales, autoheals nor upgrades them, so size stays 0 and max_size caps
# how many nodes may join.
resource "scaleway_k8s_pool" "onprem" {
  cluster_id  = scaleway_k8s_cluster.this.id
  name        = "onprem"
  node_type   = "external"
  region      = scaleway_k8s_cluster.this.region
  size        = 0
  min_size    = 0
  max_size    = 2
  autoscaling = false
  autohealing = false
  labels      = { "topology.kubernetes.io/region" = "onprem-lyon" }
  tags        = local.tags

  taints {
    key    = "example.com/onprem"
    value  = "true"
    effect = "PreferNoSchedule"
  }
}
