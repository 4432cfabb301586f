import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { loadBlueprint } from "../src/blueprints/load.js";
import { blueprintIds } from "../src/blueprints/registry.js";
import { parseParams } from "../src/params/parse.js";
import { parseSetFlag } from "../src/params/set-flags.js";
import { describeBranch, describePlan, pullRequestBody } from "../src/update/describe.js";
import { planUpdate } from "../src/update/plan.js";
import { runCli, tempDir } from "./helpers/cli.js";
import { commitFluxBootstrap, git } from "./helpers/release-fixtures.js";

/**
 * Plans that say what a merge does in the cluster: an engine switch or a cluster rename makes the engine that runs
 * there prune what it applied unless steps are taken first. They go first in plan, update and the PR body, with the
 * steps before and after the merge, and update refuses them until --confirm says the steps before are done.
 */
const work = tempDir("ccr-consequences-");
let n = 0;
const other = (engine: "flux" | "argo") => (engine === "flux" ? "argo" : "flux");
const clusterOf = (dir: string) => /clusterName: (\S+)/.exec(readFileSync(join(dir, "cluster-repo.yaml"), "utf8"))![1]!;

/** A repository as it is after Day 1: created with its URL and, with Flux, bootstrapped (flux bootstrap's commit). */
async function day1Repo(blueprint: string, engine: "flux" | "argo", options: { bootstrapped?: boolean } = {}): Promise<string> {
  const dir = join(work, `${blueprint}-${engine}-${n++}`);
  const url = `https://github.com/acme/${blueprint}.git`;
  const created = await runCli(["--blueprint", blueprint, "--gitops", engine, "--yes", "--set", `repoUrl=${url}`, dir]);
  expect(created.status, created.stderr).toBe(0);
  git(dir, "config", "user.name", "Ada Team");
  git(dir, "config", "user.email", "ada@example.com");
  if (engine === "flux" && (options.bootstrapped ?? true)) commitFluxBootstrap(dir, clusterOf(dir), url);
  return dir;
}
const state = (dir: string) => [git(dir, "rev-parse", "HEAD"), git(dir, "status", "--porcelain"), git(dir, "branch", "--list")].join("\n");
const lead = { flux: "WARNING: in the cluster: Flux, still running in the cluster, applies this merge first", argo: "WARNING: in the cluster: Argo CD, still running in the cluster, applies this merge first" };

describe.each(["flux", "argo"] as const)("switching from %s to the other engine", (engine) => {
  test.each(blueprintIds())("%s: plan puts the prune first, with the steps, and says update refuses it (exit 1)", async (blueprint) => {
    const dir = await day1Repo(blueprint, engine);
    const plan = await runCli(["plan", "--set", `gitops=${other(engine)}`], { cwd: dir });
    expect(plan.status).toBe(1);
    expect(plan.stdout.startsWith(lead[engine])).toBe(true);
    expect(plan.stdout).toContain(engine === "flux" ? "deletes the Kustomizations apps and infrastructure, and with prune: true they delete every object they applied" : `the root application ${clusterOf(dir)}-root prunes the Applications it managed`);
    expect(plan.stdout).toMatch(/\n {2}Before merging:\n {4}1\. /);
    expect(plan.stdout).toMatch(/\n {2}After merging:\n {4}1\. /);
    expect(plan.stdout.trimEnd().split("\n").at(-1)).toBe("update refuses this change until the steps before merging are done: then run it with --confirm engine-switch");
    expect((await runCli(["plan", "--set", `gitops=${other(engine)}`, "--confirm", "engine-switch"], { cwd: dir })).status).toBe(0);
  });

  test("update refuses it with the steps and writes nothing; with --confirm engine-switch it commits, the steps after the merge in the message and the PR body", async () => {
    const dir = await day1Repo(blueprintIds()[0]!, engine);
    const before = state(dir);
    const refused = await runCli(["update", "--set", `gitops=${other(engine)}`], { cwd: dir });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/^error: this change cannot be merged safely as it is; nothing was written\.\nWARNING: in the cluster: /);
    expect(refused.stderr).toContain("Do the steps before merging first, then run again with --confirm engine-switch");
    expect(state(dir)).toBe(before);
    expect((await runCli(["update", "--set", `gitops=${other(engine)}`, "--confirm", "cluster-rename"], { cwd: dir })).status).toBe(1);
    expect((await runCli(["update", "--set", `gitops=${other(engine)}`, "--confirm", "everything"], { cwd: dir })).status).toBe(2);

    const confirmed = await runCli(["update", "--set", `gitops=${other(engine)}`, "--confirm", "engine-switch"], { cwd: dir });
    expect(confirmed.status, confirmed.stderr).toBe(0);
    expect(confirmed.stdout.startsWith(lead[engine])).toBe(true);
    const message = git(dir, "log", "-1", "--format=%B");
    expect(message).toMatch(/^Update gitops=/);
    expect(message).toContain("\n- In the cluster: ");
    expect(message).toMatch(engine === "flux" ? /after merging, 1\. flux uninstall --silent/ : /after merging, 1\. Bootstrap Flux/);
    // The PR body is described from the branch, as a re-run after a failed push would describe it.
    const body = pullRequestBody(await describeBranch(dir, "main", git(dir, "rev-parse", "--abbrev-ref", "HEAD"), { repoUrls: [] }));
    expect(body).toMatch(/^> \[!CAUTION\]\n> \*\*What merging this does in the cluster\*\*\n>\n> /);
    expect(body).toMatch(/\n> Before merging:\n> - \[ \] `(flux suspend|kubectl -n argocd patch application)/);
  });
});

describe.each(["flux", "argo"] as const)("renaming the cluster with %s", (engine) => {
  test("plan says what follows the old path and how to move the engine to the new one; update needs --confirm cluster-rename", async () => {
    const dir = await day1Repo(blueprintIds()[0]!, engine);
    const old = clusterOf(dir);
    const plan = await runCli(["plan", "--set", "clusterName=prod-gpu"], { cwd: dir });
    expect(plan.status).toBe(1);
    expect(plan.stdout).toMatch(/^WARNING: in the cluster: /);
    if (engine === "flux") {
      expect(plan.stdout).toContain(`clusters/${old}/ moves to clusters/prod-gpu/, but the cluster's flux-system Kustomization still reconciles ./clusters/${old}`);
      expect(plan.stdout).toContain("--path=clusters/prod-gpu");
    } else {
      expect(plan.stdout).toContain(`application ${old}-root still follows clusters/${old}/argocd`);
      expect(plan.stdout).toContain("kubectl apply -f clusters/prod-gpu/argocd/argocd-cm.yaml -f clusters/prod-gpu/argocd/project.yaml -f clusters/prod-gpu/argocd/root.yaml");
    }
    expect(plan.stdout).toContain("--confirm cluster-rename");
    const before = state(dir);
    expect((await runCli(["update", "--set", "clusterName=prod-gpu"], { cwd: dir })).status).toBe(1);
    expect(state(dir)).toBe(before);
    const confirmed = await runCli(["update", "--set", "clusterName=prod-gpu", "--confirm", "cluster-rename"], { cwd: dir });
    expect(confirmed.status, confirmed.stderr).toBe(0);
  });
});

test("with Flux not bootstrapped yet, the consequence is said as a condition (Flux may run from elsewhere)", async () => {
  const dir = await day1Repo(blueprintIds()[0]!, "flux", { bootstrapped: false });
  const plan = await planUpdate(dir, { sets: [parseSetFlag("gitops=argo")] });
  expect(plan.consequences.map((c) => c.kind)).toEqual(["engine-switch"]);
  expect(plan.consequences[0]!.what).toMatch(/^If Flux already runs in the cluster \(this repository has no clusters\/[^/]+\/flux-system\/gotk-components\.yaml from flux bootstrap yet\): Flux, still running/);
});

describe("a change that removes objects from Git", () => {
  /**
   * `<object>.enabled=false` for every object parameter with an `enabled` switch on by default (from the schema), that
   * the blueprint's rules accept on its own.
   */
  const switches = blueprintIds().flatMap((blueprint) => {
    const loaded = loadBlueprint(blueprint);
    return Object.entries<any>(loaded.paramsSchema.properties ?? {})
      .filter(([, schema]) => schema.type === "object" && schema.properties?.enabled?.default === true)
      .filter(([name]) => parseParams({ sets: [parseSetFlag(`${name}.enabled=false`)] }, loaded).errors === undefined)
      .map(([name]) => [blueprint, name] as const);
  });

  test.each(switches)("%s --set %s.enabled=false: what the engine deletes comes first; namespaces say they take everything in them", async (blueprint, name) => {
    const dir = await day1Repo(blueprint, "flux");
    const plan = await planUpdate(dir, { sets: [parseSetFlag(`${name}.enabled=false`)] });
    const removed = plan.summary.kubernetes.removed;
    if (removed.length === 0) {
      expect(plan.consequences).toEqual([]); // a switch of something outside the cluster (auto-upgrades...)
      return;
    }
    expect(plan.consequences).toHaveLength(1);
    const [prune] = plan.consequences;
    expect(prune!.kind).toBe("prune");
    expect(prune!.confirm).toBeUndefined();
    expect(prune!.what).toContain(`Flux deletes what the change removes from Git (prune: true): ${removed.join(", ")}.`);
    expect(prune!.what.includes("Deleting a Namespace deletes everything in it")).toBe(removed.some((key) => key.startsWith("Namespace ")));
    expect(pullRequestBody(describePlan(plan))).toMatch(/^> \[!CAUTION\]/);
  });
});
