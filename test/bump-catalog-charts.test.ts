/**
 * scripts/bump-catalog-charts.mjs on a copy of the catalog and fixture indexes (test/fixtures/catalog/chart-indexes/):
 * the add-ons of that repository move to its newest release in their major version (or beyond, with --major), never
 * to a pre-release or a deprecated one, keeping the "v" their versions carry; only the version changes in the file,
 * and the catalog still loads.
 */
import { execFile } from "node:child_process";
import { cpSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, test } from "vitest";
import { loadCatalog } from "../src/catalog/load.js";
import { tempDir } from "./helpers/cli.js";
import { fixturesDir, repoRoot } from "./helpers/fixtures.js";

const run = promisify(execFile);
const INDEXES = join(fixturesDir, "catalog", "chart-indexes");
const script = join(repoRoot, "scripts", "bump-catalog-charts.mjs");

/** A scratch checkout holding a copy of the catalog. */
function scratch(): string {
  const root = tempDir("ccr-bump-");
  cpSync(join(repoRoot, "addons"), join(root, "addons"), { recursive: true });
  return root;
}

const bump = (root: string, ...args: string[]) => run(process.execPath, [script, "--root", root, ...args]);
const read = (root: string, name: string) => readFileSync(join(root, "addons", name, "addon.yaml"), "utf8");

/** The add-ons whose chart comes from a repository, by the catalog's own data. */
const fromRepository = (url: string) => [...loadCatalog().addons.values()].filter((addon) => addon.chart?.repository.url === url);

describe("bump-catalog-charts", () => {
  const prometheus = "https://prometheus-community.github.io/helm-charts";
  const nvidia = "https://helm.ngc.nvidia.com/nvidia";

  test("moves the repository's add-ons to the newest release of their major version, and changes nothing else", async () => {
    expect(fromRepository(prometheus).length).toBeGreaterThan(0);
    const root = scratch();
    const { stdout } = await bump(root, "--index", join(INDEXES, "prometheus-community.yaml"), "--repository", prometheus);
    for (const addon of fromRepository(prometheus)) {
      const before = read(repoRoot, addon.name);
      const after = read(root, addon.name);
      expect(after).toBe(before.replace(`version: "${addon.chart!.version}"`, 'version: "88.6.1"'));
      expect(after).not.toBe(before);
      expect(stdout).toContain(`addons/${addon.name}: kube-prometheus-stack ${addon.chart!.version} -> 88.6.1`);
    }
    // Add-ons of other repositories are untouched.
    for (const name of readdirSync(join(root, "addons")).filter((name) => !fromRepository(prometheus).some((addon) => addon.name === name))) {
      if (name.endsWith(".json") || name.endsWith(".md") || name.endsWith(".yaml")) continue;
      expect(read(root, name), name).toBe(read(repoRoot, name));
    }
    expect(loadCatalog(join(root, "addons")).addons.get(fromRepository(prometheus)[0]!.name)!.chart!.version).toBe("88.6.1");
  });

  test("--major crosses the major version; a version with a v keeps it", async () => {
    const root = scratch();
    await bump(root, "--index", join(INDEXES, "prometheus-community.yaml"), "--repository", `${prometheus}/`, "--major");
    for (const addon of fromRepository(prometheus)) expect(read(root, addon.name)).toContain('version: "89.0.0"');
    const { stdout } = await bump(root, "--index", join(INDEXES, "nvidia.yaml"), "--repository", nvidia);
    for (const addon of fromRepository(nvidia)) {
      expect(read(root, addon.name)).toContain('version: "v26.8.1"');
      expect(stdout).toContain(`${addon.chart!.version} -> v26.8.1`);
    }
  });

  test("--dry-run writes nothing; an up-to-date catalog says so", async () => {
    const root = scratch();
    const { stdout } = await bump(root, "--index", join(INDEXES, "prometheus-community.yaml"), "--repository", prometheus, "--dry-run");
    expect(stdout).toContain("(dry run)");
    for (const addon of fromRepository(prometheus)) expect(read(root, addon.name)).toBe(read(repoRoot, addon.name));
    await bump(root, "--index", join(INDEXES, "prometheus-community.yaml"), "--repository", prometheus);
    const again = await bump(root, "--index", join(INDEXES, "prometheus-community.yaml"), "--repository", prometheus);
    expect(again.stdout).toContain("88.6.1 is the newest in its major version");
  });

  test("bad usage or an index that is not one: exit 2, nothing written", async () => {
    const root = scratch();
    await expect(bump(root, "--index", join(INDEXES, "prometheus-community.yaml"))).rejects.toMatchObject({ code: 2 });
    await expect(bump(root, "--index", join(repoRoot, "package.json"), "--repository", prometheus)).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining("not a Helm repository index") });
    await expect(bump(root, "--index", join(INDEXES, "nvidia.yaml"), "--repository", "oci://ghcr.io/x")).rejects.toMatchObject({ code: 2 });
    for (const addon of loadCatalog().addons.values()) expect(read(root, addon.name)).toBe(read(repoRoot, addon.name));
  });
});
