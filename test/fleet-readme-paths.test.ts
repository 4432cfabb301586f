import { describe, expect, test } from "vitest";
import { blueprintIds, listBlueprints } from "../src/blueprints/registry.js";
import { fleetCiOf } from "../src/generator/fleet-ci.js";
import { renderBlueprint } from "../src/render-blueprint.js";

/**
 * An added cluster's README (fleet/<name>/README.md) is followed from the repository's root: every path it names and
 * every folder its commands run in (`terraform -chdir=`, `cd`, `flux bootstrap --path=`, `bash <script>`) is a path
 * of the rendered repository, its own cluster's or a repository-wide one (never the first cluster's). Files the README has the
 * reader create (backend.hcl from its .example, the provider lock file, terraform.tfvars) count where their folder is.
 */
const engines = ["flux", "argo"] as const;
const forges = ["github", "gitlab"] as const;
const cases = blueprintIds().flatMap((bp) => engines.flatMap((engine) => forges.map((forge) => [bp, engine, forge] as const)));
/** Made by the reader, as the README says, or git-ignored outputs: their folder must exist. */
const MADE_BY_THE_READER = /(^|\/)(backend\.hcl|\.terraform\.lock\.hcl|terraform\.tfvars|kubeconfig|flux-system)\/?$/;

/** What the README points at: quoted paths, and the folders commands run in. */
export function pathsIn(readme: string): string[] {
  const found = new Set<string>();
  for (const m of readme.matchAll(/`([^`\s]+)`/g)) {
    const token = m[1]!.replace(/[),.:;]+$/, "");
    if (/^(\.\/)?(fleet|clusters|terraform|infrastructure|infrastructure-configs|apps|team|\.github|\.gitlab)\//.test(token) || /^(fleet|clusters)\/[^/]+$/.test(token)) found.add(token.replace(/^\.\//, ""));
  }
  for (const m of readme.matchAll(/(?:-chdir=|--path=|(?:^|\s|\()cd |bash )("?)([A-Za-z0-9_./-]+)\1/gm)) found.add(m[2]!.replace(/^\.\//, ""));
  return [...found].filter((path) => !path.startsWith("~") && !path.startsWith("/") && !path.includes("<") && path !== "-" && path !== "..");
}

describe.each(cases)("the README of an added %s cluster (%s, %s)", (blueprint, gitops, forge) => {
  test("names only paths of the repository, from its root", async () => {
    const first = await renderBlueprint(blueprint, { values: { clusterName: "prod", gitops, forge } }, { toolVersion: "1.4.2" });
    const added = await renderBlueprint(blueprint, { values: { clusterName: "stg", gitops, forge } }, { toolVersion: "1.4.2", root: "fleet/stg/" });
    // The added cluster's files and the repository-wide ones: a path of the first cluster's would be the wrong cluster's.
    const files = [...[...first.tree.keys()].filter((path) => path.startsWith(".")), ...added.tree.keys()];
    const exists = (path: string) => {
      const bare = path.replace(/\/$/, "");
      if (files.some((file) => file === bare || file.startsWith(`${bare}/`))) return true;
      const folder = bare.split("/").slice(0, -1).join("/");
      return MADE_BY_THE_READER.test(bare) && files.some((file) => file.startsWith(`${folder}/`));
    };
    const readme = added.tree.get("fleet/stg/README.md")!;
    const paths = pathsIn(readme);
    expect(paths.length).toBeGreaterThan(5);
    expect(paths.filter((path) => !exists(path))).toEqual([]);
    // Its own Terraform, not the first cluster's: every terraform command runs in fleet/stg/terraform.
    expect([...readme.matchAll(/-chdir=(\S+)/g)].map((m) => m[1]).filter((dir) => dir !== "fleet/stg/terraform")).toEqual([]);
    expect(readme).not.toMatch(/^\s*cd terraform\b/m);
    if (gitops === "flux") expect(readme).toContain("--path=clusters/stg");
    // Its credentials go where the fleet's CI reads them: its own environments, stg-plan and stg.
    if (added.context.forge.github) {
      expect(readme).toMatch(/bash \.github\/scripts\/publish-plan-state\.sh fleet\/stg\/terraform/);
      expect(readme).toContain("gh secret set NAME --env stg-plan");
    } else {
      expect(readme).toMatch(/sh \.gitlab\/scripts\/publish-plan-state\.sh fleet\/stg\/terraform/);
      for (const words of ["`terraform:plan:stg`", "--scope stg-plan", "--scope stg ", "--variables PLAN_CLUSTER:stg"]) expect(readme).toContain(words);
      expect(readme).not.toContain("does not plan or apply its Terraform yet");
    }
  });

  test("the first cluster's README says where its credentials go once the repository is a fleet, and not before", async () => {
    const providerOf = new Map(listBlueprints().map((bp) => [bp.id, bp.provider]));
    const first = await renderBlueprint(blueprint, { values: { clusterName: "prod", gitops, forge } }, { toolVersion: "1.4.2" });
    const fleet = fleetCiOf([
      { name: "prod", root: "", provider: providerOf.get(blueprint)!, params: first.params as unknown as Record<string, unknown> },
      { name: "stg", root: "fleet/stg/", provider: providerOf.get(blueprint)!, params: { ...(first.params as unknown as Record<string, unknown>), clusterName: "stg" } },
    ]);
    const inFleet = (await renderBlueprint(blueprint, { values: { clusterName: "prod", gitops, forge } }, { toolVersion: "1.4.2", fleet })).tree.get("README.md")!;
    const alone = first.tree.get("README.md")!;
    // In a fleet, a repository-level (unscoped) credential would reach every cluster's jobs: the README names the cluster's environments.
    const fleetWords = forge === "github" ? ["gh secret set NAME --env prod-plan", "Keep no cloud credential at the repository level"] : ["`terraform:plan:prod`", "--scope prod-plan", "--variables PLAN_CLUSTER:prod", "never none"];
    for (const words of fleetWords) {
      expect(inFleet).toContain(words);
      expect(alone).not.toContain(words);
    }
  });
});

test("pathsIn finds quoted paths and the folders commands run in", () => {
  expect(pathsIn("see `fleet/stg/terraform/`, run `terraform -chdir=fleet/stg/terraform init` and\ncd terraform\nflux bootstrap --path=clusters/stg `apps/x`.").sort()).toEqual(["apps/x", "clusters/stg", "fleet/stg/terraform", "fleet/stg/terraform/", "terraform"]);
});
