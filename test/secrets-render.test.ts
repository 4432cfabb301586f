/**
 * The `secrets` parameter in every blueprint's render: recorded in the answers file (which makes validate refuse
 * plaintext secrets there), and with `sops` every Flux Kustomization that applies the repository decrypts with the
 * age key of the Secret `secrets init` tells to create, team/secrets/ is applied without a listing, and the render
 * has no plaintext secret. Argo CD with sops is refused before anything renders.
 */
import { existsSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import { describe, expect, test } from "vitest";
import { blueprintIds } from "../src/blueprints/registry.js";
import { renderBlueprint } from "../src/render-blueprint.js";
import { SECRETS_DIR, SOPS_AGE_SECRET } from "../src/secrets/sops-config.js";
import { treeSource, validateSource } from "../src/validators/index.js";
import { runCli, tempDir } from "./helpers/cli.js";

type Json = Record<string, any>;

const objectsOf = (content: string): Json[] => parseAllDocuments(content).map((document) => document.toJS() as Json).filter(Boolean);

async function render(blueprint: string, values: Json) {
  const { tree, params } = await renderBlueprint(blueprint, { values: { repoUrl: "https://github.com/acme/c.git", ...values } }, { toolVersion: "0.0.0-test" });
  const kustomizations = [...tree].filter(([path]) => path.startsWith(`clusters/${params.clusterName}/`)).flatMap(([, content]) => objectsOf(content)).filter((object) => object.kind === "Kustomization" && object.apiVersion?.startsWith("kustomize.toolkit.fluxcd.io/"));
  return { tree, params, kustomizations };
}

describe.each(blueprintIds())("%s", (blueprint) => {
  test("secrets=sops with Flux: every Kustomization of the repository's content decrypts with sops-age; team/secrets/ is applied as it is; no plaintext secret", async () => {
    const { tree, params, kustomizations } = await render(blueprint, { secrets: "sops" });
    expect(tree.get("cluster-repo.yaml")).toMatch(/\n {2}secrets: sops\n/);
    // flux-system's own sync is bootstrap's; every other Kustomization applies the repository's files.
    const applying = kustomizations.filter((object) => object.metadata.name !== "flux-system");
    expect(applying.length).toBeGreaterThan(0);
    for (const object of applying) expect(object.spec.decryption, object.metadata.name).toEqual({ provider: "sops", secretRef: { name: SOPS_AGE_SECRET.name } });
    const secrets = applying.find((object) => object.spec.path === `./${SECRETS_DIR}`);
    expect(secrets?.spec.dependsOn).toEqual([{ name: "infrastructure" }]);
    // Every YAML file there is applied: no kustomization.yaml to list them in; the folder exists through its README.
    expect([...tree.keys()].filter((path) => path.startsWith(`${SECRETS_DIR}/`))).toEqual([`${SECRETS_DIR}/README.md`]);
    expect(tree.get(`${SECRETS_DIR}/README.md`)).toContain("sops -e -i team/secrets/<name>.yaml");
    const report = await validateSource(treeSource(tree), { strict: true, repoUrls: ["https://github.com/acme/c.git"], podSecurity: { level: "restricted" } });
    expect(report.results.filter((result) => result.validator === "secrets")).toEqual([expect.objectContaining({ status: "valid" })]);
    expect(report.valid).toBe(true);
    expect(params.secrets).toBe("sops");
  });

  test.each(["flux", "argo"])("default (external-secrets) with %s: recorded, nothing decrypts, no plaintext secret", async (gitops) => {
    const { tree, kustomizations } = await render(blueprint, { gitops });
    expect(tree.get("cluster-repo.yaml")).toMatch(/\n {2}secrets: external-secrets\n/);
    for (const object of kustomizations) expect(object.spec.decryption).toBeUndefined();
    expect([...tree.keys()].some((path) => path.startsWith(`${SECRETS_DIR}/`))).toBe(false);
    const report = await validateSource(treeSource(tree), { strict: true, repoUrls: ["https://github.com/acme/c.git"] });
    expect(report.results.filter((result) => result.validator === "secrets")).toEqual([expect.objectContaining({ status: "valid" })]);
  });

  test("secrets=sops with Argo CD is refused with exit 2 and the reason, nothing written", async () => {
    const dir = `${tempDir("ccr-sops-argo-")}/repo`;
    const run = await runCli(["--blueprint", blueprint, "--yes", "--gitops", "argo", "--set", "secrets=sops", dir]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("secrets: sops needs gitops=flux");
    expect(run.stderr).toContain("Argo CD caches the generated manifests");
    expect(run.stderr).toContain("[rule: sops-needs-flux]");
    expect(existsSync(dir)).toBe(false);
  });
});

/**
 * The Flux bootstrap credential, as the generated README gives it for each kind of repoUrl: the command keeps no
 * token with write access in the cluster where the host offers a read-only credential, and the README says what
 * stays there. (The Day 1 walks in day1-flux.test.ts bootstrap as the README's command says.)
 */
describe.each(blueprintIds())("%s: the README's flux bootstrap", (blueprint) => {
  const cases = [
    { repoUrl: "https://github.com/acme/c.git", command: "flux bootstrap github --read-write-key=false", stays: "holds the deploy key" },
    { repoUrl: "ssh://git@github.com/acme/c.git", command: "flux bootstrap github", stays: "holds the deploy key" },
    { repoUrl: "https://gitlab.com/acme/c.git", command: "flux bootstrap gitlab --deploy-token-auth", stays: "the project deploy token (`read_repository`" },
    { repoUrl: "https://git.example.org/acme/c.git", command: "flux bootstrap git --username=git", stays: "holds the deploy key" },
    { repoUrl: "ssh://git@git.example.org/acme/c.git", command: "flux bootstrap git", stays: "replace it with a read-only deploy key" },
  ];
  test.each(cases)("$repoUrl: $command", async ({ repoUrl, command, stays }) => {
    const { tree } = await renderBlueprint(blueprint, { values: { repoUrl } }, { toolVersion: "0.0.0-test" });
    const readme = tree.get("README.md")!;
    const commands = [...readme.matchAll(/^flux bootstrap .*$/gm)].map((match) => match[0]);
    expect(commands).toHaveLength(1);
    expect(commands[0]!.replace(/ \\$/, "")).toBe(command);
    expect(readme).not.toMatch(/^flux bootstrap .*--token-auth/m);
    const prose = readme.replace(/\n/g, " ");
    expect(prose).toContain("What stays in the cluster");
    expect(prose).toContain(stays);
  });
});
