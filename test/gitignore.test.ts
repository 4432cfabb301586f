import { execFileSync, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
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

describe(".gitignore of a generated repository", () => {
  test.each(["kapsule-gpu", "kosmos-multicloud", "magnum-openstack", "aks-gpu"])("%s ignores credentials and state, keeps the repository", async (blueprint) => {
    const { tree } = await renderBlueprint(blueprint, { values: {} }, { toolVersion: "0.0.0-test" });
    const dir = tempDir("ccr-gitignore-");
    execFileSync("git", ["init", "--quiet", dir]);
    writeFileSync(join(dir, ".gitignore"), tree.get(".gitignore")!);
    const ignored = (path: string) => spawnSync("git", ["-C", dir, "check-ignore", "--no-index", "--quiet", path]).status === 0;
    expect(SECRETS.filter((path) => !ignored(path))).toEqual([]);
    expect(KEPT.filter(ignored)).toEqual([]);
  });
});
