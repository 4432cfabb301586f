import { execFile, spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { parse as parseHcl } from "@cdktf/hcl2json";
import { describe, expect, test } from "vitest";
import { parse as parseYaml } from "yaml";
import type { FileTree } from "../src/file-tree.js";
import { renderBlueprint } from "../src/render-blueprint.js";
import { blueprintIds } from "../src/blueprints/registry.js";
import { treeSource, validateSource } from "../src/validators/index.js";
import { ciScriptsDir } from "./helpers/ci-scripts.js";
import { tempDir } from "./helpers/cli.js";
import { fixtureForge, paramsFixtures, repoRoot } from "./helpers/fixtures.js";

/**
 * Every render carries Terraform through pull requests: a remote state backend with locking, the terraform workflow
 * (plan on PR, apply on merge behind an environment, one apply at a time), a README that walks through the state,
 * the secrets and the environment's protection. Independent oracle: the real terraform binary (`fmt -check
 * -recursive`, and the configuration checks `init -backend=false` makes before it would download providers).
 * actionlint runs over every generated workflow, this one included, in ci-workflow.test.ts.
 */
const script = createRequire(import.meta.url)(join(ciScriptsDir("github"), "terraform-pr.cjs")) as { IN_SYNC_STEP: string };
const hasTerraform = spawnSync("terraform", ["version"], { encoding: "utf8" }).status === 0;
if (!hasTerraform) console.warn("terraform-pipeline: no terraform binary on PATH, the fmt and init oracles are skipped");

const fixtures = paramsFixtures("valid");
const forgeOf = new Map(await Promise.all(fixtures.map(async (fixture) => [fixture.name, await fixtureForge(fixture)] as const)));
const render = async (blueprint: string, params: Record<string, unknown>) => (await renderBlueprint(blueprint, { values: params }, { toolVersion: "1.4.2" })).tree;
// Each fixture is rendered once for all its tests.
const renders = new Map<string, ReturnType<typeof renderBlueprint>>();
const renderedFixture = (fixture: (typeof fixtures)[number]) => {
  if (!renders.has(fixture.name)) renders.set(fixture.name, renderBlueprint(fixture.blueprint, { values: fixture.params }, { toolVersion: "1.4.2" }));
  return renders.get(fixture.name)!;
};
const renderFixture = async (fixture: (typeof fixtures)[number]): Promise<FileTree> => (await renderedFixture(fixture)).tree;
const pipelineOf = async (fixture: (typeof fixtures)[number]) => (await renderedFixture(fixture)).context.terraformPipeline;
function writeTree(tree: FileTree, dir: string) {
  for (const [path, content] of tree) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
}

const terraformEnv = { ...process.env, TF_CLI_CONFIG_FILE: "/dev/null", CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: "1" };
/** Awaited, not waited on synchronously (an offline `init` waits on the network): see spawnCli in test/helpers/cli.ts. */
const terraform = (cwd: string, ...args: string[]) =>
  new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) =>
    execFile("terraform", args, { cwd, encoding: "utf8", env: terraformEnv, timeout: 120_000 }, (error, stdout, stderr) =>
      resolve({ status: error ? (typeof error.code === "number" ? error.code : null) : 0, stdout, stderr }),
    ),
  );

interface Workflow {
  on: Record<string, any>;
  env?: Record<string, string>;
  jobs: Record<string, { if?: string; environment?: string; concurrency?: { group: string; "cancel-in-progress": boolean }; permissions?: Record<string, string>; env?: Record<string, string>; needs?: string; steps: Array<{ id?: string; name?: string; uses?: string; run?: string; with?: Record<string, unknown> }> }>;
}

describe.each(fixtures.map((f) => [f.name, f] as const))("%s", (_name, fixture) => {
  test("declares a remote backend with locking; what is account-specific is in backend.hcl, not in the configuration", async () => {
    const tree = await renderFixture(fixture);
    const backendTf = (await parseHcl("backend.tf", tree.get("terraform/backend.tf")!)) as { terraform: Array<{ backend: Record<string, Array<Record<string, unknown>>> }> };
    const [type, [settings]] = Object.entries(backendTf.terraform[0]!.backend)[0]! as [string, Array<Record<string, unknown>>];
    const example = tree.get("terraform/backend.hcl.example")!;
    const cluster = (fixture.params.clusterName as string | undefined) ?? String(parseYaml(tree.get("cluster-repo.yaml")!).params.clusterName);
    if (type === "s3") {
      expect(settings).toMatchObject({ use_lockfile: true, key: `${cluster}/terraform.tfstate` });
      expect(settings).not.toHaveProperty("bucket");
      expect(example).toMatch(/^bucket\s*=/m);
    } else if (type === "azurerm") {
      // Azure Blob Storage leases lock the state; Entra ID instead of account keys.
      expect(settings).toMatchObject({ use_azuread_auth: true, key: `${cluster}.tfstate` });
      expect(settings).not.toHaveProperty("storage_account_name");
      expect(example).toMatch(/^storage_account_name\s*=/m);
    } else {
      expect(type).toBe("http");
      expect(settings).toMatchObject({ lock_method: "POST", unlock_method: "DELETE" });
      expect(example).toMatch(/^lock_address\s*=/m);
    }
    expect(type).toBe((await pipelineOf(fixture)).backend);
  });

  // GitHub's workflow; the GitLab pipeline has its own in test/gitlab-ci.test.ts.
  test.runIf(forgeOf.get(fixture.name) === "github")("the terraform workflow: read-only plans of pull requests on the redacted state, the reviewed plan applied in the environment, one apply at a time", async () => {
    const tree = await renderFixture(fixture);
    const pipeline = await pipelineOf(fixture);
    const workflow = parseYaml(tree.get(".github/workflows/terraform.yml")!) as Workflow;
    expect(workflow.on.pull_request.paths).toContain("terraform/**");
    expect(workflow.on.push).toEqual({ branches: [String(fixture.params.branch ?? "main")], paths: workflow.on.pull_request.paths });
    expect(Object.keys(workflow.on.workflow_dispatch.inputs)).toEqual(["plan_sha256", "terraform_version"]);

    const { plan, apply } = workflow.jobs;
    const reviewed = workflow.jobs["reviewed-plan"]!;
    expect(plan!.if).toContain("github.event.pull_request.head.repo.full_name == github.repository");
    const runs = (job: typeof plan) => job!.steps.map((step) => step.run ?? "").join("\n");
    // The plan: lock file required, the redacted copy of the state (never the state's own key), no lock taken.
    const planInit = `terraform init -input=false -lockfile=readonly -backend-config=backend.hcl${pipeline.planState.backendConfig.map((config) => ` "-backend-config=${config}"`).join("")}`;
    const order = ["terraform fmt -check", "if [ ! -f .terraform.lock.hcl ]", planInit, "terraform validate", "terraform plan -input=false -no-color -lock=false -out=tfplan", "terraform-pr.cjs digest plan.json --artifact-name"];
    const positions = order.map((command) => runs(plan).indexOf(command));
    expect({ positions, found: positions.every((p) => p >= 0) }).toMatchObject({ found: true });
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(pipeline.planState.backendConfig.join(" ")).not.toContain(pipeline.stateKey);
    const upload = plan!.steps.find((step) => step.uses?.startsWith("actions/upload-artifact@"))!;
    expect(upload.with).toMatchObject({ name: "${{ steps.plan.outputs.artifact }}", path: "terraform/plan.txt" });
    const comment = plan!.steps.find((step) => step.uses?.startsWith("actions/github-script@"))!;
    expect(String(comment.with!.script)).toContain("postPlan");
    expect(tree.has(".github/scripts/terraform-pr.cjs")).toBe(true);
    expect(tree.get(".github/scripts/publish-plan-state.sh")).toContain(pipeline.planState.publishBackendConfig.map((config) => `"-backend-config=${config}"`).join(" "));

    // The apply: its environment, the lock file, the real state, the digest compared, the redacted state published.
    expect(apply!.environment).toBe(pipeline.environment);
    expect(apply!.needs).toBe("reviewed-plan");
    expect(apply!.concurrency).toEqual({ group: `terraform-apply-${pipeline.environment}`, "cancel-in-progress": false });
    expect(plan!.concurrency!["cancel-in-progress"]).toBe(false);
    expect(runs(apply)).toContain("if [ ! -f .terraform.lock.hcl ]");
    expect(runs(apply)).toContain("terraform init -input=false -lockfile=readonly -backend-config=backend.hcl\n");
    expect(runs(apply)).toContain("terraform apply -input=false -no-color -lock-timeout=10m tfplan");
    expect(runs(apply)).toMatch(/"\$DIGEST" != "\$REVIEWED"/);
    expect(runs(apply)).toContain("bash ../.github/scripts/publish-plan-state.sh");
    expect(apply!.steps.map((step) => step.name)).toContain(script.IN_SYNC_STEP);
    expect(apply!.steps.find((step) => step.uses?.startsWith("hashicorp/setup-terraform@"))!.with!.terraform_version).toContain("needs.reviewed-plan.outputs.terraform-version");

    // Least privilege: an OIDC token only where the cloud's login is federated; no client secret anywhere.
    for (const job of [plan!, apply!]) {
      expect(job.permissions!["id-token"]).toBe(pipeline.oidc ? "write" : undefined);
      expect(JSON.stringify(job.env)).not.toMatch(/CLIENT_SECRET/);
    }
    expect(reviewed.permissions).toEqual({ contents: "read", "pull-requests": "write", actions: "read" });
    expect(Object.values(workflow.jobs).every((job) => job.steps.filter((s) => s.uses?.startsWith("actions/checkout@")).every((s) => s.with?.["persist-credentials"] === false))).toBe(true);
  });

  // GitHub's workflow; the GitLab pipeline has its own in test/gitlab-ci.test.ts.
  test.runIf(forgeOf.get(fixture.name) === "github")("variables without a default reach the workflow: TERRAFORM_TFVARS becomes terraform.tfvars before init, in both jobs", async () => {
    const tree = await renderFixture(fixture);
    const workflow = parseYaml(tree.get(".github/workflows/terraform.yml")!) as Workflow;
    for (const job of [workflow.jobs.plan!, workflow.jobs.apply!]) {
      const names = job.steps.map((step) => step.name);
      const write = job.steps.find((step) => step.name === "terraform.tfvars")!;
      expect(write.run).toContain('> terraform.tfvars');
      expect(JSON.stringify(write)).toContain("${{ vars.TERRAFORM_TFVARS }}");
      expect(names.indexOf("terraform.tfvars")).toBeLessThan(names.indexOf("terraform init"));
    }
    const variables = (await parseHcl("variables.tf", tree.get("terraform/variables.tf")!)) as { variable: Record<string, Array<Record<string, unknown>>> };
    const required = Object.entries(variables.variable).filter(([, [body]]) => !("default" in body!)).map(([name]) => name);
    const readme = tree.get("README.md")!;
    // A blueprint with required variables says how to give them to the workflow, before its first apply.
    if (required.length > 0) {
      expect(readme.indexOf("gh variable set TERRAFORM_TFVARS < terraform/terraform.tfvars")).toBeGreaterThan(-1);
      expect(readme.indexOf("gh variable set TERRAFORM_TFVARS")).toBeLessThan(readme.indexOf("#### First apply"));
    }
  });

  // GitHub's workflow; the GitLab pipeline has its own in test/gitlab-ci.test.ts.
  test.runIf(forgeOf.get(fixture.name) === "github")("the README walks through the state, the secrets and the environment, and keeps the kubeconfig out of the repository", async () => {
    const tree = await renderFixture(fixture);
    const readme = tree.get("README.md")!;
    const workflow = tree.get(".github/workflows/terraform.yml")!;
    // Day 1, step 2 in order: the state, the workflow's credentials and environment, the first apply.
    const step2 = readme.indexOf("### 2. Create the cluster");
    const sections = ["#### Terraform state", "#### Provider lock file", "#### Credentials of the terraform workflow", "#### First apply", "### 3. Bootstrap"].map((heading) => readme.indexOf(heading));
    expect(step2).toBeGreaterThan(readme.indexOf("### 1. Publish the repository"));
    expect([step2, ...sections].every((at, i, all) => at > (i === 0 ? -1 : all[i - 1]!))).toBe(true);
    const state = readme.slice(sections[0], sections[1]);
    expect(state).toContain("the state is a secret");
    expect(state).toContain("cp terraform/backend.hcl.example terraform/backend.hcl");
    expect(state).toMatch(/\*\*Locking:\*\*/);
    // backend.hcl exists before anything runs `terraform init`, and every init reads it.
    const inits = [...readme.matchAll(/^\s*(terraform (-chdir=terraform )?init\b.*)$/gm)];
    expect(inits.length).toBeGreaterThan(0);
    expect(inits[0]!.index).toBeGreaterThan(readme.indexOf("cp terraform/backend.hcl.example terraform/backend.hcl"));
    for (const [, command] of inits) expect(command).toContain("-backend-config=backend.hcl");
    // Step 4: merged Terraform changes are the workflow's to apply, after review.
    const step4 = readme.slice(readme.indexOf("### 4. Every further change by pull request"), readme.indexOf("\n## ", readme.indexOf("### 4.")));
    expect(step4).toMatch(/approved, applied by it in the `[^`]+` environment, not by hand/);
    expect(step4).not.toMatch(/require[^.]*`plan`/);
    // Every secret and variable the workflow reads is in the README's table, and the table lists nothing else.
    const used = new Set([...workflow.matchAll(/\$\{\{ (secrets|vars)\.([A-Z0-9_]+) \}\}/g)].map((m) => `${m[2]} | ${m[1] === "secrets" ? "secret" : "variable"}`));
    const rows = [...readme.matchAll(/^\| `([A-Z0-9_]+)` \| (secret|variable) \| ([^|]*(?:\\\|[^|]*)*) \| ([^\n]*) \|$/gm)];
    const listed = new Set(rows.map((m) => `${m[1]} | ${m[2]}`));
    expect(used.size).toBeGreaterThan(1);
    expect(listed).toEqual(used);
    const cluster = String(parseYaml(tree.get("cluster-repo.yaml")!).params.clusterName);
    expect(readme).toContain(`New environment \`${cluster}\``);
    expect(readme).toContain("**Required reviewers**");
    expect(readme).toContain("**Deployment branches and tags**");
    expect(readme).toContain("## Destroying or replacing the cluster");

    // No Day 1 step needs what a later one provides.
    const day1 = readme.slice(readme.indexOf("## Day 1"), readme.indexOf("### 4. Every further change by pull request"));
    const changes = readme.slice(readme.indexOf("### 4. Every further change by pull request"));
    expect(day1).not.toMatch(/ --pr\b/); // update --pr needs a token, a pushed repository and the workflows
    expect(changes.indexOf("`repo` scope")).toBeGreaterThan(-1);
    expect(changes.indexOf("`repo` scope")).toBeLessThan(changes.search(/\nnpx [^\n]* --pr\b/));
    const at = (needle: string) => day1.indexOf(needle);
    const order = ["git push -u origin", "cp terraform/backend.hcl.example terraform/backend.hcl", "terraform -chdir=terraform providers lock", "git add terraform/.terraform.lock.hcl", "**Who can reach what.**", "New environment", "#### First apply", "Run workflow on", "bash .github/scripts/publish-plan-state.sh"];
    expect(order.map((needle) => [needle, at(needle)]).filter(([, index]) => index === -1)).toEqual([]);
    expect(order.map(at)).toEqual([...order.map(at)].sort((a, b) => a - b));
    // Repository settings need the repository: every gh variable/secret command comes after it exists.
    const settings = [...day1.matchAll(/gh (variable|secret) set/g)].map((m) => m.index!);
    expect(settings.every((index) => index > at("git push -u origin"))).toBe(true);
    // What a pusher can reach, per GitHub plan and visibility.
    for (const row of ["| public, any plan |", "| private, GitHub Pro or Team |", "| private, GitHub Enterprise |", "| private, GitHub Free |"]) expect(day1).toContain(row);
    for (const [path, content] of tree) {
      expect({ path, writesKubeconfigHere: /> *(\.\.\/)?kubeconfig\b|--file kubeconfig\b|KUBECONFIG=\$PWD|--dir \. /.test(content) }).toEqual({ path, writesKubeconfigHere: false });
    }
    // Step 2 itself writes the kubeconfig where step 3 reads it (KUBECONFIG=~/.kube/<cluster>.yaml).
    const kubeconfig = `~/.kube/${cluster}.yaml`;
    const createCluster = readme.slice(step2, sections[4]);
    const writes = createCluster.split("\n").filter((line) => !line.startsWith("#") && (line.includes(`> ${kubeconfig}`) || line.includes(`--file ${kubeconfig}`)));
    expect({ cluster, writes: writes.length }).toEqual({ cluster, writes: 1 });
    expect(readme.slice(sections[4])).toContain(`export KUBECONFIG=${kubeconfig}`);
  });

  test.skipIf(!hasTerraform)("terraform fmt -check -recursive and terraform init -backend=false accept it (real binary)", async () => {
    const dir = join(tempDir("ccr-tf-oracle-"), "repo");
    writeTree(await renderFixture(fixture), dir);
    const fmt = await terraform(dir, "fmt", "-check", "-recursive", "-diff");
    expect({ status: fmt.status, out: fmt.stdout + fmt.stderr }).toEqual({ status: 0, out: "" });
    // Offline, init gets as far as downloading providers: everything it checks before (Terraform version
    // constraints, the terraform block, module and provider requirements) passed when that is the only error.
    const init = await terraform(join(dir, "terraform"), "init", "-backend=false", "-input=false", "-no-color");
    const errors = [...`${init.stdout}${init.stderr}`.matchAll(/^Error: (.*)$/gm)].map((m) => m[1]);
    if (init.status === 0) expect(errors).toEqual([]);
    else expect(errors).toEqual(["Failed to query available provider packages"]);
    expect(init.stdout).toContain("Initializing provider plugins...");
  });
});

describe("the oracles can fail", () => {
  test.skipIf(!hasTerraform)("terraform init -backend=false reports a configuration error before the provider download", async () => {
    const dir = join(tempDir("ccr-tf-oracle-"), "repo");
    const tree = await render("kapsule-gpu", {});
    tree.set("terraform/versions.tf", tree.get("terraform/versions.tf")!.replace(/required_version = ".*"/, 'required_version = ">= 99.0.0"'));
    writeTree(tree, dir);
    const init = await terraform(join(dir, "terraform"), "init", "-backend=false", "-input=false", "-no-color");
    expect(init.status).not.toBe(0);
    expect(init.stderr + init.stdout).toContain("Unsupported Terraform Core version");
  });
});

describe("the cluster's prevent_destroy follows the preventDestroy parameter", () => {
  type MainTf = { resource: Record<string, Record<string, Array<{ lifecycle?: Array<Record<string, unknown>> }>>> };
  // The cluster is the one resource whose type names a cluster (scaleway_k8s_cluster, azurerm_kubernetes_cluster,
  // openstack_containerinfra_cluster_v1); node pools and cluster templates end otherwise.
  const clusterResource = (main: MainTf) => {
    const types = Object.keys(main.resource).filter((type) => /_cluster(_v\d+)?$/.test(type));
    expect(types, "exactly one cluster resource in terraform/main.tf").toHaveLength(1);
    return main.resource[types[0]!]!;
  };
  test.each(blueprintIds())("%s: on by default, off on request, valid either way", async (blueprint) => {
    for (const preventDestroy of [undefined, false]) {
      const repoUrl = `https://github.com/acme/${blueprint}.git`;
      const tree = await render(blueprint, preventDestroy === undefined ? { repoUrl } : { repoUrl, preventDestroy });
      const main = (await parseHcl("main.tf", tree.get("terraform/main.tf")!)) as MainTf;
      const lifecycle = clusterResource(main).this![0]!.lifecycle?.[0] ?? {};
      expect(lifecycle.prevent_destroy).toBe(preventDestroy === undefined ? true : undefined);
      const report = await validateSource(treeSource(tree), { repoUrls: [] });
      expect(report.results.flatMap((r) => r.problems).filter((p) => p.severity === "error")).toEqual([]);
    }
  });
});
