import { listBlueprints } from "../blueprints/registry.js";

/** The help text lists the blueprints from the registry, so it never goes stale. */
export function mainHelp(): string {
  const blueprints = listBlueprints();
  const width = Math.max(...blueprints.map((b) => b.id.length));
  return `create-cluster-repo — turn a blueprint into a validated GitOps repository for a managed Kubernetes cluster

Usage:
  create-cluster-repo [dir] --blueprint <name> [options]     create a repository (default command)
  create-cluster-repo blueprints [--json]                    list blueprints
  create-cluster-repo blueprints show <name> [--json]        show a blueprint's parameters
  create-cluster-repo validate [paths...] [options]          validate manifests, Terraform and GitOps references
  create-cluster-repo plan [dir] [--set k=v]... [--diff]     show what a parameter change would do
  create-cluster-repo update [dir] [--set k=v]... [--pr]     re-render on a branch (3-way merge), optionally open a PR
  create-cluster-repo check [dir] [--allow GLOB]...          fail if generated files differ from the answers file

Create options:
  -b, --blueprint <name>   blueprint to render (see below)
      --gitops flux|argo   GitOps engine (default: flux)
  -s, --set key=value      set a parameter; dotted paths and [index]: --set gpuPool.size=2 --set pools[0].zone=nl-ams-1;
                           a key with dots or slashes in ["..."]: --set 'pools[0].labels["topology.kubernetes.io/region"]=ams'
  -f, --values <file>      YAML file of parameters (flags win over it)
  -y, --yes                take defaults for everything not given; never prompt
      --dry-run            render and validate, print the file tree, write nothing
      --diff               with --dry-run: print file contents (as a diff against dir when it exists)
      --force              write into a non-empty directory: only the generated files are replaced and committed
      --github owner/repo  also create the GitHub repository and push (token from GITHUB_TOKEN or GH_TOKEN)
      --pr-first           with --github: push the render on a branch and open a PR (protected main)
      --private            with --github: create the repository private;  --github-api-url URL  GitHub Enterprise
      --network-timeout s  with --github or --pr: give up on a silent server after s seconds (default 60; CCR_NETWORK_TIMEOUT)
  -o, --output text|json   result format
      --verbose            show stack traces and causes on errors
  -h, --help               this help;  -v, --version  the version

plan / update / check options (run in the generated repository; --set, --values and --gitops as above):
      --blueprint-version latest   upgrade the blueprint the answers file records (plan shows it, update commits it)
      --diff               plan: also print the diff of the generated files (-o json: the plan as JSON)
      --branch <name>      update: branch to commit on (default create-cluster-repo/<change>, started from main)
  -m, --message <text>     update: commit message
      --pr                 update: push the branch and open or update its pull request (origin on GitHub)
      --conflict refuse|markers  update: refuse edits that overlap the new render (default), or commit markers
      --allow <glob>       check: paths that may differ from the render (repeatable), e.g. 'apps/**'

Blueprints:
${blueprints.map((b) => `  ${b.id.padEnd(width)}  ${b.title}`).join("\n")}

Exit codes: 0 done (or valid, or already up to date), 1 invalid output or failed operation, 2 bad usage or input.
Examples:
  npx create-cluster-repo --blueprint kosmos-multicloud --yes ./my-cluster
  npx create-cluster-repo --blueprint aks-gpu --gitops argo --set gpuPool.maxCount=4 ./aks
  npx create-cluster-repo validate --strict .
`;
}
