import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, test } from "vitest";
import { parse as parseYaml, parseAllDocuments, stringify } from "yaml";
import { loadBlueprint } from "../src/blueprints/load.js";
import { blueprintIds } from "../src/blueprints/registry.js";
import { loadCatalog } from "../src/catalog/load.js";
import { fleetCiOf } from "../src/generator/fleet-ci.js";
import { overlayPathOf, overlayTextAfterRender } from "../src/fleet/environment-overlay.js";
import { BASES_DIR, baseDirOf, isSharedBasePath, renderArgoSharedBases, renderSharedBases } from "../src/fleet/shared-bases.js";
import { isWorkloadBasePath } from "../src/fleet/workload-bases.js";
import { parseParams } from "../src/params/parse.js";
import { renderBlueprint } from "../src/render-blueprint.js";
import { switchedOnWithDependencies } from "./helpers/addon-settings.js";
import { runCli, tempDir } from "./helpers/cli.js";
import { fixturesDir } from "./helpers/fixtures.js";
import { cloneRepository } from "./helpers/release-fixtures.js";
import { expectSettled, updateAllAndMerge } from "./helpers/fleet-migration.js";
import { git, kustomize, kustomizeAvailable, read } from "./helpers/fleet-builds.js";

const catalog = loadCatalog();
/** An add-on's base: the workload bases beside them follow the fleet's blueprints (test/fleet-workload-bases.test.ts). */
const isAddonBasePath = (path: string) => isSharedBasePath(path) && !isWorkloadBasePath(path);

function writeFiles(dir: string, files: Iterable<[string, string]>): void {
  for (const [path, content] of files) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
}

/** The objects a build gives, in a stable order, compared as data (kustomize may order a patched object's keys its own way). */
async function built(dir: string, paths: string[]): Promise<Array<Record<string, any>>> {
  const objects: Array<Record<string, any>> = [];
  for (const path of paths) objects.push(...parseAllDocuments(await kustomize(dir, path)).map((doc) => doc.toJS()).filter(Boolean));
  const key = (object: Record<string, any>) => `${object.kind}/${object.metadata?.namespace ?? ""}/${object.metadata?.name}`;
  return objects.sort((a, b) => key(a).localeCompare(key(b)));
}


describe("the shared bases are the catalog's alone", () => {
  const bases = new Map(renderSharedBases(catalog));

  test("one per catalog add-on with a chart: a Namespace where it has its own, its HelmRepository, its HelmRelease without values", () => {
    const charts = [...catalog.addons.values()].filter((addon) => addon.chart);
    expect(charts.length).toBeGreaterThan(0);
    for (const addon of charts) {
      const dir = baseDirOf(addon.name);
      expect(parseYaml(bases.get(`${dir}/helmrepository.yaml`)!).spec.url).toBe(addon.chart!.repository.url);
      const release = parseYaml(bases.get(`${dir}/release/helmrelease.yaml`)!);
      expect([release.metadata, release.spec.chart.spec.version, release.spec.values]).toEqual([{ name: addon.name, namespace: addon.namespace }, addon.chart!.version, undefined]);
      expect(parseYaml(bases.get(`${dir}/release/kustomization.yaml`)!).resources).toEqual(["helmrelease.yaml"]);
      // Its Namespace is a folder of its own, which Argo CD clusters list too (test/fleet-namespace-base.test.ts).
      expect(parseYaml(bases.get(`${dir}/kustomization.yaml`)!).resources).toEqual(bases.has(`${dir}/namespace/namespace.yaml`) ? ["helmrepository.yaml", "namespace"] : ["helmrepository.yaml"]);
    }
    expect([...bases.keys()].every((path) => charts.some((addon) => path.startsWith(`${baseDirOf(addon.name)}/`)))).toBe(true);
  });

  test.each(blueprintIds())("%s: its first cluster's render in a fleet holds the bases of the add-ons it runs (every base where its fleet input does not list them), the same bytes; alone or added: none; Argo CD without a Flux cluster: its own engine's", async (blueprint) => {
    const values = { gitops: "flux", clusterName: "c1" };
    const first = await renderBlueprint(blueprint, { values }, { environment: "production" });
    const own = new Set(first.context.addonList.filter((addon) => addon.chart).map((addon) => addon.name));
    expect(own.size).toBeLessThan([...catalog.addons.values()].filter((addon) => addon.chart).length);
    expect(new Map([...first.tree].filter(([path]) => isAddonBasePath(path)))).toEqual(new Map([...bases].filter(([path]) => own.has(path.slice(BASES_DIR.length).split("/")[0]!))));
    const alone = await renderBlueprint(blueprint, { values });
    expect([...alone.tree.keys()].filter((path) => path.startsWith("environments/"))).toEqual([]);
    const added = await renderBlueprint(blueprint, { values }, { root: "fleet/c1/", environment: "staging" });
    expect([...added.tree.keys()].filter((path) => path.startsWith("environments/"))).toEqual([]);
    // An Argo CD first cluster holds them once a Flux cluster is in the fleet (its CI input says so), not before.
    const argo = { gitops: "argo", clusterName: "c1" };
    const provider = loadBlueprint(blueprint).provider;
    const member = (name: string, root: string, gitops: string) => ({ name, root, provider, params: { ...first.params, clusterName: name }, gitops });
    const argoOnly = await renderBlueprint(blueprint, { values: argo }, { environment: "production", fleet: fleetCiOf([member("c1", "", "argo"), member("c2", "fleet/c2/", "argo")]) });
    // (An Argo CD first cluster holds the Argo CD bases, test/fleet-argo-bases.test.ts.)
    const argoBases = new Map(renderArgoSharedBases(catalog));
    expect(new Map([...argoOnly.tree].filter(([path]) => isAddonBasePath(path)))).toEqual(argoBases);
    const withFlux = await renderBlueprint(blueprint, { values: argo }, { environment: "production", fleet: fleetCiOf([member("c1", "", "argo"), member("c2", "fleet/c2/", "flux")]) });
    expect(new Map([...withFlux.tree].filter(([path]) => isAddonBasePath(path)))).toEqual(new Map([...bases, ...argoBases]));
  });
});

describe.each(blueprintIds())("%s: a Flux cluster of a fleet builds, from the shared bases and its values, the objects it built from its own copies", (blueprint) => {
  const work = tempDir("ccr-shared-bases-");
  const valuesWith = (name: string) => ({ gitops: "flux", clusterName: "c1", repoUrl: "https://github.com/acme/c.git", addons: switchedOnWithDependencies(catalog, name) });
  // Each add-on with a chart a Flux cluster of this blueprint can run (others are refused with its defaults: the params tests say why).
  const offered = [...catalog.addons.values()]
    .filter((addon) => addon.chart && loadBlueprint(blueprint).offeredAddons.has(addon.name))
    .filter((addon) => !parseParams({ values: valuesWith(addon.name) }, loadBlueprint(blueprint)).errors);

  test("some add-on with a chart runs on its Flux clusters", () => expect(offered.length).toBeGreaterThan(0));

  test.skipIf(!kustomizeAvailable).each(offered.map((addon) => addon.name))("with %s on", async (name) => {
    const values = valuesWith(name);
    const alone = await renderBlueprint(blueprint, { values });
    const member = await renderBlueprint(blueprint, { values }, { root: "fleet/c1/", environment: "qa" });
    // Each chart add-on's folder lists its base; none keeps a Namespace or HelmRepository of its own.
    const charts = member.context.addonList.filter((addon) => addon.chart);
    expect(charts.map((addon) => addon.name)).toContain(name);
    for (const addon of charts) {
      const folder = `fleet/c1/${addon.layer}/${addon.name}`;
      expect(parseYaml(member.tree.get(`${folder}/kustomization.yaml`)!).resources).toContain(`../../../../${baseDirOf(addon.name)}`);
      expect([member.tree.has(`${folder}/namespace.yaml`), member.tree.has(`${folder}/helmrepository.yaml`)]).toEqual([false, false]);
    }
    const dir = join(work, `${name}`);
    writeFiles(join(dir, "alone"), alone.tree);
    writeFiles(join(dir, "fleet"), [...member.tree, ...renderSharedBases(catalog), [overlayPathOf("qa"), overlayTextAfterRender(undefined, ["qa"], member.context)!]]);
    const layers = ["infrastructure", "infrastructure-after-secrets"].filter((layer) => alone.tree.has(`${layer}/kustomization.yaml`));
    const before = await built(join(dir, "alone"), layers);
    expect(before.filter((object) => object.kind === "HelmRelease").length).toBeGreaterThan(0);
    expect(await built(join(dir, "fleet"), layers.map((layer) => `fleet/c1/${layer}`))).toEqual(before);
  });
});

describe("a Flux fleet made by 0.2.0 (each cluster with its own copies) migrates with update --all", () => {
  const work = tempDir("ccr-shared-bases-migrate-");

  test.skipIf(!kustomizeAvailable)("each cluster's update moves its copies to the bases, the branches merge in any order, the builds stay the same and the team's edit stays", async () => {
    const dir = cloneRepository(join(fixturesDir, "fleets", "0.2.0", "flux-fleet.bundle"), join(work, "fleet"));
    const entryPoints = ["infrastructure", "fleet/stg/infrastructure"];
    const builds = async () => Promise.all(entryPoints.map((path) => kustomize(dir, path)));
    const before = await builds();
    const edited = "fleet/stg/infrastructure/external-secrets/helmrelease.yaml";
    expect(read(dir, edited)).toContain("leaderElect: false");

    const plan = await runCli(["plan", dir, "--all"]);
    expect(plan.status).toBe(0);
    expect(plan.stdout.match(/^Moved to the fleet's shared add-on bases .*$/gm)?.length).toBe(2);
    expect(plan.stdout).toContain("  - fleet/stg/infrastructure/external-secrets/namespace.yaml\n");

    // Both branches write the bases the stg cluster lists, with the same bytes: they merge without a conflict.
    await updateAllAndMerge(dir);
    // Those of the add-ons the fleet's clusters run (each cluster's kustomizations list them), no other.
    const listed = new Set(git(dir, "grep", "-h", "-o", "environments/_bases/[a-z0-9-]*", "--", "infrastructure", "fleet").split("\n").map((path) => path.slice(BASES_DIR.length)).filter(Boolean));
    expect(git(dir, "ls-files", "environments/_bases").split("\n").filter((path) => !isWorkloadBasePath(path)).length).toBe(renderSharedBases(catalog, listed).length);
    expect(git(dir, "ls-files", "infrastructure/external-secrets", "fleet/stg/infrastructure/external-secrets").split("\n").filter((path) => /\/(namespace|helmrepository)\.yaml$/.test(path))).toEqual([]);
    expect(await builds()).toEqual(before);
    expect(read(dir, edited)).toContain("leaderElect: false");

    await expectSettled(dir, edited);
    expect(git(dir, "log", "--oneline", "main..create-cluster-repo/stg-rerender")).toBe("");

    // The bases are the first cluster's: its check finds a hand edit there, and its update keeps it.
    const base = `${BASES_DIR}${[...listed].sort()[0]}/helmrepository.yaml`;
    writeFileSync(join(dir, base), read(dir, base).replace("interval: 1h", "interval: 2h"));
    git(dir, "commit", "-qam", "a chart source read less often");
    const checkBase = await runCli(["check", dir, "--cluster", "prod"]);
    expect(checkBase.status).toBe(1);
    expect(checkBase.stdout).toContain(`${base}: edited by hand`);
    const keep = await runCli(["update", dir, "--cluster", "prod"]);
    expect(keep.status).toBe(0);
    expect(read(dir, base)).toContain("interval: 2h");
  });

  test("a file the move deletes that the team edited is a conflict naming it: nothing is written, nothing deleted", async () => {
    const dir = cloneRepository(join(fixturesDir, "fleets", "0.2.0", "flux-fleet.bundle"), join(work, "edited"));
    const namespace = "fleet/stg/infrastructure/dcgm-exporter/namespace.yaml";
    writeFileSync(join(dir, namespace), `${read(dir, namespace)}# the team's\n`);
    git(dir, "commit", "-qam", "a note in a namespace");
    const head = git(dir, "rev-parse", "HEAD");
    const update = await runCli(["update", dir, "--cluster", "stg"]);
    expect(update.status).not.toBe(0);
    expect(update.stderr).toContain(`${namespace}: you edited a file the new render removes`);
    // Where it went and how to keep the edit.
    expect(update.stderr).toContain(
      `${namespace}: you edited a file the new render removes: in a fleet it comes from ${baseDirOf("dcgm-exporter")}/namespace/namespace.yaml, the shared base every cluster of the fleet that runs dcgm-exporter lists`,
    );
    expect(update.stderr).toContain("write it as a patch file in fleet/stg/infrastructure/dcgm-exporter/ listed under patches: in fleet/stg/infrastructure/dcgm-exporter/kustomization.yaml");
    expect([git(dir, "rev-parse", "HEAD"), git(dir, "status", "--porcelain"), git(dir, "branch", "--list", "create-cluster-repo/*")]).toEqual([head, "", ""]);
    expect(read(dir, namespace)).toContain("# the team's");
  });

  test("an edit of a HelmRelease line that moves to the base is a conflict naming the base and how to carry the edit over; carried over so, it builds", async () => {
    const dir = cloneRepository(join(fixturesDir, "fleets", "0.2.0", "flux-fleet.bundle"), join(work, "release-edited"));
    const release = "fleet/stg/infrastructure/dcgm-exporter/helmrelease.yaml";
    writeFileSync(join(dir, release), read(dir, release).replace("  interval: 30m\n", "  interval: 10m\n"));
    git(dir, "commit", "-qam", "reconcile dcgm-exporter more often");
    const head = git(dir, "rev-parse", "HEAD");
    const update = await runCli(["update", dir, "--cluster", "stg"]);
    expect(update.status).toBe(1);
    expect(update.stderr).toContain(
      `${release}: your edits and the new render change the same lines: the lines you edited (\`interval: 30m\`) now live in ` +
        `${baseDirOf("dcgm-exporter")}/release/helmrelease.yaml, the shared base every Flux cluster of the fleet that runs dcgm-exporter lists`,
    );
    expect(update.stderr).toContain("keep the new patch and add the keys you changed to it under the same parents");
    expect([git(dir, "rev-parse", "HEAD"), git(dir, "status", "--porcelain"), git(dir, "branch", "--list", "create-cluster-repo/*")]).toEqual([head, "", ""]);
    if (!kustomizeAvailable) return;
    // Carried over as it says: --conflict markers, then on the branch the new patch plus the changed key.
    expect((await runCli(["update", dir, "--cluster", "stg", "--conflict", "markers"])).status).toBe(0);
    const patch = parseYaml(read(dir, release).replace(/<<<<<<< yours\n[\s\S]*?\n=======\n([\s\S]*?)>>>>>>> generated now\n/g, "$1"));
    expect(patch.spec).not.toHaveProperty("interval");
    patch.spec.interval = "10m";
    writeFileSync(join(dir, release), stringify(patch));
    const object = (await built(dir, ["fleet/stg/infrastructure"])).find((o) => o.kind === "HelmRelease" && o.metadata.name === "dcgm-exporter")!;
    expect([object.spec.interval, object.spec.chart.spec.chart]).toEqual(["10m", "dcgm-exporter"]);
  });
});
