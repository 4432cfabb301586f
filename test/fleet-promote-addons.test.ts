import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { parse as parseYaml } from "yaml";
import { loadBlueprint } from "../src/blueprints/load.js";
import { blueprintIds } from "../src/blueprints/registry.js";
import { loadCatalog } from "../src/catalog/load.js";
import { promotedAddons } from "../src/fleet/promoted-addons.js";
import { parseParams } from "../src/params/parse.js";
import { switchedOn } from "./helpers/addon-settings.js";
import { runCli, tempDir } from "./helpers/cli.js";

const catalog = loadCatalog();
const ids = blueprintIds();
const git = (dir: string, ...args: string[]) => execFileSync("git", ["-C", dir, ...args], { encoding: "utf8" }).trim();
const base = (clusterName: string) => ({ gitops: "flux", clusterName, repoUrl: "https://github.com/acme/fleet.git" });

/** An add-on and those it depends on, each switched on as a user must (with its required settings). */
function withDependencies(name: string, into: Record<string, unknown> = {}): Record<string, unknown> {
  const addon = catalog.addons.get(name)!;
  into[name] = switchedOn(addon);
  for (const dependency of addon.dependsOn ?? []) withDependencies(dependency, into);
  return into;
}

/** A blueprint's recorded parameters (defaults filled, every add-on switch recorded), or undefined where refused. */
function recorded(blueprint: string, addons: Record<string, unknown> = {}): Record<string, any> | undefined {
  return parseParams({ values: { ...base("c1"), addons } }, loadBlueprint(blueprint)).params;
}

const enabled = (addons: Record<string, any>) => Object.keys(addons).filter((name) => addons[name]?.enabled === true);

/** Source states: each blueprint's defaults, and each add-on it offers switched on (with what it depends on). */
const sources = ids.flatMap((source) => [
  { source, label: "defaults", params: recorded(source)! },
  ...[...loadBlueprint(source).offeredAddons.keys()].map((name) => ({ source, label: name, params: recorded(source, withDependencies(name)) })),
]).filter((state) => state.params !== undefined);

describe.each(ids)("promote into a %s cluster takes every add-on entry it can run and names the others", (target) => {
  const blueprint = loadBlueprint(target);
  const own = recorded(target)!;

  test.each(sources.map((state) => [`${state.source} (${state.label})`, state] as const))("from %s", (_label, state) => {
    const { addons, leftOut } = promotedAddons(state.params!.addons, own, blueprint);
    // The target renders: what it took can run there.
    const parsed = parseParams({ values: { ...own, addons } }, blueprint);
    expect(parsed.errors).toBeUndefined();
    // Everything the source switched on is either on in the target or named with a reason.
    const named = new Map(leftOut.map(({ name, reason }) => [name, reason]));
    for (const name of enabled(state.params!.addons)) {
      expect([name, parsed.params!.addons[name]?.enabled === true || named.has(name)]).toEqual([name, true]);
    }
    // What is left out is not in the target's promoted entries (its own setting stays), and each reason says why.
    for (const { name, reason } of leftOut) {
      expect(JSON.stringify(addons[name] ?? null)).toBe(JSON.stringify(own.addons[name] ?? null));
      expect(reason).toMatch(new RegExp(`${name} (needs|cannot run beside|uses the CRDs of)|(does not offer|installs) ${name}`));
    }
  });
});

/**
 * A pair of blueprints where an add-on the source runs by default is offered by the target's blueprint but needs a
 * capability the target's defaults lack (a GPU add-on and a blueprint whose GPU pool is optional), found from the
 * blueprints' capabilities.
 */
function capabilityGap(): { source: string; target: string; addon: string } | undefined {
  for (const source of ids) {
    for (const target of ids) {
      const sourceAddons = recorded(source)!.addons;
      const blueprint = loadBlueprint(target);
      for (const name of enabled(sourceAddons)) {
        if (!blueprint.offeredAddons.has(name) || blueprint.offeredAddons.get(name)!.when !== undefined) continue;
        const missing = (catalog.addons.get(name)!.requires ?? []).some((capability) => capability in (blueprint.capabilities ?? {}));
        if (missing && recorded(target, { [name]: { enabled: true } }) === undefined) return { source, target, addon: name };
      }
    }
  }
  return undefined;
}

describe("promote from an environment whose clusters run an add-on the next environment's clusters cannot", () => {
  const work = tempDir("ccr-fleet-promote-gap-");
  const gap = capabilityGap();

  test("the shipped blueprints have such a pair (or this test proves nothing)", () => {
    expect(gap).toBeDefined();
  });

  test.skipIf(!gap)("the add-on is left out of the target and named; the rest of the promotion goes through", async () => {
    const { source, target, addon } = gap!;
    const dir = join(work, "repo");
    expect((await runCli(["-b", target, "-y", "--gitops", "flux", "--set", "clusterName=prod", "--set", "repoUrl=https://github.com/acme/fleet.git", dir])).status).toBe(0);
    expect((await runCli(["add-cluster", "stg", "--blueprint", source, "--env", "staging", dir])).status).toBe(0);
    git(dir, "checkout", "-q", "main");
    git(dir, "merge", "-q", "--ff-only", "create-cluster-repo/add-cluster-stg");
    expect(parseYaml(readFileSync(join(dir, "fleet/stg/cluster-repo.yaml"), "utf8")).params.addons[addon].enabled).toBe(true);

    const preview = await runCli(["promote", "staging", "production", "--dry-run", dir]);
    expect(preview.stderr).toBe("");
    expect(preview.status).toBe(0);
    expect(preview.stdout).toMatch(new RegExp(`- prod: ${addon} left out \\(${addon} needs `));
    const promoted = await runCli(["promote", "staging", "production", dir]);
    expect(promoted.status).toBe(0);
    const answers = parseYaml(git(dir, "show", "create-cluster-repo/promote-staging-to-production:cluster-repo.yaml"));
    expect(answers.params.addons[addon].enabled).toBe(false);
  });
});
