import { execFile } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { tempDir } from "./helpers/cli.js";
import { repoRoot } from "./helpers/fixtures.js";
import { startLockRegistry, type LockRegistry } from "./helpers/npm-registry.js";

const run = promisify(execFile);
const NPM_ENV = { ...process.env, npm_config_update_notifier: "false", npm_config_fund: "false", npm_config_audit: "false", NO_COLOR: "1", CI: "true" };

/** Runs a command, and returns its exit status and output instead of throwing on a non-zero exit. */
async function sh(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = NPM_ENV) {
  try {
    const { stdout, stderr } = await run(command, args, { cwd, env, maxBuffer: 64 * 1024 * 1024, timeout: 300_000 });
    return { status: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { status: typeof failed.code === "number" ? failed.code : 1, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
  }
}

/**
 * The package as npm would publish it: `npm pack` (of the dist/ that `npm test` just built) gives a tarball without
 * tests or fixtures, `npm install <tarball>` into an empty folder installs it with its pinned dependencies (from a
 * loopback registry over the npm cache: offline), and its bin runs create, validate, plan and check.
 */
describe("npm pack, then npm install of the tarball into an empty folder", () => {
  const work = tempDir("ccr-package-");
  let tarball: string;
  let files: string[];
  let registry: LockRegistry;
  const empty = join(work, "empty");

  beforeAll(async () => {
    // --ignore-scripts: no rebuild of dist/ under the feet of the suites running the CLI in parallel.
    const packed = await sh("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", work], repoRoot);
    expect(packed.status, packed.stderr).toBe(0);
    const [info] = JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    tarball = join(work, info!.filename);
    files = info!.files.map((file) => file.path);
    const cache = (await sh("npm", ["config", "get", "cache"], repoRoot)).stdout.trim();
    registry = await startLockRegistry({ lockfile: join(repoRoot, "package-lock.json"), cache: join(cache, "_cacache") });
  }, 300_000);
  afterAll(() => registry?.close());

  test("the tarball holds the CLI, blueprints, templates and schemas, and no tests, fixtures or sources", () => {
    expect(files).toEqual(expect.arrayContaining(["package.json", "README.md", "dist/cli/main.js", "dist/index.js", "blueprints/kapsule-gpu/blueprint.yaml", "templates/common/README.md.hbs", "schemas/kubernetes/index.json"]));
    // templates/ is what generated repositories hold: their own `.github/scripts/` belongs there.
    const unwanted = files.filter((path) => !path.startsWith("templates/") && /(^|\/)(test|tests|__tests__|fixtures|golden|golden-update|bench|scripts|src)(\/|$)|\.(test|spec)\.[cm]?[jt]s$|(^|\/)\.ci\//.test(path));
    expect(files).toContain("templates/common/_github/scripts/terraform-pr.cjs");
    expect(unwanted).toEqual([]);
  });

  test("installs into an empty folder offline, and its bin runs create, validate, plan and check", async () => {
    mkdirSync(empty, { recursive: true });
    const install = await sh("npm", ["install", "--registry", registry.url, "--cache", join(work, "npm-cache"), "--no-audit", "--no-fund", tarball], empty);
    expect({ status: install.status, stderr: install.stderr, missing: registry.missing }, install.stderr).toMatchObject({ status: 0, missing: [] });
    const bin = join(empty, "node_modules", ".bin", "create-cluster-repo");
    expect(existsSync(bin)).toBe(true);
    // Only the lockfile's production dependencies were asked for: nothing from outside, no dev dependency.
    expect(registry.log.filter((line) => !/ 200$/.test(line))).toEqual([]);

    const cli = (...args: string[]) => sh(bin, args, empty, { ...NPM_ENV, PATH: process.env.PATH });
    const create = await cli("--blueprint", "kapsule-gpu", "--yes", "--set", "repoUrl=https://github.com/acme/packed.git", "packed");
    expect({ status: create.status, stderr: create.stderr }).toEqual({ status: 0, stderr: "" });
    expect(create.stdout).toMatch(/^Created packed from blueprint kapsule-gpu: \d+ files, \d+ checks passed/);
    const validate = await cli("validate", "--strict", "packed");
    expect({ status: validate.status, stdout: validate.stdout.split("\n").slice(-2).join("\n") }).toMatchObject({ status: 0 });
    const plan = await cli("plan", "packed", "--set", "gpuPool.maxSize=3");
    expect({ status: plan.status, stderr: plan.stderr }).toMatchObject({ status: 0 });
    expect(plan.stdout).toContain("gpuPool.maxSize");
    const check = await cli("check", "packed");
    expect({ status: check.status, stdout: check.stdout }).toEqual({ status: 0, stdout: "All generated files match the answers file.\n" });
    writeFileSync(join(empty, "packed", "apps", "extra.yaml"), "not: [valid\n");
    expect((await cli("validate", "--strict", "packed")).status).toBe(1);
  }, 600_000);
});
