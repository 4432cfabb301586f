import { createRequire } from "node:module";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { parse as parseYaml } from "yaml";
import { blueprintIds, listBlueprints } from "../src/blueprints/registry.js";
import { fleetCiOf, type FleetMemberInput } from "../src/generator/fleet-ci.js";
import { renderBlueprint } from "../src/render-blueprint.js";
import { actionlint } from "./helpers/actionlint.js";
import { ciScriptsDir } from "./helpers/ci-scripts.js";

/**
 * The repository-wide CI of a fleet (docs/FLEETS.md, "CI of a fleet"): rendered by the first cluster once the
 * repository has fleet.yaml, with a Terraform root per cluster. Every blueprint as the first cluster, with a second
 * cluster of every blueprint, on GitHub.
 */
const script = createRequire(import.meta.url)(join(ciScriptsDir("github"), "terraform-pr.cjs"));
const WORKFLOWS = [".github/workflows/terraform.yml", ".github/workflows/validate.yml"];
const providerOf = new Map(listBlueprints().map((bp) => [bp.id, bp.provider]));

/** A fleet: `first` at the top, `added` in fleet/stg/, rendered as the first cluster's render sees it. */
async function fleetRender(first: string, added: string) {
  const firstParams = { clusterName: "prod", forge: "github" };
  const rendered = await renderBlueprint(first, { values: firstParams }, { toolVersion: "1.4.2" });
  const members: FleetMemberInput[] = [
    { name: "stg", root: "fleet/stg/", provider: providerOf.get(added)!, params: { clusterName: "stg", forge: "github" } },
    { name: "prod", root: "", provider: providerOf.get(first)!, params: rendered.params as unknown as Record<string, unknown> },
  ];
  const fleet = fleetCiOf(members);
  const tree = (await renderBlueprint(first, { values: firstParams }, { toolVersion: "1.4.2", fleet })).tree;
  return { single: rendered.tree, tree, fleet };
}

const pairs = blueprintIds().flatMap((first) => blueprintIds().map((added) => [first, added] as const));
const renders = new Map<string, ReturnType<typeof fleetRender>>();
const rendered = (first: string, added: string) => {
  const key = `${first}+${added}`;
  if (!renders.has(key)) renders.set(key, fleetRender(first, added));
  return renders.get(key)!;
};
// actionlint runs once (one child process) over every pair's workflows.
let linted: Promise<Map<string, unknown[][]>> | undefined;
const lintAll = () =>
  (linted ??= (async () => {
    const sources = pairs.flatMap(([first, added]) => WORKFLOWS.map((path) => ({ first, added, key: `${first}+${added}`, path })));
    const workflows = await Promise.all(sources.map(async ({ first, added, path }) => ({ path, source: (await rendered(first, added)).tree.get(path)! })));
    const problems = await actionlint(workflows);
    const byPair = new Map<string, unknown[][]>();
    sources.forEach(({ key }, i) => byPair.set(key, [...(byPair.get(key) ?? []), problems[i]!]));
    return byPair;
  })());
/** `uses:` lines of a workflow: the action, its pinned commit and the tag in the comment. */
const usesLines = (source: string) => [...source.matchAll(/^\s*(?:-\s+)?uses:\s*(\S+)(?:\s+#\s*(\S+))?\s*$/gm)].map((m) => `${m[1]} ${m[2]}`);

describe.each(pairs)("a fleet whose first cluster is %s, with a %s cluster added", (first, added) => {
  test("the workflows pass actionlint, pin every action as the single-cluster ones do, and time every job; only the repository-wide files differ from one cluster's", async () => {
    const { single, tree } = await rendered(first, added);
    expect((await lintAll()).get(`${first}+${added}`)).toEqual(WORKFLOWS.map(() => []));
    for (const path of WORKFLOWS) {
      const source = tree.get(path)!;
      // The same actions at the same commits (ci-workflow.test.ts checks those pins), nothing else.
      const pinned = new Set(usesLines(single.get(path)!));
      expect(usesLines(source).filter((line) => !pinned.has(line))).toEqual([]);
      expect(usesLines(source).length).toBeGreaterThan(0);
      for (const [name, job] of Object.entries(parseYaml(source).jobs as Record<string, { "timeout-minutes"?: number }>)) expect({ name, timeout: typeof job["timeout-minutes"] }).toEqual({ name, timeout: "number" });
    }
    const differing = [...tree.keys()].filter((path) => single.get(path) !== tree.get(path));
    // The README too: once the repository is a fleet, the first cluster's credentials go to its own environments.
    expect(differing.filter((path) => !(path.startsWith(".github/") || path === ".cluster-repo/rendered.yaml" || path === "README.md"))).toEqual([]);
    expect(differing).toEqual(expect.arrayContaining([...WORKFLOWS, "README.md"]));
  }, 300_000);

  test("each cluster is planned and applied in a matrix leg of its own environment and concurrency group, with its credentials only", async () => {
    const { tree, fleet } = await rendered(first, added);
    const workflow = parseYaml(tree.get(".github/workflows/terraform.yml")!);
    const roots = JSON.parse(workflow.jobs.roots.steps.find((step: { id?: string }) => step.id === "roots").env.ROOTS);
    expect(roots.map((root: { cluster: string; dir: string }) => [root.cluster, root.dir])).toEqual([
      ["stg", "fleet/stg/terraform"],
      ["prod", "terraform"],
    ]);
    for (const group of fleet.groups) {
      const plan = workflow.jobs[`plan-${group.id}`];
      const apply = workflow.jobs[`apply-${group.id}`];
      expect(plan.strategy.matrix.include).toBe(`\${{ fromJSON(needs.roots.outputs.${group.id}) }}`);
      expect(apply.strategy.matrix.include).toBe(plan.strategy.matrix.include);
      // Environment-scoped: a plan leg reads <cluster>-plan's secrets, an apply leg <cluster>'s, never another's.
      expect(plan.environment).toBe("${{ matrix.plan_environment }}");
      expect(apply.environment).toBe("${{ matrix.apply_environment }}");
      expect(apply.concurrency).toEqual({ group: "${{ format('terraform-{0}', matrix.cluster) }}", "cancel-in-progress": false });
      expect(plan.concurrency.group).toContain("matrix.cluster");
      expect(apply.needs).toEqual(["roots", "reviewed-plan"]);
      expect(plan.if).toContain("github.event.pull_request.head.repo.full_name == github.repository");
      for (const job of [plan, apply]) {
        for (const credential of group.credentials) expect(job.env[credential.env]).toBeDefined();
        expect(Boolean(job.permissions["id-token"])).toBe(group.oidc);
      }
    }
    for (const cluster of fleet.clusters) expect([cluster.plan_environment, cluster.apply_environment]).toEqual([`${cluster.cluster}-plan`, cluster.cluster]);
    expect(fleet.groups.flatMap((group) => group.clusters.map((cluster) => cluster.cluster)).sort()).toEqual(["prod", "stg"]);
    // Pull requests that touch any root (or the workflow) start it.
    expect(workflow.on.pull_request.paths).toEqual(expect.arrayContaining(["fleet/stg/terraform/**", "terraform/**", ".github/workflows/terraform.yml"]));
  });

  test("validate runs once over the repository, check per cluster, and Terraform per root", async () => {
    const { tree } = await rendered(first, added);
    const workflow = parseYaml(tree.get(".github/workflows/validate.yml")!);
    expect(workflow.jobs.check.strategy.matrix.cluster).toEqual(["stg", "prod"]);
    expect(workflow.jobs.check.steps.at(-1).run).toMatch(/ check --cluster "\$CLUSTER" \.$/);
    expect(workflow.jobs.terraform.strategy.matrix.dir).toEqual(["fleet/stg/terraform", "terraform"]);
    expect(workflow.jobs.manifests.steps.at(-1).run).toMatch(/ validate --strict --pod-security restricted \.$/);
  });
});

describe("which Terraform roots a change touches (terraform-pr.cjs touchedRoots)", () => {
  const roots = [
    { cluster: "prod", dir: "terraform", group: "scaleway" },
    { cluster: "stg", dir: "fleet/stg/terraform", group: "scaleway" },
    { cluster: "eu", dir: "fleet/eu/terraform", group: "azure" },
  ];
  const touched = (paths: string[] | undefined) => script.touchedRoots(paths, roots).map((root: { cluster: string }) => root.cluster);

  test.each([
    [["terraform/main.tf"], ["prod"]],
    [["fleet/stg/terraform/variables.tf", "fleet/stg/apps/kustomization.yaml"], ["stg"]],
    [["fleet/stg/terraform/main.tf", "terraform/versions.tf"], ["prod", "stg"]],
    [["fleet/stg/apps/job.yaml", "apps/job.yaml", "README.md", "fleet.yaml"], []],
    // A folder named like a root elsewhere is not one: prefixes are whole folders from the repository's root.
    [["fleet/stg/terraform-notes/a.tf", "docs/terraform/x.tf", "fleet/eu/terraformx"], []],
    [[".github/scripts/terraform-pr.cjs"], ["prod", "stg", "eu"]],
    [[".github/workflows/terraform.yml", "fleet/eu/terraform/main.tf"], ["prod", "stg", "eu"]],
    [[".github/workflows/validate.yml"], []],
  ])("%j -> %j", (paths, expected) => {
    expect(touched(paths)).toEqual(expected);
  });

  test("a list GitHub may have cut counts as every root", () => {
    expect(touched(undefined)).toEqual(["prod", "stg", "eu"]);
  });

  test("the roots step sets each group's matrix and the touched clusters, and refuses an unknown cluster on Run workflow", async () => {
    const outputs: Record<string, string> = {};
    const failures: string[] = [];
    const core = { setOutput: (key: string, value: string) => (outputs[key] = value), setFailed: (message: string) => failures.push(message), info: () => {} };
    const github = {
      paginate: async () => [{ filename: "fleet/eu/terraform/main.tf" }, { filename: "apps/x.yaml" }],
      rest: { pulls: { listFiles: "listFiles" } },
    };
    const context = { eventName: "pull_request", repo: { owner: "o", repo: "r" }, payload: { pull_request: { number: 7 } } };
    await script.touchedRootsStep({ github, context, core, roots });
    expect(outputs).toEqual({ clusters: '["eu"]', scaleway: "[]", azure: JSON.stringify([roots[2]]) });
    await script.touchedRootsStep({ github, context: { ...context, eventName: "workflow_dispatch" }, core, roots, cluster: "stg" });
    expect(JSON.parse(outputs.scaleway!)).toEqual([roots[1]]);
    expect(failures).toEqual([]);
    await script.touchedRootsStep({ github, context: { ...context, eventName: "workflow_dispatch" }, core, roots, cluster: "nope" });
    expect(outputs.clusters).toBe("[]");
    expect(failures[0]).toContain('cluster "nope" is not one of this fleet\'s');
  });

  test("plan artifacts of a fleet carry the cluster; a single cluster's name is unchanged", () => {
    const plan = { sha: "a".repeat(40), digest: `sha256:${"b".repeat(64)}`, terraformVersion: "1.14.3" };
    expect(script.artifactName(plan)).toBe(`terraform-plan.${plan.sha}.sha256-${"b".repeat(64)}.terraform-1.14.3`);
    expect(script.parseArtifactName(script.artifactName(plan))).toEqual(plan);
    const named = script.artifactName({ ...plan, cluster: "stg-eu" });
    expect(named).toBe(`terraform-plan-stg-eu.${plan.sha}.sha256-${"b".repeat(64)}.terraform-1.14.3`);
    expect(script.parseArtifactName(named)).toEqual({ ...plan, cluster: "stg-eu" });
  });
});
