output "cluster_id" {
  description = "ID of the Kosmos cluster ({region}/{uuid})."
  value       = scaleway_k8s_cluster.this.id
}

output "apiserver_url" {
  description = "URL of the Kubernetes API server."
  value       = scaleway_k8s_cluster.this.apiserver_url
}

output "kubeconfig" {
  description = "Admin kubeconfig of the cluster: read into ~/.kube, never into the repository (README)"
  value       = scaleway_k8s_cluster.this.kubeconfig[0].config_file
  sensitive   = true
}

# What a node needs to join an external pool: POOL_ID is the UUID part of the pool ID ({region}/{uuid}).
# e.g. export POOL_ID=$(terraform output -json external_pools | jq -r '.["<pool>"].pool_id')
output "external_pools" {
  description = "External pools by name: id ({region}/{uuid}), pool_id (POOL_ID for node-agent) and pool_region (POOL_REGION)."
  value = {
    "external" = {
      id          = scaleway_k8s_pool.external.id
      pool_id     = element(split("/", scaleway_k8s_pool.external.id), 1)
      pool_region = scaleway_k8s_pool.external.region
    }
  }
}
