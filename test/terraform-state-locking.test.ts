import { execFile, spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { blueprintIds } from "../src/blueprints/registry.js";
import { renderBlueprint } from "../src/render-blueprint.js";
import { tempDir } from "./helpers/cli.js";
import { startHttpStateServer, startS3Server, type StateServer } from "./helpers/state-servers.js";

/**
 * The generated backends with the real Terraform binary, against local doubles of the state stores: the README's
 * step (`cp backend.hcl.example backend.hcl`, `terraform init -backend-config=backend.hcl`) configures the backend,
 * Terraform writes the state where backend.tf says, and a second run cannot take the lock. The S3 double also plays
 * the object stores that ignore or refuse `If-None-Match`, to show what the README's table says they do to locking.
 * The configuration is the generated backend.tf with an output instead of the cloud resources, since providers
 * cannot be downloaded here; only the endpoint (a loopback address, path-style) comes from the test.
 */
const hasTerraform = spawnSync("terraform", ["version"], { encoding: "utf8" }).status === 0;
if (!hasTerraform) console.warn("terraform-state-locking: no terraform binary on PATH, skipped");

const env = {
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
/** Asynchronous: the doubles answer from this process, so it must not block while Terraform runs. */
const terraform = (cwd: string, ...args: string[]) =>
  new Promise<{ status: number; out: string }>((resolve) => {
    execFile("terraform", [...args, "-input=false", "-no-color"], { cwd, encoding: "utf8", env, timeout: 120_000 }, (error, stdout, stderr) =>
      resolve({ status: error ? Number((error as { code?: unknown }).code ?? 1) || 1 : 0, out: `${stdout}${stderr}` }),
    );
  });

/** The generated backend files, as the README has them copied, plus `extra` backend settings for the double. */
async function workspace(blueprint: string, params: Record<string, unknown>, extra: (example: string) => string) {
  const { tree } = await renderBlueprint(blueprint, { values: params }, { toolVersion: "1.4.2" });
  const dir = join(tempDir("ccr-tfstate-"), blueprint);
  mkdirSync(dir, { recursive: true });
  const example = tree.get("terraform/backend.hcl.example")!;
  writeFileSync(join(dir, "backend.tf"), tree.get("terraform/backend.tf")!);
  writeFileSync(join(dir, "backend.hcl"), example);
  writeFileSync(join(dir, "test.hcl"), extra(example));
  writeFileSync(join(dir, "main.tf"), 'output "run" {\n  value = "one"\n}\n');
  const init = await terraform(dir, "init", "-backend-config=backend.hcl", "-backend-config=test.hcl");
  expect(init.out).toMatch(/Successfully configured the backend "(s3|http)"!/);
  expect(init.status).toBe(0);
  return dir;
}

// Every blueprint whose default state backend is S3, with a cluster name of its own: the key follows it.
const s3Cases: Array<[string, Record<string, unknown>, string]> = await Promise.all(
  blueprintIds().map(async (id) => ({ id, backendTf: (await renderBlueprint(id, { values: {} }, { toolVersion: "1.4.2" })).tree.get("terraform/backend.tf")! })),
).then((renders) => renders.filter(({ backendTf }) => /backend\s+"s3"/.test(backendTf)).map(({ id }) => [id, { clusterName: "fleet" }, "fleet/terraform.tfstate"]));

describe.skipIf(!hasTerraform)("the generated S3 backends lock with a conditional write", () => {
  const bucketOf = (example: string) => /^bucket\s*=\s*"([^"]+)"/m.exec(example)![1]!;
  let s3: StateServer;
  const endpoint = () => `endpoints = { s3 = "${s3.url}" }\nuse_path_style = true\n`;

  test.each(s3Cases)("%s: the state lands at its key, the lock is created with If-None-Match: *, and a held lock stops a second run", async (blueprint, params, key) => {
    const { tree } = await renderBlueprint(blueprint, { values: params }, { toolVersion: "1.4.2" });
    const bucket = bucketOf(tree.get("terraform/backend.hcl.example")!);
    s3 = await startS3Server({ bucket, ifNoneMatch: "honour" });
    try {
      const dir = await workspace(blueprint, params, endpoint);
      const apply = await terraform(dir, "apply", "-auto-approve");
      expect(apply.out).toContain("Apply complete!");
      expect(JSON.parse(s3.objects.get(`${bucket}/${key}`)!.toString()).outputs.run.value).toBe("one");
      const lockPuts = s3.calls.filter((c) => c.method === "PUT" && c.path.split("?")[0] === `/${bucket}/${key}.tflock`);
      expect(lockPuts.length).toBeGreaterThan(0);
      expect(lockPuts.every((c) => c.headers["if-none-match"] === "*")).toBe(true);
      expect(s3.objects.has(`${bucket}/${key}.tflock`)).toBe(false); // released

      // Another run holds the lock: this one stops, and the state is untouched.
      s3.objects.set(`${bucket}/${key}.tflock`, Buffer.from(JSON.stringify({ ID: "other-run", Operation: "OperationTypeApply", Who: "ci@runner" })));
      const before = s3.objects.get(`${bucket}/${key}`)!.toString();
      writeFileSync(join(dir, "main.tf"), 'output "run" {\n  value = "two"\n}\n');
      const second = await terraform(dir, "apply", "-auto-approve", "-lock-timeout=0s");
      expect(second.status).not.toBe(0);
      expect(second.out).toContain("Error acquiring the state lock");
      expect(s3.objects.get(`${bucket}/${key}`)!.toString()).toBe(before);
    } finally {
      await s3.close();
    }
  });

  test("an object store that ignores If-None-Match gives no lock at all: a second run writes while the first holds it", async () => {
    const bucket = "example-org-kapsule-gpu-tfstate";
    s3 = await startS3Server({ bucket, ifNoneMatch: "ignore" });
    try {
      const dir = await workspace("kapsule-gpu", {}, endpoint);
      s3.objects.set(`${bucket}/kapsule-gpu/terraform.tfstate.tflock`, Buffer.from(JSON.stringify({ ID: "other-run" })));
      const run = await terraform(dir, "apply", "-auto-approve", "-lock-timeout=0s");
      expect(run.out).toContain("Apply complete!");
    } finally {
      await s3.close();
    }
  });

  test("one that refuses conditional writes (Swift's s3api before 2.36: 501) fails every locked run", async () => {
    const bucket = "magnum-k8s-tfstate";
    s3 = await startS3Server({ bucket, ifNoneMatch: "refuse" });
    try {
      const dir = await workspace("magnum-openstack", {}, endpoint);
      const run = await terraform(dir, "apply", "-auto-approve", "-lock-timeout=0s");
      expect(run.status).not.toBe(0);
      expect(run.out).toContain("Error acquiring the state lock");
      // The way out the README gives: use_lockfile = false in backend.hcl (no lock; one apply at a time in CI).
      writeFileSync(join(dir, "test.hcl"), `${endpoint()}use_lockfile = false\n`);
      expect((await terraform(dir, "init", "-reconfigure", "-backend-config=backend.hcl", "-backend-config=test.hcl")).status).toBe(0);
      expect((await terraform(dir, "apply", "-auto-approve")).out).toContain("Apply complete!");
    } finally {
      await s3.close();
    }
  });
});

describe.skipIf(!hasTerraform)("the generated HTTP backend (magnum-openstack, stateBackend=http) locks through the server", () => {
  test("GitLab-style addresses from backend.hcl; a held lock (409) stops a second run", async () => {
    const server = await startHttpStateServer();
    try {
      // The example's GitLab addresses, pointed at the double.
      const dir = await workspace("magnum-openstack", { stateBackend: "http" }, (example) => example.replaceAll("https://gitlab.example.org", server.url));
      expect((await terraform(dir, "apply", "-auto-approve")).out).toContain("Apply complete!");
      const address = "/api/v4/projects/1234/terraform/state/magnum-k8s";
      expect(JSON.parse(server.objects.get(`state:${address}`)!.toString()).outputs.run.value).toBe("one");
      expect(server.calls.some((c) => c.method === "POST" && c.path === "/api/v4/projects/1234/terraform/state/magnum-k8s/lock")).toBe(true);
      expect(server.calls.every((c) => c.headers.authorization === `Basic ${Buffer.from("gitlab-bot:glpat-test").toString("base64")}`)).toBe(true);
      server.objects.set(`lock:${address}`, Buffer.from(JSON.stringify({ ID: "other-run" })));
      const second = await terraform(dir, "apply", "-auto-approve", "-lock-timeout=0s");
      expect(second.status).not.toBe(0);
      expect(second.out).toContain("Error acquiring the state lock");
    } finally {
      await server.close();
    }
  });
});

describe.skipIf(!hasTerraform)("the generated azurerm backend (aks-gpu)", () => {
  // No Azure double: Terraform's azurerm backend authenticates through Entra ID before it reaches the storage. What
  // runs offline is its configuration check, which comes first: backend.tf with the README's backend.hcl is
  // accepted, and init stops only where it would sign in (no az CLI, no credentials here).
  async function init(extra: string) {
    const { tree } = await renderBlueprint("aks-gpu", {}, { toolVersion: "1.4.2" });
    const dir = join(tempDir("ccr-tfstate-"), "aks-gpu");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "backend.tf"), tree.get("terraform/backend.tf")!);
    writeFileSync(join(dir, "backend.hcl"), `${tree.get("terraform/backend.hcl.example")!}${extra}`);
    writeFileSync(join(dir, "main.tf"), 'output "run" {\n  value = "one"\n}\n');
    const noAzure = Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith("ARM_") && !name.startsWith("AZURE_")));
    return new Promise<string>((resolve) => {
      execFile("terraform", ["init", "-backend-config=backend.hcl", "-input=false", "-no-color"], { cwd: dir, encoding: "utf8", env: noAzure, timeout: 120_000 }, (_error, stdout, stderr) =>
        resolve(`${stdout}${stderr}`),
      );
    });
  }
  const errorsOf = (out: string) => [...out.matchAll(/^Error: (.*)$/gm)].map((m) => m[1]!);

  test("backend.tf with backend.hcl passes the configuration check and stops only at signing in", async () => {
    const errors = errorsOf(await init(""));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/authoriz|Azure CLI|credential/i);
  });

  test("the check can fail: an argument the backend does not know is refused", async () => {
    expect(errorsOf(await init("not_a_backend_setting = true\n"))).toContain("Unsupported argument");
  });
});
