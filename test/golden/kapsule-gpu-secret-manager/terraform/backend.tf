# Remote state in Scaleway Object Storage, through Terraform's S3 backend. Locking: Terraform creates a
# <key>.tflock object with If-None-Match: * (use_lockfile, Terraform 1.11+), which Scaleway Object Storage honours
# (conditional writes), so a second run waits or fails instead of writing over the first. The bucket belongs to
# your account: backend.hcl names it (`terraform init -backend-config=backend.hcl`); see "Terraform state" in the
# README. The state holds the cluster's admin credentials: keep the bucket private.
terraform {
  backend "s3" {
    key          = "kapsule-gpu/terraform.tfstate"
    region       = "fr-par"
    use_lockfile = true

    endpoints = {
      s3 = "https://s3.fr-par.scw.cloud"
    }

    # Scaleway is not AWS: there is no STS, account ID or instance metadata to ask, and no AWS checksum header.
    skip_credentials_validation = true
    skip_region_validation      = true
    skip_requesting_account_id  = true
    skip_metadata_api_check     = true
    skip_s3_checksum            = true
  }
}
