locals {
  tags = concat(["cluster=kapsule-gpu", "managed-by=create-cluster-repo"], var.tags)
}

# Kapsule clusters need a private network; it cannot be changed after the cluster is created.
resource "scaleway_vpc_private_network" "this" {
  name   = "kapsule-gpu-pn"
  region = "fr-par"
  tags   = local.tags
}

resource "scaleway_k8s_cluster" "this" {
  name                        = "kapsule-gpu"
  type                        = "kapsule"
  version                     = "1.36"
  cni                         = "cilium"
  region                      = "fr-par"
  private_network_id          = scaleway_vpc_private_network.this.id
  delete_additional_resources = false
  tags                        = local.tags

  auto_upgrade {
    enable                        = true
    maintenance_window_day        = "sunday"
    maintenance_window_start_hour = 3
  }

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

resource "scaleway_k8s_pool" "system" {
  cluster_id  = scaleway_k8s_cluster.this.id
  name        = "system"
  node_type   = "PRO2-XS"
  region      = scaleway_k8s_cluster.this.region
  size        = 2
  autoscaling = true
  min_size    = 1
  max_size    = 4
  autohealing = true
  tags        = local.tags
}

# Scaleway installs the NVIDIA GPU operator (driver, container toolkit, device plugin) on GPU pools.
resource "scaleway_k8s_pool" "gpu" {
  cluster_id             = scaleway_k8s_cluster.this.id
  name                   = "gpu"
  node_type              = "L4-1-24G"
  region                 = scaleway_k8s_cluster.this.region
  zone                   = "fr-par-2"
  size                   = 1
  autoscaling            = true
  min_size               = 0
  max_size               = 2
  autohealing            = true
  root_volume_size_in_gb = 100
  tags                   = local.tags

  # GPU pods select this label. The pool sets it, so the cluster autoscaler knows it before any node exists and
  # can scale the pool up from zero (nvidia.com/gpu.present only appears once the GPU operator runs on a node).
  labels = { "workload" = "gpu" }

  # Only pods that tolerate this taint (the GPU operator's daemonsets, the GPU workloads) land on GPU nodes.
  taints {
    key    = "nvidia.com/gpu"
    value  = "present"
    effect = "NoSchedule"
  }
}
