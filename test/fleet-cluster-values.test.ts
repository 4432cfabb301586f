/**
 * Values a cluster keeps over its environment's (docs/FLEETS.md): end to end through the CLI, for both engines and a
 * fleet of two blueprints. The cluster's own `addons.<name>.values` win over its environment's for the keys they set,
 * in what kustomize builds for the engine; `plan` shows them; `update` keeps them and the team's edit beside them;
 * the add-on's values schema refuses a bad one; `promote` does not carry them, and says so.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { parse as parseYaml, stringify } from "yaml";
import { blueprintIds } from "../src/blueprints/registry.js";
import { loadCatalog } from "../src/catalog/load.js";
import { overlayPathOf, parseOverlayFile, renderOverlayFile } from "../src/fleet/environment-overlay.js";
import { layeredValues } from "../src/fleet/values-layers.js";
import { runCli, tempDir } from "./helpers/cli.js";
import { builtPaths, git, kustomize, kustomizeAvailable, objectsOf, read } from "./helpers/fleet-builds.js";

const catalog = loadCatalog();
const ids = blueprintIds();

const valuesOf = (object: Record<string, any>) => (object.kind === "HelmRelease" ? object.spec.values : object.spec.source.helm.valuesObject) ?? {};
// An Argo CD cluster of a fleet keeps its add-on Applications as patches of their shared bases (spec.source.helm, no chart).
const isAddonObject = (object: Record<string, any>) => (object.kind === "HelmRelease" || (object.kind === "Application" && (object.spec?.source?.chart || object.spec?.source?.helm))) && catalog.addons.has(object.metadata?.name);
/** Add-ons whose values schema takes a `resources` object: the keys this test sets. */
const hasResources = (name: string) => ((catalog.addons.get(name)?.valuesSchema as { properties?: Record<string, { type?: string }> })?.properties?.resources?.type ?? "") === "object";


/** Add-on name -> its object as the engine builds it (with the overlay and the cluster's patches), and as the cluster's own files hold it. */
async function addonObjects(dir: string, cluster: string, engine: string): Promise<Map<string, { built: Record<string, any>; own: Record<string, any> }>> {
  const own = new Map<string, Record<string, any>>();
  for (const path of git(dir, "ls-files", `fleet/${cluster}`, `clusters/${cluster}`).split("\n").filter((path) => path.endsWith(".yaml"))) {
    for (const object of objectsOf(read(dir, path))) if (isAddonObject(object)) own.set(object.metadata.name, object);
  }
  const found = new Map<string, { built: Record<string, any>; own: Record<string, any> }>();
  for (const path of builtPaths(dir, cluster, engine)) {
    for (const object of objectsOf(await kustomize(dir, path))) if (isAddonObject(object)) found.set(object.metadata.name, { built: object, own: own.get(object.metadata.name)! });
  }
  return found;
}

/** Merges the branch the last command left checked out into main. */
function mergeCurrent(dir: string): string {
  const branch = git(dir, "rev-parse", "--abbrev-ref", "HEAD");
  git(dir, "checkout", "-q", "main");
  git(dir, "merge", "-q", "--ff-only", branch);
  // Gone once merged, as a forge deletes it: a later change of the same keys starts a branch of its own from main.
  git(dir, "branch", "-q", "-D", branch);
  return branch;
}

describe.each(["flux", "argo"] as const)("a cluster's own values over its environment's (%s)", (engine) => {
  const work = tempDir(`ccr-fleet-own-values-${engine}-`);
  const [first, staged] = [ids[0]!, ids[1 % ids.length]!];

  test.skipIf(!kustomizeAvailable)("win for the keys they set in the engine's build; plan shows them, update keeps them, the schema checks them, promote leaves them", async () => {
    const dir = join(work, "repo");
    expect((await runCli(["-b", first, "-y", "--gitops", engine, "--set", "clusterName=prod", "--set", "repoUrl=https://github.com/acme/fleet.git", dir])).status).toBe(0);
    expect((await runCli(["add-cluster", "stg", "--blueprint", staged, dir])).status).toBe(0);
    mergeCurrent(dir);

    // Staging sets a memory limit and a CPU request on each add-on its cluster runs whose values take resources.
    const stagingPath = overlayPathOf("staging");
    const staging = parseOverlayFile(read(dir, stagingPath), stagingPath);
    const chosen = [...(await addonObjects(dir, "stg", engine)).keys()].filter(hasResources).sort();
    expect(chosen.length).toBeGreaterThan(0);
    const environmentValues = { resources: { limits: { memory: "321Mi" }, requests: { cpu: "100m" } } };
    for (const name of chosen) staging.values.set(name, environmentValues);
    writeFileSync(join(dir, stagingPath), renderOverlayFile("staging", staging));
    git(dir, "commit", "-qam", "staging sets its add-ons' resources");

    // stg keeps its own memory limit on each of them (its answers file), over staging's.
    const own = { resources: { limits: { memory: "1Gi" } } };
    const valuesFile = join(work, "own-values.yaml");
    writeFileSync(valuesFile, stringify({ addons: Object.fromEntries(chosen.map((name) => [name, { values: own }])) }));
    const plan = await runCli(["plan", "--cluster", "stg", "--values", valuesFile, dir]);
    expect(plan.stderr).toBe("");
    expect(plan.status).toBe(0);
    expect(plan.stdout).toContain("Values stg keeps over staging's");
    for (const name of chosen) expect(plan.stdout).toContain(`  ${name}: resources.limits.memory: "1Gi" (staging: "321Mi")\n`);
    const json = JSON.parse((await runCli(["plan", "--cluster", "stg", "--values", valuesFile, "--output", "json", dir])).stdout);
    expect(json[0].plan.keptValues.map((kept: { addon: string }) => kept.addon)).toEqual(chosen);
    expect((await runCli(["update", "--cluster", "stg", "--values", valuesFile, dir])).status).toBe(0);
    mergeCurrent(dir);

    const check = async () => {
      for (const [name, { built, own: object }] of await addonObjects(dir, "stg", engine)) {
        const expected = layeredValues({ defaults: valuesOf(object), environment: staging.values.get(name), cluster: chosen.includes(name) ? own : {}, fleet: true });
        expect([name, valuesOf(built)]).toEqual([name, expected]);
        if (chosen.includes(name)) expect([name, valuesOf(built).resources]).toEqual([name, expect.objectContaining({ limits: expect.objectContaining({ memory: "1Gi" }), requests: expect.objectContaining({ cpu: "100m" }) })]);
      }
    };
    await check();
    expect((await runCli(["validate", dir])).status).toBe(0);
    expect((await runCli(["check", "--cluster", "stg", dir])).status).toBe(0);

    // The team's edit of the file that holds the cluster's patches is kept by the next update's 3-way merge.
    const patched = engine === "argo" ? "clusters/stg/argocd/kustomization.yaml" : git(dir, "grep", "-l", "This cluster's own values", "--", "fleet/stg").split("\n")[0]!;
    writeFileSync(join(dir, patched), `# reviewed by the platform team\n${read(dir, patched)}`);
    git(dir, "commit", "-qam", "the team's note");
    const updated = await runCli(["update", "--cluster", "stg", "--set", `addons.${chosen[0]}.values.resources.limits.memory=2Gi`, dir]);
    expect([updated.status, updated.stderr]).toEqual([0, ""]);
    mergeCurrent(dir);
    expect(read(dir, patched)).toContain("# reviewed by the platform team\n");
    const edited = (await addonObjects(dir, "stg", engine)).get(chosen[0]!)!;
    expect(valuesOf(edited.built).resources.limits.memory).toBe("2Gi");
    expect(valuesOf(edited.built).resources.requests.cpu).toBe("100m");

    // The add-on's values schema refuses a bad one, naming it; nothing is written.
    const refused = await runCli(["update", "--cluster", "stg", "--set", `addons.${chosen[0]}.values.resources=lots`, dir]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain(`addons.${chosen[0]}.values.resources`);
    expect(git(dir, "status", "--porcelain")).toBe("");

    // An environment value of another kind than the cluster's own at the same key would fail the cluster's build: validate says so.
    const clash = parseOverlayFile(read(dir, stagingPath), stagingPath);
    clash.values.set(chosen[0]!, { resources: { limits: "2Gi" } });
    writeFileSync(join(dir, stagingPath), renderOverlayFile("staging", clash));
    const clashing = await runCli(["validate", dir]);
    expect(clashing.status).toBe(1);
    expect(clashing.stdout).toContain(`values of ${chosen[0]} for staging set resources.limits to another kind of value (a mapping, a list or a scalar) than stg's own addons.${chosen[0]}.values.resources.limits`);
    git(dir, "checkout", "--", stagingPath);

    // promote carries staging's values (its overlay), not stg's own: production's clusters keep theirs, and it says so.
    const prodOwn = { resources: { limits: { memory: "3Gi" } } };
    expect((await runCli(["update", "--cluster", "prod", "--set", `addons.${chosen[0]}.values.resources.limits.memory=3Gi`, dir])).status).toBe(0);
    mergeCurrent(dir);
    const preview = await runCli(["promote", "staging", "production", "--dry-run", dir]);
    expect(preview.status).toBe(0);
    expect(preview.stdout).toContain("own add-on values stay their own");
    for (const name of chosen) expect(preview.stdout).toMatch(new RegExp(`- stg: ${name} `));
    // prod's own value against production's values as promoted (production set none before).
    expect(preview.stdout).toContain(`  ${chosen[0]}: resources.limits.memory: "3Gi" (production: "321Mi")\n`);
    expect((await runCli(["promote", "staging", "production", dir])).status).toBe(0);
    mergeCurrent(dir);
    const prod = parseYaml(read(dir, "cluster-repo.yaml")).params.addons as Record<string, { values?: unknown }>;
    for (const name of chosen) expect([name, prod[name]?.values]).toEqual([name, name === chosen[0] ? prodOwn : undefined]);
  });
});
