locals {
  tags = merge({ "cluster" = "aks-gpu", "managed-by" = "create-cluster-repo" }, var.tags)

  # The Microsoft Entra groups that administer the cluster (parameter adminGroupObjectIds). Access goes to them and
  # to nobody else, not to whoever runs Terraform: a role assignment's principal_id is ForceNew, so one that followed
  # the caller would be replaced on every plan made by another identity than the last apply's.
  admin_group_object_ids = []
}

resource "azurerm_resource_group" "this" {
  name     = "rg-aks-gpu"
  location = "westeurope"
  tags     = local.tags
}

resource "azurerm_virtual_network" "this" {
  name                = "vnet-aks-gpu"
  location            = azurerm_resource_group.this.location
  resource_group_name = azurerm_resource_group.this.name
  address_space       = ["10.224.0.0/16"]
  tags                = local.tags
}

# With the Azure CNI overlay each node takes one address of this subnet; pods get theirs from pod_cidr.
resource "azurerm_subnet" "nodes" {
  name                 = "snet-nodes"
  resource_group_name  = azurerm_resource_group.this.name
  virtual_network_name = azurerm_virtual_network.this.name
  address_prefixes     = ["10.224.0.0/20"]
}

resource "azurerm_kubernetes_cluster" "this" {
  name                      = "aks-gpu"
  location                  = azurerm_resource_group.this.location
  resource_group_name       = azurerm_resource_group.this.name
  dns_prefix                = "aks-gpu"
  automatic_upgrade_channel = "patch"
  node_os_upgrade_channel   = "NodeImage"
  sku_tier                  = "Free"
  tags                      = local.tags

  # Cluster upgrades of the automatic channel start only in this window (parameter maintenanceWindow).
  maintenance_window_auto_upgrade {
    frequency   = "Weekly"
    interval    = 1
    day_of_week = "Sunday"
    start_time  = "02:00"
    utc_offset  = "+00:00"
    duration    = 4
  }

  # NodeImage re-images every node, GPU nodes included, when a new node image ships: only in this window, so that a
  # GPU node is not drained in the middle of a training run on any day of the week.
  maintenance_window_node_os {
    frequency   = "Weekly"
    interval    = 1
    day_of_week = "Sunday"
    start_time  = "02:00"
    utc_offset  = "+00:00"
    duration    = 4
  }

  # Sign-in through Microsoft Entra ID only, authorized by Azure RBAC: no local admin account, so no certificate
  # that grants cluster-admin to whoever holds it. kubectl signs in with kubelogin (see the README).
  local_account_disabled = true

  # admin_group_object_ids binds the groups to cluster-admin in Kubernetes RBAC, which AKS keeps evaluating next to
  # Azure RBAC; the role assignments below grant them the same through Azure RBAC and let them fetch credentials.
  azure_active_directory_role_based_access_control {
    azure_rbac_enabled     = true
    admin_group_object_ids = local.admin_group_object_ids
  }

  api_server_access_profile {
    # 0.0.0.0/32 allows nothing but the cluster's own outbound address: the API is closed to the internet until
    # apiAllowedCidrs lists yours (az aks command invoke reaches it meanwhile, through Azure's API).
    authorized_ip_ranges = ["0.0.0.0/32"]
  }

  # The system pool runs only critical add-ons (CriticalAddonsOnly taint); everything else goes to the user pools.
  default_node_pool {
    name                         = "system"
    vm_size                      = "Standard_D4s_v5"
    vnet_subnet_id               = azurerm_subnet.nodes.id
    only_critical_addons_enabled = true
    os_disk_size_gb              = 128
    node_count                   = 2
    auto_scaling_enabled         = true
    min_count                    = 1
    max_count                    = 3
    tags                         = local.tags

    # Resizing the system pool cycles it through this temporary pool instead of failing the plan.
    temporary_name_for_rotation = "tmpsystem"

    upgrade_settings {
      max_surge = "10%"
    }
  }

  # Required block in azurerm 5.x; Manual keeps the node pools as declared here (no node auto-provisioning).
  node_provisioning_profile {
    mode = "Manual"
  }

  identity {
    type = "SystemAssigned"
  }

  network_profile {
    network_plugin      = "azure"
    network_plugin_mode = "overlay"
    network_data_plane  = "cilium"
    network_policy      = "cilium"
    pod_cidr            = "10.244.0.0/16"
    service_cidr        = "10.0.0.0/16"
    dns_service_ip      = "10.0.0.10"
    load_balancer_sku   = "standard"
    outbound_type       = "loadBalancer"
  }

  lifecycle {
    # Terraform refuses any plan that destroys or replaces the cluster (parameter preventDestroy; README,
    # "Destroying or replacing the cluster").
    prevent_destroy = true
    # The cluster autoscaler owns the node count once the pool exists.
    ignore_changes = [default_node_pool[0].node_count]
  }
}

# The admin groups administer the cluster through Azure RBAC: every Kubernetes action (Cluster Admin) and
# `az aks get-credentials` (Cluster User Role, Microsoft.ContainerService/managedClusters/listClusterUserCredential).
# Only these groups: the identity that runs Terraform gets nothing here (see local.admin_group_object_ids).
resource "azurerm_role_assignment" "cluster_admin" {
  for_each = toset(local.admin_group_object_ids)

  scope                = azurerm_kubernetes_cluster.this.id
  role_definition_name = "Azure Kubernetes Service RBAC Cluster Admin"
  principal_id         = each.value
  principal_type       = "Group"
}

resource "azurerm_role_assignment" "cluster_user" {
  for_each = toset(local.admin_group_object_ids)

  scope                = azurerm_kubernetes_cluster.this.id
  role_definition_name = "Azure Kubernetes Service Cluster User Role"
  principal_id         = each.value
  principal_type       = "Group"
}

# On a subnet of our own, the cluster identity needs Network Contributor there, or the first Service of type
# LoadBalancer fails with 403 (az aks create grants it; Terraform has to do it itself).
resource "azurerm_role_assignment" "cluster_network" {
  scope                = azurerm_subnet.nodes.id
  role_definition_name = "Network Contributor"
  principal_id         = azurerm_kubernetes_cluster.this.identity[0].principal_id
  principal_type       = "ServicePrincipal"
}

# CPU user pool: the GitOps engine, the GPU stack's controllers and ordinary workloads.
resource "azurerm_kubernetes_cluster_node_pool" "cpu" {
  name                  = "cpu"
  kubernetes_cluster_id = azurerm_kubernetes_cluster.this.id
  mode                  = "User"
  vm_size               = "Standard_D4s_v5"
  os_type               = "Linux"
  os_disk_size_gb       = 128
  vnet_subnet_id        = azurerm_subnet.nodes.id
  node_count            = 2
  auto_scaling_enabled  = true
  min_count             = 1
  max_count             = 5
  tags                  = local.tags

  upgrade_settings {
    max_surge = "10%"
  }

  lifecycle {
    ignore_changes = [node_count]
  }
}

# GPU user pool. Only pods tolerating sku=gpu:NoSchedule (the GPU stack's daemonsets, GPU workloads) land here.
# The nvidia.com/gpu.present label matches the NVIDIA device plugin's default node affinity without NFD.
resource "azurerm_kubernetes_cluster_node_pool" "gpu" {
  name                  = "gpu"
  kubernetes_cluster_id = azurerm_kubernetes_cluster.this.id
  mode                  = "User"
  vm_size               = "Standard_NC4as_T4_v3"
  os_type               = "Linux"
  os_sku                = "Ubuntu"
  os_disk_size_gb       = 128
  vnet_subnet_id        = azurerm_subnet.nodes.id
  node_count            = 1
  auto_scaling_enabled  = true
  min_count             = 0
  max_count             = 2
  node_taints           = ["sku=gpu:NoSchedule"]
  node_labels           = { "nvidia.com/gpu.present" = "true", "workload" = "gpu" }
  tags                  = local.tags

  # AKS installs the NVIDIA driver; the nvidia-device-plugin chart advertises nvidia.com/gpu.
  gpu_driver = "Install"

  # One extra GPU node at a time: GPU quota is usually tight.
  upgrade_settings {
    max_surge = "1"
  }

  lifecycle {
    ignore_changes = [node_count]
  }
}
