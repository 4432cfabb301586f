/**
 * How each cloud's Terraform runs through pull requests: where the state lives (the backend and its partials in
 * templates/common/_partials/backend-<family>*.hbs and state-<family>.hbs), which credentials the terraform
 * workflow reads, and where pull request plans read the state from. The workflow's `env` and the README's table
 * of secrets are both rendered from `credentials`, so they cannot disagree. One entry per cloud (the blueprint's
 * `provider`).
 *
 * Two identities per cloud (README, "Who can reach what"): a pull request runs its own copy of the workflow, so
 * whatever the repository's secrets (and a `pull_request` OIDC subject) can do belongs to anyone who can push a
 * branch. They hold a read-only plan identity. The apply identity lives only in the GitHub Environment, whose
 * secrets reach a job on the default branch only. Plans read a redacted copy of the state (`planState`), written by
 * the apply job, because the real one holds the cluster's admin credentials on Scaleway and Magnum.
 */
import type { ClusterParams } from "../params/parse.js";

/** One environment variable of the workflow's Terraform steps. */
export interface CiCredential {
  /** Environment variable Terraform, its provider or its backend reads. */
  env: string;
  /** `secret` / `variable`: read from the GitHub Actions secret or variable `name`; `value`: `name` is the value. */
  kind: "secret" | "variable" | "value";
  name: string;
  /** What to put there, for the README: in the repository (what pull request plans read). */
  plan: string;
  /** What to put there in the environment (what the apply reads); empty: the repository's value serves both. */
  apply: string;
}

/** A secret or variable to create: in the repository (plans), and in the environment when `apply` says so. */
export interface GithubSetting {
  kind: "secret" | "variable";
  name: string;
  plan: string;
  apply: string;
}

/** Where pull request plans read the state: a redacted copy, written by the apply job (publish-plan-state.sh). */
export interface PlanState {
  /** `-backend-config` values, after backend.hcl, that point `terraform init` at the copy; `$NAME` is read from the step's environment. */
  backendConfig: string[];
  /** The same for writing the copy (an http backend also needs its lock addresses). */
  publishBackendConfig: string[];
  /** Environment of the publish step, over the apply job's (another store's credentials). */
  publishCredentials: CiCredential[];
  /** Where the copy lives, for the README. */
  where: string;
}

/** One variable of a GitLab CI job's environment: `value` is literal, or `$NAME` of a CI/CD variable or of GitLab's own. */
export interface GitLabEnv {
  env: string;
  value: string;
}

/** A CI/CD variable to create in the GitLab project (Settings, CI/CD, Variables; or `glab variable set`). */
export interface GitLabVariable {
  name: string;
  /** Masked: GitLab hides the value in job logs (secrets). */
  masked: boolean;
  /** Protected: only pipelines of protected branches and tags get it (the apply identity). */
  protected: boolean;
  /** What to put there, for the README. */
  what: string;
  /**
   * Which jobs read it: the plan's (`PLAN_*`), the apply's (protected), or both. In a fleet each cluster's variables
   * are scoped to its environments, `<name>-plan` and `<name>`, and one both read is set once per environment.
   */
  reader: "plan" | "apply" | "both";
}

/**
 * The same pipeline in GitLab CI's terms. GitLab has no per-environment secret store on every tier, and a variable's
 * name is unique in a project, so the plan and apply identities are two variables each (`PLAN_<name>`, unprotected;
 * `APPLY_<name>`, protected: only jobs of protected branches get it), mapped to the name the tool reads in each job.
 */
export interface GitLabPipeline {
  planEnv: GitLabEnv[];
  applyEnv: GitLabEnv[];
  /** Over the apply job's environment, for writing the redacted copy (publish-plan-state.sh). */
  publishEnv: GitLabEnv[];
  variables: GitLabVariable[];
}

export interface TerraformPipeline {
  /** Selects the backend and state-setup partials. */
  family: "scaleway" | "azure" | "openstack-s3" | "openstack-http";
  /** Terraform backend type. */
  backend: "s3" | "azurerm" | "http";
  /** Key (object name) of this cluster's state. */
  stateKey: string;
  /** Key of the redacted copy pull request plans read (where the backend has keys). */
  planStateKey: string;
  planState: PlanState;
  /** The workflow requests a GitHub OIDC token (`id-token: write`) for the cloud's federated login. */
  oidc: boolean;
  credentials: CiCredential[];
  /** The secrets and variables `credentials` and `planState` read, each once, for the README. */
  githubSettings: GithubSetting[];
  /** GitHub Environment the apply job runs in: the one whose secrets only the default branch reaches. */
  environment: string;
  /** The GitLab CI form (forge=gitlab), else null. */
  gitlab: GitLabPipeline | null;
}

/**
 * terraform.tfvars is git-ignored (it may hold IDs a team keeps private), yet the workflow must plan with the same
 * values as a workstation: some blueprints have variables without a default (Magnum's image, flavors, network and
 * SSH public key). The workflow writes this variable, when set, to terraform/terraform.tfvars before `init`.
 */
export const TFVARS_VARIABLE: GithubSetting = {
  kind: "variable",
  name: "TERRAFORM_TFVARS",
  plan: "content of `terraform/terraform.tfvars`, which the workflow writes before `terraform init` (`gh variable set TERRAFORM_TFVARS < terraform/terraform.tfvars`; no secrets in it); unset: none",
  apply: "",
};

/**
 * GitHub Free gives private repositories no environments, so no secret there is out of a pusher's reach: the apply
 * identity stays on a workstation, and this variable tells the workflow not to try.
 */
export const APPLY_MODE_VARIABLE: GithubSetting = {
  kind: "variable",
  name: "TERRAFORM_APPLY",
  plan: "`workstation` where GitHub cannot protect the apply identity (GitHub Free, private repository): the workflow plans, and says what to apply from a workstation instead of applying; unset: the apply job applies",
  apply: "",
};

type Entry = (params: ClusterParams) => Omit<TerraformPipeline, "environment" | "githubSettings" | "gitlab"> & {
  /** Where GitLab CI differs from the rule that derives its variables from `credentials` (see gitlabPipeline). */
  gitlabOverrides?: Partial<Record<"plan" | "apply" | "publish", GitLabEnv[]>>;
  /** README text of a GitLab variable where the credential's own (written for GitHub) does not fit, by variable name. */
  gitlabWhat?: Record<string, string>;
};
const secret = (env: string, name: string, plan: string, apply = ""): CiCredential => ({ env, kind: "secret", name, plan, apply });
const variable = (env: string, name: string, plan: string, apply = ""): CiCredential => ({ env, kind: "variable", name, plan, apply });
const value = (env: string, fixed: string, plan: string): CiCredential => ({ env, kind: "value", name: fixed, plan, apply: "" });

/**
 * Keys go into HCL strings (hclString) and into the workflow's shell lines between double quotes: the cluster name
 * is a DNS label (params schema), and this refuses anything else rather than quote it for two languages.
 */
function safeKey(key: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._/-]*$/.test(key)) throw new Error(`state key ${JSON.stringify(key)} has characters a backend key or a shell word cannot hold`);
  return key;
}

/** The state's key, and its redacted copy's: a folder per cluster in a bucket, a blob name in a container. */
function keys(backend: TerraformPipeline["backend"], params: ClusterParams) {
  const name = params.clusterName;
  return backend === "azurerm"
    ? { stateKey: safeKey(`${name}.tfstate`), planStateKey: safeKey(`${name}.plan.tfstate`) }
    : { stateKey: safeKey(`${name}/terraform.tfstate`), planStateKey: safeKey(`${name}/plan/terraform.tfstate`) };
}

const scaleway: Entry = (params) => {
  const { stateKey, planStateKey } = keys("s3", params);
  return {
    family: "scaleway",
    backend: "s3",
    stateKey,
    planStateKey,
    oidc: false,
    credentials: [
      secret("SCW_ACCESS_KEY", "SCW_ACCESS_KEY", "access key of the plan application's API key (read-only)", "access key of the apply application's API key"),
      secret("SCW_SECRET_KEY", "SCW_SECRET_KEY", "secret key of that API key", "secret key of that API key"),
      variable("SCW_DEFAULT_PROJECT_ID", "SCW_DEFAULT_PROJECT_ID", "ID of the Scaleway project the cluster lives in"),
      // The S3 backend reads AWS_* variables; Object Storage takes the same Scaleway API key: each job's own (plan or
      // apply). On GitLab a project variable SCW_ACCESS_KEY would outrank the job's and hand the apply the plan's key.
      secret("AWS_ACCESS_KEY_ID", "SCW_ACCESS_KEY", "the same access key, for the state bucket", "the same access key, for the state bucket"),
      secret("AWS_SECRET_ACCESS_KEY", "SCW_SECRET_KEY", "the same secret key, for the state bucket", "the same secret key, for the state bucket"),
    ],
    // Same bucket, another key: the bucket policy lets the plan application read that key and nothing else.
    planState: { backendConfig: [`key=${planStateKey}`], publishBackendConfig: [`key=${planStateKey}`], publishCredentials: [], where: `\`${planStateKey}\` in the state bucket` },
  };
};

const azure: Entry = (params) => {
  const { stateKey, planStateKey } = keys("azurerm", params);
  return {
    family: "azure",
    backend: "azurerm",
    stateKey,
    planStateKey,
    oidc: true,
    credentials: [
      value("ARM_USE_OIDC", "true", "log in with the workflow's GitHub OIDC token (no client secret)"),
      variable("ARM_CLIENT_ID", "AZURE_CLIENT_ID", "client ID of the plan application (federated with the `pull_request` subject)", "client ID of the apply application (federated with the environment's subject)"),
      variable("ARM_TENANT_ID", "AZURE_TENANT_ID", "Entra ID tenant ID"),
      variable("ARM_SUBSCRIPTION_ID", "AZURE_SUBSCRIPTION_ID", "subscription of the cluster and of the state storage account"),
    ],
    gitlabWhat: {
      PLAN_AZURE_CLIENT_ID: "client ID of the plan application (federated with every branch of this project)",
      APPLY_AZURE_CLIENT_ID: "client ID of the apply application (federated with the protected branch's subject)",
    },
    // Same container, another blob: the plan application's data role carries a condition on the blob's name.
    planState: { backendConfig: [`key=${planStateKey}`], publishBackendConfig: [`key=${planStateKey}`], publishCredentials: [], where: `the blob \`${planStateKey}\` of the state container` },
  };
};

const openstack: Entry = (params) => {
  const cloud: CiCredential[] = [
    variable("OS_AUTH_URL", "OS_AUTH_URL", "Keystone URL of the cloud (auth_url of clouds.yaml)"),
    variable("OS_REGION_NAME", "OS_REGION_NAME", "region of the cloud"),
    secret("OS_APPLICATION_CREDENTIAL_ID", "OS_APPLICATION_CREDENTIAL_ID", "ID of the plan application credential (reader role, GET-only access rules)", "ID of the apply application credential (unrestricted)"),
    secret("OS_APPLICATION_CREDENTIAL_SECRET", "OS_APPLICATION_CREDENTIAL_SECRET", "its secret", "its secret"),
  ];
  if (params.stateBackend === "http") {
    return {
      family: "openstack-http",
      backend: "http",
      ...keys("http", params),
      oidc: false,
      credentials: [
        ...cloud,
        variable("TF_HTTP_USERNAME", "TF_HTTP_USERNAME", "user name of the plan token (GitLab: the bot user of the plan-state project's access token)", "user name of the apply token"),
        secret("TF_HTTP_PASSWORD", "TF_HTTP_PASSWORD", "the plan token: a project access token of the plan-state project, Developer role, `read_api` scope", "the apply token: Maintainer on both state projects, `api` scope"),
        variable("TF_PLAN_STATE_ADDRESS", "TF_PLAN_STATE_ADDRESS", "state address of the redacted copy, in the plan-state project (`https://<gitlab>/api/v4/projects/<ID>/terraform/state/<name>`)"),
      ],
      // On GitLab CI the copy is a state of this repository's own project, which pull request plans read with the
      // job's token (Developer role: read only) and the apply job writes with its own (the Maintainer who runs it):
      // no plan token at all. The real state stays in a project of its own that only its administrators can read.
      gitlabOverrides: {
        plan: [
          { env: "TF_HTTP_USERNAME", value: "gitlab-ci-token" },
          { env: "TF_HTTP_PASSWORD", value: "$CI_JOB_TOKEN" },
          { env: "TF_PLAN_STATE_ADDRESS", value: `$CI_API_V4_URL/projects/$CI_PROJECT_ID/terraform/state/${safeKey(`${params.clusterName}-plan`)}` },
        ],
        apply: [{ env: "TF_PLAN_STATE_ADDRESS", value: `$CI_API_V4_URL/projects/$CI_PROJECT_ID/terraform/state/${safeKey(`${params.clusterName}-plan`)}` }],
        // From a workstation, PLAN_STATE_USERNAME and PLAN_STATE_PASSWORD (a Maintainer's token) stand in for the job's.
        publish: [
          { env: "TF_HTTP_USERNAME", value: "${PLAN_STATE_USERNAME:-gitlab-ci-token}" },
          { env: "TF_HTTP_PASSWORD", value: "${PLAN_STATE_PASSWORD:-$CI_JOB_TOKEN}" },
        ],
      },
      // Another GitLab project: a project token reads every state of its project, so the copy cannot share the real one's.
      planState: {
        backendConfig: ["address=$TF_PLAN_STATE_ADDRESS"],
        publishBackendConfig: ["address=$TF_PLAN_STATE_ADDRESS", "lock_address=$TF_PLAN_STATE_ADDRESS/lock", "unlock_address=$TF_PLAN_STATE_ADDRESS/lock"],
        publishCredentials: [],
        where: params.forge === "gitlab" ? `the state \`${params.clusterName}-plan\` of this repository's own GitLab project` : "the state `TF_PLAN_STATE_ADDRESS` names, in a GitLab project of its own",
      },
    };
  }
  const { stateKey, planStateKey } = keys("s3", params);
  return {
    family: "openstack-s3",
    backend: "s3",
    stateKey,
    planStateKey,
    oidc: false,
    credentials: [
      ...cloud,
      secret("AWS_ACCESS_KEY_ID", "STATE_S3_ACCESS_KEY_ID", "EC2 access key of the plan-state project (`openstack ec2 credentials create --project <plan-state project>`)", "EC2 access key of the cluster's project, for the state bucket"),
      secret("AWS_SECRET_ACCESS_KEY", "STATE_S3_SECRET_ACCESS_KEY", "its secret", "its secret"),
      variable("TF_PLAN_STATE_BUCKET", "TERRAFORM_PLAN_STATE_BUCKET", "bucket of the redacted copy, in the plan-state project"),
    ],
    // Another project's bucket: EC2 credentials act as their user on a whole project, so the copy needs a project of its own.
    planState: {
      backendConfig: ["bucket=$TF_PLAN_STATE_BUCKET", `key=${planStateKey}`],
      publishBackendConfig: ["bucket=$TF_PLAN_STATE_BUCKET", `key=${planStateKey}`],
      publishCredentials: [
        secret("AWS_ACCESS_KEY_ID", "PLAN_STATE_S3_ACCESS_KEY_ID", "", "EC2 access key of the plan-state project (the apply job writes the redacted copy there)"),
        secret("AWS_SECRET_ACCESS_KEY", "PLAN_STATE_S3_SECRET_ACCESS_KEY", "", "its secret"),
      ],
      where: `\`${planStateKey}\` in the bucket \`TERRAFORM_PLAN_STATE_BUCKET\` names, in a project of its own`,
    },
  };
};

const byProvider: Record<string, Entry> = { Scaleway: scaleway, Azure: azure, OpenStack: openstack };

export function terraformPipelineFor(provider: string, params: ClusterParams): TerraformPipeline {
  const entry = byProvider[provider];
  if (!entry) {
    throw new Error(`no Terraform state backend or CI credentials for provider ${provider}: add them to src/generator/terraform-pipeline.ts`);
  }
  const { gitlabOverrides, gitlabWhat, ...pipeline } = entry(params);
  const githubSettings = new Map<string, GithubSetting>();
  for (const { kind, name, plan, apply } of [...pipeline.credentials, ...pipeline.planState.publishCredentials]) {
    if (kind !== "value" && !githubSettings.has(name)) githubSettings.set(name, { kind, name, plan, apply });
  }
  githubSettings.set(TFVARS_VARIABLE.name, TFVARS_VARIABLE);
  githubSettings.set(APPLY_MODE_VARIABLE.name, APPLY_MODE_VARIABLE);
  return {
    ...pipeline,
    githubSettings: [...githubSettings.values()],
    environment: params.clusterName,
    gitlab: params.forge === "gitlab" ? gitlabPipeline(pipeline.credentials, pipeline.planState.publishCredentials, gitlabOverrides ?? {}, gitlabWhat ?? {}) : null,
  };
}

/**
 * GitLab CI's variables from the GitHub-shaped credentials: a credential with one value for both identities is one
 * unprotected variable; one with an apply value is `PLAN_<name>` (unprotected) and `APPLY_<name>` (protected), and
 * the publish step's are apply-side only. `overrides` replace an environment variable of a job outright (GitLab's
 * own job token, for instance), and a variable no job reads any more is not asked for.
 */
function gitlabPipeline(credentials: CiCredential[], publish: CiCredential[], overrides: Partial<Record<"plan" | "apply" | "publish", GitLabEnv[]>>, whatOf: Record<string, string>): GitLabPipeline {
  const variables = new Map<string, GitLabVariable>();
  const wants = (name: string, masked: boolean, isProtected: boolean, what: string) => {
    if (!variables.has(name)) variables.set(name, { name, masked, protected: isProtected, what: whatOf[name] ?? what, reader: isProtected ? "apply" : name.startsWith("PLAN_") ? "plan" : "both" });
    return `$${name}`;
  };
  const side = (credential: CiCredential, which: "plan" | "apply"): string => {
    if (credential.kind === "value") return credential.name;
    const masked = credential.kind === "secret";
    if (!credential.apply) return wants(credential.name, masked, false, credential.plan);
    return which === "plan" ? wants(`PLAN_${credential.name}`, masked, false, credential.plan) : wants(`APPLY_${credential.name}`, masked, true, credential.apply);
  };
  const envOf = (list: CiCredential[], which: "plan" | "apply", replaced: GitLabEnv[] = []) => {
    const byEnv = new Map(replaced.map((item) => [item.env, item]));
    const out = list.map((credential) => byEnv.get(credential.env) ?? { env: credential.env, value: side(credential, which) });
    for (const item of replaced) if (!out.some((existing) => existing.env === item.env)) out.push(item);
    return out;
  };
  // A variable of the same name as the one the tool reads reaches the job as it is: no line maps it onto itself.
  const mapped = (list: GitLabEnv[]) => list.filter((item) => item.value !== `$${item.env}`);
  const plan = envOf(credentials, "plan", overrides.plan);
  const apply = envOf(credentials, "apply", overrides.apply);
  const publishing = envOf(publish.map((credential) => ({ ...credential, apply: credential.apply || credential.plan, plan: credential.plan })), "apply", overrides.publish);
  const [planEnv, applyEnv, publishEnv] = [mapped(plan), mapped(apply), mapped(publishing)];
  // Only what a job reads: a variable the overrides made unnecessary (a plan token GitLab's job token replaces) is dropped.
  const read = new Set([...plan, ...apply, ...publishing].flatMap((item) => [...item.value.matchAll(/\$([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1]!)));
  const wanted = [...variables.values()].filter((variable) => read.has(variable.name));
  wanted.push({ name: TFVARS_VARIABLE.name, masked: false, protected: false, reader: "both", what: TFVARS_VARIABLE.plan.replace("gh variable set TERRAFORM_TFVARS < terraform/terraform.tfvars", "glab variable set TERRAFORM_TFVARS < terraform/terraform.tfvars") });
  return { planEnv, applyEnv, publishEnv, variables: wanted };
}
