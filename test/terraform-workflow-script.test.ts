import { execFile, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { Octokit } from "@octokit/rest";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { tempDir } from "./helpers/cli.js";
import { ciScriptsDir } from "./helpers/ci-scripts.js";
import { repoRoot } from "./helpers/fixtures.js";
import { startGitHubApiServer, type GitHubApiServer, type SeededRun } from "./helpers/github-api-server.js";

/**
 * The generated .github/scripts/terraform-pr.cjs (the GitHub half of .github/workflows/terraform.yml), run as
 * actions/github-script runs it: with a real Octokit against the local GitHub double (whose routes and answers are
 * checked against GitHub's REST description), and on plans and states made by the real Terraform binary
 * (terraform_data resources need no provider download).
 */
const scriptPath = join(ciScriptsDir("github"), "terraform-pr.cjs");
const script = createRequire(import.meta.url)(scriptPath);
const TOKEN = "ghs_WorkflowTokenForTheDouble0123456789";
const BOT = "github-actions[bot]";
const WORKFLOW = ".github/workflows/terraform.yml";
const hasTerraform = spawnSync("terraform", ["version"], { encoding: "utf8" }).status === 0;
if (!hasTerraform) console.warn("terraform-workflow-script: no terraform binary on PATH, the tests on real plans are skipped");
const tfEnv = { ...process.env, TF_CLI_CONFIG_FILE: "/dev/null", CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: "1" };
/**
 * A child process awaited, never waited on synchronously: a test worker blocked in a synchronous wait cannot answer
 * vitest nor fire its own test timeout; a few Terraform commands in a row take minutes on a busy machine (vitest 3
 * gave up on such a worker after 60 s: "Timeout calling onTaskUpdate", an unhandled error that failed the run).
 */
const run = (command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) =>
  new Promise<{ status: number; stdout: string }>((resolve, reject) =>
    execFile(command, args, { ...options, encoding: "utf8", maxBuffer: 256 * 1024 ** 2 }, (error, stdout, stderr) => {
      const status = error ? (typeof error.code === "number" ? error.code : -1) : 0;
      if (error && status === -1) reject(error);
      else resolve({ status, stdout: stdout + (status === 0 ? "" : stderr) });
    }),
  );
const tf = async (dir: string, ...args: string[]) => {
  const result = await run("terraform", args, { cwd: dir, env: tfEnv });
  if (result.status !== 0) throw new Error(`terraform ${args.join(" ")} exited ${result.status}: ${result.stdout}`);
  return result.stdout;
};

function fakeCore() {
  const outputs: Record<string, string> = {};
  const failures: string[] = [];
  const notices: string[] = [];
  let summary = "";
  const core = {
    setOutput: (key: string, value: string) => (outputs[key] = value),
    setFailed: (message: string) => failures.push(message),
    notice: (message: string) => notices.push(message),
    info: () => {},
    summary: { addRaw: (text: string) => ((summary += text), core.summary), write: async () => core.summary },
  };
  return { core, outputs, failures, notices, summary: () => summary };
}

/** Runs Terraform in `dir`: apply `before`, then plan `after` the way the workflow's plan step does. */
async function planIn(dir: string, before: string, after: string) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "main.tf"), before);
  await tf(dir, "init", "-input=false", "-no-color");
  await tf(dir, "apply", "-auto-approve", "-input=false", "-no-color");
  writeFileSync(join(dir, "main.tf"), after);
  await tf(dir, "plan", "-input=false", "-no-color", "-out=tfplan");
  writeFileSync(join(dir, "plan.txt"), await tf(dir, "show", "-no-color", "tfplan"));
  writeFileSync(join(dir, "plan.json"), await tf(dir, "show", "-json", "tfplan"));
  writeFileSync(join(dir, "version.json"), await tf(dir, "version", "-json"));
  return { replan: async () => (await tf(dir, "plan", "-input=false", "-no-color", "-out=tfplan2"), JSON.parse(await tf(dir, "show", "-json", "tfplan2"))) };
}

const SECRET = "s3cr3t-admin-token-0123456789abcdef";
const BEFORE = `
variable "token" {
  type      = string
  sensitive = true
  default   = "${SECRET}"
}
resource "terraform_data" "keep" { input = "a" }
resource "terraform_data" "change" { input = "v1" }
resource "terraform_data" "replace" {
  input            = "x"
  triggers_replace = ["one"]
}
resource "terraform_data" "gone" { input = "bye" }
resource "terraform_data" "credentials" { input = { user = "admin", token = var.token } }
output "kubeconfig" {
  value     = var.token
  sensitive = true
}
`;
const AFTER = BEFORE.replace('"v1"', '"v2"').replace('["one"]', '["two"]').replace('resource "terraform_data" "gone" { input = "bye" }', 'resource "terraform_data" "new" { input = "hello" }');

describe.skipIf(!hasTerraform)("on plans and states made by the real Terraform", () => {
  const work = tempDir("ccr-tfscript-");
  const dir = join(work, "terraform");
  let replan: () => any;
  const plan = () => JSON.parse(readFileSync(join(dir, "plan.json"), "utf8"));
  beforeAll(async () => ({ replan } = await planIn(dir, BEFORE, AFTER)));

  test("classifies terraform show -json: replaced (with the attribute forcing it), destroyed, added, changed; no-ops left out", () => {
    expect(script.summarizePlan(plan())).toEqual({
      replace: [{ address: "terraform_data.replace", paths: ["triggers_replace"] }],
      destroy: [{ address: "terraform_data.gone", paths: [] }],
      add: [{ address: "terraform_data.new", paths: [] }],
      change: [{ address: "terraform_data.change", paths: [] }],
      forget: [],
      outputs: [],
    });
  });

  test("the digest is what the plan does: the same change planned again gives the same digest, another change another", async () => {
    const digest = script.planDigest(plan());
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(script.planDigest(await replan())).toBe(digest);
    const other = plan();
    other.resource_changes.find((rc: any) => rc.address === "terraform_data.change").change.after.input = "v3";
    expect(script.planDigest(other)).not.toBe(digest);
    const fewer = plan();
    fewer.resource_changes = fewer.resource_changes.filter((rc: any) => rc.address !== "terraform_data.gone");
    expect(script.planDigest(fewer)).not.toBe(digest);
    const noReplace = plan();
    noReplace.resource_changes.find((rc: any) => rc.address === "terraform_data.replace").change.actions = ["update"];
    expect(script.planDigest(noReplace)).not.toBe(digest);
  });

  test("the digest leaves out what differs by who plans: unchanged refreshed values, drift, sensitive values and outputs; no secret enters it", () => {
    const digest = script.planDigest(plan());
    const other = plan();
    // An unchanged attribute refreshed to another value (a timestamp, an autoscaled size) on both sides.
    const change = other.resource_changes.find((rc: any) => rc.address === "terraform_data.change").change;
    change.before.id = change.after.id = "refreshed-elsewhere";
    // What Terraform saw changed outside of it.
    other.resource_drift = [{ address: "terraform_data.keep", change: { actions: ["update"] } }];
    // A sensitive output read by another identity (the plan identity's own kubeconfig, or a redacted one).
    other.output_changes = { kubeconfig: { actions: ["update"], before: "(redacted)", after: "plan-identity's own", before_sensitive: true, after_sensitive: true, after_unknown: false } };
    expect(script.planDigest(other)).toBe(digest);
    // A sensitive value that is kept, as the redacted state and the real one have it.
    const withSecret = plan();
    const redacted = plan();
    for (const p of [withSecret, redacted]) {
      p.resource_changes.push({ address: "scaleway_k8s_cluster.this", change: { actions: ["update"], before: { name: "a", kubeconfig: [{ token: "x" }] }, after: { name: "b", kubeconfig: [{ token: "x" }] }, before_sensitive: { kubeconfig: true }, after_sensitive: { kubeconfig: true }, after_unknown: {} } });
    }
    redacted.resource_changes.at(-1).change.before.kubeconfig = redacted.resource_changes.at(-1).change.after.kubeconfig = [{ token: "(redacted)" }];
    expect(script.planDigest(redacted)).toBe(script.planDigest(withSecret));
    // A sensitive value that changes: the redacted state's placeholder and the real secret before, the same new value after.
    const fromReal = plan();
    const fromCopy = plan();
    const rotate = (p: any, before: string) => p.resource_changes.push({ address: "openstack_containerinfra_cluster_v1.this", change: { actions: ["update"], before: { node_count: 1, kubeconfig: { client_key: before } }, after: { node_count: 2, kubeconfig: { client_key: "new-key" } }, before_sensitive: { kubeconfig: true }, after_sensitive: { kubeconfig: true }, after_unknown: {} } });
    rotate(fromReal, SECRET);
    rotate(fromCopy, "(redacted)");
    expect(script.planDigest(fromCopy)).toBe(script.planDigest(fromReal));
    expect(JSON.stringify(plan())).toContain(SECRET);
  });

  test("the comment puts replacements and destroys first, under a warning, and shows the digest the apply compares", () => {
    const text = readFileSync(join(dir, "plan.txt"), "utf8");
    const digest = script.planDigest(plan());
    const body: string = script.planCommentBody({ sha: "a".repeat(40), digest, terraformVersion: "1.11.4", summary: script.summarizePlan(plan()), planText: text, environment: "prod" });
    expect(script.parseMarker(body)).toEqual({ sha: "a".repeat(40), digest });
    expect(body).toContain(`Digest \`${digest}\`, Terraform 1.11.4`);
    const order = ["[!WARNING]", "| **replace** | `terraform_data.replace`", "| **destroy** | `terraform_data.gone`", "| add | `terraform_data.new`", "| change | `terraform_data.change`", "terraform_data.replace must be replaced"];
    const positions = order.map((needle) => body.indexOf(needle));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(body).toContain("`triggers_replace` forces a new resource");
    expect(body).not.toContain(SECRET);
  });

  test("the redacted state holds no secret, is a state Terraform plans with, and keeps every structure", async () => {
    const state = JSON.parse(await tf(dir, "state", "pull"));
    const schemas = JSON.parse(await tf(dir, "providers", "schema", "-json"));
    expect(JSON.stringify(state)).toContain(SECRET);
    const redacted = script.redactState(state, schemas);
    const text = JSON.stringify(redacted);
    expect(text).not.toContain(SECRET);
    expect(text).toContain(script.REDACTED);
    // The dynamic attribute keeps its type, so Terraform still reads it.
    const credentials = redacted.resources.find((r: any) => r.name === "credentials").instances[0].attributes;
    expect(credentials.input).toEqual({ value: { user: "admin", token: script.REDACTED }, type: state.resources.find((r: any) => r.name === "credentials").instances[0].attributes.input.type });
    // The copy in `output` was not marked sensitive in the state: it is found by value.
    expect(credentials.output.value.token).toBe(script.REDACTED);
    expect(redacted.outputs.kubeconfig.value).toBe(script.REDACTED);
    // Terraform plans on it (the plan job's -lock=false plan): a state it accepts, with the configuration's secret back as a change.
    const copy = join(work, "plan-view");
    mkdirSync(copy, { recursive: true });
    writeFileSync(join(copy, "main.tf"), AFTER);
    writeFileSync(join(copy, "terraform.tfstate"), JSON.stringify(redacted));
    await tf(copy, "init", "-input=false", "-no-color");
    const planned = await tf(copy, "plan", "-input=false", "-no-color", "-lock=false");
    expect(planned).toContain("terraform_data.credentials will be updated in-place");
    expect(planned).not.toContain(SECRET);
  });

  test("the CLI the workflow runs: digest with the artifact's name, and redact-state", async () => {
    const out = (await run("node", [scriptPath, "digest", join(dir, "plan.json"), "--artifact-name", "b".repeat(40), "1.11.4"])).stdout;
    const digest = script.planDigest(plan());
    expect(out).toBe(`digest=${digest}\nchanges=true\nartifact=${script.artifactName({ sha: "b".repeat(40), digest, terraformVersion: "1.11.4" })}\n`);
    expect(script.parseArtifactName(/artifact=(.*)/.exec(out)![1])).toEqual({ sha: "b".repeat(40), digest, terraformVersion: "1.11.4" });
    writeFileSync(join(work, "state.json"), await tf(dir, "state", "pull"));
    writeFileSync(join(work, "schema.json"), await tf(dir, "providers", "schema", "-json"));
    const redacted = (await run("node", [scriptPath, "redact-state", join(work, "state.json"), join(work, "schema.json")])).stdout;
    expect(redacted).not.toContain(SECRET);
    expect((await run("node", [scriptPath, "nonsense"])).status).toBe(2);
  });
});

describe("redacting a state by the provider schemas", () => {
  // The shapes `terraform providers schema -json` gives for the attributes that hold cluster credentials: Scaleway's
  // kubeconfig (a computed list of objects, sensitive) and Magnum's (a sensitive map), and a sensitive nested block.
  const schemas = {
    format_version: "1.0",
    provider_schemas: {
      "registry.terraform.io/scaleway/scaleway": {
        resource_schemas: {
          scaleway_k8s_cluster: { block: { attributes: { name: { type: "string" }, kubeconfig: { type: ["list", ["object", { config_file: "string", token: "string" }]], computed: true, sensitive: true } } } },
        },
      },
      "registry.terraform.io/terraform-provider-openstack/openstack": {
        resource_schemas: {
          openstack_containerinfra_cluster_v1: { block: { attributes: { name: { type: "string" }, kubeconfig: { type: ["map", "string"], computed: true, sensitive: true } }, block_types: { auth: { nesting_mode: "list", block: { attributes: { password: { type: "string", sensitive: true }, user: { type: "string" } } } } } } },
        },
      },
    },
  };
  const cert = "-----BEGIN CERTIFICATE-----MIIDsecretcertificate";
  const state = {
    version: 4,
    outputs: { api: { value: "https://api.example", type: "string" }, raw: { value: `apiVersion: v1\ntoken: scw-token-0123456789`, type: "string", sensitive: true } },
    resources: [
      { mode: "managed", type: "scaleway_k8s_cluster", name: "this", provider: 'provider["registry.terraform.io/scaleway/scaleway"]', instances: [{ attributes: { name: "prod", kubeconfig: [{ config_file: "token: scw-token-0123456789", token: "scw-token-0123456789" }] }, sensitive_attributes: [] }] },
      { mode: "managed", type: "openstack_containerinfra_cluster_v1", name: "this", provider: 'provider["registry.terraform.io/terraform-provider-openstack/openstack"]', instances: [{ attributes: { name: "prod", kubeconfig: { client_certificate: cert, client_key: "PRIVATE-KEY-abcdefgh", host: "https://10.0.0.1:6443" }, auth: [{ user: "me", password: "hunter2-password" }] }, sensitive_attributes: [] }] },
    ],
  };

  test("sensitive attributes, nested ones and sensitive outputs are replaced, with their structure kept", () => {
    const redacted = script.redactState(state, schemas);
    const text = JSON.stringify(redacted);
    for (const secret of ["scw-token-0123456789", cert, "PRIVATE-KEY-abcdefgh", "hunter2-password"]) expect(text).not.toContain(secret);
    // Magnum: a kubeconfig with a client certificate is kept as it is, so the provider signs no new admin certificate.
    expect(redacted.resources[1].instances[0].attributes.kubeconfig).toEqual({ client_certificate: script.REDACTED, client_key: script.REDACTED, host: script.REDACTED });
    expect(redacted.resources[0].instances[0].attributes.kubeconfig).toEqual([{ config_file: script.REDACTED, token: script.REDACTED }]);
    expect(redacted.resources[1].instances[0].attributes.auth).toEqual([{ user: "me", password: script.REDACTED }]);
    expect(redacted.outputs).toEqual({ api: state.outputs.api, raw: { ...state.outputs.raw, value: script.REDACTED } });
    // The input is left alone.
    expect(JSON.stringify(state)).toContain("scw-token-0123456789");
  });

  test("a resource without a schema stops it: nothing is published rather than something unredacted", () => {
    const unknown = { ...state, resources: [...state.resources, { mode: "managed", type: "other_secret", name: "x", provider: 'provider["registry.terraform.io/acme/other"]', instances: [{ attributes: { key: "k" } }] }] };
    expect(() => script.redactState(unknown, schemas)).toThrow(/no provider schema for other_secret/);
  });
});

describe("the plan comment and the reviewed plan on the GitHub double", () => {
  const work = tempDir("ccr-tfscript-gh-");
  let api: GitHubApiServer;
  let github: Octokit;
  const repo = { owner: "acme", repo: "fleet" };
  let fleet = 0;
  const context = (extra: Record<string, unknown>) => ({ repo, serverUrl: "https://github.example", runId: 42, ...extra });

  beforeAll(async () => {
    api = await startGitHubApiServer({ login: BOT, token: TOKEN, users: ["acme", "mallory", "reviewer", "writer"] });
    await api.seedRepository("acme", "fleet");
    api.seedCollaborator("acme", "fleet", "writer", "write");
    github = new Octokit({ auth: TOKEN, baseUrl: api.url });
  });
  afterEach(() => expect(api.takeViolations()).toEqual([]));
  afterAll(async () => api?.close());

  /** The files the plan step leaves, for a plan with these resource changes, and the artifact name it uploads. */
  function planFiles(name: string, sha: string, changes: Array<{ address: string; actions: string[] }>) {
    const dir = join(work, name);
    mkdirSync(dir, { recursive: true });
    const text = changes.map((c) => `  # ${c.address} ${c.actions.join("/")}`).join("\n");
    const plan = { resource_changes: changes.map((c) => ({ address: c.address, change: { actions: c.actions, before: null, after: {} } })) };
    writeFileSync(join(dir, "plan.txt"), `${text}\n`);
    writeFileSync(join(dir, "plan.json"), JSON.stringify(plan));
    const digest = script.planDigest(plan);
    return { dir, digest, artifact: script.artifactName({ sha, digest, terraformVersion: "1.15.9" }) };
  }

  async function post(dir: string, number: number, sha: string, env: Record<string, string>, cluster?: string) {
    Object.assign(process.env, env);
    try {
      return await script.postPlan({ github, context: context({ payload: { pull_request: { number, head: { sha } } } }), core: fakeCore().core, dir, environment: cluster ?? "prod", cluster });
    } finally {
      for (const key of Object.keys(env)) delete process.env[key];
    }
  }

  test("one comment per pull request, updated in place on every push, with the digest of the run's artifact; a pasted marker of someone else is ignored", async () => {
    const number = api.seedPullRequest("acme", "fleet", { head: "create-cluster-repo/cni-calico", base: "main", title: "Update cni=calico" });
    api.seedComment("acme", "fleet", number, { author: "mallory", body: `${script.MARKER} {"sha":"x","digest":"sha256:forged"} -->\nlooks legit` });
    // More than a page (100) of review comments before the plan comment: finding it means following the pages.
    for (let i = 0; i < 101; i++) api.seedComment("acme", "fleet", number, { author: "acme", body: `review note ${i}` });
    const first = planFiles("first", "1".repeat(40), [{ address: "scaleway_k8s_cluster.this", actions: ["delete", "create"] }]);
    const posted = await post(first.dir, number, "1".repeat(40), { ARTIFACT_NAME: first.artifact, ARTIFACT_URL: "https://github.example/acme/fleet/actions/runs/42/artifacts/9" });
    expect(posted.created).toBe(true);

    const second = planFiles("second", "2".repeat(40), [{ address: "scaleway_k8s_pool.gpu", actions: ["update"] }]);
    const updated = await post(second.dir, number, "2".repeat(40), { ARTIFACT_NAME: second.artifact });
    expect(updated).toEqual({ id: posted.id, created: false });

    const ours = api.state().comments.filter((c) => c.issue === number && c.user === BOT);
    expect(ours).toHaveLength(1);
    expect(script.parseMarker(ours[0]!.body)).toEqual({ sha: "2".repeat(40), digest: second.digest });
    expect(ours[0]!.body).toContain(`Digest \`${second.digest}\``);
    expect(api.state().comments.find((c) => c.user === "mallory")!.body).toContain("sha256:forged");
  });

  test("in a fleet, one comment per cluster, each updated in place; a plan artifact of another cluster shows no digest", async () => {
    const number = api.seedPullRequest("acme", "fleet", { head: "fleet-both", base: "main", title: "both roots" });
    const sha = "6".repeat(40);
    const ofCluster = (name: string, cluster: string) => {
      const files = planFiles(name, sha, [{ address: `scaleway_k8s_pool.${cluster}`, actions: ["update"] }]);
      return { ...files, artifact: script.artifactName({ sha, digest: files.digest, terraformVersion: "1.15.9", cluster }) };
    };
    const stg = ofCluster("fleet-stg", "stg");
    const prod = ofCluster("fleet-prod", "prod");
    const postedStg = await post(stg.dir, number, sha, { ARTIFACT_NAME: stg.artifact }, "stg");
    const postedProd = await post(prod.dir, number, sha, { ARTIFACT_NAME: prod.artifact }, "prod");
    expect([postedStg.created, postedProd.created]).toEqual([true, true]);
    expect(await post(stg.dir, number, sha, { ARTIFACT_NAME: stg.artifact }, "stg")).toEqual({ id: postedStg.id, created: false });
    const ours = api.state().comments.filter((c) => c.issue === number && c.user === BOT);
    expect(ours.map((c) => script.parseMarker(c.body))).toEqual([
      { sha, digest: stg.digest, cluster: "stg" },
      { sha, digest: prod.digest, cluster: "prod" },
    ]);
    expect(ours[0]!.body).toContain("## Terraform plan of `stg`:");
    // stg's artifact in prod's leg: not prod's plan.
    await post(prod.dir, number, sha, { ARTIFACT_NAME: stg.artifact }, "prod");
    expect(script.parseMarker(api.state().comments.find((c) => c.id === postedProd.id)!.body)).toEqual({ sha, cluster: "prod" });
  });

  test("a failed step, or a plan without the run's artifact for this commit, replaces the plan with the failure", async () => {
    const number = api.seedPullRequest("acme", "fleet", { head: "b", base: "main", title: "t" });
    const dir = join(work, "failed");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "lock.log"), "terraform/.terraform.lock.hcl is missing\n");
    await post(dir, number, "3".repeat(40), { OUTCOMES: JSON.stringify({ fmt: { outcome: "success" }, lock: { outcome: "failure" } }) });
    const body = () => api.state().comments.find((c) => c.issue === number)!.body;
    expect(script.parseMarker(body())).toEqual({ sha: "3".repeat(40) });
    expect(body()).toContain("`terraform lock` failed");
    expect(body()).toContain("terraform providers lock");
    // A plan whose artifact is for another commit shows no digest.
    const planned = planFiles("other-sha", "4".repeat(40), [{ address: "x.y", actions: ["create"] }]);
    await post(planned.dir, number, "5".repeat(40), { ARTIFACT_NAME: planned.artifact });
    expect(script.parseMarker(body())).toEqual({ sha: "5".repeat(40) });
  });

  describe("long plans", () => {
    const many = (count: number) => Array.from({ length: count }, (_, i) => ({ address: `scaleway_k8s_pool.pool_${String(i).padStart(4, "0")}["${"z".repeat(60)}"]`, paths: ["node_type", "zone", "root_volume_type"] }));
    const summary = { replace: many(400), destroy: many(150), add: many(300), change: many(300), forget: [], outputs: [] };
    const text = `${"~".repeat(9)} a plan that tries to close the fence\n${"  # resource will be replaced\n      ~ node_type = \"GPU-3070-S\" -> \"L4-1-24G\" # forces replacement\n".repeat(20000)}`;

    test("a plan replacing hundreds of resources stays under GitHub's limit, replacements and destroys first, with a link to the full plan", () => {
      const body: string = script.planCommentBody({ sha: "6".repeat(40), digest: `sha256:${"d".repeat(64)}`, terraformVersion: "1.15.9", summary, planText: text, environment: "prod", runUrl: "https://github.example/acme/fleet/actions/runs/42", artifactUrl: "https://github.example/acme/fleet/actions/runs/42/artifacts/7" });
      expect(body.length).toBeLessThanOrEqual(script.MAX_COMMENT);
      expect(text.length).toBeGreaterThan(script.MAX_COMMENT * 10);
      const warning = body.indexOf("[!WARNING]");
      const firstReplace = body.indexOf("| **replace** |");
      const firstAdd = body.indexOf("| add |");
      expect(warning).toBeGreaterThan(-1);
      expect(firstReplace).toBeGreaterThan(warning);
      // Rows are cut, replacements kept first; what was cut is counted, with the way to the full plan.
      expect(firstAdd === -1 || firstAdd > firstReplace).toBe(true);
      expect(body).toMatch(/\d+ more rows left out/);
      expect(body).toMatch(/truncated: \d+ characters in all; the full plan is in the run summary of \[this run\]\(https:\/\/github\.example\/acme\/fleet\/actions\/runs\/42\) and \[the plan artifact\]\(https:\/\/github\.example\/acme\/fleet\/actions\/runs\/42\/artifacts\/7\)/);
      expect(body).toContain("This plan destroys resources: 400 replaced, 150 destroyed.");
      // The plan's own tildes cannot close the fence around it.
      const fence = /\n(~{10,})text\n/.exec(body)![1]!;
      expect(body.slice(body.indexOf(`${fence}text`) + fence.length + 5).indexOf(`\n${fence}\n`)).toBeGreaterThan(0);
    });

    test("posted through the API as GitHub accepts it (the double refuses nothing, so the size is checked here)", async () => {
      const number = api.seedPullRequest("acme", "fleet", { head: "long", base: "main", title: "long" });
      const dir = join(work, "long");
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, "plan.txt"), text);
      const changes = [...summary.replace.map((c) => ({ address: c.address, change: { actions: ["delete", "create"], replace_paths: [["node_type"]] } })), ...summary.add.map((c) => ({ address: c.address, change: { actions: ["create"] } }))];
      writeFileSync(join(dir, "plan.json"), JSON.stringify({ resource_changes: changes }));
      const digest = script.planDigest({ resource_changes: changes });
      await post(dir, number, "7".repeat(40), { ARTIFACT_NAME: script.artifactName({ sha: "7".repeat(40), digest, terraformVersion: "1.15.9" }) });
      const body = api.state().comments.find((c) => c.issue === number)!.body;
      expect(body.length).toBeLessThanOrEqual(65536);
      expect(script.parseMarker(body)).toEqual({ sha: "7".repeat(40), digest });
    });
  });

  describe("the apply job finds the plan that was reviewed, and nothing else", () => {
    let sha = 0x100;
    const nextSha = () => (sha++).toString(16).padStart(40, "a");
    const push = (commit: string, before = "f".repeat(40)) => context({ eventName: "push", sha: commit, ref: "refs/heads/main", runId: currentRun(commit), payload: { before, repository: { default_branch: "main" } } });
    /** The run of this workflow for a push to main: the run the script runs in. */
    const currentRun = (commit: string) => api.seedWorkflowRun("acme", "fleet", { workflowPath: WORKFLOW, event: "push", headSha: commit, headBranch: "main", status: "in_progress", conclusion: null });
    /** A merged pull request, approved on its head commit by someone else. */
    function merged(title: string, options: { approve?: string | false; approvedCommit?: string } = {}) {
      const head = nextSha();
      const merge = nextSha();
      const number = api.seedPullRequest("acme", "fleet", { head: title, base: "main", title, headSha: head, mergeCommitSha: merge, author: "acme" });
      if (options.approve !== false) api.seedReview("acme", "fleet", number, { user: options.approve ?? "reviewer", state: "APPROVED", commitId: options.approvedCommit ?? head });
      return { number, head, merge };
    }
    /** The pull request run of this workflow that planned `head`, with the artifact its plan step names. */
    function planRun(pull: { number: number; head: string }, overrides: Partial<SeededRun> = {}, artifact = { sha: pull.head, digest: `sha256:${"c".repeat(64)}` }) {
      return api.seedWorkflowRun("acme", "fleet", {
        workflowPath: WORKFLOW,
        event: "pull_request",
        headSha: pull.head,
        headBranch: `branch-${pull.number}`,
        pullRequests: [pull.number],
        artifacts: [{ name: script.artifactName({ ...artifact, terraformVersion: "1.15.9" }) }],
        ...overrides,
      });
    }
    const find = async (ctx: ReturnType<typeof context>) => {
      const core = fakeCore();
      await script.findReviewedPlan({ github, context: ctx, core: core.core });
      return core;
    };

    test("after a merge: the digest and Terraform version in the artifact of the pull request run that planned the merged head", async () => {
      const pull = merged("ok");
      const run = planRun(pull, {}, { sha: pull.head, digest: `sha256:${"e".repeat(64)}` });
      const { outputs, failures } = await find(push(pull.merge));
      expect(failures).toEqual([]);
      expect(outputs).toMatchObject({ run: "true", digest: `sha256:${"e".repeat(64)}`, "terraform-version": "1.15.9", "pull-request": String(pull.number), "plan-run": `https://github.example/acme/fleet/actions/runs/${run}` });
    });

    test("in a fleet, each touched cluster's plan is its own artifact: another cluster's, or a single-cluster one, never stands in; all or none apply", async () => {
      const pull = merged("fleet-change");
      const digestOf = (c: string) => `sha256:${c.repeat(64)}`;
      planRun(pull, { artifacts: [{ name: script.artifactName({ sha: pull.head, digest: digestOf("2"), terraformVersion: "1.15.9", cluster: "stg" }) }] });
      planRun(pull, {}, { sha: pull.head, digest: digestOf("3") }); // a single-cluster artifact of the same commit
      const inFleet = async (clusters: string[]) => {
        const core = fakeCore();
        await script.findReviewedPlan({ github, context: push(pull.merge), core: core.core, clusters });
        return core;
      };
      const partial = await inFleet(["stg", "prod"]);
      expect(partial.outputs.run).toBe("false");
      expect(partial.failures[0]).toMatch(/No plan of #\d+'s last commit \w+ by this workflow was found for prod \(/);
      planRun(pull, { artifacts: [{ name: script.artifactName({ sha: pull.head, digest: digestOf("4"), terraformVersion: "1.15.8", cluster: "prod" }) }] });
      const both = await inFleet(["stg", "prod"]);
      expect(both.failures).toEqual([]);
      expect(both.outputs).toMatchObject({ run: "true", "pull-request": String(pull.number) });
      const plans = JSON.parse(both.outputs.plans!);
      expect(Object.keys(plans).sort()).toEqual(["prod", "stg"]);
      expect([plans.stg.digest, plans.stg.terraform_version, plans.prod.digest, plans.prod.terraform_version]).toEqual([digestOf("2"), "1.15.9", digestOf("4"), "1.15.8"]);
      expect(plans.prod.plan_run).toMatch(/\/actions\/runs\/\d+$/);
      // A single-cluster repository's job gets no `plans`, as before.
      expect(Object.keys((await find(push(pull.merge))).outputs)).not.toContain("plans");
    });

    test("a comment, whoever wrote it, is never read: without the artifact there is no reviewed plan", async () => {
      const pull = merged("forged-comment");
      for (const author of [BOT, "mallory"]) api.seedComment("acme", "fleet", pull.number, { author, body: `${script.MARKER} ${JSON.stringify({ sha: pull.head, digest: "sha256:forged", terraform: "1.15.9" })} -->\n## Terraform plan` });
      const { outputs, failures } = await find(push(pull.merge));
      expect(outputs.run).toBe("false");
      expect(failures[0]).toMatch(/No plan of #\d+'s last commit/);
      expect(JSON.stringify(outputs)).not.toContain("forged");
      // And it says so on the pull request.
      expect(api.state().comments.filter((c) => c.issue === pull.number && c.user === BOT).at(-1)!.body).toMatch(/^\*\*Not applied\*\*/);
    });

    test("artifacts of other commits, other workflows, other events, forks, other pull requests, expired or misnamed ones are ignored", async () => {
      const pull = merged("decoys");
      const forged = { sha: pull.head, digest: `sha256:${"f".repeat(64)}` };
      planRun(pull, {}, { sha: nextSha(), digest: forged.digest }); // named for another commit
      planRun(pull, { workflowPath: ".github/workflows/other.yml" }, forged); // another workflow of the repository
      planRun(pull, { event: "push" }, forged); // a push run of the branch, not the pull request's
      planRun(pull, { headRepository: "mallory/fleet" }, forged); // a fork with the same head commit
      planRun(pull, { pullRequests: [pull.number + 1000] }, forged); // a run for another pull request
      planRun(pull, { artifacts: [{ name: script.artifactName({ ...forged, terraformVersion: "1.15.9" }), expired: true }] });
      planRun(pull, { artifacts: [{ name: `terraform-plan.${pull.head}.sha256-nothex.terraform-1.15.9` }] });
      planRun({ ...pull, head: nextSha() }, {}, forged); // another commit of the pull request
      const { outputs, failures } = await find(push(pull.merge));
      expect(outputs.run).toBe("false");
      expect(failures[0]).toMatch(/No plan of #\d+'s last commit/);
      // The genuine run among them is found.
      planRun(pull, {}, { sha: pull.head, digest: `sha256:${"1".repeat(64)}` });
      const again = await find(push(pull.merge));
      expect(again.outputs).toMatchObject({ run: "true", digest: `sha256:${"1".repeat(64)}` });
    });

    test("an approval is needed, of the last commit, by someone other than the author, and not withdrawn since", async () => {
      const none = merged("unapproved", { approve: false });
      const self = merged("self-approved", { approve: "acme" });
      const stale = merged("stale", { approvedCommit: "0".repeat(40) });
      const withdrawn = merged("withdrawn");
      api.seedReview("acme", "fleet", withdrawn.number, { user: "reviewer", state: "CHANGES_REQUESTED", commitId: withdrawn.head });
      const cases: Array<[ReturnType<typeof merged>, RegExp]> = [
        [none, /merged without an approving review by someone other than its author \(acme\)/],
        [self, /merged without an approving review by someone other than its author/],
        [stale, /is for 0000000, not for its last commit/],
        [withdrawn, /merged without an approving review/],
      ];
      for (const [pull, message] of cases) {
        planRun(pull);
        const { outputs, failures } = await find(push(pull.merge));
        expect(outputs.run).toBe("false");
        expect(failures).toHaveLength(1);
        expect(failures[0]).toMatch(message);
        expect(failures[0]).toContain("Nothing was applied");
      }
    });

    test("the first push, and a push without a pull request (Day 1 pushes backend.hcl and the lock file), apply nothing and are not failures", async () => {
      for (const ctx of [push(nextSha(), "0".repeat(40)), push(nextSha())]) {
        const { outputs, failures, notices } = await find(ctx);
        expect(outputs.run).toBe("false");
        expect(failures).toEqual([]);
        expect(notices[0]).toContain("Run workflow");
      }
    });

    test("Run workflow: admins only, on the default branch only; the digest typed in, or none (plan only)", async () => {
      const dispatch = (ref: string, actor: string) => context({ eventName: "workflow_dispatch", ref, actor, payload: { repository: { default_branch: "main" }, inputs: { plan_sha256: "sha256:typed", terraform_version: "1.15.9" } } });
      const admin = await find(dispatch("refs/heads/main", "acme"));
      expect(admin.outputs).toMatchObject({ run: "true", digest: "sha256:typed", "terraform-version": "1.15.9", "pull-request": "" });
      const writer = await find(dispatch("refs/heads/main", "writer"));
      expect(writer.outputs.run).toBe("false");
      expect(writer.failures[0]).toMatch(/writer started Run workflow with write access: only an admin/);
      const other = await find(dispatch("refs/heads/experiment", "acme"));
      expect(other.outputs.run).toBe("false");
      expect(other.failures[0]).toMatch(/on main, not on refs\/heads\/experiment/);
    });

    test("TERRAFORM_APPLY=workstation: nothing is applied by the workflow, and it says what to do", async () => {
      const pull = merged("workstation");
      planRun(pull);
      process.env.TERRAFORM_APPLY = "workstation";
      try {
        const { outputs, failures, notices } = await find(push(pull.merge));
        expect({ run: outputs.run, failures }).toEqual({ run: "false", failures: [] });
        expect(notices[0]).toContain("publish-plan-state.sh");
      } finally {
        delete process.env.TERRAFORM_APPLY;
      }
    });

    test("three quick merges: the merge whose pending run GitHub cancelled is named, and told on its pull request", async () => {
      const api2 = await startGitHubApiServer({ login: BOT, token: TOKEN, users: ["acme", "reviewer"] });
      try {
        await api2.seedRepository("acme", "fleet");
        const gh = new Octokit({ auth: TOKEN, baseUrl: api2.url });
        const pr = (title: string, head: string, merge: string) => {
          const number = api2.seedPullRequest("acme", "fleet", { head: title, base: "main", title, headSha: head, mergeCommitSha: merge, author: "acme" });
          api2.seedReview("acme", "fleet", number, { user: "reviewer", state: "APPROVED", commitId: head });
          return number;
        };
        const a = pr("a", "a1".padEnd(40, "0"), "a2".padEnd(40, "0"));
        const b = pr("b", "b1".padEnd(40, "0"), "b2".padEnd(40, "0"));
        const c = pr("c", "c1".padEnd(40, "0"), "c2".padEnd(40, "0"));
        const applyJob = (inSync: boolean) => [{ name: "apply", steps: [{ name: "terraform apply", conclusion: inSync ? ("success" as const) : ("skipped" as const) }, { name: script.IN_SYNC_STEP, conclusion: inSync ? ("success" as const) : ("skipped" as const) }] }];
        api2.seedWorkflowRun("acme", "fleet", { workflowPath: WORKFLOW, event: "push", headSha: "a2".padEnd(40, "0"), headBranch: "main", jobs: applyJob(true) });
        api2.seedWorkflowRun("acme", "fleet", { workflowPath: WORKFLOW, event: "push", headSha: "b2".padEnd(40, "0"), headBranch: "main", conclusion: "cancelled", jobs: [] });
        for (const n of [c]) api2.seedWorkflowRun("acme", "fleet", { workflowPath: WORKFLOW, event: "pull_request", headSha: "c1".padEnd(40, "0"), headBranch: "c", pullRequests: [n], artifacts: [{ name: script.artifactName({ sha: "c1".padEnd(40, "0"), digest: `sha256:${"9".repeat(64)}`, terraformVersion: "1.15.9" }) }] });
        const current = api2.seedWorkflowRun("acme", "fleet", { workflowPath: WORKFLOW, event: "push", headSha: "c2".padEnd(40, "0"), headBranch: "main", status: "in_progress", conclusion: null });
        const core = fakeCore();
        const ctx = context({ eventName: "push", sha: "c2".padEnd(40, "0"), ref: "refs/heads/main", runId: current, payload: { before: "b2".padEnd(40, "0"), repository: { default_branch: "main" } } });
        await script.findReviewedPlan({ github: gh, context: ctx, core: core.core });
        expect(core.failures).toEqual([]);
        expect(JSON.parse(core.outputs.unapplied!)).toEqual([{ sha: "b2".padEnd(40, "0"), pullRequest: b, conclusion: "cancelled" }]);
        // The apply of c refused the combined plan (b's change is in it, unreviewed as a combination): b and c are told.
        await script.reportApply({ github: gh, context: ctx, pullRequest: String(c), outcome: "differs", reviewed: core.outputs.digest, digest: `sha256:${"8".repeat(64)}`, unapplied: core.outputs.unapplied });
        const comments = api2.state().comments;
        expect(comments.find((x) => x.issue === b)!.body).toMatch(/^\*\*This merge was not applied by its own run\*\* \(`b200000`: cancelled;[^]*not applied \(differs\)/);
        expect(comments.find((x) => x.issue === c)!.body).toMatch(/^\*\*Not applied\*\*: the plan for `c200000`/);
        expect(comments.some((x) => x.issue === a)).toBe(false);
        expect(api2.takeViolations()).toEqual([]);
      } finally {
        await api2.close();
      }
    });
  });
});
