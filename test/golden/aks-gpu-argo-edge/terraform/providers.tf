# Credentials come from `az login` (or ARM_CLIENT_ID / ARM_CLIENT_SECRET / ARM_TENANT_ID, or OIDC, in automation),
# never from this repository. The subscription is var.subscription_id or, when that is null, ARM_SUBSCRIPTION_ID.
provider "azurerm" {
  features {}

  subscription_id = var.subscription_id

  # azurerm 5.x registers no resource provider by default (resource_provider_registrations = "none",
  # internal/provider/provider.go at v5.2.0), and a new subscription has few registered. These are the ones this
  # configuration uses: Microsoft.Network (virtual network, subnet; AKS's load balancer and public IP),
  # Microsoft.ContainerService (the cluster), Microsoft.Compute (the node scale sets and disks AKS creates) and
  # Microsoft.ManagedIdentity (the kubelet identity AKS creates, External Secrets' identity) and Microsoft.KeyVault (the cluster's
  # Key Vault). The provider registers those not yet registered
  # each time it starts, for a plan too, which takes Microsoft.Resources/subscriptions/providers/register/action:
  # the README registers them once with `az provider register`, so that a read-only plan identity never has to.
  resource_provider_registrations = "none"
  resource_providers_to_register  = ["Microsoft.Compute", "Microsoft.ContainerService", "Microsoft.KeyVault", "Microsoft.ManagedIdentity", "Microsoft.Network"]
}
