/**
 * The shared add-on bases of a fleet are those some cluster of the engine lists (docs/FLEETS.md, "Shared add-on
 * bases"): no base of an add-on no cluster runs; a fleet that has one (made before, when every catalog add-on with a
 * chart had its base) loses it with `update --all`, whose plan says so; check and validate pass. Both engines.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, test } from "vitest";
import { parse as parseYaml } from "yaml";
import { blueprintIds } from "../src/blueprints/registry.js";
import { loadCatalog } from "../src/catalog/load.js";
import { defaults } from "../src/defaults.js";
import { BASES_DIR } from "../src/fleet/layout.js";
import { isWorkloadBasePath } from "../src/fleet/workload-bases.js";
import { renderAddonBase, renderArgoAddonBase } from "../src/fleet/shared-bases.js";
import { gitBlobId, parseRecordFile, renderRecordFile } from "../src/generator/record.js";
import { runCli, tempDir } from "./helpers/cli.js";
import { git, read } from "./helpers/fleet-builds.js";

const catalog = loadCatalog();
const ids = blueprintIds();
const charts = [...catalog.addons.values()].filter((addon) => addon.chart).map((addon) => addon.name);

/**
 * The bases the repository holds: `<add-on>` (Flux, and the add-on's Namespace base, which a Flux base and an Argo CD
 * cluster's add-on folder list) and `<add-on>/argocd` (Argo CD).
 */
function basesHeld(dir: string): string[] {
  // The workload bases (src/fleet/workload-bases.ts) follow the fleet's blueprints: test/fleet-workload-bases.test.ts.
  const paths = git(dir, "ls-files", BASES_DIR).split("\n").filter((path) => path && !isWorkloadBasePath(path));
  return [...new Set(paths.map((path) => path.slice(BASES_DIR.length).split("/")).map(([addon, sub]) => (sub === "argocd" ? `${addon}/argocd` : addon!)))].sort();
}

/** The bases the clusters' kustomizations list (outside the bases): the same form as {@link basesHeld}. */
function basesListed(dir: string): string[] {
  const listed = new Set<string>();
  for (const path of git(dir, "ls-files").split("\n").filter((path) => path.endsWith("kustomization.yaml") && !path.startsWith(BASES_DIR))) {
    const folder = dirname(path);
    for (const entry of (parseYaml(read(dir, path))?.resources ?? []) as string[]) {
      const target = join(folder, entry);
      if (!target.startsWith(BASES_DIR) || isWorkloadBasePath(target)) continue;
      const [addon, sub] = target.slice(BASES_DIR.length).split("/");
      listed.add(sub === "argocd" ? `${addon}/argocd` : addon!);
    }
  }
  return [...listed].sort();
}

function mergeCurrent(dir: string, branch = git(dir, "rev-parse", "--abbrev-ref", "HEAD")): void {
  git(dir, "checkout", "-q", "main");
  git(dir, "merge", "-q", "--ff-only", branch);
}

describe.each(["flux", "argo"] as const)("a fleet's shared bases are those its clusters list (%s)", (engine) => {
  const work = tempDir(`ccr-fleet-used-bases-${engine}-`);

  test("add-cluster writes only listed bases; a base no cluster lists leaves with update --all, and the plan says so", async () => {
    const dir = join(work, "fleet");
    expect((await runCli(["-b", ids[0]!, "-y", "--gitops", engine, "--set", "clusterName=prod", "--set", "repoUrl=https://github.com/acme/fleet.git", dir])).status).toBe(0);
    expect((await runCli(["add-cluster", "stg", "--blueprint", ids[1 % ids.length]!, dir])).status).toBe(0);
    mergeCurrent(dir);
    const listed = basesListed(dir);
    expect(listed.length).toBeGreaterThan(0);
    expect(basesHeld(dir)).toEqual(listed);

    // A fleet made before: the base of an add-on no cluster runs, with the catalog's bytes, in the first cluster's record.
    const unused = charts.find((name) => !listed.some((base) => base.split("/")[0] === name));
    expect(unused).toBeDefined();
    const files = engine === "flux" ? renderAddonBase(catalog.addons.get(unused!)!, catalog) : renderArgoAddonBase(catalog.addons.get(unused!)!);
    const record = parseRecordFile(read(dir, defaults.renderRecord));
    for (const [path, content] of files) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), content);
      record.files.set(path, gitBlobId(content));
    }
    writeFileSync(join(dir, defaults.renderRecord), renderRecordFile(record));
    git(dir, "add", "-A");
    git(dir, "commit", "-qm", "a base every catalog add-on had");
    // check names it, and says to update.
    const stale = await runCli(["check", dir]);
    expect(stale.status).toBe(1);
    expect(stale.stdout).toContain(`${files[0]![0]}: renders differently`);
    expect(stale.stdout).toContain("Run `create-cluster-repo update`");

    const gone = engine === "flux" ? unused! : `${unused}/argocd`;
    const plan = await runCli(["plan", "--all", dir]);
    expect(plan.status).toBe(0);
    expect(plan.stdout).toContain(`Removed from the fleet's shared add-on bases (${BASES_DIR}<add-on>/; no cluster of the fleet runs these add-ons with that engine any more): ${gone}\n`);
    const update = await runCli(["update", "--all", dir]);
    expect(update.stderr.split("\n").filter((line) => line.startsWith("error"))).toEqual([]);
    expect(update.status).toBe(0);
    mergeCurrent(dir, "create-cluster-repo/prod-rerender");
    expect(basesHeld(dir)).toEqual(listed);
    expect((await runCli(["check", dir])).status).toBe(0);
    expect((await runCli(["validate", dir])).status).toBe(0);
  });
});
