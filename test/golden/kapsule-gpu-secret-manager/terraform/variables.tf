variable "project_id" {
  description = "Scaleway project ID to create the cluster in. Leave null to use SCW_DEFAULT_PROJECT_ID or the profile's default project."
  type        = string
  default     = null
}

variable "tags" {
  description = "Extra tags on the cluster, its pools and its private network."
  type        = list(string)
  default     = []
}
