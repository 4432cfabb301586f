import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { parseAllDocuments, parse as parseYaml, stringify } from "yaml";
import { loadCatalog } from "../src/catalog/load.js";
import { argoBaseDirOf, namespaceBaseDirOf } from "../src/fleet/shared-bases.js";
import { runCli, tempDir } from "./helpers/cli.js";
import { git, kustomize, kustomizeAvailable, read } from "./helpers/fleet-builds.js";
import { fixturesDir } from "./helpers/fixtures.js";
import { cloneRepository } from "./helpers/release-fixtures.js";
import { expectSettled, updateAllAndMerge } from "./helpers/fleet-migration.js";

const catalog = loadCatalog();
const bundle = join(fixturesDir, "fleets", "0.2.0", "argo-fleet.bundle");
const clusters = ["prod", "stg"];
/** The add-on Applications a cluster's folder holds: the chart add-ons it runs. */
const addonApplications = (dir: string, cluster: string) =>
  git(dir, "ls-files", `clusters/${cluster}/argocd/apps`)
    .split("\n")
    .map((path) => /\/([^/]+)\.yaml$/.exec(path)![1]!)
    .filter((name) => catalog.addons.get(name)?.chart);

describe("an Argo CD fleet made by 0.2.0 (each cluster with its own Applications) migrates with update --all", () => {
  const work = tempDir("ccr-argo-bases-migrate-");

  test.skipIf(!kustomizeAvailable)("each cluster's update makes its Applications patches of the bases, the branches merge in any order, the builds stay the same bytes and the team's edit stays", async () => {
    const dir = cloneRepository(bundle, join(work, "fleet"));
    const builds = async () => Promise.all(clusters.map((cluster) => kustomize(dir, `clusters/${cluster}/argocd`)));
    const before = await builds();
    const edited = "clusters/stg/argocd/apps/external-secrets.yaml";
    expect(read(dir, edited)).toContain("leaderElect: false");
    const moved = Object.fromEntries(clusters.map((cluster) => [cluster, addonApplications(dir, cluster)]));
    expect(moved.stg!.length).toBeGreaterThan(0);

    const plan = await runCli(["plan", dir, "--all"]);
    expect(plan.status).toBe(0);
    const lines = plan.stdout.match(/^Moved to the fleet's shared add-on bases .*$/gm) ?? [];
    expect(lines.map((line) => line.split(": ").at(-1))).toEqual(["stg", "prod"].map((cluster) => moved[cluster]!.sort().join(", ")));
    // The same Applications, built from the base and the patch: not counted as changed.
    expect(plan.stdout).not.toMatch(/^ {2}~ Application argocd\//m);

    // Both branches write the bases the stg cluster lists, with the same bytes: they merge without a conflict.
    await updateAllAndMerge(dir);
    for (const cluster of clusters) {
      for (const name of moved[cluster]!) {
        expect(git(dir, "ls-files", argoBaseDirOf(name))).not.toBe("");
        expect(parseYaml(read(dir, `clusters/${cluster}/argocd/apps/${name}.yaml`)).spec.source).not.toHaveProperty("chart");
      }
    }
    expect(await builds()).toEqual(before);
    expect(read(dir, edited)).toContain("leaderElect: false");

    await expectSettled(dir, edited);
    expect(git(dir, "branch", "--list", "create-cluster-repo/*-rerender", "--no-merged", "main")).toBe("");
  });

  test("an edit of what moves to the base is a conflict naming the file, the base the line moved to and how to carry the edit over: nothing is written", async () => {
    const dir = cloneRepository(bundle, join(work, "edited"));
    const addon = addonApplications(dir, "stg")[0]!;
    const application = `clusters/stg/argocd/apps/${addon}.yaml`;
    writeFileSync(join(dir, application), read(dir, application).replace("selfHeal: true", "selfHeal: false"));
    git(dir, "commit", "-qam", "no self-heal");
    const head = git(dir, "rev-parse", "HEAD");
    const update = await runCli(["update", dir, "--cluster", "stg"]);
    expect(update.status).not.toBe(0);
    const moved =
      `${application}: your edits and the new render change the same lines: the lines you edited (\`selfHeal: true\`) now live in ` +
      `${argoBaseDirOf(addon)}/application.yaml, the shared base every Argo CD cluster of the fleet that runs ${addon} lists`;
    expect(update.stderr).toContain(moved);
    expect(update.stderr).toContain("this file is a patch of it. To keep your edit for this cluster only, run update with --conflict markers and resolve on the branch: keep the new patch and add the keys you changed to it");
    expect([git(dir, "rev-parse", "HEAD"), git(dir, "status", "--porcelain"), git(dir, "branch", "--list", "create-cluster-repo/*")]).toEqual([head, "", ""]);
    expect(read(dir, application)).toContain("selfHeal: false");
    // plan says the same before anything is tried.
    expect((await runCli(["plan", dir, "--cluster", "stg"])).stdout).toContain(moved);
  });

  test("an edited Namespace the move deletes is a conflict naming the Namespace base both engines share: nothing is written", async () => {
    const dir = cloneRepository(bundle, join(work, "namespace-edited"));
    const addon = addonApplications(dir, "stg").find((name) => git(dir, "ls-files", `fleet/stg/infrastructure/${name}/namespace.yaml`) !== "")!;
    const namespace = `fleet/stg/infrastructure/${addon}/namespace.yaml`;
    writeFileSync(join(dir, namespace), `${read(dir, namespace)}# the team's\n`);
    git(dir, "commit", "-qam", "a note in a namespace");
    const head = git(dir, "rev-parse", "HEAD");
    const update = await runCli(["update", dir, "--cluster", "stg"]);
    expect(update.status).not.toBe(0);
    expect(update.stderr).toContain(
      `${namespace}: you edited a file the new render removes: in a fleet it comes from ${namespaceBaseDirOf(addon)}/namespace.yaml, the shared base every cluster of the fleet that runs ${addon} lists (docs/FLEETS.md, "One Namespace base for both engines")`,
    );
    expect([git(dir, "rev-parse", "HEAD"), git(dir, "status", "--porcelain"), git(dir, "branch", "--list", "create-cluster-repo/*")]).toEqual([head, "", ""]);
    expect(read(dir, namespace)).toContain("# the team's");
  });

  test.skipIf(!kustomizeAvailable)("the edit carried over as the conflict says (--conflict markers, the new patch plus the changed key) builds with the edit and the base's other lines", async () => {
    const dir = cloneRepository(bundle, join(work, "carried"));
    const addon = addonApplications(dir, "stg")[0]!;
    const application = `clusters/stg/argocd/apps/${addon}.yaml`;
    writeFileSync(join(dir, application), read(dir, application).replace("selfHeal: true", "selfHeal: false"));
    git(dir, "commit", "-qam", "no self-heal");
    expect((await runCli(["update", dir, "--cluster", "stg", "--conflict", "markers"])).status).toBe(0);
    // Resolved on the branch as the message says: the new patch (the "generated now" side), plus the key changed.
    const resolved = read(dir, application).replace(/<<<<<<< yours\n[\s\S]*?\n=======\n([\s\S]*?)>>>>>>> generated now\n/g, "$1");
    const patch = parseYaml(resolved);
    expect(patch.spec).not.toHaveProperty("syncPolicy");
    patch.spec.syncPolicy = { automated: { selfHeal: false } };
    writeFileSync(join(dir, application), stringify(patch));
    const built = parseAllDocuments(await kustomize(dir, "clusters/stg/argocd"))
      .map((doc) => doc.toJS())
      .find((object) => object?.kind === "Application" && object.metadata.name === addon);
    expect(built.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: false });
    expect(built.spec.source.chart).toBeDefined();
  });
});
