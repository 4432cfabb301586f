output "cluster_id" {
  description = "ID of the Kapsule cluster ({region}/{uuid})."
  value       = scaleway_k8s_cluster.this.id
}

output "apiserver_url" {
  description = "URL of the Kubernetes API server."
  value       = scaleway_k8s_cluster.this.apiserver_url
}

output "gpu_pool_id" {
  description = "ID of the GPU pool."
  value       = scaleway_k8s_pool.gpu.id
}

output "kubeconfig" {
  description = "Admin kubeconfig of the cluster: read into ~/.kube, never into the repository (README)"
  value       = scaleway_k8s_cluster.this.kubeconfig[0].config_file
  sensitive   = true
}
