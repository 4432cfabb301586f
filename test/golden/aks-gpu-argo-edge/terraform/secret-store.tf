# External Secrets reads this cluster's secrets from a Key Vault of its own (README, "Secrets") through workload
# identity: a user-assigned identity trusts tokens of the external-secrets ServiceAccount issued by the cluster's OIDC
# issuer (federated credential), and may read secret values of this vault only (Key Vault Secrets User). No key or
# password reaches the cluster. The vault uses Azure RBAC, not access policies.
resource "azurerm_key_vault" "this" {
  name                = "aks-gpu-kv"
  location            = azurerm_resource_group.this.location
  resource_group_name = azurerm_resource_group.this.name
  # The tenant of the identity below: whoever runs Terraform, the plan is the same.
  tenant_id                  = azurerm_user_assigned_identity.eso.tenant_id
  sku_name                   = "standard"
  rbac_authorization_enabled = true
  soft_delete_retention_days = 7
  tags                       = local.tags
}

resource "azurerm_user_assigned_identity" "eso" {
  name                = "aks-gpu-external-secrets"
  location            = azurerm_resource_group.this.location
  resource_group_name = azurerm_resource_group.this.name
  tags                = local.tags
}

resource "azurerm_federated_identity_credential" "eso" {
  name                      = "external-secrets"
  user_assigned_identity_id = azurerm_user_assigned_identity.eso.id
  audience                  = ["api://AzureADTokenExchange"]
  issuer                    = azurerm_kubernetes_cluster.this.oidc_issuer_url
  subject                   = "system:serviceaccount:external-secrets:external-secrets"
}

# Key Vault Secrets User: get a secret's value and read its metadata, nothing else; only on vaults using Azure RBAC
# (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/security#key-vault-secrets-user).
resource "azurerm_role_assignment" "eso_reader" {
  scope                = azurerm_key_vault.this.id
  role_definition_name = "Key Vault Secrets User"
  principal_id         = azurerm_user_assigned_identity.eso.principal_id
  principal_type       = "ServicePrincipal"
}

# The cluster's administrators put the values in the vault (README, "Secrets").
resource "azurerm_role_assignment" "secret_officers" {
  for_each             = toset([])
  scope                = azurerm_key_vault.this.id
  role_definition_name = "Key Vault Secrets Officer"
  principal_id         = each.value
  principal_type       = "Group"
}

output "eso_client_id" {
  description = "Client ID of External Secrets' identity (README, Day 1, step 3): an identifier, not a credential."
  value       = azurerm_user_assigned_identity.eso.client_id
}

output "eso_tenant_id" {
  description = "Tenant of External Secrets' identity."
  value       = azurerm_user_assigned_identity.eso.tenant_id
}

output "key_vault_uri" {
  description = "URI of the cluster's Key Vault."
  value       = azurerm_key_vault.this.vault_uri
}
