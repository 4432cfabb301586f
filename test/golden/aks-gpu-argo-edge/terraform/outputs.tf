output "cluster_name" {
  description = "Name of the AKS cluster (az aks get-credentials --name)."
  value       = azurerm_kubernetes_cluster.this.name
}

output "cluster_id" {
  description = "Azure resource ID of the AKS cluster."
  value       = azurerm_kubernetes_cluster.this.id
}

output "resource_group_name" {
  description = "Resource group of the cluster and its network (az aks get-credentials --resource-group)."
  value       = azurerm_resource_group.this.name
}

output "node_resource_group" {
  description = "Resource group AKS manages for the nodes, load balancers and disks."
  value       = azurerm_kubernetes_cluster.this.node_resource_group
}

output "oidc_issuer_url" {
  description = "OIDC issuer URL of the cluster, for workload identity federation."
  value       = azurerm_kubernetes_cluster.this.oidc_issuer_url
}

# No kubeconfig output: with local accounts disabled, kubectl signs in through Microsoft Entra ID (kubelogin).
output "get_credentials" {
  description = "Command that fetches this cluster's connection details (add --file <path>); kubelogin then signs kubectl in through Microsoft Entra ID."
  value       = "az aks get-credentials --resource-group ${azurerm_resource_group.this.name} --name ${azurerm_kubernetes_cluster.this.name}"
}
