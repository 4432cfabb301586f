variable "cloud" {
  description = "Entry of clouds.yaml to use (as OS_CLOUD would name it). Leave null to use OS_CLOUD or the OS_* variables of a sourced openrc file."
  type        = string
  default     = null
}

variable "region" {
  description = "OpenStack region. Leave null to use the region of the cloud entry or OS_REGION_NAME."
  type        = string
  default     = null
}

variable "image" {
  description = "Glance image (name or ID) for every node. It must carry the properties os_distro (ubuntu or flatcar) and kube_version (e.g. v1.33.5); the Kubernetes version comes from it. Clouds that run several drivers also pick the driver from its magnum_driver property."
  type        = string
}

variable "external_network_name" {
  description = "Name of the external (provider) network for floating IPs and the API load balancer, e.g. public or external."
  type        = string
}

variable "master_flavor" {
  description = "Nova flavor (name or ID) of the control-plane nodes, e.g. m1.medium (2 vCPU / 4 GB at least)."
  type        = string
}

variable "worker_flavor" {
  description = "Nova flavor (name or ID) of the default worker node group, e.g. m1.large."
  type        = string
}

variable "keypair_name" {
  description = "Name of an existing Nova keypair installed on the nodes for SSH, or null for none (Cluster API nodes are replaced, rarely logged into). Keypairs belong to one OpenStack user: create it as the user whose credentials apply Terraform (the terraform workflow's), e.g. `openstack keypair create --public-key ~/.ssh/id_ed25519.pub <name>`."
  type        = string
  default     = null
}

variable "dns_nameserver" {
  description = "DNS server for the cluster network (used only when Magnum creates the network). Leave null for Magnum's default; academic clouds often need their own resolver."
  type        = string
  default     = null
}

variable "fixed_network" {
  description = "Existing tenant network (name or ID) for the nodes. Leave null to let Magnum create one."
  type        = string
  default     = null
}

variable "fixed_subnet" {
  description = "Subnet (name or ID) of fixed_network. Leave null to let Magnum create one."
  type        = string
  default     = null
}
