import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { parse as parseYaml } from "yaml";
import { blueprintIds } from "../src/blueprints/registry.js";
import { defaults } from "../src/defaults.js";
import { parseRecordFile } from "../src/generator/record.js";
import { renderBlueprint } from "../src/render-blueprint.js";
import { runCli, tempDir } from "./helpers/cli.js";
import { poolSizeChange } from "./helpers/day1.js";
import { git } from "./helpers/release-fixtures.js";

/**
 * The team's own workloads are first-class: team/apps/ and team/infrastructure/ are wired in by both engines and
 * never owned by the tool (written once, never merged into, not in the record nor in check). update validates what
 * it produces with every file of the repository, and a refusal prints the failing checks.
 */
const work = tempDir("ccr-team-");
let n = 0;
const cases = blueprintIds().flatMap((blueprint) => (["flux", "argo"] as const).map((engine) => [blueprint, engine] as const));

async function repo(blueprint: string, engine: "flux" | "argo" = "flux"): Promise<string> {
  const dir = join(work, `${blueprint}-${engine}-${n++}`);
  const created = await runCli(["--blueprint", blueprint, "--gitops", engine, "--yes", "--set", `repoUrl=https://github.com/acme/${blueprint}.git`, dir]);
  expect(created.status, created.stderr).toBe(0);
  git(dir, "config", "user.name", "Ada Team");
  git(dir, "config", "user.email", "ada@example.com");
  return dir;
}
const write = (dir: string, path: string, content: string) => {
  mkdirSync(join(dir, path, ".."), { recursive: true });
  writeFileSync(join(dir, path), content);
};
const commitAll = (dir: string, message: string) => {
  git(dir, "add", "-A");
  git(dir, "commit", "--quiet", "-m", message);
};
/** A kustomization.yaml's resources with `entry` added, as a person adds a line. */
const listIn = (dir: string, path: string, entry: string) => {
  const text = readFileSync(join(dir, path), "utf8");
  writeFileSync(join(dir, path), text.includes("resources: []") ? text.replace("resources: []", `resources:\n  - ${entry}`) : `${text.trimEnd()}\n  - ${entry}\n`);
};
const configMapApp = (dir: string, root: string, name: string) => {
  write(dir, `${root}/${name}/kustomization.yaml`, "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - configmap.yaml\n");
  write(dir, `${root}/${name}/configmap.yaml`, `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: default\ndata:\n  greeting: hello\n`);
};

describe("team/ in every render", () => {
  test.each(cases)("%s (%s): wired in by the engine, its kustomization.yaml files rendered, none of it in the record", async (blueprint, engine) => {
    const { tree, context } = await renderBlueprint(blueprint, { values: { gitops: engine } });
    for (const layer of ["apps", "infrastructure"]) {
      expect(parseYaml(tree.get(`team/${layer}/kustomization.yaml`)!)).toEqual({ apiVersion: "kustomize.config.k8s.io/v1beta1", kind: "Kustomization", resources: [] });
      if (engine === "flux") {
        const wiring = parseYaml(tree.get(`${context.gitops.clusterPath}/team-${layer}.yaml`)!);
        expect(wiring.kind).toBe("Kustomization");
        expect(wiring.spec.path).toBe(`./team/${layer}`);
        expect(wiring.spec.dependsOn.map((d: { name: string }) => d.name)).toContain("infrastructure");
      } else {
        const wiring = parseYaml(tree.get(`${context.gitops.clusterPath}/argocd/apps/team-${layer}.yaml`)!);
        expect(wiring.kind).toBe("Application");
        expect(wiring.spec.source.path).toBe(`team/${layer}`);
        expect(Number(wiring.metadata.annotations["argocd.argoproj.io/sync-wave"])).toBeGreaterThan(Number(context.argoSyncWaves.infrastructure));
      }
    }
    expect(tree.get("team/README.md")).toContain("This folder is yours.");
    expect([...parseRecordFile(tree.get(defaults.renderRecord)!).files.keys()].filter((path) => path.startsWith("team/"))).toEqual([]);
  });
});

describe("the team's own app", () => {
  test.each(blueprintIds())("%s: in team/apps/, check passes and a later update validates it with the render, leaving it alone", async (blueprint) => {
    const dir = await repo(blueprint);
    configMapApp(dir, "team/apps", "myapp");
    listIn(dir, "team/apps/kustomization.yaml", "myapp");
    commitAll(dir, "Add myapp");
    const listing = readFileSync(join(dir, "team/apps/kustomization.yaml"), "utf8");
    expect((await runCli(["check"], { cwd: dir })).status).toBe(0);
    const update = await runCli(["update", "--set", poolSizeChange(blueprint)], { cwd: dir });
    expect(update.status, update.stderr).toBe(0);
    expect(readFileSync(join(dir, "team/apps/kustomization.yaml"), "utf8")).toBe(listing);
    expect(git(dir, "diff", "--name-only", "main", "HEAD")).not.toContain("team/");
    expect((await runCli(["check"], { cwd: dir })).status).toBe(0);
  });

  test.each(blueprintIds())("%s: listed in the generated apps/kustomization.yaml (as before team/ existed), a later update validates it with the repository's files", async (blueprint) => {
    // The issue's case: the merged result was validated without the team's files, so `myapp` "does not exist in the
    // repository" and the refusal said "0 invalid, 0 errors".
    const dir = await repo(blueprint);
    configMapApp(dir, "apps", "myapp");
    listIn(dir, "apps/kustomization.yaml", "myapp");
    commitAll(dir, "Add myapp");
    const update = await runCli(["update", "--set", poolSizeChange(blueprint)], { cwd: dir });
    expect(update.status, update.stderr + update.stdout).toBe(0);
    expect(update.stderr).not.toContain("already failing");
    expect(readFileSync(join(dir, "apps/kustomization.yaml"), "utf8")).toMatch(/^ {2}- myapp$/m);
  });
});

describe("a refused update prints the failing checks", () => {
  test("a change that breaks what the team's files point at: refused, exit 1, every failing check printed and named in the error", async () => {
    const dir = await repo("kapsule-gpu");
    // The team's kustomization builds on a generated folder that the change removes.
    listIn(dir, "team/apps/kustomization.yaml", "../../apps/gpu-smoke-test");
    commitAll(dir, "Our apps include the smoke test");
    const head = git(dir, "rev-parse", "HEAD");
    const plan = await runCli(["plan", "--set", "smokeTest.enabled=false"], { cwd: dir });
    expect(plan.status).toBe(1);
    expect(plan.stdout).toContain("The change fails validation (update refuses it):\nteam/apps/kustomization.yaml\n");
    expect(plan.stdout).toMatch(/team\/apps\/kustomization\.yaml:\d+ error .*\[kustomize-resource-missing\]/);
    const update = await runCli(["update", "--set", "smokeTest.enabled=false"], { cwd: dir });
    expect(update.status).toBe(1);
    expect(update.stdout).toMatch(/team\/apps\/kustomization\.yaml:\d+ error .*\[kustomize-resource-missing\]/);
    expect(update.stderr).toMatch(/^error: validation failed: 0 invalid resource\(s\), 1 failing check\(s\) \(team\/apps\/kustomization\.yaml:\d+ \[kustomize-resource-missing\]\); nothing was written\n$/);
    expect(git(dir, "rev-parse", "HEAD")).toBe(head);
    expect(git(dir, "status", "--porcelain")).toBe("");
  });

  test("a failure the repository already had is not the change's: the update goes through and says so", async () => {
    const dir = await repo("kapsule-gpu");
    listIn(dir, "team/apps/kustomization.yaml", "not-there");
    commitAll(dir, "A listing that points nowhere");
    const update = await runCli(["update", "--set", poolSizeChange("kapsule-gpu")], { cwd: dir });
    expect(update.status, update.stderr).toBe(0);
    expect(update.stderr).toMatch(/warning: already failing before this change \(not caused by it\): team\/apps\/kustomization\.yaml:\d+ .*\[kustomize-resource-missing\]/);
  });
});

describe("team/ is never owned", () => {
  test("an edited listing is kept and not checked; a deleted one is written again by the next update", async () => {
    const dir = await repo(blueprintIds()[0]!, "argo");
    write(dir, "team/infrastructure/kustomization.yaml", "# ours\napiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: []\n");
    rmSync(join(dir, "team/apps/kustomization.yaml"));
    rmSync(join(dir, "team/README.md"));
    commitAll(dir, "Our own listing; no apps yet");
    expect((await runCli(["check"], { cwd: dir })).status).toBe(0);
    const update = await runCli(["update", "--set", poolSizeChange(blueprintIds()[0]!)], { cwd: dir });
    expect(update.status, update.stderr).toBe(0);
    expect(readFileSync(join(dir, "team/infrastructure/kustomization.yaml"), "utf8")).toMatch(/^# ours\n/);
    expect(readFileSync(join(dir, "team/apps/kustomization.yaml"), "utf8")).toContain("resources: []");
    expect(git(dir, "diff", "--name-only", "main", "HEAD").split("\n").filter((path) => path.startsWith("team/"))).toEqual(["team/README.md", "team/apps/kustomization.yaml"]);
  });
});
