# Remote state in an Azure Storage blob. Locking: Terraform takes a lease on the state blob, which Azure Blob
# Storage grants to one holder at a time, so a second run waits or fails instead of writing over the first.
# Access goes through Entra ID (use_azuread_auth), not storage account keys: the identity that runs Terraform needs
# the "Storage Blob Data Contributor" role on the container. The storage account belongs to your subscription:
# backend.hcl names it (`terraform init -backend-config=backend.hcl`); see "Terraform state" in the README.
terraform {
  backend "azurerm" {
    container_name   = "tfstate"
    key              = "aks-gpu.tfstate"
    use_azuread_auth = true
  }
}
