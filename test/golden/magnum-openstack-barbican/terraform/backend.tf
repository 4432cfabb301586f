# Remote state in the cloud's S3-compatible object storage (Ceph RGW, or Swift with the s3api middleware), through
# Terraform's S3 backend; Terraform removed its Swift backend in 1.3. Locking: Terraform creates a <key>.tflock
# object with If-None-Match: * (use_lockfile, Terraform 1.11+). Ceph RGW honours that condition; Swift's s3api
# honours it from Swift 2.36 (OpenStack 2025.2) and answers 501 before. Check your cloud with the test in the
# README ("Terraform state"). Endpoint, region and bucket belong to your cloud: backend.hcl sets them
# (`terraform init -backend-config=backend.hcl`). The state holds the cluster's admin credentials: keep the bucket
# private.
terraform {
  backend "s3" {
    key            = "magnum-k8s/terraform.tfstate"
    use_lockfile   = true
    use_path_style = true

    # The object store is not AWS: there is no STS, account ID or instance metadata to ask, and no AWS checksum
    # header.
    skip_credentials_validation = true
    skip_region_validation      = true
    skip_requesting_account_id  = true
    skip_metadata_api_check     = true
    skip_s3_checksum            = true
  }
}
