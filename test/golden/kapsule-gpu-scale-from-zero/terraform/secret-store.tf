# External Secrets reads this cluster's secrets from Scaleway Secret Manager (README, "Secrets") as an IAM
# application of its own, whose one policy lets it list and read the secrets of the cluster's project and nothing
# else. Its API key reaches the cluster once, by the README's command (Day 1, step 3), from this state: never Git.
resource "scaleway_iam_application" "external_secrets" {
  name        = "kapsule-gpu-external-secrets"
  description = "External Secrets Operator of kapsule-gpu: reads Secret Manager in the cluster's project"
  tags        = local.tags
}

resource "scaleway_iam_policy" "external_secrets" {
  name           = "kapsule-gpu-external-secrets"
  description    = "Read the secrets of the cluster's project: metadata (find by name) and versions (values)"
  application_id = scaleway_iam_application.external_secrets.id

  rule {
    project_ids = [scaleway_k8s_cluster.this.project_id]
    # Scaleway's permission sets for Secret Manager: ReadOnly lists and describes secrets, SecretAccess reads their
    # versions' data. Neither creates, changes nor deletes one.
    permission_set_names = ["SecretManagerReadOnly", "SecretManagerSecretAccess"]
  }
}

resource "scaleway_iam_api_key" "external_secrets" {
  application_id     = scaleway_iam_application.external_secrets.id
  default_project_id = scaleway_k8s_cluster.this.project_id
  description        = "External Secrets Operator of kapsule-gpu"
}

output "external_secrets_project_id" {
  description = "Project whose Secret Manager External Secrets reads: the parameter secretStore.projectId."
  value       = scaleway_k8s_cluster.this.project_id
  # Not a credential, but read only through `terraform output -raw`: plans and logs never show it.
  sensitive = true
}

output "external_secrets_access_key" {
  description = "Access key of External Secrets' IAM application (README, Day 1, step 3)."
  value       = scaleway_iam_api_key.external_secrets.access_key
  # Half of the key (the ID, not the secret), but read only through `terraform output -raw`: plans and logs never show it.
  sensitive = true
}

output "external_secrets_secret_key" {
  description = "Secret key of External Secrets' IAM application: read into the cluster only (README, Day 1, step 3)."
  value       = scaleway_iam_api_key.external_secrets.secret_key
  sensitive   = true
}
