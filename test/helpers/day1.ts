/**
 * Day 1 as a generated README tells it, on real parts: the built CLI, a real git server on loopback, and for Flux
 * what `flux bootstrap` 2.9 commits (see flux-bootstrap.ts), pushed to the remote as bootstrap pushes it.
 */
import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { expect } from "vitest";
import { runCliAsync, type CliRun } from "./cli.js";
import { fluxBootstrapFiles, FLUX_VERSION } from "./flux-bootstrap.js";
import type { GitHttpServer } from "./git-http-server.js";

export interface Day1Case {
  blueprint: string;
  engine: "flux" | "argo";
  /** A pool size change for `update`: a parameter every team changes on Day 2. */
  poolSize: string;
  /** Flux: bootstrap with --token-auth (the README's command) or with a deploy key (sync URL turned ssh://). */
  tokenAuth?: boolean;
}

const POOL_SIZES: Record<string, string> = {
  "kapsule-gpu": "gpuPool.maxSize=3",
  "kosmos-multicloud": "pools[0].maxSize=4",
  "magnum-openstack": "workers.nodeCount=3",
  "aks-gpu": "gpuPool.maxSize=3",
};

export function day1Cases(engine: "flux" | "argo"): Day1Case[] {
  return Object.entries(POOL_SIZES).map(([blueprint, poolSize]) => ({ blueprint, engine, poolSize }));
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

/** The README's steps, in its order; every step asserted. */
export async function walkDay1(day1: Day1Case, server: GitHttpServer, work: string): Promise<Day1Result> {
  const name = `${day1.blueprint}-${day1.engine}${day1.tokenAuth === false ? "-deploy-key" : ""}`;
  const url = await server.createBareRepo(`acme/${name}`);
  const dir = join(work, name);
  const runs: Record<string, CliRun> = {};

  // create, with the URL the cluster will pull from
  runs.create = expectOk(await runCliAsync(["--blueprint", day1.blueprint, "--gitops", day1.engine, "--yes", "--set", `repoUrl=${url}`, dir]), "create");
  expect(runs.create.stderr).not.toContain("repoUrl is not set");

  // 1. Publish the repository: git remote add origin <url>; git push -u origin main
  git(dir, "remote", "add", "origin", url);
  await gitRemote(dir, "push", "--quiet", "-u", "origin", "main");

  // 2. Create the cluster: the Terraform state's backend.hcl, copied from backend.hcl.example, committed and pushed
  // (the cloud resources themselves are Terraform's; `update` and `check` must leave this file of the user's alone)
  writeFileSync(join(dir, "terraform/backend.hcl"), readFileSync(join(dir, "terraform/backend.hcl.example"), "utf8"));
  git(dir, "add", "terraform/backend.hcl");
  git(dir, "commit", "--quiet", "-m", "Keep the Terraform state remotely");
  await gitRemote(dir, "push", "--quiet");

  // 3. Bootstrap: Flux commits into the repository, then `git pull`
  if (day1.engine === "flux") {
    const clusterName = /clusterName: (\S+)/.exec(git(dir, "show", "HEAD:cluster-repo.yaml"))![1]!;
    await fluxBootstrap(url, { branch: "main", path: `clusters/${clusterName}`, work, tokenAuth: day1.tokenAuth });
    await gitRemote(dir, "pull", "--quiet", "--ff-only");
  }

  // CI on main after bootstrap: both steps of the generated validate workflow
  runs.check = expectOk(await runCliAsync(["check", "."], { cwd: dir }), "check after bootstrap");
  runs.validate = expectOk(await runCliAsync(["validate", "--strict", "."], { cwd: dir }), "validate --strict after bootstrap");

  // 4. Every further change by pull request: update commits on a branch, CI checks that branch
  runs.update = expectOk(await runCliAsync(["update", "--set", day1.poolSize], { cwd: dir }), "update");
  expect(runs.update.stdout + runs.update.stderr).not.toMatch(/conflict/i);
  const branch = git(dir, "rev-parse", "--abbrev-ref", "HEAD");
  expect(branch).toMatch(/^create-cluster-repo\//);
  expect(git(dir, "show", "HEAD:terraform/backend.hcl")).toBe(readFileSync(join(dir, "terraform/backend.hcl.example"), "utf8").trim());
  runs.checkBranch = expectOk(await runCliAsync(["check", "."], { cwd: dir }), "check on the update branch");
  runs.validateBranch = expectOk(await runCliAsync(["validate", "--strict", "."], { cwd: dir }), "validate --strict on the update branch");
  return { dir, branch, runs };
}
