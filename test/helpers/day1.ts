/**
 * Day 1 as a generated README tells it, on real parts: the built CLI, a real git server on loopback, and for Flux
 * what `flux bootstrap` 2.9 commits (see flux-bootstrap.ts), pushed to the remote as bootstrap pushes it.
 */
import { execFile, execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { Octokit } from "@octokit/rest";
import { promisify } from "node:util";
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { expect } from "vitest";
import { loadBlueprint } from "../../src/blueprints/load.js";
import { blueprintIds } from "../../src/blueprints/registry.js";
import { defaultParams } from "../../src/params/parse.js";
import { runCli, type CliRun } from "./cli.js";
import { fluxBootstrapFiles, FLUX_VERSION } from "./flux-bootstrap.js";
import type { GitHttpServer } from "./git-http-server.js";
import { ciScriptsDir } from "./ci-scripts.js";
import { repoRoot } from "./fixtures.js";
import { startGitHubApiServer } from "./github-api-server.js";

/** The generated workflow's GitHub steps, as actions/github-script runs them. */
const workflowScript = createRequire(import.meta.url)(join(ciScriptsDir("github"), "terraform-pr.cjs"));

export interface Day1Case {
  blueprint: string;
  engine: "flux" | "argo";
  /** A pool size change for `update`: a parameter every team changes on Day 2. */
  poolSize: string;
  /**
   * Flux: bootstrap with --token-auth (the token stays in the cluster, sync over HTTP(S)) or with a deploy key (sync
   * URL turned ssh://). @default what the README's `flux bootstrap` command says
   */
  tokenAuth?: boolean;
}

/**
 * The Day-2 change of a blueprint: its first pool's maximum size, one more than the default (found in its schema, so
 * that every discovered blueprint gets one and none is listed here).
 */
export function poolSizeChange(blueprintId: string): string {
  const blueprint = loadBlueprint(blueprintId);
  const found = maxSizeParam(blueprint.paramsSchema, defaultParams(blueprint), "");
  if (!found) throw new Error(`blueprints/${blueprintId}/params.schema.json: no integer pool size (maxSize, maxNodeCount, maxCount) below its maximum for the Day-2 update`);
  return found;
}

function maxSizeParam(schema: any, value: unknown, prefix: string): string | undefined {
  for (const [key, sub] of Object.entries<any>(schema?.properties ?? {})) {
    const path = prefix ? `${prefix}.${key}` : key;
    const current = (value as Record<string, unknown> | undefined)?.[key];
    if (sub.type === "integer" && /^max(Size|NodeCount|Count)$/.test(key) && typeof current === "number" && current + 1 <= (sub.maximum ?? Infinity)) return `${path}=${current + 1}`;
    if (sub.type === "object") {
      const found = maxSizeParam(sub, current, path);
      if (found) return found;
    }
    if (sub.type === "array" && Array.isArray(current) && current.length > 0) {
      const found = maxSizeParam(sub.items, current[0], `${path}[0]`);
      if (found) return found;
    }
  }
  return undefined;
}

export function day1Cases(engine: "flux" | "argo"): Day1Case[] {
  return blueprintIds().map((blueprint) => ({ blueprint, engine, poolSize: poolSizeChange(blueprint) }));
}

/** Credentials of the test git server (its default ones), passed per command as a credential helper would. */
const AUTH = ["-c", `http.extraHeader=Authorization: Basic ${Buffer.from("x-access-token:test-token").toString("base64")}`];
const GIT_ENV = { ...process.env, GIT_CONFIG_NOSYSTEM: "1", GIT_TERMINAL_PROMPT: "0", GIT_AUTHOR_NAME: "Ada", GIT_AUTHOR_EMAIL: "ada@example.com", GIT_COMMITTER_NAME: "Ada", GIT_COMMITTER_EMAIL: "ada@example.com" };

/** Local git commands. */
export function git(dir: string, ...args: string[]): string {
  return execFileSync("git", ["-C", dir, ...args], { encoding: "utf8", env: GIT_ENV }).trim();
}

/** Git commands that talk to the test server: asynchronous, as the server answers from this same process. */
export async function gitRemote(dir: string, ...args: string[]): Promise<void> {
  await promisify(execFile)("git", [...AUTH, "-C", dir, ...args], { env: GIT_ENV });
}

/** Every CLI step must succeed; a failure shows what the tool said. */
function expectOk(run: CliRun, step: string): CliRun {
  // The message carries what the tool said: a diff of objects would omit stderr, the one thing a failure needs.
  expect(run.status, `${step} exited ${run.status}\n--- stderr\n${run.stderr}\n--- stdout (end)\n${run.stdout.slice(-3000)}`).toBe(0);
  return run;
}

/**
 * What `flux bootstrap git --token-auth` does to the repository: clone `branch`, commit gotk-components.yaml
 * ("Add Flux v2.9.4 component manifests"), then gotk-sync.yaml and kustomization.yaml ("Add Flux sync manifests"),
 * and push.
 */
export async function fluxBootstrap(url: string, options: { branch: string; path: string; work: string; tokenAuth?: boolean }): Promise<void> {
  const clone = mkdtempSync(join(options.work, "flux-bootstrap-"));
  await gitRemote(options.work, "clone", "--quiet", "--branch", options.branch, url, clone);
  const files = fluxBootstrapFiles({ url, branch: options.branch, path: options.path, tokenAuth: options.tokenAuth ?? true, allowInsecureHttp: true });
  const write = (path: string) => {
    mkdirSync(dirname(join(clone, path)), { recursive: true });
    writeFileSync(join(clone, path), files.get(path)!);
  };
  const flux = ["-c", "user.name=Flux", "-c", "user.email=flux@example.com"];
  const components = [...files.keys()].find((path) => path.endsWith("/gotk-components.yaml"))!;
  write(components);
  git(clone, "add", "-A");
  git(clone, ...flux, "commit", "--quiet", "-m", `Add Flux ${FLUX_VERSION} component manifests`);
  for (const path of files.keys()) if (path !== components) write(path);
  git(clone, "add", "-A");
  git(clone, ...flux, "commit", "--quiet", "-m", "Add Flux sync manifests");
  await gitRemote(clone, "push", "--quiet", "origin", options.branch);
}

export interface Day1Result {
  dir: string;
  /** The update branch, checked out at the end. */
  branch: string;
  runs: Record<string, CliRun>;
}

/**
 * Words of a shell command line as the README writes them: spaces separate, single quotes keep, double quotes keep
 * and expand `$name` from `variables`.
 */
export function shellWords(line: string, variables: Record<string, string> = {}): string[] {
  const expand = (text: string) => text.replace(/\$(\w+)/g, (_, name: string) => {
    if (!(name in variables)) throw new Error(`the README's command uses $${name}, which no earlier line of its block sets`);
    return variables[name]!;
  });
  return [...line.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? (m[2] !== undefined ? expand(m[2]) : expand(m[3]!)));
}

/**
 * What the cloud's CLI prints for `name=$(<cloud cli> ...)` lines of a first step (no cloud here): an object ID as
 * Microsoft Entra ID writes them. Lines that only act on the cloud (`az ad group member add`) are not run.
 */
const CLOUD_CLI_OUTPUT = "0b4c1d5e-7f38-4a2b-9c61-3e8f2a7d9b10";
const CLOUD_CLIS = /^(az|scw|openstack)\s/;

/**
 * The commands a README gives before its Day 1 section (a blueprint's "API access, first step"): `npx <tool>@<v>
 * update --set ...` lines and the `git ...` lines of the same blocks, in order, comments stripped.
 */
export function firstStepCommands(readme: string): string[] {
  const before = readme.slice(0, readme.indexOf("## Day 1"));
  const blocks = [...before.matchAll(/```sh\n([^]*?)```/g)].map((m) => m[1]!);
  return blocks
    .filter((block) => / update --set /.test(block))
    .flatMap((block) => block.split("\n"))
    .map((line) => line.replace(/\s+#.*$/, "").trim())
    .filter((line) => /^npx \S+ update --set /.test(line) || line.startsWith("git ") || /^\w+=\$\((az|scw|openstack) /.test(line) || CLOUD_CLIS.test(line));
}

/** A lock file as `terraform providers lock` writes it, for the providers versions.tf requires (no download here). */
export function providerLockFile(versionsTf: string): string {
  const providers = [...versionsTf.matchAll(/source\s*=\s*"([^"]+)"\s*\n\s*version\s*=\s*"([^"]+)"/g)];
  const blocks = providers.map(([, source, constraint]) => {
    const version = constraint!.replace(/^[~>=< ]+/, "").split(".").concat(["0", "0"]).slice(0, 3).join(".");
    return `provider "registry.terraform.io/${source}" {\n  version     = "${version}"\n  constraints = "${constraint}"\n  hashes = [\n    "h1:${Buffer.from(source!).toString("base64").padEnd(43, "A").slice(0, 43)}=",\n  ]\n}\n`;
  });
  return `# This file is maintained automatically by "terraform init".\n# Manual edits may be lost in future updates.\n\n${blocks.join("\n")}`;
}

/** The README's steps, in its order; every step asserted. */
export async function walkDay1(day1: Day1Case, server: GitHttpServer, work: string): Promise<Day1Result> {
  const name = `${day1.blueprint}-${day1.engine}${day1.tokenAuth === true ? "-token-auth" : ""}`;
  const url = await server.createBareRepo(`acme/${name}`);
  const dir = join(work, name);
  const runs: Record<string, CliRun> = {};

  // create, with the URL the cluster will pull from
  runs.create = expectOk(await runCli(["--blueprint", day1.blueprint, "--gitops", day1.engine, "--yes", "--set", `repoUrl=${url}`, dir]), "create");
  expect(runs.create.stderr).not.toContain("repoUrl is not set");
  const readme = readFileSync(join(dir, "README.md"), "utf8");
  const toolVersion = /toolVersion: (\S+)/.exec(readFileSync(join(dir, "cluster-repo.yaml"), "utf8"))![1]!;
  // Every command of the README that runs the tool runs the version that wrote the repository, from the registry.
  for (const [command] of readme.matchAll(/npx [^\s`]+/g)) expect(command).toBe(`npx create-cluster-repo@${toolVersion}`);

  // Before the first push (Day 1, step 1): the README's first-step commands, as written (a local update, merged by
  // fast-forward: no token, no pull request, no workflow yet).
  const firstSteps = firstStepCommands(readme);
  if (readme.includes("**First step")) expect(firstSteps.filter((line) => line.startsWith("npx ")).length).toBeGreaterThan(0);
  expect(firstSteps.filter((line) => line.includes("--pr"))).toEqual([]);
  const variables: Record<string, string> = {};
  for (const line of firstSteps) {
    const assignment = /^(\w+)=\$\((az|scw|openstack) /.exec(line);
    if (assignment) {
      variables[assignment[1]!] = CLOUD_CLI_OUTPUT;
    } else if (CLOUD_CLIS.test(line)) {
      continue; // acts on the cloud only
    } else if (line.startsWith("npx ")) {
      runs.firstStep = expectOk(await runCli(shellWords(line, variables).slice(2), { cwd: dir }), line);
    } else {
      // awaited, not waited on synchronously: see spawnCli in ./cli.ts
      await new Promise<void>((resolve, reject) => execFile("bash", ["-ec", line], { cwd: dir, env: GIT_ENV }, (error) => (error ? reject(error) : resolve())));
    }
  }
  expect(git(dir, "rev-parse", "--abbrev-ref", "HEAD")).toBe("main");

  // The terraform workflow on each Day 1 push: it applies nothing, and no push before a pull request is a failure.
  const github = await startGitHubApiServer({ login: "github-actions[bot]", token: "ghs_day1", users: ["acme"] });
  await github.seedRepository("acme", name);
  const terraformRunOnPush = async (before: string) => {
    const sha = git(dir, "rev-parse", "HEAD");
    const runId = github.seedWorkflowRun("acme", name, { workflowPath: ".github/workflows/terraform.yml", event: "push", headSha: sha, headBranch: "main", status: "in_progress", conclusion: null });
    const outputs: Record<string, string> = {};
    const failures: string[] = [];
    const core = { setOutput: (k: string, v: string) => (outputs[k] = v), setFailed: (m: string) => failures.push(m), notice: () => {}, info: () => {} };
    const context = { repo: { owner: "acme", repo: name }, eventName: "push", sha, ref: "refs/heads/main", runId, serverUrl: "https://github.example", payload: { before, repository: { default_branch: "main" } } };
    await workflowScript.findReviewedPlan({ github: new Octokit({ auth: "ghs_day1", baseUrl: github.url }), context, core });
    expect({ sha, run: outputs.run, failures }).toEqual({ sha, run: "false", failures: [] });
    expect(github.takeViolations()).toEqual([]);
  };

  try {
    // 1. Publish the repository: git remote add origin <url>; git push -u origin main
    git(dir, "remote", "add", "origin", url);
    await gitRemote(dir, "push", "--quiet", "-u", "origin", "main");
    await terraformRunOnPush("0".repeat(40));

    // 2. Create the cluster: the Terraform state's backend.hcl, copied from backend.hcl.example, and the provider lock
    // file, committed and pushed (the cloud resources themselves are Terraform's; `update` and `check` must leave
    // these files of the user's alone). `git add` without -f: .gitignore must not ignore the lock file.
    const before = git(dir, "rev-parse", "HEAD");
    writeFileSync(join(dir, "terraform/backend.hcl"), readFileSync(join(dir, "terraform/backend.hcl.example"), "utf8"));
    expect(readme).toContain("git add terraform/.terraform.lock.hcl");
    writeFileSync(join(dir, "terraform/.terraform.lock.hcl"), providerLockFile(readFileSync(join(dir, "terraform/versions.tf"), "utf8")));
    git(dir, "add", "terraform/backend.hcl", "terraform/.terraform.lock.hcl");
    git(dir, "commit", "--quiet", "-m", "Keep the Terraform state remotely; lock the providers");
    await gitRemote(dir, "push", "--quiet");
    await terraformRunOnPush(before);
  } finally {
    await github.close();
  }

  // 3. Bootstrap: Flux commits into the repository, then `git pull`
  if (day1.engine === "flux") {
    const clusterName = /clusterName: (\S+)/.exec(git(dir, "show", "HEAD:cluster-repo.yaml"))![1]!;
    const command = /^flux bootstrap .*$/m.exec(readme)?.[0];
    expect(command, "the README's flux bootstrap command").toBeDefined();
    await fluxBootstrap(url, { branch: "main", path: `clusters/${clusterName}`, work, tokenAuth: day1.tokenAuth ?? command!.includes("--token-auth") });
    await gitRemote(dir, "pull", "--quiet", "--ff-only");
  }

  // CI on main after bootstrap: both steps of the generated validate workflow
  runs.check = expectOk(await runCli(["check", "."], { cwd: dir }), "check after bootstrap");
  runs.validate = expectOk(await runCli(["validate", "--strict", "."], { cwd: dir }), "validate --strict after bootstrap");

  // 4. Every further change by pull request: update commits on a branch, CI checks that branch
  runs.update = expectOk(await runCli(["update", "--set", day1.poolSize], { cwd: dir }), "update");
  expect(runs.update.stdout + runs.update.stderr).not.toMatch(/conflict/i);
  const branch = git(dir, "rev-parse", "--abbrev-ref", "HEAD");
  expect(branch).toMatch(/^create-cluster-repo\//);
  expect(git(dir, "show", "HEAD:terraform/backend.hcl")).toBe(readFileSync(join(dir, "terraform/backend.hcl.example"), "utf8").trim());
  expect(git(dir, "diff", "--name-only", "main", "HEAD")).not.toContain(".terraform.lock.hcl");
  runs.checkBranch = expectOk(await runCli(["check", "."], { cwd: dir }), "check on the update branch");
  runs.validateBranch = expectOk(await runCli(["validate", "--strict", "."], { cwd: dir }), "validate --strict on the update branch");
  return { dir, branch, runs };
}
