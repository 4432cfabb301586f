// Facts the providers' current source cannot give, because they are about what is gone: resource types and
// arguments removed in earlier majors, with what replaces them. They come from the team's provider notes
// (../shared/reference/provider-facts.md, sections named below), which compared the release tags; each is checked
// by the extraction script against the derived tables (a "removed" name the provider still has fails the run).
export const CURATED = {
  scaleway: {
    removedResources: {
      scaleway_k8s_cluster_beta: { since: "2.0.0", hint: "use scaleway_k8s_cluster" },
      scaleway_k8s_pool_beta: { since: "2.0.0", hint: "use scaleway_k8s_pool" },
    },
    removedArguments: {
      scaleway_k8s_cluster: {
        default_pool: { since: "2.0.0", hint: "declare the pool as a separate scaleway_k8s_pool resource" },
        enable_dashboard: { since: "2.0.0", hint: "no replacement; install the dashboard from the GitOps layer if needed" },
        ingress: { since: "2.0.0", hint: "no replacement; install an ingress controller from the GitOps layer" },
      },
    },
  },
  openstack: {
    removedResources: {},
    removedArguments: {},
  },
  azurerm: {
    // §3.1 Provider
    providerRemoved: {
      skip_provider_registration: { since: "5.0.0", hint: "use resource_provider_registrations / resource_providers_to_register" },
    },
    removedResources: {},
    removedArguments: {
      // §3.3 "Removed or renamed in azurerm_kubernetes_cluster"
      azurerm_kubernetes_cluster: {
        "default_node_pool.linux_os_config.transparent_huge_page_enabled": { since: "5.0.0", hint: "renamed to transparent_huge_page" },
        "default_node_pool.kubelet_config.container_log_max_line": { since: "5.0.0", hint: "renamed to container_log_max_files" },
        enable_pod_security_policy: { since: "4.0.0", hint: "removed without replacement" },
        "network_profile.ebpf_data_plane": { since: "4.0.0", hint: "use network_profile.network_data_plane" },
        api_server_authorized_ip_ranges: { since: "4.0.0", hint: "use api_server_access_profile { authorized_ip_ranges = [...] }" },
        "network_profile.docker_bridge_cidr": { since: "4.0.0", hint: "removed without replacement" },
        "azure_active_directory_role_based_access_control.client_app_id": { since: "4.0.0", hint: "removed (legacy AAD integration)" },
        "azure_active_directory_role_based_access_control.server_app_id": { since: "4.0.0", hint: "removed (legacy AAD integration)" },
        "azure_active_directory_role_based_access_control.server_app_secret": { since: "4.0.0", hint: "removed (legacy AAD integration)" },
        "azure_active_directory_role_based_access_control.managed": { since: "4.0.0", hint: "removed; AAD integration is always managed" },
        "workload_autoscaler_profile.vertical_pod_autoscaler_update_mode": { since: "4.0.0", hint: "removed without replacement" },
        "workload_autoscaler_profile.vertical_pod_autoscaler_controlled_values": { since: "4.0.0", hint: "removed without replacement" },
        "web_app_routing.dns_zone_id": { since: "4.0.0", hint: "renamed to dns_zone_ids (a list)" },
        public_network_access_enabled: { since: "4.0.0", hint: "removed without replacement" },
        "default_node_pool.node_taints": { since: "4.0.0", hint: "use only_critical_addons_enabled = true, and taint a separate azurerm_kubernetes_cluster_node_pool" },
        automatic_channel_upgrade: { since: "4.0.0", hint: "renamed to automatic_upgrade_channel" },
        node_os_channel_upgrade: { since: "4.0.0", hint: "renamed to node_os_upgrade_channel" },
        "default_node_pool.enable_auto_scaling": { since: "4.0.0", hint: "renamed to auto_scaling_enabled" },
        "default_node_pool.enable_node_public_ip": { since: "4.0.0", hint: "renamed to node_public_ip_enabled" },
        "default_node_pool.enable_host_encryption": { since: "4.0.0", hint: "renamed to host_encryption_enabled" },
        addon_profile: {
          since: "3.0.0",
          hint: "use the top-level azure_policy_enabled, http_application_routing_enabled, open_service_mesh_enabled and the oms_agent, ingress_application_gateway, key_vault_secrets_provider, aci_connector_linux blocks",
        },
        role_based_access_control: { since: "3.0.0", hint: "use role_based_access_control_enabled and azure_active_directory_role_based_access_control {}" },
        private_link_enabled: { since: "3.0.0", hint: "renamed to private_cluster_enabled" },
        "default_node_pool.availability_zones": { since: "3.0.0", hint: "renamed to zones" },
        "identity.user_assigned_identity_ids": { since: "3.0.0", hint: "renamed to identity_ids" },
      },
      // §3.4 "Renamed or removed"
      azurerm_kubernetes_cluster_node_pool: {
        enable_auto_scaling: { since: "4.0.0", hint: "renamed to auto_scaling_enabled" },
        enable_node_public_ip: { since: "4.0.0", hint: "renamed to node_public_ip_enabled" },
        enable_host_encryption: { since: "4.0.0", hint: "renamed to host_encryption_enabled" },
        availability_zones: { since: "3.0.0", hint: "renamed to zones" },
        "linux_os_config.transparent_huge_page_enabled": { since: "5.0.0", hint: "renamed to transparent_huge_page" },
        "kubelet_config.container_log_max_line": { since: "5.0.0", hint: "renamed to container_log_max_files" },
      },
      // §3.5
      azurerm_virtual_network: {
        "subnet.service_endpoints": { since: "5.0.0", hint: "use repeated subnet.service_endpoint { service = \"...\" } blocks" },
      },
      azurerm_subnet: {
        service_endpoints: { since: "5.0.0", hint: "use repeated service_endpoint { service = \"...\" } blocks" },
        address_prefix: { since: "3.0.0", hint: "use address_prefixes (a list)" },
      },
    },
  },
};
