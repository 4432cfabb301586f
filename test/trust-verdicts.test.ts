/**
 * Verdicts that must not be wrong, and output that must not be turned against the terminal:
 * - a file that cannot be read, or is not UTF-8, is an error (never validated as empty or as replacement
 *   characters), for Terraform and for manifests; a folder that cannot be listed is reported and the rest checked;
 * - `.inf` / `.nan` are not numbers Kubernetes accepts;
 * - escape sequences and newlines in file names, resource names, parameter values and a tampered answers file are
 *   printed escaped in text, TAP and stderr, and cannot forge TAP lines.
 * Unreadable files need a user the permissions apply to: as root, the CLI is run as `nobody` through setpriv.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { cliPath, runCli, spawnCli, tempDir, type CliRun } from "./helpers/cli.js";
import { repoRoot } from "./helpers/fixtures.js";

const work = tempDir("ccr-verdicts-");
chmodSync(work, 0o755); // readable by the unprivileged user below
let counter = 0;
const fresh = (name: string) => {
  const dir = join(work, `${name}-${counter++}`);
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  return dir;
};

const ESC = "\u001b";
const DEPLOYMENT = (name: string, replicas = "1") => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      containers:
        - name: web
          image: nginx:1.27
`;
const TERRAFORM = `terraform {\n  required_version = ">= 1.5"\n}\n\nvariable "region" {\n  type    = string\n  default = "fr-par"\n}\n`;

/** As root, the CLI runs as `nobody`: a user that file permissions apply to (root reads everything). */
const runAs = process.getuid?.() === 0 ? ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] : [];
/** The CLI as a user that file permissions apply to. */
function runUnprivileged(args: string[]): Promise<CliRun> {
  return spawnCli(args, { runAs, env: { HOME: work } });
}

// `nobody` must be able to read the checkout itself: a clone into `mktemp -d` (mode 0700) is not.
const unprivilegedRuns = runAs.length === 0 || spawnSync(runAs[0]!, [...runAs.slice(1), process.execPath, cliPath, "--version"], { encoding: "utf8" }).status === 0;
if (!unprivilegedRuns) console.warn(`skipped "files that cannot be read are errors": user nobody cannot run ${cliPath} (a folder above it is not readable by others, e.g. made by mktemp -d); run the suite from a world-readable checkout to include it`);

describe.skipIf(!unprivilegedRuns)("files that cannot be read are errors", () => {
  test("an unreadable .tf and an unreadable manifest: exit 1 naming each; the readable files are still checked", async () => {
    const dir = fresh("unreadable");
    mkdirSync(join(dir, "terraform"), { mode: 0o755 });
    writeFileSync(join(dir, "terraform", "main.tf"), TERRAFORM, { mode: 0o000 });
    writeFileSync(join(dir, "terraform", "ok.tf"), 'output "ok" {\n  value = 1\n}\n', { mode: 0o644 });
    writeFileSync(join(dir, "app.yaml"), DEPLOYMENT("web"), { mode: 0o000 });
    writeFileSync(join(dir, "other.yaml"), DEPLOYMENT("other"), { mode: 0o644 });
    const run = await runUnprivileged(["validate", dir]);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/terraform\/main\.tf error cannot read terraform\/main\.tf: permission denied.*\[tf-read-error\]/);
    expect(run.stdout).toMatch(/app\.yaml error cannot read app\.yaml: permission denied.*\[k8s-read-error\]/);
    // the manifest is a resource, the Terraform file a check: each counted on its own line
    expect(run.stdout).toMatch(/Summary: \d+ resources found - Valid: [1-9]\d*, Invalid: 0, Errors: 1, Skipped: 0\nChecks: \d+ \(Terraform \d+\) - Valid: [1-9]\d*, Invalid: 0, Errors: 1, Skipped: 0\n/);
  });

  test("a folder that cannot be listed is reported; the rest of the repository is validated", async () => {
    const dir = fresh("unlistable");
    mkdirSync(join(dir, "secret"), { mode: 0o000 });
    writeFileSync(join(dir, "app.yaml"), DEPLOYMENT("web"), { mode: 0o644 });
    const run = await runUnprivileged(["validate", dir, "-o", "json"]);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(1);
    const report = JSON.parse(run.stdout);
    expect(report.problems).toContainEqual(expect.objectContaining({ file: expect.stringMatching(/secret\/$/), rule: "read-error", message: expect.stringContaining("cannot read folder secret/") }));
    expect(report.summary).toMatchObject({ resources: 1, valid: 1, errors: 0, checks: { total: 1, errors: 1 } });
  });

  test("invalid UTF-8 in a .tf file and in a manifest is an error naming the byte offset", async () => {
    const dir = fresh("latin1");
    writeFileSync(join(dir, "main.tf"), Buffer.concat([Buffer.from('variable "caf'), Buffer.from([0xe9]), Buffer.from('" {}\n')]));
    writeFileSync(join(dir, "app.yaml"), Buffer.concat([Buffer.from(DEPLOYMENT("web").replace("nginx:1.27", "nginx:1.27 # caf")), Buffer.from([0xe9, 0x0a])]));
    const run = await runCli(["validate", dir]);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain("main.tf is not valid UTF-8 (first bad byte at offset 13); save it as UTF-8 [tf-read-error]");
    expect(run.stdout).toMatch(/app\.yaml is not valid UTF-8 \(first bad byte at offset \d+\); save it as UTF-8 \[k8s-read-error\]/);
  });
});

describe("numbers Kubernetes does not accept", () => {
  test.each([".inf", "-.Inf", ".nan"])("replicas: %s is invalid, with and without --strict", async (value) => {
    const dir = fresh("inf");
    writeFileSync(join(dir, "app.yaml"), DEPLOYMENT("web", value));
    for (const strict of [["--strict"], []]) {
      const run = await runCli(["validate", dir, ...strict]);
      expect(run.status).toBe(1);
      expect(run.stdout).toMatch(/app\.yaml:6 error Deployment web: spec\.replicas: (-?Infinity|NaN) is not a number Kubernetes accepts \(JSON has no Infinity or NaN\)/);
    }
  });
});

describe("escape sequences are printed escaped", () => {
  const hostileName = `evil${ESC}]0;owned${"\u0007"}${ESC}[2J${ESC}[31m.yaml`;
  const forgedResource = "web\\nnot ok 99 - forged\\nok 100 - forged";

  test("file and resource names in the text report and in TAP", async () => {
    const dir = fresh("names");
    // An invalid manifest (unknown field) in a file whose name holds an OSC title, a clear-screen and a colour.
    writeFileSync(join(dir, hostileName), DEPLOYMENT("web").replace("replicas: 1", "replicas: 1\n  bogus: true"));
    // A resource name with newlines that would forge TAP test points.
    writeFileSync(join(dir, "forged.yaml"), DEPLOYMENT(`"${forgedResource}"`).replace("replicas: 1", 'replicas: "one"'));
    const text = await runCli(["validate", "--strict", dir]);
    expect(text.status).toBe(1);
    expect(text.stdout).not.toContain(ESC);
    expect(text.stdout).not.toContain("\u0007");
    expect(text.stdout).toContain("evil\\x1b]0;owned\\x07\\x1b[2J\\x1b[31m.yaml");
    expect(text.stdout).toContain("Deployment web\\nnot ok 99 - forged\\nok 100 - forged:");

    const tap = await runCli(["validate", "--strict", "-o", "tap", dir]);
    expect(tap.status).toBe(1);
    expect(tap.stdout).not.toContain(ESC);
    const plan = Number(/^1\.\.(\d+)$/m.exec(tap.stdout)![1]);
    const points = tap.stdout.split("\n").filter((line) => /^(not )?ok \d+/.test(line));
    expect(points).toHaveLength(plan);
    expect(points.map((line) => Number(/^(?:not )?ok (\d+)/.exec(line)![1]))).toEqual(Array.from({ length: plan }, (_, i) => i + 1));
  });

  test("a --set value and a tampered answers file in error messages on stderr", async () => {
    const setRun = await runCli(["-b", "kapsule-gpu", "-y", "--dry-run", "--set", `clusterName=${ESC}[31mred${ESC}]0;title\u0007`]);
    expect(setRun.status).toBe(2);
    expect(setRun.stderr).not.toContain(ESC);
    expect(setRun.stderr).toContain("\\x1b[31mred");

    const dir = join(fresh("tampered"), "repo");
    expect((await runCli(["-b", "kapsule-gpu", "-y", dir])).status).toBe(0);
    writeFileSync(join(dir, "cluster-repo.yaml"), `tool: create-cluster-repo\ntoolVersion: 0.1.0\nblueprint: "kapsule-gpu${ESC}[2J"\nblueprintVersion: 1.0.0\ngitops: flux\nparams: {}\n`);
    spawnSync("git", ["-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qam", "tampered"]);
    for (const command of ["plan", "check", "update"]) {
      const run = await runCli([command, dir]);
      expect(run.status, command).toBe(2);
      expect(run.stderr, command).not.toContain(ESC);
      // YAML allows no raw control character, even quoted: the file is refused as YAML, the character shown escaped.
      expect(run.stderr, command).toContain('cluster-repo.yaml:3: not valid YAML: a control character (\\x1b) that YAML does not allow');
    }
  });
});

describe("the answers file is read the same way by every command", () => {
  test.each([
    ["tool: something-else", /"tool" is "something-else", not create-cluster-repo/],
    ["toolVersion: \"0.1.0\\nforged\"", /"toolVersion" must be a version such as 1\.2\.3/],
  ])("a tampered %s: plan, check and update all refuse it (exit 2)", async (line, message) => {
    const dir = join(fresh("tool-field"), "repo");
    expect((await runCli(["-b", "kapsule-gpu", "-y", dir])).status).toBe(0);
    const key = line.split(":")[0]!;
    const answers = join(dir, "cluster-repo.yaml");
    writeFileSync(answers, readFileSync(answers, "utf8").replace(new RegExp(`^${key}: .*$`, "m"), line));
    spawnSync("git", ["-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qam", "tampered"]);
    for (const command of ["plan", "check", "update"]) {
      const run = await runCli([command, dir]);
      expect(run.stderr, command).toMatch(message);
      expect(run.status, command).toBe(2);
    }
  });
});

describe("parameters have limits", () => {
  test("a map parameter takes at most 100 entries (exit 2, naming it)", async () => {
    const dir = fresh("labels");
    const labels = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`label_${i}`, "x"]));
    writeFileSync(join(dir, "values.yaml"), JSON.stringify({ extraLabels: labels }));
    const run = await runCli(["-b", "magnum-openstack", "-y", "--dry-run", "-f", join(dir, "values.yaml")]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("extraLabels: must NOT have more than 100 properties");
  });

  test("a huge --values file or --set flag is refused before it is parsed (exit 2)", async () => {
    const dir = fresh("huge");
    const labels = Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`l${i}`, "x"]));
    writeFileSync(join(dir, "values.yaml"), JSON.stringify({ extraLabels: labels }));
    const file = await runCli(["-b", "magnum-openstack", "-y", "--dry-run", "-f", join(dir, "values.yaml")]);
    expect(file.status).toBe(2);
    expect(file.stderr).toMatch(/--values .*values\.yaml is \d+ KiB; a parameters file is at most 64 KiB/);
    const flag = await runCli(["-b", "magnum-openstack", "-y", "--dry-run", "--set", `extraLabels=${JSON.stringify(Object.fromEntries(Object.entries(labels).slice(0, 7_000)))}`]);
    expect(flag.status).toBe(2);
    expect(flag.stderr).toMatch(/a --set flag is at most 64 KiB/);
  });
});

