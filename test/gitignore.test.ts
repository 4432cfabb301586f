import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, test } from "vitest";
import { blueprintIds } from "../src/blueprints/registry.js";
import { renderBlueprint } from "../src/render-blueprint.js";
import { tempDir } from "./helpers/cli.js";

/** Paths git must never pick up in a generated repository: state, plans, credentials of every provider, keys. */
const SECRETS = [
  "terraform/terraform.tfstate", "terraform/terraform.tfstate.backup", "terraform/.terraform/providers/x", "terraform/terraform.tfvars",
  "terraform/prod.tfplan", "terraform/tfplan", "terraform/plan.tfplan.json", "kubeconfig", "kubeconfig-admin", "admin.kubeconfig",
  "clouds.yaml", "terraform/clouds.yaml", "secure.yaml", "myproject-openrc.sh", "app-cred-openrc.sh", "demo-openrc",
  "ca.pem", "client.key", "server.crt", "id_ed25519", "id_rsa.pub", "keys/id_ecdsa", ".envrc", ".env", ".env.local",
];
/** ...and files it must keep: the repository itself. */
const KEPT = [
  "terraform/main.tf", "terraform/terraform.tfvars.example", "terraform/.terraform.lock.hcl", "README.md", "cluster-repo.yaml",
  "clusters/prod/flux-system/gotk-sync.yaml", "clusters/prod/flux-system/kustomization.yaml", "apps/kustomization.yaml", ".github/workflows/validate.yml",
];

const run = promisify(execFile);

/** The paths git ignores in `repo`, asked in one `git check-ignore` (exit 1 when none is ignored). */
async function ignoredPaths(repo: string, paths: string[]): Promise<Set<string>> {
  const child = run("git", ["-C", repo, "check-ignore", "--no-index", ...paths]);
  const stdout = await child.then((result) => result.stdout).catch((error: { code?: number; stdout?: string }) => {
    if (error.code === 1) return "";
    throw error;
  });
  return new Set(stdout.split("\n").filter(Boolean));
}

describe(".gitignore of a generated repository", () => {
  const dir = tempDir("ccr-gitignore-");

  test.each(blueprintIds())("%s ignores credentials and state, keeps the repository", async (blueprint) => {
    const { tree } = await renderBlueprint(blueprint, { values: {} }, { toolVersion: "0.0.0-test" });
    const repo = join(dir, blueprint);
    await run("git", ["init", "--quiet", repo]);
    writeFileSync(join(repo, ".gitignore"), tree.get(".gitignore")!);
    const ignored = await ignoredPaths(repo, [...SECRETS, ...KEPT]);
    expect(SECRETS.filter((path) => !ignored.has(path))).toEqual([]);
    expect(KEPT.filter((path) => ignored.has(path))).toEqual([]);
  });
});

describe("the provider lock file", () => {
  test.each(blueprintIds())("%s: committed even where a global ignore file lists it (the workflows refuse to plan without it)", async (blueprint) => {
    const { tree } = await renderBlueprint(blueprint, { values: {} }, { toolVersion: "0.0.0-test" });
    const repo = join(tempDir("ccr-gitignore-lock-"), blueprint);
    await run("git", ["init", "--quiet", repo]);
    writeFileSync(join(repo, ".gitignore"), tree.get(".gitignore")!);
    writeFileSync(join(repo, "global-ignore"), ".terraform.lock.hcl\n*.hcl\n");
    await run("git", ["-C", repo, "config", "core.excludesFile", join(repo, "global-ignore")]);
    const ignored = await ignoredPaths(repo, ["terraform/.terraform.lock.hcl", "terraform/backend.hcl"]);
    expect(ignored.has("terraform/.terraform.lock.hcl")).toBe(false);
  });
});
