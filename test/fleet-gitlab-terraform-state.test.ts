/**
 * A GitLab fleet's Terraform jobs run as GitLab runs them (the rendered .gitlab-ci.yml's jobs with their `extends`
 * resolved, in bash, with the job's variables and GitLab's predefined ones), with the real Terraform binary against
 * the double of GitLab's Terraform state API (helpers/state-servers.ts), as test/gitlab-terraform-state.test.ts does
 * for one cluster: two clusters on GitLab's state, the first at the top and one added in fleet/stg/. The added
 * cluster's apply writes its own state and its own redacted copy (with the job token), its merge request plan reads
 * that copy only and names the cluster in its digest, and the first cluster's states are never touched.
 */
import { execFile, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parse as parseYaml } from "yaml";
import { describe, expect, test } from "vitest";
import { listBlueprints } from "../src/blueprints/registry.js";
import { fleetCiOf } from "../src/generator/fleet-ci.js";
import { renderBlueprint } from "../src/render-blueprint.js";
import { tempDir } from "./helpers/cli.js";
import { startHttpStateServer } from "./helpers/state-servers.js";

const hasTerraform = spawnSync("terraform", ["version"], { encoding: "utf8" }).status === 0;
if (!hasTerraform) console.warn("fleet-gitlab-terraform-state: no terraform binary on PATH, skipped");

const STATE_TOKEN = "glpat-state-project-token-0123456789";
const MAINTAINER_JOB = "glcbt-maintainer-job-token-0123456789";
const DEVELOPER_JOB = "glcbt-developer-job-token-0123456789";
const SECRET = "kubeconfig-admin-secret-value-0123456789";
const REPO_PROJECT = "77";
const STATE_PROJECT = "1234";
const REPO = { forge: "gitlab", repoUrl: "https://gitlab.example.org/acme/fleet.git" };

type Job = { extends?: string; script?: string[]; after_script?: string[]; before_script?: string[]; variables?: Record<string, string> };

/** A job with its `extends` chain applied as GitLab does: keys of the job win, `variables` merge. */
function resolved(ci: Record<string, Job>, name: string): Job {
  const job = ci[name]!;
  if (!job.extends) return job;
  const parent = resolved(ci, job.extends);
  return { ...parent, ...job, variables: { ...parent.variables, ...job.variables } };
}

/** A job's script lines run with `env` from `cwd` (bash stands in for the images' ash, which has pipefail). */
function runJob(lines: string[], cwd: string, env: Record<string, string>) {
  return new Promise<{ status: number; out: string }>((resolve) => {
    execFile("bash", ["-c", ["set -e", ...lines].join("\n")], { cwd, encoding: "utf8", env: { ...process.env, TF_CLI_CONFIG_FILE: "/dev/null", CHECKPOINT_DISABLE: "1", ...env }, timeout: 180_000 }, (error, stdout, stderr) =>
      resolve({ status: error ? Number((error as { code?: unknown }).code ?? 1) || 1 : 0, out: `${stdout}${stderr}` }),
    );
  });
}

const exportsOf = (variables: Record<string, string> = {}) => Object.entries(variables).map(([name, value]) => `export ${name}="${value}"`);

/** The first blueprint whose Terraform keeps its state in GitLab when the repository is on GitLab, from the blueprints' data. */
async function gitlabStateBlueprint() {
  for (const bp of listBlueprints()) {
    const { context } = await renderBlueprint(bp.id, { values: { ...REPO, clusterName: "prod" } }, { toolVersion: "1.4.2" });
    if (context.terraformPipeline.backend === "http") return bp;
  }
  return undefined;
}

describe.skipIf(!hasTerraform)("a GitLab fleet's Terraform jobs against GitLab's state", () => {
  test("the added cluster's apply writes its state and its copy, its merge request plan reads its copy only; the first cluster's are untouched", async () => {
    const bp = await gitlabStateBlueprint();
    expect(bp, "a blueprint on GitLab's Terraform state").toBeDefined();
    const server = await startHttpStateServer({
      roles: { [STATE_TOKEN]: { [STATE_PROJECT]: "maintainer" }, [MAINTAINER_JOB]: { [REPO_PROJECT]: "maintainer" }, [DEVELOPER_JOB]: { [REPO_PROJECT]: "developer" } },
    });
    try {
      const first = await renderBlueprint(bp!.id, { values: { ...REPO, clusterName: "prod" } }, { toolVersion: "1.4.2" });
      const added = await renderBlueprint(bp!.id, { values: { ...REPO, clusterName: "stg" } }, { toolVersion: "1.4.2", root: "fleet/stg/" });
      const fleet = fleetCiOf([
        { name: "prod", root: "", provider: bp!.provider, params: first.params as unknown as Record<string, unknown> },
        { name: "stg", root: "fleet/stg/", provider: bp!.provider, params: added.params as unknown as Record<string, unknown> },
      ]);
      const tree = (await renderBlueprint(bp!.id, { values: { ...REPO, clusterName: "prod" } }, { toolVersion: "1.4.2", fleet })).tree;
      const dir = tempDir("ccr-t21-fleet-state-");
      // The repository-wide files of the fleet, and the added cluster's Terraform root with a stand-in configuration.
      for (const [path, content] of [...tree].filter(([path]) => path.startsWith(".")).concat([...added.tree].filter(([path]) => path === "fleet/stg/terraform/backend.tf" || path === "fleet/stg/terraform/backend.hcl.example"))) {
        mkdirSync(dirname(join(dir, path)), { recursive: true });
        writeFileSync(join(dir, path), content);
      }
      const root = join(dir, "fleet/stg/terraform");
      writeFileSync(join(root, "main.tf"), ['resource "terraform_data" "cluster" {', '  input = "one"', "}", "", 'output "kubeconfig" {', `  value     = "${SECRET}"`, "  sensitive = true", "}", ""].join("\n"));
      writeFileSync(join(root, ".terraform.lock.hcl"), "");
      writeFileSync(join(root, "backend.hcl"), added.tree.get("fleet/stg/terraform/backend.hcl.example")!.replaceAll("https://gitlab.example.org", server.url));
      const stateOf = /address\s*=\s*"[^"]*\/terraform\/state\/([^"/]+)"/.exec(readFileSync(join(root, "backend.hcl"), "utf8"))![1]!;

      const ci = parseYaml(tree.get(".gitlab-ci.yml")!) as Record<string, Job>;
      const gitlab = { CI_PROJECT_DIR: dir, CI_API_V4_URL: `${server.url}/api/v4`, CI_PROJECT_ID: REPO_PROJECT, CI_COMMIT_SHA: "c".repeat(40), CI_COMMIT_BRANCH: "main", TF_IN_AUTOMATION: "true", TF_INPUT: "false" };
      const lines = (job: Job, part: "script" | "after_script" = "script") => [...exportsOf(job.variables), ...(part === "script" ? job.before_script!.filter((line) => !line.startsWith("apk add")) : []), ...job[part]!];

      // terraform:apply:stg from Run pipeline (PLAN_CLUSTER=stg): plan only and the digest, then apply that digest.
      const apply = resolved(ci, "terraform:apply:stg");
      const applyEnv = { ...gitlab, CI_PIPELINE_SOURCE: "web", CI_JOB_TOKEN: MAINTAINER_JOB, APPLY_TF_HTTP_USERNAME: "project_1234_bot", APPLY_TF_HTTP_PASSWORD: STATE_TOKEN };
      writeFileSync(join(dir, "reviewed-plan-stg.json"), JSON.stringify({ cluster: "stg", run: true, digest: "" }));
      const planned = await runJob(lines(apply), dir, applyEnv);
      expect(planned.out, planned.out).toMatch(/Plan only\. .* PLAN_CLUSTER=stg, PLAN_SHA256=(sha256:[0-9a-f]{64})/);
      expect(planned.status).toBe(0);
      const digest = /PLAN_SHA256=(sha256:[0-9a-f]{64})/.exec(planned.out)![1]!;
      // Another cluster's reviewed file is no review of this one: plan only again.
      writeFileSync(join(dir, "reviewed-plan-stg.json"), JSON.stringify({ cluster: "prod", run: true, digest }));
      rmSync(join(root, ".terraform"), { recursive: true, force: true });
      expect((await runJob(lines(apply), dir, applyEnv)).out).toMatch(/Plan only\./);
      writeFileSync(join(dir, "reviewed-plan-stg.json"), JSON.stringify({ cluster: "stg", run: true, digest }));
      rmSync(join(root, ".terraform"), { recursive: true, force: true });
      const applied = await runJob(lines(apply), dir, applyEnv);
      expect(applied.out, applied.out).toContain("Apply complete!");
      expect(applied.out).toContain("Published the redacted state of fleet/stg/terraform for merge request plans.");
      expect(applied.status).toBe(0);
      const real = server.objects.get(`state:/api/v4/projects/${STATE_PROJECT}/terraform/state/${stateOf}`)!.toString();
      const copy = server.objects.get(`state:/api/v4/projects/${REPO_PROJECT}/terraform/state/stg-plan`)!.toString();
      expect(JSON.parse(real).outputs.kubeconfig.value).toBe(SECRET);
      expect(JSON.parse(copy).outputs.kubeconfig.value).toBe("(redacted)");
      // Nothing of the first cluster's: neither its state nor its copy.
      expect([...server.objects.keys()].filter((key) => key.includes("/prod"))).toEqual([]);

      // terraform:plan:stg of a merge request, with a Developer's job token: reads stg's copy only; the digest names stg.
      const plan = resolved(ci, "terraform:plan:stg");
      rmSync(join(root, ".terraform"), { recursive: true, force: true });
      const before = server.calls.length;
      const mrEnv = { ...gitlab, CI_PIPELINE_SOURCE: "merge_request_event", CI_JOB_TOKEN: DEVELOPER_JOB, CI_MERGE_REQUEST_IID: "3", CI_MERGE_REQUEST_SOURCE_BRANCH_SHA: "d".repeat(40), TERRAFORM_NOTE_TOKEN: "" };
      const mrPlan = await runJob(lines(plan), dir, mrEnv);
      expect(mrPlan.out, mrPlan.out).toMatch(/Plan of stg: digest sha256:[0-9a-f]{64} \(Terraform 1\.\d+\.\d+\) for ddddddd\./);
      expect(mrPlan.status).toBe(0);
      const planCalls = server.calls.slice(before);
      expect(planCalls.length).toBeGreaterThan(0);
      expect(planCalls.every((call) => call.path.startsWith(`/api/v4/projects/${REPO_PROJECT}/terraform/state/stg-plan`) && call.method === "GET")).toBe(true);
      expect(JSON.parse(readFileSync(join(root, "plan-digest.json"), "utf8"))).toMatchObject({ sha: "d".repeat(40), cluster: "stg" });
      const note = await runJob(lines(plan, "after_script"), dir, mrEnv);
      expect(note.out).toContain('<!-- create-cluster-repo:terraform-plan {"sha":"dddddddddddddddddddddddddddddddddddddddd","digest"');
      expect(note.out).toContain("## Terraform plan of `stg`");
    } finally {
      await server.close();
    }
  });
});
