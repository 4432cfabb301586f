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
