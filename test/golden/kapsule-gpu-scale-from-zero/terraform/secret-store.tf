# External Secrets reads this cluster's secrets from Scaleway Secret Manager (README, "Secrets") as an IAM
# application of its own, whose one policy lets it list and read the secrets of the cluster's project and nothing
# else. Its API key reaches the cluster once, by the README's command (Day 1, step 3), from this state: never Git.
resource "scaleway_iam_application" "eso" {
  name        = "kapsule-gpu-external-secrets"
  description = "External Secrets Operator of kapsule-gpu: reads Secret Manager in the cluster's project"
  tags        = local.tags
}

resource "scaleway_iam_policy" "eso" {
  name           = "kapsule-gpu-external-secrets"
  description    = "Read the secrets of the cluster's project: metadata (find by name) and versions (values)"
  application_id = scaleway_iam_application.eso.id

  rule {
    project_ids = [scaleway_k8s_cluster.this.project_id]
    # Scaleway's permission sets for Secret Manager, scoped by project: ReadOnly lists and describes secrets,
    # SecretAccess reads their versions' data. Neither creates, changes nor deletes one
    # (https://www.scaleway.com/en/docs/iam/reference-content/permission-sets/, "Secret Manager").
    permission_set_names = ["SecretManagerReadOnly", "SecretManagerSecretAccess"]
  }
}

# No default project: the key reaches only what the policy grants, and a replaced cluster does not replace it.
resource "scaleway_iam_api_key" "eso" {
  application_id = scaleway_iam_application.eso.id
  description    = "External Secrets Operator of kapsule-gpu"
}

output "eso_project_id" {
  description = "Project whose Secret Manager External Secrets reads: the parameter secretStore.projectId."
  value       = scaleway_k8s_cluster.this.project_id
}

output "eso_access_key" {
  description = "Access key of External Secrets' IAM application (README, Day 1, step 3)."
  value       = scaleway_iam_api_key.eso.access_key
}

output "eso_secret_key" {
  description = "Secret key of External Secrets' IAM application: read into the cluster only (README, Day 1, step 3)."
  value       = scaleway_iam_api_key.eso.secret_key
  sensitive   = true
}
