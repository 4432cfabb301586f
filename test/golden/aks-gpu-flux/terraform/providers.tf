# Credentials come from `az login` (or ARM_CLIENT_ID / ARM_CLIENT_SECRET / ARM_TENANT_ID, or OIDC, in automation),
# never from this repository. The subscription is var.subscription_id or, when that is null, ARM_SUBSCRIPTION_ID.
provider "azurerm" {
  features {}

  subscription_id = var.subscription_id

  # azurerm 5.x registers no resource providers by default; AKS needs Microsoft.ContainerService.
  resource_providers_to_register = ["Microsoft.ContainerService"]
}
