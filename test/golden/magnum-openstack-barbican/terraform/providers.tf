# Credentials never live in this repository: the provider reads the clouds.yaml entry named by var.cloud (or
# OS_CLOUD), or the OS_* variables that an openrc file exports.
provider "openstack" {
  cloud  = var.cloud
  region = var.region
}
