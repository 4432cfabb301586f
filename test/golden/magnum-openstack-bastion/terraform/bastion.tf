# A bastion on the cluster's network (parameter bastion): a small VM with a floating IP that only SSH from
# bastion.sshAllowedCidrs reaches, and that reaches what the cluster's network reaches.
# The API load balancer has no floating IP: kubectl and flux reach it through an SSH tunnel to this VM.

locals {
  # Magnum takes fixed_network and fixed_subnet as a name or an ID; the data sources look them up either way.
  uuid_pattern = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
}

data "openstack_networking_network_v2" "fixed" {
  name       = can(regex(local.uuid_pattern, var.fixed_network)) ? null : var.fixed_network
  network_id = can(regex(local.uuid_pattern, var.fixed_network)) ? var.fixed_network : null
}

data "openstack_networking_subnet_v2" "fixed" {
  name       = can(regex(local.uuid_pattern, var.fixed_subnet)) ? null : var.fixed_subnet
  subnet_id  = can(regex(local.uuid_pattern, var.fixed_subnet)) ? var.fixed_subnet : null
  network_id = data.openstack_networking_network_v2.fixed.id
}

resource "openstack_networking_secgroup_v2" "bastion" {
  name        = "magnum-bastion-bastion"
  description = "SSH to the bastion, from bastion.sshAllowedCidrs only"
}

resource "openstack_networking_secgroup_rule_v2" "bastion_ssh" {
  for_each = toset(["203.0.113.7/32", "198.51.100.0/24"])

  security_group_id = openstack_networking_secgroup_v2.bastion.id
  description       = "SSH from bastion.sshAllowedCidrs"
  direction         = "ingress"
  ethertype         = "IPv4"
  protocol          = "tcp"
  port_range_min    = 22
  port_range_max    = 22
  remote_ip_prefix  = each.value
}

resource "openstack_networking_port_v2" "bastion" {
  name               = "magnum-bastion-bastion"
  network_id         = data.openstack_networking_network_v2.fixed.id
  security_group_ids = [openstack_networking_secgroup_v2.bastion.id]

  fixed_ip {
    subnet_id = data.openstack_networking_subnet_v2.fixed.id
  }
}

resource "openstack_compute_instance_v2" "bastion" {
  name        = "magnum-bastion-bastion"
  image_name  = var.bastion_image
  flavor_name = var.bastion_flavor
  metadata    = { "cluster" = "magnum-bastion", "managed-by" = "create-cluster-repo" }

  # The login key comes through cloud-init, not a Nova keypair: keypairs belong to one OpenStack user, and plans made
  # as another user would see it missing. No password logins; the packages are upgraded on first boot.
  user_data = join("\n", ["#cloud-config", yamlencode({
    ssh_authorized_keys = [var.bastion_ssh_public_key]
    ssh_pwauth          = false
    disable_root        = true
    package_update      = true
    package_upgrade     = true
  })])

  network {
    port = openstack_networking_port_v2.bastion.id
  }
}

resource "openstack_networking_floatingip_v2" "bastion" {
  pool        = var.external_network_name
  port_id     = openstack_networking_port_v2.bastion.id
  description = "bastion of magnum-bastion"
}
