/**
 * The GitLab render's Terraform jobs, run as GitLab runs them (the `script` lines of terraform:apply and terraform:plan
 * from the rendered .gitlab-ci.yml, in sh, with the job's `variables` and GitLab's predefined ones), with the real
 * Terraform binary against a local double of GitLab's Terraform state API that answers as GitLab's roles say
 * (helpers/state-servers.ts): the real state in a project of its own, written and locked with the state project's
 * token; the redacted copy in the repository's project, written by the apply with the job token of the Maintainer
 * who runs it, read by merge request plans with a Developer's job token, which can neither lock nor read the real
 * state. The configuration is the generated backend.tf with a terraform_data resource and outputs instead of the
 * cloud's resources (no provider can be downloaded here).
 */
import { execFile, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parse as parseYaml } from "yaml";
import { describe, expect, test } from "vitest";
import { renderBlueprint } from "../src/render-blueprint.js";
import { tempDir } from "./helpers/cli.js";
import { GITLAB_STATE_TEST, startHttpStateServer } from "./helpers/state-servers.js";

const hasTerraform = spawnSync("terraform", ["version"], { encoding: "utf8" }).status === 0;
if (!hasTerraform) console.warn("gitlab-terraform-state: no terraform binary on PATH, skipped");

const { STATE_TOKEN, MAINTAINER_JOB, DEVELOPER_JOB, SECRET, REPO_PROJECT, STATE_PROJECT } = GITLAB_STATE_TEST;

/**
 * A GitLab job's script (a list of lines) run with `env`, from `cwd`, as the runner runs it. The images' shell is
 * BusyBox ash, which has `set -o pipefail`; this machine's sh (dash) has not, so bash stands in for it.
 */
function runJob(lines: string[], cwd: string, env: Record<string, string>) {
  return new Promise<{ status: number; out: string }>((resolve) => {
    const script = ["set -e", ...lines].join("\n");
    execFile("bash", ["-c", script], { cwd, encoding: "utf8", env: { ...process.env, TF_CLI_CONFIG_FILE: "/dev/null", CHECKPOINT_DISABLE: "1", ...env }, timeout: 180_000 }, (error, stdout, stderr) =>
      resolve({ status: error ? Number((error as { code?: unknown }).code ?? 1) || 1 : 0, out: `${stdout}${stderr}` }),
    );
  });
}

/** A job's `variables:` as the runner exports them (GitLab expands `$NAME` in them). */
const exportsOf = (variables: Record<string, string> = {}) => Object.entries(variables).map(([name, value]) => `export ${name}="${value}"`);

describe.skipIf(!hasTerraform)("GitLab's Terraform state: the apply writes the real state and its redacted copy, merge request plans read the copy only", () => {
  test("apply (Maintainer), then a merge request plan (Developer): the copy is redacted, the real state out of reach, a held lock stops a second apply", async () => {
    const server = await startHttpStateServer({
      roles: {
        [STATE_TOKEN]: { [STATE_PROJECT]: "maintainer" },
        [MAINTAINER_JOB]: { [REPO_PROJECT]: "maintainer" },
        [DEVELOPER_JOB]: { [REPO_PROJECT]: "developer" },
      },
    });
    try {
      const { tree, params } = await renderBlueprint("magnum-openstack", { values: { forge: "gitlab", repoUrl: "https://gitlab.example.org/acme/magnum.git" } }, { toolVersion: "1.4.2" });
      expect(params.stateBackend).toBe("http"); // GitLab's own state is the default on GitLab
      const dir = tempDir("ccr-gl-state-");
      for (const [path, content] of tree) {
        if (path.startsWith("terraform/") && path.endsWith(".tf") && path !== "terraform/backend.tf") continue;
        mkdirSync(dirname(join(dir, path)), { recursive: true });
        writeFileSync(join(dir, path), content);
      }
      writeFileSync(
        join(dir, "terraform/main.tf"),
        ['resource "terraform_data" "cluster" {', '  input = "one"', "}", "", 'output "kubeconfig" {', `  value     = "${SECRET}"`, "  sensitive = true", "}", ""].join("\n"),
      );
      writeFileSync(join(dir, "terraform/.terraform.lock.hcl"), "");
      writeFileSync(join(dir, "terraform/backend.hcl"), tree.get("terraform/backend.hcl.example")!.replaceAll("https://gitlab.example.org", server.url));
      const ci = parseYaml(tree.get(".gitlab-ci.yml")!) as Record<string, { script: string[]; after_script?: string[]; variables?: Record<string, string>; before_script?: string[] }>;
      const base = ci[".terraform"]!.before_script!.filter((line) => !line.startsWith("apk add")); // Node and Terraform are on this machine
      const gitlab = { CI_API_V4_URL: `${server.url}/api/v4`, CI_PROJECT_ID: REPO_PROJECT, CI_COMMIT_SHA: "c".repeat(40), CI_COMMIT_BRANCH: "main", TF_IN_AUTOMATION: "true", TF_INPUT: "false" };

      // terraform:apply, from Run pipeline on main: without PLAN_SHA256 it plans only and prints the digest.
      const apply = ci["terraform:apply"]!;
      const applyEnv = { ...gitlab, CI_PIPELINE_SOURCE: "web", CI_JOB_TOKEN: MAINTAINER_JOB, APPLY_TF_HTTP_USERNAME: "project_1234_bot", APPLY_TF_HTTP_PASSWORD: STATE_TOKEN };
      writeFileSync(join(dir, "reviewed-plan.json"), JSON.stringify({ run: true, digest: "" }));
      const planned = await runJob([...exportsOf(apply.variables), ...base, ...apply.script], dir, applyEnv);
      expect(planned.out, planned.out).toMatch(/Plan only\. To apply exactly this plan, review it \(above\), then Run pipeline on main with PLAN_SHA256=(sha256:[0-9a-f]{64})/);
      expect(planned.status).toBe(0);
      const digest = /PLAN_SHA256=(sha256:[0-9a-f]{64})/.exec(planned.out)![1]!;
      expect(server.objects.has(`state:/api/v4/projects/${STATE_PROJECT}/terraform/state/magnum-k8s`)).toBe(false);

      // ... and with that digest (as terraform:reviewed-plan writes it from PLAN_SHA256) it applies, then publishes the copy.
      writeFileSync(join(dir, "reviewed-plan.json"), JSON.stringify({ run: true, digest }));
      const applied = await runJob([...exportsOf(apply.variables), ...base, ...apply.script], dir, applyEnv);
      expect(applied.out).toContain("Apply complete!");
      expect(applied.out).toContain("Published the redacted state for merge request plans.");
      expect(applied.status).toBe(0);
      const real = server.objects.get(`state:/api/v4/projects/${STATE_PROJECT}/terraform/state/magnum-k8s`)!.toString();
      const copy = server.objects.get(`state:/api/v4/projects/${REPO_PROJECT}/terraform/state/magnum-k8s-plan`)!.toString();
      expect(JSON.parse(real).outputs.kubeconfig.value).toBe(SECRET);
      expect(copy).not.toContain(SECRET);
      expect(JSON.parse(copy).outputs.kubeconfig.value).toBe("(redacted)");
      const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
      const callsTo = (project: string) => server.calls.filter((call) => call.path.startsWith(`/api/v4/projects/${project}/`));
      // The real state: the state project's token only, locked and unlocked around the apply.
      expect(new Set(callsTo(STATE_PROJECT).map((call) => call.headers.authorization))).toEqual(new Set([basic("project_1234_bot", STATE_TOKEN)]));
      expect(callsTo(STATE_PROJECT).some((call) => call.method === "POST" && call.path.endsWith("/lock") && call.status === 200)).toBe(true);
      // The copy: the job's token, as gitlab-ci-token.
      expect(new Set(callsTo(REPO_PROJECT).map((call) => call.headers.authorization))).toEqual(new Set([basic("gitlab-ci-token", MAINTAINER_JOB)]));

      // terraform:plan of a merge request, with a Developer's job token: reads the copy, never locks, never the real state.
      const plan = ci["terraform:plan"]!;
      rmSync(join(dir, "terraform/.terraform"), { recursive: true, force: true }); // each job starts from a fresh checkout
      const before = server.calls.length;
      const mrEnv = { ...gitlab, CI_PIPELINE_SOURCE: "merge_request_event", CI_JOB_TOKEN: DEVELOPER_JOB, CI_MERGE_REQUEST_IID: "3", CI_MERGE_REQUEST_SOURCE_BRANCH_SHA: "d".repeat(40), TERRAFORM_NOTE_TOKEN: "" };
      const mrPlan = await runJob([...exportsOf(plan.variables), ...base, ...plan.script], dir, mrEnv);
      // No resource changes; the sensitive output differs only because the copy holds it redacted (outside the digest).
      expect(mrPlan.out, mrPlan.out).toMatch(/Plan digest sha256:[0-9a-f]{64} \(Terraform 1\.\d+\.\d+\) for ddddddd\./);
      expect(mrPlan.out).not.toMatch(/will be (created|destroyed|updated)|must be replaced/);
      expect(mrPlan.status).toBe(0);
      const planCalls = server.calls.slice(before);
      expect(planCalls.length).toBeGreaterThan(0);
      expect(planCalls.every((call) => call.path.startsWith(`/api/v4/projects/${REPO_PROJECT}/terraform/state/magnum-k8s-plan`) && call.method === "GET" && call.status === 200)).toBe(true);
      const digestFile = JSON.parse(readFileSync(join(dir, "terraform/plan-digest.json"), "utf8"));
      expect(digestFile).toMatchObject({ sha: "d".repeat(40), terraformVersion: expect.stringMatching(/^1\./) });
      expect(JSON.parse(readFileSync(join(dir, "terraform/plan-report.json"), "utf8"))).toEqual({ create: 0, update: 0, delete: 0 });
      // The note, printed by after_script when no note token is set.
      const note = await runJob(plan.after_script!, dir, mrEnv);
      expect(note.out).toContain("<!-- create-cluster-repo:terraform-plan");
      expect(note.out).toContain("No note on the merge request (set the CI/CD variable TERRAFORM_NOTE_TOKEN");

      // The Developer's token could not take the lock: GitLab's 403, which is why plans run -lock=false.
      const locked = await runJob(
        [...exportsOf(plan.variables), "cd terraform", 'terraform init -input=false -reconfigure -backend-config=backend.hcl "-backend-config=address=$TF_PLAN_STATE_ADDRESS" "-backend-config=lock_address=$TF_PLAN_STATE_ADDRESS/lock" >/dev/null', "terraform plan -input=false -no-color -lock-timeout=0s"],
        dir,
        mrEnv,
      );
      expect(locked.status).not.toBe(0);
      expect(locked.out).toContain("Error acquiring the state lock");

      // A held lock on the real state (another apply) stops this one: GitLab's 409.
      server.objects.set(`lock:/api/v4/projects/${STATE_PROJECT}/terraform/state/magnum-k8s`, Buffer.from(JSON.stringify({ ID: "other-run" })));
      rmSync(join(dir, "terraform/.terraform"), { recursive: true, force: true });
      const second = await runJob([...exportsOf(apply.variables), ...base, "terraform init -input=false -lockfile=readonly -backend-config=backend.hcl", "terraform plan -input=false -no-color -lock-timeout=0s"], dir, applyEnv);
      expect(second.status).not.toBe(0);
      expect(second.out).toContain("Error acquiring the state lock");
    } finally {
      await server.close();
    }
  });
});
