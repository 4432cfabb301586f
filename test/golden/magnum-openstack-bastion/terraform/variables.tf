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
  description = "Existing tenant network (name or ID) for the nodes and the bastion, with a router to the external network: the bastion reaches the API load balancer on it."
  type        = string

  validation {
    condition     = length(var.fixed_network) > 0
    error_message = "The bastion sits on the cluster's network: give fixed_network, an existing network with a router to the external network."
  }
}

variable "fixed_subnet" {
  description = "Subnet (name or ID) of fixed_network, for the nodes and the bastion."
  type        = string

  validation {
    condition     = length(var.fixed_subnet) > 0
    error_message = "The bastion sits on the cluster's network: give fixed_subnet, a subnet of fixed_network."
  }
}

variable "bastion_image" {
  description = "Glance image (name) of the bastion: a small Linux image with cloud-init, e.g. Ubuntu 24.04."
  type        = string
}

variable "bastion_flavor" {
  description = "Nova flavor (name) of the bastion; the smallest one will do, e.g. m1.small."
  type        = string
}

variable "bastion_ssh_public_key" {
  description = "SSH public key (OpenSSH format) cloud-init installs for the bastion image's default user (ubuntu on Ubuntu images). Never a private key."
  type        = string

  validation {
    condition     = can(regex("^(ssh-(ed25519|rsa)|ecdsa-sha2-nistp(256|384|521)) ", var.bastion_ssh_public_key))
    error_message = "The bastion_ssh_public_key must be an OpenSSH public key (ssh-ed25519 ..., ssh-rsa ... or ecdsa-sha2-...)."
  }
}
