import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { parse as parseYaml } from "yaml";
import { loadBlueprint } from "../src/blueprints/load.js";
import { readFleet } from "../src/fleet/members.js";
import { removeCluster } from "../src/fleet/remove-cluster.js";
import { WORKLOAD_BASES_DIR, canonicalWorkloads, workloadBaseDirOf } from "../src/fleet/workload-bases.js";
import { runCli, tempDir } from "./helpers/cli.js";
import { builtPaths, git, kustomize, kustomizeAvailable, read } from "./helpers/fleet-builds.js";
import { fixturesDir } from "./helpers/fixtures.js";
import { cloneRepository } from "./helpers/release-fixtures.js";

/** A fleet made by main before the workload bases (test/fixtures/fleets/README.md): prod and stg (Flux), canary (Argo CD). */
const bundle = join(fixturesDir, "fleets", "d6a2ffa", "mixed-fleet.bundle");

/** Each cluster: its name, folder, engine, blueprint, and the workloads its folder holds copies of. */
function clustersOf(dir: string) {
  return readFleet(dir).members.map((member) => {
    const blueprint = loadBlueprint(member.answers.blueprint);
    const held = git(dir, "ls-files", `${member.root}apps`).split("\n").map((path) => path.slice(`${member.root}apps/`.length).split("/")[0]!);
    const workloads = [...canonicalWorkloads(blueprint).keys()].filter((workload) => held.includes(workload)).sort();
    return { name: member.name, root: member.root, engine: member.answers.gitops ?? String(member.answers.params.gitops), blueprint: blueprint.id, workloads };
  });
}

/** What every cluster applies: each folder its engine builds, and its infrastructure and apps layers (an Argo CD root reaches them through Applications). */
async function builds(dir: string, clusters: ReturnType<typeof clustersOf>): Promise<string[]> {
  const paths = [...new Set(clusters.flatMap((cluster) => [...builtPaths(dir, cluster.name, cluster.engine), `${cluster.root}infrastructure`, `${cluster.root}apps`]))];
  return Promise.all(paths.map(async (path) => `## ${path}\n${await kustomize(dir, path)}`));
}

describe("a fleet made before the workload bases (today's main: Flux and Argo CD clusters, two blueprints) migrates with update --all", () => {
  const work = tempDir("ccr-workload-bases-migrate-");

  test.skipIf(!kustomizeAvailable)("each cluster's update lists its blueprint's bases and keeps its differences as patches; the branches merge in any order, every build stays the same bytes, the team's edits stay", async () => {
    const dir = cloneRepository(bundle, join(work, "fleet"));
    const clusters = clustersOf(dir);
    expect(new Set(clusters.map((cluster) => cluster.engine))).toEqual(new Set(["flux", "argo"]));
    expect(clusters.every((cluster) => cluster.workloads.length > 0)).toBe(true);
    const before = await builds(dir, clusters);
    // The team's edits: a value of an add-on (stg) and its own app listed in the canary's apps layer.
    expect(read(dir, "fleet/stg/infrastructure/external-secrets/helmrelease.yaml")).toContain("leaderElect: false");
    expect(parseYaml(read(dir, "fleet/canary/apps/kustomization.yaml")).resources).toContain("myapp");

    const plan = await runCli(["plan", dir, "--all"]);
    expect(plan.status).toBe(0);
    const moved = plan.stdout.match(/^Moved to the fleet's shared workload bases .*$/gm) ?? [];
    expect(moved.map((line) => line.split("): ").at(-1))).toEqual(clusters.map((cluster) => cluster.workloads.map((workload) => `${cluster.root}apps/${workload}`).join(", ")));
    // The same objects, built from the base and the cluster's patches: none counted as added, changed or removed.
    expect(plan.stdout).not.toContain("Kubernetes resources (");

    const update = await runCli(["update", dir, "--all"]);
    expect(update.stderr.split("\n").filter((line) => line.startsWith("error"))).toEqual([]);
    expect(update.status).toBe(0);
    git(dir, "checkout", "-q", "main");
    // Every branch writes the bases its cluster lists with the same bytes: they merge in either order.
    for (const cluster of clusters.slice().reverse()) git(dir, "merge", "-q", "--no-edit", `create-cluster-repo/${cluster.name}-rerender`);

    for (const cluster of clusters) {
      for (const workload of cluster.workloads) {
        const base = workloadBaseDirOf(cluster.blueprint, workload);
        expect(git(dir, "ls-files", base)).not.toBe("");
        const listed = parseYaml(read(dir, `${cluster.root}apps/${workload}/kustomization.yaml`)).resources as string[];
        expect(listed[0]!.endsWith(base)).toBe(true);
      }
    }
    // One base per blueprint and workload, whatever the number of its clusters.
    expect(new Set(git(dir, "ls-files", WORKLOAD_BASES_DIR).split("\n").map((path) => path.slice(WORKLOAD_BASES_DIR.length).split("/").slice(0, 2).join("/")))).toEqual(
      new Set(clusters.flatMap((cluster) => cluster.workloads.map((workload) => `${cluster.blueprint}/${workload}`))),
    );
    expect(await builds(dir, clusters)).toEqual(before);
    expect(read(dir, "fleet/stg/infrastructure/external-secrets/helmrelease.yaml")).toContain("leaderElect: false");
    expect(parseYaml(read(dir, "fleet/canary/apps/kustomization.yaml")).resources).toContain("myapp");

    const check = await runCli(["check", dir]);
    expect(check.stdout).toContain("fleet/canary/apps/kustomization.yaml: edited by hand");
    expect(check.stdout).toContain("== cluster prod (production) ==\nAll generated files match the answers file.\n");
    expect((await runCli(["validate", dir])).status).toBe(0);
    const again = await runCli(["update", dir, "--all"]);
    expect(again.status).toBe(0);
    // A parameter a cluster sets otherwise (the fixture's canary: inference.replicas) changes its patch, and the plan
    // names the object it changes, read through the base (which that cluster's change does not hold).
    git(dir, "checkout", "-q", "main");
    const replicas = await runCli(["plan", dir, "--cluster", "canary", "--set", "inference.replicas=3"]);
    expect(replicas.stdout).toContain("Kubernetes resources (0 added, 1 changed, 0 removed):\n  ~ StatefulSet inference/inference\n");
    expect(git(dir, "branch", "--list", "create-cluster-repo/*-rerender", "--no-merged", "main")).toBe("");

    // The last cluster of a blueprint leaves: remove-cluster's last step takes its blueprint's workload bases.
    const alone = clusters.find((cluster) => clusters.filter((other) => other.blueprint === cluster.blueprint).length === 1 && cluster.root !== "")!;
    for (const step of ["workloads", "terraform"]) {
      expect([step, (await runCli(["remove-cluster", alone.name, dir])).status]).toEqual([step, 0]);
      const branch = git(dir, "rev-parse", "--abbrev-ref", "HEAD");
      git(dir, "checkout", "-q", "main");
      git(dir, "merge", "-q", "--ff-only", branch);
    }
    const forget = await removeCluster(dir, alone.name, { dryRun: true });
    expect(forget.basesGone?.workloads).toEqual(alone.workloads.map((workload) => `${alone.blueprint}/${workload}`));
    expect(forget.deletes.filter((path) => path.startsWith(WORKLOAD_BASES_DIR)).every((path) => path.startsWith(`${WORKLOAD_BASES_DIR}${alone.blueprint}/`))).toBe(true);
    expect(forget.deletes.some((path) => path.startsWith(`${WORKLOAD_BASES_DIR}${alone.blueprint}/`))).toBe(true);
  });

  test("an edit of a workload file that moves to the base is a conflict naming the file: nothing is written", async () => {
    const dir = cloneRepository(bundle, join(work, "edited"));
    const cluster = clustersOf(dir).find((c) => c.root !== "")!;
    const folder = `${cluster.root}apps/${cluster.workloads[0]}/`;
    const file = git(dir, "ls-files", folder).split("\n").find((path) => !path.endsWith("kustomization.yaml"))!;
    writeFileSync(join(dir, file), `${read(dir, file)}# ours\n`);
    git(dir, "commit", "-qam", "a note of ours");
    const head = git(dir, "rev-parse", "HEAD");
    const update = await runCli(["update", dir, "--cluster", cluster.name]);
    expect(update.status).not.toBe(0);
    expect(update.stderr).toContain(file);
    expect([git(dir, "rev-parse", "HEAD"), git(dir, "status", "--porcelain"), git(dir, "branch", "--list", "create-cluster-repo/*")]).toEqual([head, "", ""]);
    expect(read(dir, file)).toContain("# ours");
  });
});
