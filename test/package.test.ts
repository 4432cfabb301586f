import { execFile } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { tempDir } from "./helpers/cli.js";
import { repoRoot } from "./helpers/fixtures.js";
import { startLockRegistry, type LockRegistry } from "./helpers/npm-registry.js";
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { renderBlueprint } from "../src/render-blueprint.js";

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
    expect(files).toEqual(expect.arrayContaining(["package.json", "README.md", "dist/cli/main.js", "dist/index.js", "blueprints/kapsule-gpu/blueprint.yaml", "templates/common/README.md.hbs", "schemas/kubernetes/index.json", "schemas/flux/served.json"]));
    // templates/ is what generated repositories hold: their own `.github/scripts/` belongs there.
    const unwanted = files.filter((path) => !path.startsWith("templates/") && /(^|\/)(test|tests|__tests__|fixtures|golden|golden-update|bench|scripts|src)(\/|$)|\.(test|spec)\.[cm]?[jt]s$|(^|\/)\.ci\//.test(path));
    expect(files).toEqual(expect.arrayContaining(["templates/forge/github/_github/scripts/terraform-pr.cjs", "templates/forge/gitlab/_gitlab/scripts/terraform-mr.cjs", "templates/common/{{forge.scriptsDir}}/terraform-plan.cjs"]));
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

  /**
   * The generated validate workflow's install step, run as GitHub runs it (bash -e), against registries that have
   * the package, lack the version, lack the package, or want a token; then the README's `npx <tool>@<version>` form.
   */
  describe("the generated validate workflow installs the answers file's version from the repository's registry", () => {
    const manifest = () => JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { name: string; version: string };
    const cache = async () => join((await sh("npm", ["config", "get", "cache"], repoRoot)).stdout.trim(), "_cacache");
    const installStep = async (toolVersion: string) => {
      const { tree } = await renderBlueprint("kapsule-gpu", { values: {} }, { toolVersion });
      const steps = (parseYaml(tree.get(".github/workflows/validate.yml")!) as { jobs: { manifests: { steps: Array<{ name?: string; run?: string; env?: Record<string, string> }> } } }).jobs.manifests.steps;
      return { install: steps.find((step) => step.name?.startsWith("Install "))!, steps };
    };
    /** Runs the step in `cwd` with a global prefix and an npm cache of its own, and the registry of the repository variable. */
    const runStep = async (step: { run?: string; env?: Record<string, string> }, cwd: string, env: Record<string, string>) => {
      const prefix = join(cwd, "..", "global");
      // A runner has no npm_config_* of its own; the ones npx gave this test process (prefix, cache...) would win.
      const runner = Object.fromEntries(Object.entries(NPM_ENV).filter(([key]) => !/^npm_config_/i.test(key)));
      // GitHub gives an unset variable or secret as an empty string; the test's `env` plays the ones that are set.
      const evaluated = Object.fromEntries(Object.entries(step.env ?? {}).map(([key, value]) => [key, value.includes("${{") ? "" : value]));
      const stepEnv = { ...runner, ...evaluated, NPM_CONFIG_PREFIX: prefix, NPM_CONFIG_CACHE: join(cwd, "..", "npm-cache"), NPM_CONFIG_UPDATE_NOTIFIER: "false", PATH: `${join(prefix, "bin")}:${process.env.PATH}`, ...env };
      return { ...(await sh("bash", ["-eo", "pipefail", "-c", step.run!], cwd, stepEnv)), prefix, env: stepEnv };
    };
    const fresh = (name: string) => {
      const dir = join(work, name, "repo");
      mkdirSync(dir, { recursive: true });
      return dir;
    };

    test("published there: installs exactly that version, whose validate and check pass on a repository it created; npx <tool>@<version> runs it too", async () => {
      const published = await startLockRegistry({ lockfile: join(repoRoot, "package-lock.json"), cache: await cache(), publish: [{ tarball, manifest: manifest() }] });
      try {
        const { install, steps } = await installStep(manifest().version);
        const cwd = fresh("published");
        const ran = await runStep(install, cwd, { REGISTRY: published.url });
        expect({ status: ran.status, out: ran.stdout + ran.stderr }).toMatchObject({ status: 0 });
        const bin = join(ran.prefix, "bin", "create-cluster-repo");
        const version = await sh(bin, ["--version"], cwd, ran.env);
        expect({ out: version.stdout.trim(), err: version.stderr }).toMatchObject({ out: expect.stringContaining(manifest().version) });
        // The workflow's next two steps, on a repository the installed version renders.
        const create = await sh(bin, ["--blueprint", "kapsule-gpu", "--yes", "--set", "repoUrl=https://github.com/acme/published.git", "published"], join(cwd, ".."), ran.env);
        expect({ status: create.status, stderr: create.stderr }).toEqual({ status: 0, stderr: "" });
        for (const step of steps.filter((s) => s.run?.startsWith("create-cluster-repo "))) {
          const result = await sh("bash", ["-eo", "pipefail", "-c", step.run!], join(cwd, "..", "published"), ran.env);
          expect({ step: step.run, status: result.status, out: result.stdout.slice(-500) }).toMatchObject({ status: 0 });
        }
        // The README's commands: npx with the exact version, from the registry.
        const npx = await sh("npx", ["--yes", `create-cluster-repo@${manifest().version}`, "--version"], cwd, { ...ran.env, NPM_CONFIG_REGISTRY: published.url });
        expect({ status: npx.status, out: npx.stdout.trim() }).toMatchObject({ status: 0, out: expect.stringContaining(manifest().version) });
      } finally {
        await published.close();
      }
    }, 600_000);

    test("a version that registry does not have, a registry without the package, and a registry that wants a token: each says so, and what to do", async () => {
      const withPackage = await startLockRegistry({ lockfile: join(repoRoot, "package-lock.json"), cache: await cache(), publish: [{ tarball, manifest: manifest() }] });
      const without = await startLockRegistry({ lockfile: join(repoRoot, "package-lock.json"), cache: await cache() });
      const TOKEN = "npm_PrivateRegistryToken0123456789";
      const privateRegistry = await startLockRegistry({ lockfile: join(repoRoot, "package-lock.json"), cache: await cache(), publish: [{ tarball, manifest: manifest() }], requireToken: TOKEN });
      try {
        const unpublished = await runStep((await installStep("99.0.0")).install, fresh("unpublished"), { REGISTRY: withPackage.url });
        expect(unpublished.status).toBe(1);
        expect(unpublished.stdout).toContain(`::error title=create-cluster-repo@99.0.0 is not published on ${withPackage.url}::`);
        const { install } = await installStep(manifest().version);
        const absent = await runStep(install, fresh("absent"), { REGISTRY: without.url });
        expect(absent.status).toBe(1);
        expect(absent.stdout).toContain(`is not on ${without.url}::${without.url} has no package`);
        // The registry named by the repository's .npmrc, no token yet: refused, and the way to give one.
        const cwd = fresh("private");
        const host = new URL(privateRegistry.url).host;
        writeFileSync(join(cwd, ".npmrc"), `registry=${privateRegistry.url}\n//${host}/:_authToken=\${NPM_TOKEN}\n`);
        const refused = await runStep(install, cwd, {});
        expect(refused.status).toBe(1);
        expect(refused.stdout).toContain("needs credentials::");
        expect(refused.stdout).toContain("NPM_TOKEN");
        // With the secret: installed, and the token printed nowhere.
        const granted = await runStep(install, cwd, { NPM_TOKEN: TOKEN });
        expect({ status: granted.status, out: granted.stdout + granted.stderr }).toMatchObject({ status: 0 });
        expect(granted.stdout + granted.stderr + refused.stdout + refused.stderr).not.toContain(TOKEN);
      } finally {
        await Promise.all([withPackage.close(), without.close(), privateRegistry.close()]);
      }
    }, 600_000);
  });
});
