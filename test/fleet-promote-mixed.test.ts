/**
 * Promoting from an environment whose clusters differ in their add-ons (docs/FLEETS.md): merged per add-on. An add-on
 * the source's clusters agree on is promoted, one only some of their blueprints offer included; one they disagree on
 * is named with the clusters and their values, and not promoted; with nothing else to promote, exit 2 and nothing
 * written. The blueprints and add-ons are found from the catalog's and the blueprints' data, never named.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { parse as parseYaml, stringify } from "yaml";
import { loadBlueprint } from "../src/blueprints/load.js";
import { blueprintIds } from "../src/blueprints/registry.js";
import { loadCatalog } from "../src/catalog/load.js";
import { sourceAddons } from "../src/fleet/promoted-addons.js";
import { parseParams } from "../src/params/parse.js";
import { switchedOn } from "./helpers/addon-settings.js";
import { runCli, tempDir } from "./helpers/cli.js";
import { git, read } from "./helpers/fleet-builds.js";

const catalog = loadCatalog();
const ids = blueprintIds();
const errors = (stderr: string) => stderr.split("\n").filter((line) => line.startsWith("error"));

/** A blueprint's recorded add-on entries with `addons` given, or undefined where refused. */
const recorded = (blueprint: string, addons: Record<string, unknown> = {}) =>
  parseParams({ values: { gitops: "flux", clusterName: "c1", repoUrl: "https://github.com/acme/fleet.git", addons } }, loadBlueprint(blueprint)).params?.addons as Record<string, any> | undefined;
/** Switched by the user (not bound to the blueprint's parameters), with nothing it depends on. */
const switchable = (blueprint: string, name: string) => loadBlueprint(blueprint).offeredAddons.get(name)?.when === undefined && loadBlueprint(blueprint).offeredAddons.has(name) && (catalog.addons.get(name)!.dependsOn ?? []).length === 0;
const on = (name: string) => ({ [name]: switchedOn(catalog.addons.get(name)!) });

/**
 * Two blueprints A and B, an add-on only A offers (`only`), and one both offer (`shared`), each off by default in A's
 * clusters and able to run there when switched on: what an environment of an A and a B cluster can differ in.
 */
function mixedPair(): { a: string; b: string; only: string; shared: string } | undefined {
  for (const a of ids) {
    for (const b of ids) {
      if (a === b) continue;
      const defaults = recorded(a)!;
      const candidates = [...loadBlueprint(a).offeredAddons.keys()].filter((name) => switchable(a, name) && defaults[name]?.enabled === false && recorded(a, on(name)) !== undefined);
      const only = candidates.find((name) => !loadBlueprint(b).offeredAddons.has(name));
      const shared = candidates.find((name) => switchable(b, name) && recorded(b)![name]?.enabled === false);
      if (only && shared) return { a, b, only, shared };
    }
  }
  return undefined;
}

describe("sourceAddons merges the source's add-ons per add-on", () => {
  const cluster = (name: string, addons: Record<string, unknown>, version = "1") => ({ name, addons, versionOf: () => version });

  test("an entry only some clusters have is agreed; switch, settings or version that differ are named with each cluster's value; values are never compared nor carried", () => {
    const merged = sourceAddons([
      cluster("a", { x: { enabled: true }, y: { enabled: true }, z: { enabled: true, settings: { s: 1 } }, v: { enabled: true, values: { k: 1 } } }),
      cluster("b", { y: { enabled: false }, z: { enabled: true, settings: { s: 2 } }, v: { enabled: true, values: { k: 2 } } }),
    ]);
    expect(merged.addons).toEqual({ x: { enabled: true }, v: { enabled: true } });
    expect(merged.disagreements).toEqual([
      { name: "y", field: "switch", clusters: [{ cluster: "a", value: true }, { cluster: "b", value: false }] },
      { name: "z", field: "settings", clusters: [{ cluster: "a", value: { s: 1 } }, { cluster: "b", value: { s: 2 } }] },
    ]);
    expect(merged.ownValues).toEqual([{ cluster: "a", addon: "v", values: { k: 1 } }, { cluster: "b", addon: "v", values: { k: 2 } }]);
  });

  test("the chart version counts only where the add-on may run", () => {
    const merged = sourceAddons([cluster("a", { x: { enabled: true }, y: { enabled: false } }, "1"), cluster("b", { x: { enabled: true }, y: { enabled: false } }, "2")]);
    expect(merged.disagreements.map(({ name, field }) => [name, field])).toEqual([["x", "version"]]);
    expect(merged.addons).toEqual({ y: { enabled: false } });
  });
});

describe("promote from an environment of clusters of different blueprints", () => {
  const work = tempDir("ccr-fleet-promote-mixed-");
  const pair = mixedPair();

  test("the shipped blueprints have such a pair (or this test proves nothing)", () => {
    expect(pair).toBeDefined();
  });

  test.skipIf(!pair)("promotes what the clusters agree on, names what they disagree on; exit 2 once nothing else is left", async () => {
    const { a, b, only, shared } = pair!;
    const dir = join(work, "repo");
    expect((await runCli(["-b", a, "-y", "--gitops", "flux", "--set", "clusterName=prod", "--set", "repoUrl=https://github.com/acme/fleet.git", dir])).status).toBe(0);
    // stg-a switches on an add-on B does not offer, and one both offer; stg-b leaves the shared one off.
    const valuesFile = join(work, "stg-a.yaml");
    writeFileSync(valuesFile, stringify({ addons: { ...on(only), ...on(shared) } }));
    for (const [name, blueprint, extra] of [["stg-a", a, ["--values", valuesFile]], ["stg-b", b, []]] as const) {
      const added = await runCli(["add-cluster", name, "--blueprint", blueprint, "--env", "staging", ...extra, dir]);
      expect([name, added.status, errors(added.stderr)]).toEqual([name, 0, []]);
      git(dir, "checkout", "-q", "main");
      git(dir, "merge", "-q", "--ff-only", `create-cluster-repo/add-cluster-${name}`);
    }

    const preview = await runCli(["promote", "staging", "production", "--dry-run", dir]);
    expect(errors(preview.stderr)).toEqual([]);
    expect(preview.status).toBe(0);
    expect(preview.stdout).toContain("Add-ons of staging not promoted (each cluster of production keeps its own; make staging's clusters agree to promote them):");
    expect(preview.stdout).toContain(`- ${shared}: staging's clusters disagree on its switch (stg-a true, stg-b false)`);
    expect(preview.stdout).not.toMatch(new RegExp(`- ${only}: staging's clusters disagree`));
    expect(preview.stdout).toContain("Nothing was written (--dry-run).");

    expect((await runCli(["promote", "staging", "production", dir])).status).toBe(0);
    const answers = parseYaml(git(dir, "show", "create-cluster-repo/promote-staging-to-production:cluster-repo.yaml")).params.addons;
    expect(answers[only].enabled).toBe(true);
    expect(answers[shared].enabled).toBe(false);
    git(dir, "checkout", "-q", "main");
    git(dir, "merge", "-q", "--ff-only", "create-cluster-repo/promote-staging-to-production");
    git(dir, "branch", "-q", "-D", "create-cluster-repo/promote-staging-to-production");

    // Only the disagreement is left: exit 2 with the reason, nothing written.
    const head = git(dir, "rev-parse", "HEAD");
    const refused = await runCli(["promote", "staging", "production", dir]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain("nothing of staging can be promoted to production: its clusters disagree on");
    expect(refused.stderr).toContain(`${shared} (switch: stg-a true, stg-b false)`);
    expect(git(dir, "rev-parse", "HEAD")).toBe(head);
    expect(git(dir, "status", "--porcelain")).toBe("");
    expect(git(dir, "branch", "--list", "create-cluster-repo/promote-*")).toBe("");
    expect(read(dir, "cluster-repo.yaml")).toBe(git(dir, "show", "HEAD:cluster-repo.yaml") + "\n");
  });
});
