/**
 * Every command's flags, declared once: parsing, `--help` and the README's flag table (checked by test/cli-help.test.ts)
 * all come from here.
 */
import { DEFAULT_NETWORK_TIMEOUT_SECONDS, NETWORK_TIMEOUT_VARIABLE } from "../network.js";
import { podSecurityLevels } from "../validators/pod-security/index.js";
import { reportFormats, reportFormatters } from "../validators/report/index.js";
import { defineCommand, type FlagSpec } from "./args.js";

const help = { type: "boolean", short: "h", description: "this help" } as const satisfies FlagSpec;
const verbose = { type: "boolean", description: "show stack traces and causes on errors" } as const satisfies FlagSpec;

/** Parameters, for every command that renders (create, plan, update). */
const paramFlags = {
  gitops: { type: "string", value: "flux|argo", description: "GitOps engine (default: flux); the same as --set gitops=..." },
  set: {
    type: "string",
    short: "s",
    multiple: true,
    value: "key=value",
    description:
      "set a parameter, typed by the blueprint's schema; dotted paths and [index]: --set gpuPool.size=2 --set pools[0].zone=nl-ams-1; a key with dots or slashes in [\"...\"]: --set 'pools[0].labels[\"topology.kubernetes.io/region\"]=ams'; lists as a,b or [a, b]",
  },
  values: { type: "string", short: "f", value: "<file>", description: "a YAML mapping of parameters (flags win over it)" },
} as const satisfies Record<string, FlagSpec>;

const resultOutput = { type: "string", short: "o", choices: ["text", "json"], description: "result format" } as const satisfies FlagSpec;
const githubApiUrl = {
  type: "string",
  value: "<url>",
  description: "GitHub Enterprise's API URL, e.g. https://ghe.example.com/api/v3 (https only; plain http on localhost only)",
} as const satisfies FlagSpec;
const gitlabUrl = {
  type: "string",
  value: "<url>",
  description: "a self-managed GitLab's URL, e.g. https://gitlab.example.org (default https://gitlab.com; https only, plain http on localhost only)",
} as const satisfies FlagSpec;
const networkTimeout = {
  type: "string",
  value: "s",
  description: `give up on a server that sends nothing for s seconds (default ${DEFAULT_NETWORK_TIMEOUT_SECONDS}; also ${NETWORK_TIMEOUT_VARIABLE})`,
} as const satisfies FlagSpec;
/** How a command that proposes a change reaches the forge with --pr (update and the fleet commands). */
const prConnection = {
  "github-api-url": { ...githubApiUrl, description: `with --pr: ${githubApiUrl.description}` },
  "gitlab-url": { ...gitlabUrl, description: `with --pr: ${gitlabUrl.description}` },
  "network-timeout": { ...networkTimeout, description: `with --pr: ${networkTimeout.description}` },
} as const;
const blueprintVersion = {
  type: "string",
  value: "latest",
  description: "with --set, --values or --gitops on a repository rendered by an older blueprint version: upgrade it in the same run (alone, plan and update upgrade it anyway)",
} as const satisfies FlagSpec;
const confirm = {
  type: "string",
  multiple: true,
  value: "engine-switch|cluster-rename",
  description: "the steps a change needs in the cluster before its merge are done (plan and update print them; update refuses such a change without it)",
} as const satisfies FlagSpec;


/** Over a fleet (docs/FLEETS.md): every cluster, or those of one environment. */
const fleetFlags = {
  all: { type: "boolean", description: "every cluster of the fleet (fleet.yaml), in environment order; one result (and for update one branch) per cluster" },
  env: { type: "string", value: "<environment>", description: "with --all: only the clusters of this environment of fleet.yaml" },
} as const satisfies Record<string, FlagSpec>;
const clusterFlag = { type: "string", value: "<name>", description: "the cluster of the fleet to work on (default: the repository's first cluster)" } as const satisfies FlagSpec;

export const createCommand = defineCommand({
  name: "create",
  usage: ["[dir] --blueprint <name> [options]"],
  summary:
    "Renders a blueprint into a new Git repository in dir (default: the cluster name), validated before anything is written. The default command.",
  flags: {
    blueprint: { type: "string", short: "b", value: "<name>", description: "the blueprint to render (see `create-cluster-repo blueprints`); asked for on a terminal when missing" },
    ...paramFlags,
    yes: { type: "boolean", short: "y", description: "take the defaults of everything not given; never prompt" },
    "dry-run": { type: "boolean", description: "render and validate, print the file list, write nothing" },
    diff: { type: "boolean", description: "with --dry-run: print the contents as a diff against dir" },
    force: { type: "boolean", description: "write into a non-empty directory: only the generated files are replaced and committed; the others stay, untracked" },
    github: { type: "string", value: "owner/repo", description: "also create the GitHub repository (if missing) and push main; token from GITHUB_TOKEN or GH_TOKEN" },
    gitlab: {
      type: "string",
      value: "group/project",
      description: "also create the GitLab project (if missing) and push main, and render GitLab CI (forge=gitlab); token from GITLAB_TOKEN",
    },
    "pr-first": { type: "boolean", description: "with --github or --gitlab: push the render on create-cluster-repo/initial and open a pull (merge) request instead (protected main)" },
    private: { type: "boolean", description: "with --github or --gitlab: create the repository private" },
    "github-api-url": { ...githubApiUrl, description: `with --github: ${githubApiUrl.description}` },
    "gitlab-url": { ...gitlabUrl, description: `with --gitlab: ${gitlabUrl.description}` },
    "network-timeout": { ...networkTimeout, description: `with --github or --gitlab: ${networkTimeout.description}` },
    output: resultOutput,
    verbose,
    help,
  },
});

export const blueprintsCommand = defineCommand({
  name: "blueprints",
  usage: ["blueprints [--json]", "blueprints show <name> [--json]"],
  summary: "Lists the blueprints, or prints one blueprint's parameters with their type, default and description.",
  flags: {
    json: { type: "boolean", description: "the list as JSON, or the parameters' JSON Schema" },
    help,
  },
});

export const addonsCommand = defineCommand({
  name: "addons",
  usage: ["addons [--json]", "addons show <name> [--json]"],
  summary: "Lists the add-on catalog (chart, version, namespace), or prints one add-on's parameters: addons.<name>.enabled and the values that may be set.",
  flags: {
    json: { type: "boolean", description: "the catalog as JSON, or the add-on's entry with its values' JSON Schema" },
    help,
  },
});

export const validateCommand = defineCommand({
  name: "validate",
  usage: ["validate [paths...] [options]"],
  summary:
    "Validates Kubernetes manifests (core, Flux and Argo CD kinds) against embedded schemas, Terraform files against the provider attribute tables, and GitOps references. Paths are files or folders (default: .); - reads stdin.",
  flags: {
    output: { type: "string", short: "o", choices: reportFormats, description: "report format (default text; see below)" },
    strict: { type: "boolean", description: "reject unknown fields and duplicate keys" },
    "kubernetes-version": { type: "string", value: "x.y.z", description: "Kubernetes version of the schemas" },
    "schema-location": { type: "string", multiple: true, value: "LOC", description: 'kubeconform-style schema location or template (repeatable; "default" = embedded)' },
    crd: { type: "string", multiple: true, value: "<file>", description: "turn a CRD's openAPIV3Schema into a schema (repeatable)" },
    "ignore-missing-schemas": { type: "boolean", description: "skip resources with no schema instead of failing" },
    skip: { type: "string", value: "KINDS", description: "comma-separated kinds to skip" },
    "ignore-filename-pattern": { type: "string", multiple: true, value: "RE", description: "skip files whose path matches (repeatable)" },
    "repo-url": {
      type: "string",
      multiple: true,
      value: "<url>",
      description: 'URL that means "this repository" for Flux and Argo CD path checks (repeatable; default: the Git remotes of the checkout the folder is in)',
    },
    "no-terraform": { type: "boolean", description: "turn off the Terraform checks" },
    "no-gitops": { type: "boolean", description: "turn off the GitOps reference checks" },
    "no-workflows": { type: "boolean", description: "do not lint CI files: .github/workflows/*.yml with actionlint, .gitlab-ci.yml against GitLab's CI schema" },
    engine: {
      type: "string",
      choices: ["embedded", "kubeconform"],
      description: "Kubernetes engine: the embedded schemas (default), or the kubeconform binary on PATH, run with the same flags and folded into this report",
    },
    "cache-dir": {
      type: "string",
      value: "<dir>",
      description:
        "where schemas fetched over HTTP are kept (default: $XDG_CACHE_HOME/create-cluster-repo/schemas or ~/.cache/...); schemas from --crd and --schema-location are kept compiled in $XDG_CACHE_HOME/create-cluster-repo/compiled",
    },
    workers: { type: "string", value: "N", description: "threads that validate manifests (default: one below 8 MiB of manifests, else one per idle core)" },
    "pod-security": {
      type: "string",
      choices: podSecurityLevels,
      description:
        "also check every pod template (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, ReplicationController, PodTemplate) against that Pod Security Standards profile: one error per container and control",
    },
    "pod-security-version": {
      type: "string",
      value: "v1.x|latest",
      description: "the Kubernetes version whose PodSecurity admission to follow (default latest, as the enforce-version namespace label)",
    },
    "refuse-plaintext-secrets": {
      type: "boolean",
      description:
        "refuse secrets in plain text (a Secret whose data is not SOPS-encrypted, tokens and private keys of known shapes, generated-looking env values): on by default where the answers file (cluster-repo.yaml) records the secrets parameter",
    },
    allow: {
      type: "string",
      multiple: true,
      value: "<rule|path>",
      description: "a secrets rule (secrets-plaintext-secret, secrets-token, secrets-private-key, secrets-high-entropy-env) or a path pattern (gitignore syntax) the secrets rules leave alone (repeatable)",
    },
    verbose,
    help,
  },
  notes: () =>
    `Report formats:\n${reportFormats.map((format) => `  ${format}: ${reportFormatters[format].description}`).join("\n")}\n` +
    "Exit codes: 0 all valid, 1 any invalid resource or error, 2 bad usage.\n",
});

export const planCommand = defineCommand({
  name: "plan",
  usage: ["plan [dir] [--set key=value]... [options]"],
  summary: "Shows what a re-render with these changes would do (parameters, resources, files, conflicts with your edits, validation); writes nothing. Exit 1 if update would refuse.",
  flags: {
    ...paramFlags,
    "blueprint-version": blueprintVersion,
    confirm,
    diff: { type: "boolean", description: "also print the diff of the generated files" },
    cluster: clusterFlag,
    ...fleetFlags,
    output: resultOutput,
    verbose,
    help,
  },
});

export const updateCommand = defineCommand({
  name: "update",
  usage: ["update [dir] [--set key=value]... [--pr] [options]"],
  summary:
    "Re-renders with the changes, merges your edits (3-way), and commits on create-cluster-repo/<change> started from main (or the current branch when it is not an update branch). Keys with dots: --set 'labels[\"topology.kubernetes.io/region\"]=x'.",
  flags: {
    ...paramFlags,
    "blueprint-version": blueprintVersion,
    confirm,
    branch: { type: "string", value: "<name>", description: "branch to commit on (default create-cluster-repo/<change>)" },
    message: { type: "string", short: "m", value: "<text>", description: "commit message" },
    pr: { type: "boolean", description: "push the branch and open or update its pull request (origin on GitHub) or merge request (on GitLab: the answers file's forge)" },
    conflict: { type: "string", choices: ["refuse", "markers"], description: "refuse edits that overlap the new render (default), or commit conflict markers" },
    ...prConnection,
    cluster: clusterFlag,
    ...fleetFlags,
    verbose,
    help,
  },
});

export const checkCommand = defineCommand({
  name: "check",
  usage: ["check [dir] [--allow GLOB]..."],
  summary:
    "Fails (exit 1) when generated files were edited by hand (each with its diff against what the tool wrote), or when the repository was rendered by an older release (run update to bring the new templates).",
  flags: {
    allow: { type: "string", multiple: true, value: "<glob>", description: "paths that may differ from the render (repeatable), e.g. 'apps/**'" },
    cluster: clusterFlag,
    env: { type: "string", value: "<environment>", description: "only the clusters of this environment of fleet.yaml (default: every cluster of the fleet)" },
    verbose,
    help,
  },
});

export const secretsCommand = defineCommand({
  name: "secrets",
  usage: ["secrets init [dir] [--key-file <path> | --recipient age1...] [--rotate]", "secrets rotate [dir] [--key-file <path> | --recipient age1...]", "secrets retire <age1...> [dir]"],
  summary:
    "For a repository rendered with secrets=sops: init makes an age key pair and writes .sops.yaml with its public key (every YAML file below team/secrets/ and any *.sops.yaml), printing the private key once on standard output, or writing it to --key-file; rotate (init --rotate) adds a new key beside the old one, retire removes the old one. Each prints the kubectl and sops steps that follow.",
  flags: {
    "key-file": {
      type: "string",
      value: "<path>",
      description: "write the private key there (0600, a new file outside any git work tree, e.g. ~/.config/sops/age/<cluster>.agekey) instead of printing it",
    },
    recipient: { type: "string", value: "age1...", description: "use this age public key of yours instead of making a key pair" },
    rotate: { type: "boolean", description: "add a new key to an existing .sops.yaml (the first step of a rotation) instead of refusing" },
    verbose,
    help,
  },
});

/** Options of the program itself, before any command. */
export const programFlags = {
  help,
  version: { type: "boolean", short: "v", description: "print the version" },
} as const satisfies Record<string, FlagSpec>;

/** Every command, in the order help lists them; `create` is the default. */
export const addClusterCommand = defineCommand({
  name: "add-cluster",
  usage: ["add-cluster <name> --blueprint <bp> [--env <environment>] [--set key=value]... [--pr] [--dry-run] [dir]"],
  summary:
    "Adds a cluster to the repository (a fleet, docs/FLEETS.md): renders the blueprint into fleet/<name>/ with its GitOps entry point clusters/<name>/, lists it in fleet.yaml (made on the first add, the repository's first cluster staying where it is), validates the whole repository, and commits on create-cluster-repo/add-cluster-<name>.",
  flags: {
    blueprint: { type: "string", short: "b", value: "<name>", description: "the blueprint of the new cluster (a fleet may mix blueprints)" },
    env: { type: "string", value: "<environment>", description: "its environment, one of fleet.yaml's (default: the first; a new fleet has staging and production)" },
    ...paramFlags,
    "dry-run": { type: "boolean", description: "render and validate, print the files it would add, write nothing" },
    pr: { type: "boolean", description: "push the branch and open or update its pull request (merge request on GitLab)" },
    ...prConnection,
    output: resultOutput,
    verbose,
    help,
  },
});

export const removeClusterCommand = defineCommand({
  name: "remove-cluster",
  usage: ["remove-cluster <name> [--pr] [--dry-run] [dir]"],
  summary:
    "Proposes the next step of taking a cluster out of the fleet, one pull request each, in the safe order: its workloads (the engine prunes them), then prevent_destroy lifted in its Terraform alone (then terraform destroy by an admin), then its folders. Never deletes Terraform state; refuses the last cluster and the first one.",
  flags: {
    "dry-run": { type: "boolean", description: "print the step and its files, write nothing" },
    pr: { type: "boolean", description: "push the branch and open or update its pull request (merge request on GitLab)" },
    ...prConnection,
    verbose,
    help,
  },
});

export const promoteCommand = defineCommand({
  name: "promote",
  usage: ["promote <from-env> <to-env> [--pr] [--dry-run] [dir]"],
  summary:
    "Proposes the platform state of one environment for the next (fleet.yaml's order): the blueprint version, the chart versions and values of its environment overlay, add-on switches and settings (each add-on its clusters agree on; a cluster's own add-on values stay its own), and the parameters fleet.yaml marks promotable, merged into every cluster of <to-env> as update merges, in one branch and pull request whose body opens with the Terraform replacements and destroys of all of them.",
  flags: {
    "dry-run": { type: "boolean", description: "plan it, print each target cluster's change, write nothing" },
    pr: { type: "boolean", description: "push the branch and open or update its pull request (merge request on GitLab)" },
    ...prConnection,
    verbose,
    help,
  },
});

export const commands = [createCommand, blueprintsCommand, addonsCommand, validateCommand, planCommand, updateCommand, checkCommand, addClusterCommand, removeClusterCommand, promoteCommand, secretsCommand];
