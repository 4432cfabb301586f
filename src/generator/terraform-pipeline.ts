/**
 * How each cloud's Terraform runs through pull requests: where the state lives (the backend and its partials in
 * templates/common/_partials/backend-<family>*.hbs and state-<family>.hbs) and which credentials the terraform
 * workflow reads. The workflow's `env` and the README's table of secrets are both rendered from `credentials`, so
 * they cannot disagree. One entry per cloud (the blueprint's `provider`).
 */
import type { ClusterParams } from "../params/parse.js";

/** One environment variable of the workflow's Terraform steps. */
export interface CiCredential {
  /** Environment variable Terraform, its provider or its backend reads. */
  env: string;
  /** `secret` / `variable`: read from the GitHub Actions secret or variable `name`; `value`: `name` is the value. */
  kind: "secret" | "variable" | "value";
  name: string;
  /** What to put there, for the README. */
  what: string;
}

/** A secret or variable to create in the repository (and, for the apply, in its environment). */
export interface GithubSetting {
  kind: "secret" | "variable";
  name: string;
  what: string;
}

export interface TerraformPipeline {
  /** Selects the backend and state-setup partials. */
  family: "scaleway" | "azure" | "openstack-s3" | "openstack-http";
  /** Terraform backend type. */
  backend: "s3" | "azurerm" | "http";
  /** Key (object name) of this cluster's state. */
  stateKey: string;
  /** The workflow requests a GitHub OIDC token (`id-token: write`) for the cloud's federated login. */
  oidc: boolean;
  credentials: CiCredential[];
  /** The secrets and variables `credentials` reads, each once, for the README. */
  githubSettings: GithubSetting[];
  /** GitHub Environment the apply job runs in: the one to protect with required reviewers. */
  environment: string;
}

/**
 * terraform.tfvars is git-ignored (it may hold IDs a team keeps private), yet the workflow must plan with the same
 * values as a workstation: some blueprints have variables without a default (Magnum's image, flavors, network and
 * SSH public key). The workflow writes this variable, when set, to terraform/terraform.tfvars before `init`.
 */
export const TFVARS_VARIABLE: GithubSetting = {
  kind: "variable",
  name: "TERRAFORM_TFVARS",
  what: "content of `terraform/terraform.tfvars`, which the workflow writes before `terraform init` (`gh variable set TERRAFORM_TFVARS < terraform/terraform.tfvars`; no secrets in it); unset: none",
};

type Entry = (params: ClusterParams) => Omit<TerraformPipeline, "stateKey" | "environment" | "githubSettings">;
const secret = (env: string, name: string, what: string): CiCredential => ({ env, kind: "secret", name, what });
const variable = (env: string, name: string, what: string): CiCredential => ({ env, kind: "variable", name, what });
const value = (env: string, fixed: string, what: string): CiCredential => ({ env, kind: "value", name: fixed, what });

const scaleway: Entry = () => ({
  family: "scaleway",
  backend: "s3",
  oidc: false,
  credentials: [
    secret("SCW_ACCESS_KEY", "SCW_ACCESS_KEY", "access key of a Scaleway IAM application's API key"),
    secret("SCW_SECRET_KEY", "SCW_SECRET_KEY", "secret key of that API key"),
    variable("SCW_DEFAULT_PROJECT_ID", "SCW_DEFAULT_PROJECT_ID", "ID of the Scaleway project the cluster lives in"),
    // The S3 backend reads AWS_* variables; Object Storage takes the same Scaleway API key.
    secret("AWS_ACCESS_KEY_ID", "SCW_ACCESS_KEY", "the same access key, for the state bucket"),
    secret("AWS_SECRET_ACCESS_KEY", "SCW_SECRET_KEY", "the same secret key, for the state bucket"),
  ],
});

const azure: Entry = () => ({
  family: "azure",
  backend: "azurerm",
  oidc: true,
  credentials: [
    value("ARM_USE_OIDC", "true", "log in with the workflow's GitHub OIDC token (no client secret)"),
    variable("ARM_CLIENT_ID", "AZURE_CLIENT_ID", "client ID of the Entra ID application with the federated credentials"),
    variable("ARM_TENANT_ID", "AZURE_TENANT_ID", "Entra ID tenant ID"),
    variable("ARM_SUBSCRIPTION_ID", "AZURE_SUBSCRIPTION_ID", "subscription of the cluster and of the state storage account"),
  ],
});

const openstack: Entry = (params) => {
  const cloud: CiCredential[] = [
    variable("OS_AUTH_URL", "OS_AUTH_URL", "Keystone URL of the cloud (auth_url of clouds.yaml)"),
    variable("OS_REGION_NAME", "OS_REGION_NAME", "region of the cloud"),
    secret("OS_APPLICATION_CREDENTIAL_ID", "OS_APPLICATION_CREDENTIAL_ID", "ID of an application credential of the project"),
    secret("OS_APPLICATION_CREDENTIAL_SECRET", "OS_APPLICATION_CREDENTIAL_SECRET", "its secret"),
  ];
  if (params.stateBackend === "http") {
    return {
      family: "openstack-http",
      backend: "http",
      oidc: false,
      credentials: [
        ...cloud,
        variable("TF_HTTP_USERNAME", "TF_HTTP_USERNAME", "user name for the state server (GitLab: the access token's user or bot name)"),
        secret("TF_HTTP_PASSWORD", "TF_HTTP_PASSWORD", "its password or access token (GitLab: a token with the api scope)"),
      ],
    };
  }
  return {
    family: "openstack-s3",
    backend: "s3",
    oidc: false,
    credentials: [
      ...cloud,
      secret("AWS_ACCESS_KEY_ID", "STATE_S3_ACCESS_KEY_ID", "access key for the state bucket (`openstack ec2 credentials create`)"),
      secret("AWS_SECRET_ACCESS_KEY", "STATE_S3_SECRET_ACCESS_KEY", "its secret"),
    ],
  };
};

const byProvider: Record<string, Entry> = { Scaleway: scaleway, Azure: azure, OpenStack: openstack };

export function terraformPipelineFor(provider: string, params: ClusterParams): TerraformPipeline {
  const entry = byProvider[provider];
  if (!entry) {
    throw new Error(`no Terraform state backend or CI credentials for provider ${provider}: add them to src/generator/terraform-pipeline.ts`);
  }
  const pipeline = entry(params);
  const stateKey = pipeline.backend === "azurerm" ? `${params.clusterName}.tfstate` : `${params.clusterName}/terraform.tfstate`;
  const githubSettings = new Map<string, GithubSetting>();
  for (const { kind, name, what } of pipeline.credentials) {
    if (kind !== "value" && !githubSettings.has(name)) githubSettings.set(name, { kind, name, what });
  }
  githubSettings.set(TFVARS_VARIABLE.name, TFVARS_VARIABLE);
  return { ...pipeline, stateKey, githubSettings: [...githubSettings.values()], environment: params.clusterName };
}
