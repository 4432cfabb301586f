output "cluster_id" {
  description = "UUID of the Magnum cluster."
  value       = openstack_containerinfra_cluster_v1.this.id
}

output "cluster_template_id" {
  description = "UUID of the cluster template."
  value       = openstack_containerinfra_clustertemplate_v1.this.id
}

output "api_address" {
  description = "URL of the Kubernetes API server."
  value       = openstack_containerinfra_cluster_v1.this.api_address
}

output "coe_version" {
  description = "Kubernetes version Magnum reports for the cluster."
  value       = openstack_containerinfra_cluster_v1.this.coe_version
}

output "kubeconfig" {
  description = "Admin kubeconfig of the cluster: read into ~/.kube, never into the repository (README)"
  value       = openstack_containerinfra_cluster_v1.this.kubeconfig.raw_config
  sensitive   = true
}
