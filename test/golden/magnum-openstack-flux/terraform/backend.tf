# Remote state on an HTTP state server, for clouds without S3-compatible object storage: GitLab's Terraform state
# (every GitLab project has one) or any server that implements Terraform's http backend. Locking: the server's lock
# endpoint (GitLab: POST and DELETE on .../lock, and 409 while another run holds it). Addresses belong to your
# server: backend.hcl sets them (`terraform init -backend-config=backend.hcl`); the credentials come from
# TF_HTTP_USERNAME and TF_HTTP_PASSWORD. See "Terraform state" in the README.
terraform {
  backend "http" {
    lock_method    = "POST"
    unlock_method  = "DELETE"
    retry_wait_min = 5
  }
}
