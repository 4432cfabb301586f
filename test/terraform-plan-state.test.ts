import { execFile, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, test } from "vitest";
import { parse as parseYaml } from "yaml";
import type { TerraformPipeline } from "../src/generator/terraform-pipeline.js";
import { renderBlueprint } from "../src/render-blueprint.js";
import { tempDir } from "./helpers/cli.js";
import { paramsFixtures } from "./helpers/fixtures.js";
import { startHttpStateServer, startS3Server, type StateServer } from "./helpers/state-servers.js";

/**
 * Pull request plans never read the state itself: the apply publishes a redacted copy (publish-plan-state.sh) and
 * the plan job's `terraform init` points at it, with the generated backend, against local doubles of the state
 * stores and the real Terraform binary. The configuration is a terraform_data resource holding a secret the way a
 * cluster resource holds its kubeconfig (providers cannot be downloaded here); the backend files, the scripts and
 * the workflow's init line are the render's own. Backends without a double here (azurerm) are named, not skipped
 * silently.
 */
const hasTerraform = spawnSync("terraform", ["version"], { encoding: "utf8" }).status === 0;
if (!hasTerraform) console.warn("terraform-plan-state: no terraform binary on PATH, skipped");

const SECRET = "admin-token-of-the-apply-identity-0123456789";
const MAIN_TF = `variable "token" {
  type      = string
  sensitive = true
  default   = "${SECRET}"
}
resource "terraform_data" "cluster" {
  input = { name = "fleet", kubeconfig = var.token }
}
output "kubeconfig" {
  value     = var.token
  sensitive = true
}
`;
const baseEnv = {
  ...process.env,
  TF_CLI_CONFIG_FILE: "/dev/null",
  CHECKPOINT_DISABLE: "1",
  TF_IN_AUTOMATION: "1",
  AWS_ACCESS_KEY_ID: "SCWTESTACCESSKEY0000",
  AWS_SECRET_ACCESS_KEY: "00000000-0000-0000-0000-000000000000",
  AWS_EC2_METADATA_DISABLED: "true",
  TF_HTTP_USERNAME: "gitlab-bot",
  TF_HTTP_PASSWORD: "glpat-test",
};
/** Asynchronous: the doubles answer from this process. */
const run = (command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv) =>
  new Promise<{ status: number; out: string }>((resolve) => {
    execFile(command, args, { cwd, encoding: "utf8", env, timeout: 180_000 }, (error, stdout, stderr) => resolve({ status: error ? Number((error as { code?: unknown }).code ?? 1) || 1 : 0, out: `${stdout}${stderr}` }));
  });

/** A double of the render's backend, and the backend.hcl lines that point the example at it. */
const doubles: Record<string, (tree: Map<string, string>) => Promise<{ server: StateServer; backendHcl: string; stateId: string; planId: (env: Record<string, string>) => string; env: Record<string, string> }>> = {
  s3: async (tree) => {
    const example = tree.get("terraform/backend.hcl.example")!;
    const bucket = /^bucket\s*=\s*"([^"]+)"/m.exec(example)![1]!;
    const server = await startS3Server({ bucket, ifNoneMatch: "honour" });
    const key = /key\s*=\s*"([^"]+)"/.exec(tree.get("terraform/backend.tf")!)![1]!;
    // A plan-state bucket of its own, where the render asks for one, is the same bucket in this one-bucket double.
    return { server, backendHcl: `${example.replace(/^endpoints\s*=.*$/m, "")}\nendpoints = { s3 = "${server.url}" }\nuse_path_style = true\n`, stateId: `${bucket}/${key}`, planId: () => bucket, env: { TF_PLAN_STATE_BUCKET: bucket } };
  },
  http: async (tree) => {
    const server = await startHttpStateServer();
    const example = tree.get("terraform/backend.hcl.example")!.replaceAll("https://gitlab.example.org", server.url);
    const address = /^address\s*=\s*"([^"]+)"/m.exec(example)![1]!;
    const planAddress = `${server.url}/api/v4/projects/5678/terraform/state/plan-view`;
    return { server, backendHcl: example, stateId: `state:${new URL(address).pathname}`, planId: () => `state:${new URL(planAddress).pathname}`, env: { TF_PLAN_STATE_ADDRESS: planAddress } };
  },
};

// One fixture per state family the blueprints render.
const fixtures = paramsFixtures("valid");
const families = new Map<string, { fixture: (typeof fixtures)[number]; pipeline: TerraformPipeline }>();
for (const fixture of fixtures) {
  const { context } = await renderBlueprint(fixture.blueprint, { values: fixture.params }, { toolVersion: "1.4.2" });
  // GitHub's workflow and scripts; GitLab's pipeline runs its own jobs in test/gitlab-terraform-state.test.ts.
  if (context.forge.kind !== "github") continue;
  if (!families.has(context.terraformPipeline.family)) families.set(context.terraformPipeline.family, { fixture, pipeline: context.terraformPipeline });
}
const covered = [...families.values()].filter(({ pipeline }) => pipeline.backend in doubles);

test("every state family is covered here or named as needing a cloud (no double for its backend)", () => {
  expect(covered.length).toBeGreaterThan(1);
  expect([...families.values()].filter(({ pipeline }) => !(pipeline.backend in doubles)).map(({ pipeline }) => pipeline.backend)).toEqual(["azurerm"]);
});

describe.skipIf(!hasTerraform).each(covered.map(({ fixture, pipeline }) => [pipeline.family, fixture, pipeline] as const))("%s", (_family, fixture, pipeline) => {
  test("the apply publishes a copy without the secret; the plan job's init reads that copy, never the state, and takes no lock", async () => {
    const { tree } = await renderBlueprint(fixture.blueprint, { values: fixture.params }, { toolVersion: "1.4.2" });
    const double = await doubles[pipeline.backend]!(tree);
    try {
      // The repository as the apply job checks it out: the render's backend and scripts, and the configuration.
      const repo = join(tempDir("ccr-plan-state-"), "repo");
      const write = (path: string, content: string) => (mkdirSync(dirname(join(repo, path)), { recursive: true }), writeFileSync(join(repo, path), content));
      for (const path of ["terraform/backend.tf", ".github/scripts/terraform-pr.cjs", ".github/scripts/terraform-plan.cjs", ".github/scripts/publish-plan-state.sh", ".github/workflows/terraform.yml"]) write(path, tree.get(path)!);
      write("terraform/backend.hcl", double.backendHcl);
      write("terraform/main.tf", MAIN_TF);
      const env = { ...baseEnv, ...double.env };
      const dir = join(repo, "terraform");
      expect((await run("terraform", ["init", "-input=false", "-no-color", "-backend-config=backend.hcl"], dir, env)).status).toBe(0);
      const apply = await run("terraform", ["apply", "-auto-approve", "-input=false", "-no-color"], dir, env);
      expect(apply.out).toContain("Apply complete!");
      const state = double.server.objects.get(double.stateId)!.toString();
      expect(state).toContain(SECRET);

      // The apply job's publish step, as the workflow runs it (from terraform/).
      const publish = await run("bash", ["../.github/scripts/publish-plan-state.sh"], dir, env);
      expect({ status: publish.status, out: publish.out }).toMatchObject({ status: 0 });
      const planKey = pipeline.backend === "http" ? double.planId(double.env) : `${double.planId(double.env)}/${pipeline.planStateKey}`;
      const copy = double.server.objects.get(planKey)?.toString();
      expect(copy, `no redacted copy at ${planKey}`).toBeDefined();
      expect(copy).not.toContain(SECRET);
      expect(JSON.parse(copy!).resources[0].instances[0].attributes.input.value).toEqual({ name: "fleet", kubeconfig: "(redacted)" });
      expect(double.server.objects.get(double.stateId)!.toString()).toBe(state);

      // The plan job, in a fresh checkout: its own init line from the workflow, then a plan without the lock.
      const planJob = (parseYaml(tree.get(".github/workflows/terraform.yml")!) as { jobs: { plan: { steps: Array<{ id?: string; run?: string }> } } }).jobs.plan;
      const initLine = planJob.steps.find((step) => step.id === "init")!.run!;
      const checkout = join(dirname(repo), "checkout");
      for (const path of ["terraform/backend.tf", "terraform/backend.hcl", "terraform/main.tf"]) {
        mkdirSync(dirname(join(checkout, path)), { recursive: true });
        writeFileSync(join(checkout, path), path.endsWith("backend.hcl") ? double.backendHcl : path.endsWith("main.tf") ? MAIN_TF : tree.get(path)!);
      }
      // The committed lock file; terraform_data is built in, so it locks no provider.
      writeFileSync(join(checkout, "terraform/.terraform.lock.hcl"), existsSync(join(dir, ".terraform.lock.hcl")) ? readFileSync(join(dir, ".terraform.lock.hcl"), "utf8") : "");
      const callsBefore = double.server.calls.length;
      const init = await run("bash", ["-eo", "pipefail", "-c", initLine], join(checkout, "terraform"), env);
      expect({ status: init.status, out: init.out }).toMatchObject({ status: 0 });
      const plan = await run("terraform", ["plan", "-input=false", "-no-color", "-lock=false"], join(checkout, "terraform"), env);
      expect(plan.status).toBe(0);
      expect(plan.out).not.toContain(SECRET);
      const calls = double.server.calls.slice(callsBefore).map((c) => `${c.method} ${c.path.split("?")[0]}`);
      const statePath = pipeline.backend === "http" ? double.stateId.slice("state:".length) : `/${double.stateId}`;
      expect(calls.filter((call) => call.endsWith(statePath))).toEqual([]);
      expect(calls.filter((call) => /lock/.test(call) && !call.startsWith("GET"))).toEqual([]);
    } finally {
      await double.server.close();
    }
  }, 300_000);
});
