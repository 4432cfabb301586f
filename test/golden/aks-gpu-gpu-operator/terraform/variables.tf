variable "subscription_id" {
  description = "Azure subscription ID to create the cluster in. Leave null to use ARM_SUBSCRIPTION_ID."
  type        = string
  default     = null
}

variable "tags" {
  description = "Extra tags on the resource group, network, cluster and node pools."
  type        = map(string)
  default     = {}
}

variable "admin_group_object_ids" {
  description = "Object IDs of Microsoft Entra groups whose members administer the cluster (cluster-admin), besides the identity that runs Terraform. Find one with: az ad group show --group <name> --query id -o tsv"
  type        = list(string)
  default     = []
}
