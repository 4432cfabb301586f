import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { parse as parseYaml } from "yaml";
import { blueprintIds, readManifest } from "../src/blueprints/registry.js";
import { spawnCli, tempDir } from "./helpers/cli.js";

const git = (dir: string, ...args: string[]) => execFileSync("git", ["-C", dir, ...args], { encoding: "utf8" }).trim();

describe("create-cluster-repo as a user types it (no TTY)", () => {
  const work = tempDir();

  test("--help lists every blueprint and the exit codes", async () => {
    const run = await spawnCli(["--help"]);
    expect(run.status).toBe(0);
    for (const id of blueprintIds()) expect(run.stdout).toContain(id);
    expect(run.stdout).toMatch(/Exit codes: 0 .* 1 .* 2 /);
  });

  test("blueprints lists one line each; show prints parameters; --json prints the schema", async () => {
    const list = await spawnCli(["blueprints"]);
    expect(list.status).toBe(0);
    expect(list.stdout.trim().split("\n").map((line) => line.split(" ")[0])).toEqual(blueprintIds());
    const show = await spawnCli(["blueprints", "show", "kapsule-gpu"]);
    expect(show.status).toBe(0);
    expect(show.stdout).toMatch(/^gpuPool\.nodeType\s+string\s+L4-1-24G\s+GPU Instance type/m);
    const schema = JSON.parse((await spawnCli(["blueprints", "show", "kapsule-gpu", "--json"])).stdout);
    expect(schema.properties.gpuPool.properties.zone.enum).toContain("fr-par-2");
    expect(JSON.parse((await spawnCli(["blueprints", "--json"])).stdout).map((b: { id: string }) => b.id)).toEqual(blueprintIds());
  });

  test("create --yes makes a Git repository on main with one commit, an answers file and a valid tree", async () => {
    const dir = join(work, "kapsule");
    const run = await spawnCli(["--blueprint", "kapsule-gpu", "--yes", "--set", "gpuPool.maxSize=3", "--set", "repoUrl=https://github.com/acme/kapsule.git", dir]);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^Created .*kapsule from blueprint kapsule-gpu: \d+ files/);
    expect(git(dir, "rev-parse", "--abbrev-ref", "HEAD")).toBe("main");
    expect(git(dir, "rev-list", "--count", "HEAD")).toBe("1");
    expect(git(dir, "status", "--porcelain")).toBe("");
    const answers = parseYaml(readFileSync(join(dir, "cluster-repo.yaml"), "utf8"));
    expect(answers).toMatchObject({ blueprint: "kapsule-gpu", blueprintVersion: readManifest("kapsule-gpu").version, gitops: "flux", params: { gpuPool: { maxSize: 3 } } });
    expect(readFileSync(join(dir, "terraform", "main.tf"), "utf8")).toContain("max_size               = 3");
    const validate = await spawnCli(["validate", "--strict", dir]);
    expect(validate.stdout).toMatch(/Invalid: 0, Errors: 0/);
    expect(validate.status).toBe(0);
  });

  test("--gitops argo renders the Argo CD wiring instead of Flux", async () => {
    const run = await spawnCli(["--blueprint", "kapsule-gpu", "--gitops", "argo", "--yes", "--dry-run"], { cwd: work });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("clusters/kapsule-gpu/argocd/root.yaml");
    expect(run.stdout).not.toContain("gotk-sync.yaml");
    expect(readdirSync(work)).not.toContain("kapsule-gpu");
  });

  test("--dry-run writes nothing and prints the tree; --diff prints contents", async () => {
    const dir = join(work, "dry");
    const run = await spawnCli(["-b", "kapsule-gpu", "-y", "--dry-run", dir]);
    expect(run.status).toBe(0);
    expect(run.stdout.split("\n")).toContain("terraform/main.tf");
    expect(existsSync(dir)).toBe(false);
    const diff = await spawnCli(["-b", "kapsule-gpu", "-y", "--dry-run", "--diff", dir]);
    expect(diff.stdout).toContain("+++ b/terraform/main.tf");
    expect(diff.stdout).toContain('+resource "scaleway_k8s_pool" "gpu" {');
  });

  test("bad input exits 2 with what, where and how to fix, and writes nothing", async () => {
    const dir = join(work, "bad");
    const cases: Array<[string[], RegExp]> = [
      [["--yes", dir], new RegExp(`--blueprint is required; one of: ${blueprintIds().join(", ")}`)],
      [["-b", "kapsul-gpu", "-y", dir], /unknown blueprint "kapsul-gpu" — did you mean "kapsule-gpu"\?/],
      [["-b", "kapsule-gpu", "-y", "--set", "gpuPool.size=many", dir], /gpuPool\.size: must be integer \(got "many"\) \(from --set gpuPool\.size=many\)/],
      [["-b", "kapsule-gpu", "-y", "--set", "gpuPool.size", dir], /malformed --set gpuPool\.size: expected key=value/],
      [["-b", "kapsule-gpu", "-y", "--set", "gpuPol.size=1", dir], /gpuPol: unknown parameter; did you mean "gpuPool"\?/],
      [["-b", "kapsule-gpu", "-y", "--set", "gpuPool.zone=fr-par-1", "--set", "gpuPool.nodeType=H100-1-80G", dir], /gpuPool\.zone: H100-1-80G is not offered in fr-par-1; use one of fr-par-2, pl-waw-2/],
      [["-b", "kapsule-gpu", "-y", "--gitops", "fluxcd", dir], /gitops: must be one of "flux", "argo"/],
      [["-b", "kapsule-gpu", "-y", "--bogus", dir], /Unknown option '--bogus'/],
      [["-b", "kapsule-gpu", "-y", "--values", join(work, "missing.yaml"), dir], /cannot read --values .*missing\.yaml: no such file/],
    ];
    for (const [args, message] of cases) {
      const run = await spawnCli(args);
      expect(run.stderr, args.join(" ")).toMatch(message);
      expect(run.status, args.join(" ")).toBe(2);
    }
    expect(existsSync(dir)).toBe(false);
  });

  test("a malformed values file is reported with its line", async () => {
    const values = join(work, "values.yaml");
    writeFileSync(values, "clusterName: ok\ngpuPool:\n  size: 1\n  size: 2\n");
    const run = await spawnCli(["-b", "kapsule-gpu", "-y", "--values", values, join(work, "v")]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/--values .*values\.yaml:4: not valid YAML: duplicate key "size"/);
  });

  test("a non-empty target is refused without --force and left untouched", async () => {
    const dir = join(work, "busy");
    mkdirSync(dir);
    writeFileSync(join(dir, "notes.txt"), "mine\n");
    const run = await spawnCli(["-b", "kapsule-gpu", "-y", dir]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/is not empty; choose an empty directory, or pass --force/);
    expect(readdirSync(dir)).toEqual(["notes.txt"]);
    const forced = await spawnCli(["-b", "kapsule-gpu", "-y", "--force", dir]);
    expect(forced.status).toBe(0);
    expect(readFileSync(join(dir, "notes.txt"), "utf8")).toBe("mine\n");
    expect(existsSync(join(dir, "terraform", "main.tf"))).toBe(true);
  });

  test("validate fails with file, line and rule on a broken repository", async () => {
    const dir = join(work, "broken");
    expect((await spawnCli(["-b", "kapsule-gpu", "-y", dir])).status).toBe(0);
    const job = join(dir, "apps", "gpu-smoke-test", "job.yaml");
    writeFileSync(job, readFileSync(job, "utf8").replace("nvidia.com/gpu: 1", "nvidia.com/gpu: 1\n            bogus: true"));
    const run = await spawnCli(["validate", "--strict", "--output", "json", dir]);
    expect(run.status).toBe(1);
    const report = JSON.parse(run.stdout);
    expect(report.valid).toBe(false);
    expect(report.problems).toContainEqual(expect.objectContaining({ file: expect.stringMatching(/apps\/gpu-smoke-test\/job\.yaml$/), line: expect.any(Number) }));
  });
});
