import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { parse as parseYaml, parseAllDocuments } from "yaml";
import { loadBlueprint } from "../src/blueprints/load.js";
import { blueprintIds } from "../src/blueprints/registry.js";
import { loadCatalog } from "../src/catalog/load.js";
import { InputError } from "../src/errors.js";
import { overlayAfterPromotion, overlayAfterRender, overlayPathOf, parseOverlay, renderOverlay } from "../src/fleet/environment-overlay.js";
import { parseParams } from "../src/params/parse.js";
import { renderBlueprint } from "../src/render-blueprint.js";
import { switchedOnWithDependencies } from "./helpers/addon-settings.js";
import { runCli, tempDir } from "./helpers/cli.js";
import { git, kustomize, kustomizeAvailable, read } from "./helpers/fleet-builds.js";

const catalog = loadCatalog();


describe("an environment overlay's file", () => {
  test("reads back exactly what it was rendered from, versions that look like numbers, ranges or YAML/JSON syntax included", () => {
    const versions = new Map([
      ["cert-manager", "1.10"],
      ["flagger", ">=1.0.0-0"],
      ["kueue", '0.1"}] , {"op":"remove","path":"/spec'],
      ["a-b", "2.0.0 # not a comment"],
    ]);
    const text = renderOverlay("staging", versions);
    expect(parseOverlay(text, "x.yaml")).toEqual(versions);
    // Each patch is one JSON 6902 operation on the chart version, whatever the version's text.
    const data = parseYaml(text);
    expect(data.kind).toBe("Component");
    for (const entry of data.patches) expect(parseYaml(entry.patch)).toEqual([{ op: "replace", path: "/spec/chart/spec/version", value: versions.get(entry.target.name) }]);
    // Sorted by name: every writer renders the same bytes for the same entries.
    expect(data.patches.map((entry: { target: { name: string } }) => entry.target.name)).toEqual(["a-b", "cert-manager", "flagger", "kueue"]);
    expect(renderOverlay("staging", new Map([...versions].reverse()))).toBe(text);
  });

  test.each([
    ["not a Component", "apiVersion: v1\nkind: ConfigMap\n", /not a kustomize Component/],
    ["another path patched", renderOverlay("s", new Map([["x", "1.0.0"]])).replace("/spec/chart/spec/version", "/spec/values"), /must be one "replace"/],
    ["a Deployment targeted", renderOverlay("s", new Map([["x", "1.0.0"]])).replace("kind: HelmRelease", "kind: Deployment"), /does not target a HelmRelease/],
    ["an add-on twice", renderOverlay("s", new Map([["x", "1.0.0"]])).replace("patches:\n", `patches:\n${renderOverlay("s", new Map([["x", "2.0.0"]])).split("patches:\n")[1]}`), /pins x a second time/],
    ["a version with a line break", renderOverlay("s", new Map([["x", "1.0.0\nkind: Secret"]])), /with a chart version/],
    ["broken YAML", "kind: Component\npatches: [\n", /not valid YAML/],
  ])("refuses %s, naming the file and the fix", (_case, text, message) => {
    const refused = (() => {
      try {
        parseOverlay(text, "environments/s/addons/kustomization.yaml");
      } catch (error) {
        return error;
      }
    })();
    expect(refused).toBeInstanceOf(InputError);
    expect((refused as Error).message).toMatch(message);
    expect((refused as Error).message).toContain("environments/s/addons/kustomization.yaml");
  });

  test("a render adds the entries it lacks; only a catalog upgrade in the first environment changes one; promote copies the source's", () => {
    const current = new Map([["a", "1.0.0-pinned"], ["b", "2.0.0"]]);
    const rendered = new Map([["a", "1.1.0"], ["c", "3.0.0"]]);
    expect(overlayAfterRender(current, rendered, false)).toEqual(new Map([["a", "1.0.0-pinned"], ["b", "2.0.0"], ["c", "3.0.0"]]));
    expect(overlayAfterRender(current, rendered, true)).toEqual(new Map([["a", "1.1.0"], ["b", "2.0.0"], ["c", "3.0.0"]]));
    expect(overlayAfterPromotion(current, new Map([["b", "2.1.0"], ["d", "4.0.0"]]))).toEqual(new Map([["a", "1.0.0-pinned"], ["b", "2.1.0"], ["d", "4.0.0"]]));
  });
});

describe.each(blueprintIds())("%s: a cluster's render lists its environment's overlay", (blueprint) => {
  const infrastructure = async (gitops: string, options: { root?: string; environment?: string }) => {
    const { tree } = await renderBlueprint(blueprint, { values: { gitops, clusterName: "c1" } }, options);
    return parseYaml(tree.get(`${options.root ?? ""}infrastructure/kustomization.yaml`)!);
  };

  test("Flux in a fleet: from the first cluster's folder and from an added one's; alone, or with Argo CD: not at all", async () => {
    expect((await infrastructure("flux", { environment: "qa" })).components).toEqual(["../environments/qa/addons"]);
    expect((await infrastructure("flux", { root: "fleet/c1/", environment: "qa" })).components).toEqual(["../../../environments/qa/addons"]);
    expect((await infrastructure("flux", {})).components).toBeUndefined();
    expect((await infrastructure("argo", { root: "fleet/c1/", environment: "qa" })).components).toBeUndefined();
  });
});


describe.each(blueprintIds())("%s: every layer holding a catalog add-on's HelmRelease lists the environment's overlay", (blueprint) => {
  // Each add-on offered, with what it depends on: wherever its release lands (infrastructure/, or the layer after the
  // Secrets it declares), the environment's version must reach it.
  const offered = [...catalog.addons.values()].filter((addon) => addon.chart && loadBlueprint(blueprint).offeredAddons.has(addon.name));
  test.each(offered.map((addon) => addon.name))("with %s on", async (name) => {
    const values = { gitops: "flux", clusterName: "c1", repoUrl: "https://github.com/acme/c.git", addons: switchedOnWithDependencies(catalog, name) };
    if (parseParams({ values }, loadBlueprint(blueprint)).errors) return; // refused with this blueprint's defaults (the params tests say why)
    const { tree } = await renderBlueprint(blueprint, { values }, { root: "fleet/c1/", environment: "qa" });
    const layers = new Set<string>();
    for (const [path, text] of tree) {
      if (!path.endsWith(".yaml")) continue;
      const releases = parseAllDocuments(text).map((doc) => doc.toJS()).filter((object) => object?.kind === "HelmRelease" && catalog.addons.has(object.metadata?.name));
      if (releases.length > 0) layers.add(path.split("/").slice(0, 3).join("/"));
    }
    expect(layers.size).toBeGreaterThan(0);
    for (const layer of layers) expect([layer, parseYaml(tree.get(`${layer}/kustomization.yaml`)!).components]).toEqual([layer, ["../../../environments/qa/addons"]]);
  });
});

/**
 * The objects a Flux cluster applies from this repository: every Kustomization of its entry point on the repository
 * (but the one of the entry point itself, which flux bootstrap completes), built by kubectl kustomize.
 */
async function appliedObjects(dir: string, cluster: string): Promise<Array<Record<string, any>>> {
  const entry = execFileSync("git", ["-C", dir, "ls-files", `clusters/${cluster}`], { encoding: "utf8" }).split("\n").filter((path) => path.endsWith(".yaml"));
  const paths = entry
    .flatMap((file) => parseAllDocuments(read(dir, file)).map((doc) => doc.toJS()))
    .filter((object) => object?.kind === "Kustomization" && object.apiVersion?.startsWith("kustomize.toolkit.fluxcd.io/") && object.spec.sourceRef?.name === "flux-system")
    .map((object) => object.spec.path as string)
    .filter((path) => !path.replace(/^\.\//, "").startsWith("clusters/"));
  expect(paths.length).toBeGreaterThan(1);
  const objects: Array<Record<string, any>> = [];
  for (const path of paths) objects.push(...parseAllDocuments(await kustomize(dir, path)).map((doc) => doc.toJS()).filter(Boolean));
  return objects;
}

/** Add-on name -> the chart versions its HelmReleases have in the cluster's build (one each, when all is well). */
async function helmReleaseVersions(dir: string, cluster: string): Promise<Map<string, string[]>> {
  const versions = new Map<string, string[]>();
  for (const object of await appliedObjects(dir, cluster)) {
    if (object.kind !== "HelmRelease") continue;
    versions.set(object.metadata.name, [...(versions.get(object.metadata.name) ?? []), object.spec.chart.spec.version]);
  }
  return versions;
}

describe("a Flux fleet of three clusters of different blueprints in two environments", () => {
  const work = tempDir("ccr-fleet-overlays-");
  // Whichever blueprints the repository ships: the first three, each a different one where there are three.
  const ids = blueprintIds();
  const [first, staged, second] = [ids[0]!, ids[1 % ids.length]!, ids[2 % ids.length]!];

  test.skipIf(!kustomizeAvailable)("every cluster applies each add-on once at its environment's version; promote moves production to staging's versions by a change of its overlay", async () => {
    const dir = join(work, "repo");
    const merge = (branch: string) => {
      git(dir, "checkout", "-q", "main");
      git(dir, "merge", "-q", "--ff-only", branch);
    };
    expect((await runCli(["-b", first, "-y", "--gitops", "flux", "--set", "clusterName=prod", "--set", "repoUrl=https://github.com/acme/fleet.git", dir])).status).toBe(0);
    const firstBuild = await kustomize(dir, "infrastructure");
    expect((await runCli(["add-cluster", "stg", "--blueprint", staged, dir])).status).toBe(0);
    merge("create-cluster-repo/add-cluster-stg");
    expect((await runCli(["add-cluster", "eu", "--blueprint", second, "--env", "production", dir])).status).toBe(0);
    merge("create-cluster-repo/add-cluster-eu");
    // The first cluster joined its environment without a change of what it applies.
    expect(parseYaml(read(dir, "infrastructure/kustomization.yaml")).components).toEqual(["../environments/production/addons"]);
    expect(await kustomize(dir, "infrastructure")).toBe(firstBuild);

    // Staging tries other versions: a hand edit of its overlay, which check leaves alone and validate builds.
    const stagingPath = overlayPathOf("staging");
    const catalog = parseOverlay(read(dir, stagingPath), stagingPath);
    expect(catalog.size).toBeGreaterThan(0);
    const tried = new Map([...catalog].map(([name, version]) => [name, `${version}-rc.1`]));
    writeFileSync(join(dir, stagingPath), renderOverlay("staging", tried));
    git(dir, "commit", "-qam", "staging tries release candidates");
    expect((await runCli(["check", dir])).status).toBe(0);
    expect((await runCli(["validate", dir])).status).toBe(0);

    const production = parseOverlay(read(dir, overlayPathOf("production")), overlayPathOf("production"));
    const expectVersions = async (cluster: string, overlay: Map<string, string>) => {
      const versions = await helmReleaseVersions(dir, cluster);
      expect(versions.size).toBeGreaterThan(0);
      for (const [name, found] of versions) expect([name, found]).toEqual([name, [overlay.get(name)]]);
    };
    await expectVersions("stg", tried);
    await expectVersions("prod", production);
    await expectVersions("eu", production);

    // update --all keeps every overlay as it is (no catalog upgrade), and has nothing else to do.
    const update = await runCli(["update", dir, "--all"]);
    expect(update.status).toBe(0);
    expect(git(dir, "branch", "--list", "create-cluster-repo/*-rerender")).toBe("");

    // promote: the production overlay takes staging's versions; every production cluster's build follows.
    const preview = await runCli(["promote", "staging", "production", "--dry-run", dir]);
    expect(preview.status).toBe(0);
    expect(preview.stdout).toContain(`Chart versions in ${overlayPathOf("production")}:\n`);
    for (const [name, version] of tried) expect(preview.stdout).toContain(`  ${name}: ${production.has(name) ? `${production.get(name)} -> ` : ""}${version}\n`);
    const promoted = await runCli(["promote", "staging", "production", dir]);
    expect(promoted.stderr.split("\n").filter((line) => line.startsWith("error"))).toEqual([]);
    expect(promoted.status).toBe(0);
    const branch = "create-cluster-repo/promote-staging-to-production";
    expect(git(dir, "diff", "--name-only", `main...${branch}`).split("\n")).toContain(overlayPathOf("production"));
    merge(branch);
    const promotedProduction = new Map([...production, ...tried]);
    expect(parseOverlay(read(dir, overlayPathOf("production")), overlayPathOf("production"))).toEqual(promotedProduction);
    await expectVersions("prod", promotedProduction);
    await expectVersions("eu", promotedProduction);
    expect((await runCli(["validate", dir])).status).toBe(0);
    expect((await runCli(["check", dir])).status).toBe(0);
  });
});

describe("a catalog upgrade reaches the first environment's overlay, and only that one", () => {
  const work = tempDir("ccr-fleet-overlays-catalog-");
  const ids = blueprintIds();

  test("update --all of a fleet whose staging cluster recorded an older catalog raises staging's versions; production keeps its own", async () => {
    const dir = join(work, "repo");
    expect((await runCli(["-b", ids[0]!, "-y", "--gitops", "flux", "--set", "clusterName=prod", "--set", "repoUrl=https://github.com/acme/fleet.git", dir])).status).toBe(0);
    expect((await runCli(["add-cluster", "stg", "--blueprint", ids[1 % ids.length]!, dir])).status).toBe(0);
    git(dir, "checkout", "-q", "main");
    git(dir, "merge", "-q", "--ff-only", "create-cluster-repo/add-cluster-stg");
    const catalog = parseOverlay(read(dir, overlayPathOf("staging")), overlayPathOf("staging"));
    // As a fleet made by an older release would be: staging's answers file from before the catalog, and both
    // environments at older chart versions.
    const answers = "fleet/stg/cluster-repo.yaml";
    expect(read(dir, answers)).toMatch(/^catalogVersion: .*\n/m);
    writeFileSync(join(dir, answers), read(dir, answers).replace(/^catalogVersion: .*\n/m, ""));
    const old = (env: string) => new Map([...parseOverlay(read(dir, overlayPathOf(env)), overlayPathOf(env))].map(([name]) => [name, "0.0.1"]));
    const production = old("production");
    writeFileSync(join(dir, overlayPathOf("staging")), renderOverlay("staging", old("staging")));
    writeFileSync(join(dir, overlayPathOf("production")), renderOverlay("production", production));
    git(dir, "commit", "-qam", "as an older release left it");

    const update = await runCli(["update", dir, "--all"]);
    expect(update.stderr.split("\n").filter((line) => line.startsWith("error"))).toEqual([]);
    expect(update.status).toBe(0);
    const staged = parseOverlay(git(dir, "show", `create-cluster-repo/stg-rerender:${overlayPathOf("staging")}`), overlayPathOf("staging"));
    expect(staged).toEqual(catalog);
    for (const branch of git(dir, "branch", "--list", "create-cluster-repo/*-rerender", "--format=%(refname:short)").split("\n")) {
      expect(parseOverlay(git(dir, "show", `${branch}:${overlayPathOf("production")}`), overlayPathOf("production"))).toEqual(production);
    }
  });
});
