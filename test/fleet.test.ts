import { execFileSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { parse as parseYaml } from "yaml";
import { blueprintIds } from "../src/blueprints/registry.js";
import { loadCatalog } from "../src/catalog/load.js";
import { inAddonFolder } from "../src/fleet/shared-bases.js";
import { recordingCli, runCli, tempDir } from "./helpers/cli.js";
import { useGitHubDouble } from "./helpers/github-api-server.js";
import { cloneRelease, releaseCases } from "./helpers/release-fixtures.js";
import { read } from "./helpers/fleet-builds.js";

const git = (dir: string, ...args: string[]) => execFileSync("git", ["-C", dir, ...args], { encoding: "utf8" }).trim();
/** Every blueprint's data decides: a fleet of two different blueprints, whichever the repository ships. */
const [firstBlueprint, addedBlueprint] = (() => {
  const ids = blueprintIds();
  return [ids[0]!, ids[1] ?? ids[0]!];
})();
const engines = ["flux", "argo"] as const;

/** The state key a Terraform root's backend.tf names. */
const stateKey = (dir: string, root: string) => /key\s*=\s*"([^"]+)"/.exec(read(dir, `${root}terraform/backend.tf`))?.[1];

/** What a branch changed against main: path list. */
const changedPaths = (dir: string, branch: string) => git(dir, "diff", "--name-only", `main...${branch}`).split("\n").filter(Boolean);

describe.each(engines)("a repository made by create turned into a fleet (%s), against the local git server and the GitHub double", (engine) => {
  const TOKEN = "ghp_FleetTestToken0123456789abcdefghijklmnopq";
  const servers = useGitHubDouble(TOKEN);
  const { cli } = recordingCli({ GITHUB_TOKEN: TOKEN });
  const work = tempDir(`ccr-fleet-${engine}-`);

  test("add-cluster --pr proposes the second cluster beside the first, whose files and state key do not move; check, plan, validate and update --all cover both", async () => {
    const dir = join(work, "fleet");
    const made = await cli(["-b", firstBlueprint, "-y", "--gitops", engine, "--set", "clusterName=prod", "--github", `octocat/fleet-${engine}`, "--github-api-url", servers.api.url, dir]);
    expect(made.status).toBe(0);
    const firstFiles = git(dir, "ls-files").split("\n");
    const firstKey = stateKey(dir, "");

    const preview = await cli(["add-cluster", "stg", "--blueprint", addedBlueprint, "--dry-run", dir]);
    expect(preview.status).toBe(0);
    expect(preview.stdout).toContain("Nothing was written.");
    expect(git(dir, "status", "--porcelain")).toBe("");
    expect(git(dir, "branch", "--list", "create-cluster-repo/*")).toBe("");

    const added = await cli(["add-cluster", "stg", "--blueprint", addedBlueprint, "--pr", "--github-api-url", servers.api.url, dir]);
    expect(added.stderr.split("\n").filter((line) => line.startsWith("error"))).toEqual([]);
    expect(added.status).toBe(0);
    const branch = "create-cluster-repo/add-cluster-stg";
    expect(git(dir, "rev-parse", "--abbrev-ref", "HEAD")).toBe(branch);

    // New files, the repository-wide CI, the first cluster's README (its credentials now go to its environments) and
    // the wiring of the first cluster's environment overlay (Flux: the line that lists it; Argo CD: its root's folder
    // built by a kustomization that lists it), with the first cluster's record of them: its meaning is untouched
    // (test/fleet-overlays.test.ts and test/fleet-environment-values.test.ts build it), and it joins the fleet where it is.
    const changed = changedPaths(dir, branch);
    const ci = [".github/scripts/publish-plan-state.sh", ".github/workflows/terraform.yml", ".github/workflows/validate.yml"];
    const argoKustomization = "clusters/prod/argocd/kustomization.yaml";
    const joined = [".cluster-repo/rendered.yaml", ...ci, "README.md", ...(engine === "flux" ? ["infrastructure/kustomization.yaml"] : [argoKustomization, "clusters/prod/argocd/root.yaml"])];
    // A Flux first cluster's add-on folders list the shared bases (environments/_bases/): the same objects
    // (test/fleet-overlays.test.ts builds them), its Namespaces and HelmRepositories moved there.
    const catalog = loadCatalog();
    // An Argo CD first cluster's add-on Applications become patches of the bases, which its apps/ lists.
    // Its workloads list their blueprint's shared bases (src/fleet/workload-bases.ts).
    // Its add-on folders, either engine, take their Namespace from the add-on's shared Namespace base.
    const listsBases = (path: string) => path.startsWith("apps/") || inAddonFolder(path, "", catalog) || (engine !== "flux" && path.startsWith("clusters/prod/argocd/apps/"));
    expect(changed.some(listsBases)).toBe(true);
    expect(changed.filter((path) => !(path === "fleet.yaml" || path.startsWith("fleet/stg/") || path.startsWith("clusters/stg/") || path.startsWith("environments/") || listsBases(path)))).toEqual(joined);
    expect(changed.filter((path) => firstFiles.includes(path) && !listsBases(path))).toEqual(joined.filter((path) => path !== argoKustomization));
    // The terraform workflow now plans both roots, each in its own environments.
    const roots = JSON.parse(parseYaml(read(dir, ".github/workflows/terraform.yml")).jobs.roots.steps.at(-1).env.ROOTS);
    expect(roots.map((root: { cluster: string; dir: string }) => `${root.cluster}:${root.dir}`).sort()).toEqual(["prod:terraform", "stg:fleet/stg/terraform"]);
    expect(changed).toContain("fleet/stg/cluster-repo.yaml");
    expect(changed).toContain("fleet/stg/.cluster-repo/rendered.yaml");
    expect(stateKey(dir, "")).toBe(firstKey);
    expect(stateKey(dir, "fleet/stg/")).toBeDefined();
    expect(stateKey(dir, "fleet/stg/")).not.toBe(firstKey);
    const fleet = parseYaml(read(dir, "fleet.yaml"));
    expect(fleet).toEqual({ environments: ["staging", "production"], promotable: [], clusters: { prod: "production", stg: "staging" } });
    const answers = parseYaml(read(dir, "fleet/stg/cluster-repo.yaml"));
    expect(answers.blueprint).toBe(addedBlueprint);
    expect(answers.gitops).toBe(engine);
    expect(answers.params.repoUrl).toBe(parseYaml(read(dir, "cluster-repo.yaml")).params.repoUrl);

    // The new cluster's GitOps objects follow its own folders; none of the first cluster's.
    const gitopsText = changed.filter((path) => path.startsWith("clusters/stg/")).map((path) => read(dir, path)).join("\n");
    const paths = [...gitopsText.matchAll(/^\s+path: (\S+)$/gm)].map((m) => m[1]!.replace(/^"|"$/g, "")).filter((path) => !path.startsWith("clusters/") && !path.startsWith("./clusters/") && !path.startsWith("manifests/"));
    expect(paths.length).toBeGreaterThan(1);
    for (const path of paths) expect(path.replace(/^\.\//, "")).toMatch(/^fleet\/stg\//);

    // The pull request, on the double, from the pushed branch into main.
    const pull = servers.api.state().pulls.find((p) => p.head === branch || p.head.endsWith(`:${branch}`));
    expect(pull?.base).toBe("main");
    expect(pull?.title).toBe(`Add ${addedBlueprint} cluster stg to the fleet (staging)`);
    expect(pull?.body).toContain("state key");
    // The first cluster's files that move to the shared bases are named, with what the bases hold.
    expect(pull?.body).toMatch(/^- Moves to the fleet's shared bases \(`environments\/_bases\/`: add-ons, their Namespaces and the blueprint's workloads, the same for every cluster that runs them\): `[^`]+`/m);
    expect(git(join(servers.git.root, `octocat/fleet-${engine}.git`), "rev-parse", branch)).toBe(git(dir, "rev-parse", branch));
    expect(servers.api.takeViolations()).toEqual([]);

    // Re-running finds its own branch and pull request.
    const again = await cli(["add-cluster", "stg", "--blueprint", addedBlueprint, "--pr", "--github-api-url", servers.api.url, dir]);
    expect(again.status).toBe(0);
    expect(again.stdout).toContain("Already proposed");
    expect(again.stdout).toMatch(/Pull request #\d+ updated/);

    // Merged: every fleet-wide command sees both clusters, each with its own verdict.
    git(dir, "checkout", "-q", "main");
    git(dir, "merge", "-q", "--ff-only", branch);
    const check = await runCli(["check", dir]);
    expect(check.stdout).toBe("== cluster stg (staging), fleet/stg/ ==\nAll generated files match the answers file.\n== cluster prod (production) ==\nAll generated files match the answers file.\n");
    expect(check.status).toBe(0);
    const validated = await runCli(["validate", dir, "--strict", "--pod-security", "restricted"]);
    expect(validated.status).toBe(0);
    // Its report, a heading per cluster and the repository-wide files last; JSON names each cluster's verdict.
    const headings = validated.stdout.split("\n").filter((line) => line.startsWith("== "));
    expect(headings).toEqual(["== cluster stg (staging), fleet/stg/ ==", "== cluster prod (production) ==", "== repository-wide files =="]);
    const validatedJson = JSON.parse((await runCli(["validate", dir, "-o", "json"])).stdout);
    expect(validatedJson.clusters.map((c: { cluster: string | null; valid: boolean; resources: number }) => [c.cluster, c.valid, c.resources > 0])).toEqual([
      ["stg", true, true],
      ["prod", true, true],
      // The repository's own: the environments' overlays (kustomize Components), shared by their clusters.
      [null, true, true],
    ]);
    const plan = await runCli(["plan", dir, "--all", "-o", "json"]);
    expect(plan.status).toBe(0);
    expect(JSON.parse(plan.stdout).map((p: { cluster: string; environment: string }) => [p.cluster, p.environment])).toEqual([
      ["stg", "staging"],
      ["prod", "production"],
    ]);

    // A hand edit in the added cluster is found there, and named by its cluster.
    // (Its workloads' own files are patches of their blueprint's bases, in their kustomization.yaml.)
    const job = git(dir, "ls-files", "fleet/stg/apps").split("\n").find((path) => /\/apps\/[^/]+\/[^/]+\.yaml$/.test(path))!;
    writeFileSync(join(dir, job), `${read(dir, job)}# edited\n`);
    const edited = await runCli(["check", dir, "--env", "staging"]);
    expect(edited.status).toBe(1);
    expect(edited.stdout).toContain(`${job}: edited by hand`);
    expect(edited.stdout).not.toContain("cluster prod");
    git(dir, "checkout", "--", job);

    // update --all: one branch per cluster, each holding only its cluster's change, in environment order.
    const update = await runCli(["update", dir, "--all", "--set", "kubernetesVersion=1.35"]);
    expect(update.stderr.split("\n").filter((line) => line.startsWith("error"))).toEqual([]);
    expect(update.status).toBe(0);
    expect(update.stdout.indexOf("cluster stg")).toBeLessThan(update.stdout.indexOf("cluster prod"));
    const branches = git(dir, "branch", "--list", "create-cluster-repo/*-kubernetesversion-1-35", "--format=%(refname:short)").split("\n").sort();
    expect(branches).toEqual(["create-cluster-repo/prod-kubernetesversion-1-35", "create-cluster-repo/stg-kubernetesversion-1-35"]);
    expect(changedPaths(dir, branches[1]!).every((path) => path.startsWith("fleet/stg/"))).toBe(true);
    expect(changedPaths(dir, branches[0]!).some((path) => path.startsWith("fleet/"))).toBe(false);
    // The first cluster's update renders the repository-wide files for the fleet: its CI still plans both roots.
    expect(git(dir, "show", `${branches[0]}:.github/workflows/terraform.yml`)).toContain('\\"dir\\":\\"fleet/stg/terraform\\"');
    expect(git(dir, "log", "-1", "--format=%s", branches[1]!)).toMatch(/^stg: /);
  });
});

describe("add-cluster refuses bad input with exit 2 and writes nothing", () => {
  const work = tempDir("ccr-fleet-bad-");
  let dir: string;
  const unchanged = (before: { head: string; branches: string }) => {
    expect(git(dir, "rev-parse", "HEAD")).toBe(before.head);
    expect(git(dir, "branch", "--format=%(refname:short)")).toBe(before.branches);
    expect(git(dir, "status", "--porcelain", "--ignored")).toBe("");
  };

  test.each([
    ["an unknown environment", ["add-cluster", "stg", "--env", "qa"], /environment "qa" is not one of this fleet's \(staging, production\)/],
    ["a name that is taken", ["add-cluster", "prod"], /already has a cluster prod/],
    ["an invalid name", ["add-cluster", "Stg_1"], /cluster name "Stg_1" is not valid/],
    ["a name the tool sets itself", ["add-cluster", "stg", "--set", "repoUrl=https://example.com/x.git"], /add-cluster sets repoUrl itself/],
    ["an unknown blueprint", ["add-cluster", "stg", "--blueprint", "no-such-blueprint"], /no-such-blueprint/],
  ])("%s", async (_what, args, message) => {
    dir ??= await (async () => {
      const made = join(work, "repo");
      expect((await runCli(["-b", firstBlueprint, "-y", "--set", "clusterName=prod", "--set", "repoUrl=https://github.com/acme/fleet.git", made])).status).toBe(0);
      return made;
    })();
    const before = { head: git(dir, "rev-parse", "HEAD"), branches: git(dir, "branch", "--format=%(refname:short)") };
    const withBlueprint = args.includes("--blueprint") ? args : [...args, "--blueprint", addedBlueprint];
    const run = await runCli([...withBlueprint, dir]);
    expect(run.stderr).toMatch(message);
    expect(run.status).toBe(2);
    unchanged(before);
  });

  test("in a repository this tool did not make", async () => {
    const other = join(work, "other");
    execFileSync("git", ["init", "-q", "-b", "main", other]);
    writeFileSync(join(other, "README.md"), "# ours\n");
    git(other, "add", "-A");
    git(other, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "ours");
    const run = await runCli(["add-cluster", "stg", "--blueprint", addedBlueprint, other]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/is not a repository made by create-cluster-repo/);
    expect(existsSync(join(other, "fleet.yaml"))).toBe(false);
    expect(git(other, "branch", "--format=%(refname:short)")).toBe("main");
  });

  test("update --env with an environment fleet.yaml lacks, and --cluster with an unknown cluster", async () => {
    dir ??= join(work, "repo");
    const env = await runCli(["update", dir, "--all", "--env", "qa"]);
    expect(env.status).toBe(2);
    expect(env.stderr).toMatch(/environment "qa" is not one of this fleet's/);
    const cluster = await runCli(["plan", dir, "--cluster", "nope"]);
    expect(cluster.status).toBe(2);
    expect(cluster.stderr).toMatch(/the fleet has no cluster "nope"/);
  });
});

describe.each(engines)("remove-cluster takes a cluster down in the safe order (%s)", (engine) => {
  const work = tempDir(`ccr-fleet-remove-${engine}-`);

  test("workloads, then prevent_destroy alone, then the folders, each its own branch; the first and the last cluster are refused", async () => {
    const dir = join(work, "repo");
    expect((await runCli(["-b", firstBlueprint, "-y", "--gitops", engine, "--set", "clusterName=prod", "--set", "repoUrl=https://github.com/acme/fleet.git", dir])).status).toBe(0);
    const alone = await runCli(["remove-cluster", "prod", dir]);
    expect(alone.status).toBe(2);
    expect(alone.stderr).toMatch(/last cluster/);
    expect((await runCli(["add-cluster", "stg", "--blueprint", addedBlueprint, dir])).status).toBe(0);
    const merge = (branch: string) => {
      git(dir, "checkout", "-q", "main");
      git(dir, "merge", "-q", "--ff-only", branch);
    };
    merge("create-cluster-repo/add-cluster-stg");
    const first = await runCli(["remove-cluster", "prod", dir]);
    expect(first.status).toBe(2);
    expect(first.stderr).toMatch(/first cluster/);
    expect(git(dir, "branch", "--list", "create-cluster-repo/remove-*")).toBe("");

    // 1. The layers leave clusters/stg/; the engine's own files stay so that it prunes what it applied.
    const step1 = await runCli(["remove-cluster", "stg", dir]);
    expect(step1.status).toBe(0);
    const changed1 = changedPaths(dir, "create-cluster-repo/remove-cluster-stg-workloads");
    expect(changed1).toContain("fleet.yaml");
    const rootKustomization = "clusters/stg/argocd/kustomization.yaml";
    const appsKustomization = "clusters/stg/argocd/apps/kustomization.yaml";
    const removed1 = changed1.filter((path) => path !== "fleet.yaml" && path !== rootKustomization && path !== appsKustomization);
    expect(removed1.length).toBeGreaterThan(0);
    for (const path of removed1) {
      expect(path.startsWith("clusters/stg/")).toBe(true);
      expect(existsSync(join(dir, path))).toBe(false);
    }
    // An Argo CD root that kustomize builds (in a fleet) lists only the files that stay: a missing one fails its build.
    // apps/ lists the add-ons' shared bases and the cluster's patches of them: they leave with the layers.
    if (engine === "argo") {
      expect(changed1).toContain(appsKustomization);
      const listed = parseYaml(read(dir, rootKustomization)).resources as string[];
      expect(listed).toContain("root.yaml");
      for (const file of listed) expect([file, existsSync(join(dir, "clusters/stg/argocd", file))]).toEqual([file, true]);
      const apps = parseYaml(read(dir, appsKustomization));
      expect([apps.resources, apps.patches]).toEqual([["argocd.yaml"], undefined]);
    }
    expect(git(dir, "ls-files", "clusters/stg").split("\n").filter(Boolean).length).toBeGreaterThan(0);
    expect(parseYaml(read(dir, "fleet.yaml")).removing).toEqual(["stg"]);
    merge("create-cluster-repo/remove-cluster-stg-workloads");
    const check = await runCli(["check", dir]);
    expect(check.status).toBe(0);
    expect(check.stdout).not.toContain("cluster stg");

    // 2. prevent_destroy lifted, and nothing else.
    const step2 = await runCli(["remove-cluster", "stg", dir]);
    expect(step2.status).toBe(0);
    const diff2 = git(dir, "diff", "main...create-cluster-repo/remove-cluster-stg-terraform");
    const lines2 = diff2.split("\n").filter((line) => /^[-+][^-+]/.test(line));
    expect(lines2.length).toBeGreaterThan(0);
    for (const line of lines2) expect(line).toMatch(/^[-+]\s*prevent_destroy\s*=\s*(true|false)$/);
    expect(changedPaths(dir, "create-cluster-repo/remove-cluster-stg-terraform").every((path) => path.startsWith("fleet/stg/terraform/"))).toBe(true);
    merge("create-cluster-repo/remove-cluster-stg-terraform");

    // 3. The folders go; the state is the user's to delete.
    const step3 = await runCli(["remove-cluster", "stg", dir]);
    expect(step3.status).toBe(0);
    expect(step3.stdout).toContain("the state is not deleted");
    merge("create-cluster-repo/remove-cluster-stg-forget");
    expect(git(dir, "ls-files", "fleet", "clusters/stg")).toBe("");
    expect(parseYaml(read(dir, "fleet.yaml")).clusters).toEqual({ prod: "production" });
    // The CI no longer plans the removed cluster's root; check finds the first cluster's record in step with it.
    expect(read(dir, ".github/workflows/terraform.yml")).not.toContain("fleet/stg/");
    expect((await runCli(["check", dir])).status).toBe(0);
    // An environment's overlay is its platform state: it outlives its clusters (a cluster added there later joins
    // at its versions), and the repository stays valid with no cluster listing it.
    expect(git(dir, "ls-files", "environments/staging")).toBe("environments/staging/addons/kustomization.yaml");
    expect((await runCli(["validate", dir])).status).toBe(0);
    expect((await runCli(["remove-cluster", "stg", dir])).status).toBe(2);
  });
});

describe.each(engines)("promote proposes one environment's platform state for the next (%s), against the GitHub double", (engine) => {
  const TOKEN = "ghp_FleetPromoteToken0123456789abcdefghijklm";
  const servers = useGitHubDouble(TOKEN);
  const { cli } = recordingCli({ GITHUB_TOKEN: TOKEN });
  const work = tempDir(`ccr-fleet-promote-${engine}-`);

  test("a promotable parameter changed in staging reaches every production cluster in one pull request; backwards and unknown environments exit 2", async () => {
    const dir = join(work, "fleet");
    expect((await cli(["-b", firstBlueprint, "-y", "--gitops", engine, "--set", "clusterName=prod", "--github", `octocat/promote-${engine}`, "--github-api-url", servers.api.url, dir])).status).toBe(0);
    expect((await cli(["add-cluster", "stg", "--blueprint", addedBlueprint, dir])).status).toBe(0);
    git(dir, "checkout", "-q", "main");
    git(dir, "merge", "-q", "--ff-only", "create-cluster-repo/add-cluster-stg");
    writeFileSync(join(dir, "fleet.yaml"), read(dir, "fleet.yaml").replace("promotable: []", "promotable:\n  - kubernetesVersion"));
    git(dir, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qam", "kubernetesVersion is promoted");

    expect((await cli(["update", dir, "--cluster", "stg", "--set", "kubernetesVersion=1.35"])).status).toBe(0);
    git(dir, "checkout", "-q", "main");
    git(dir, "merge", "-q", "--ff-only", "create-cluster-repo/stg-kubernetesversion-1-35");
    const head = git(dir, "rev-parse", "HEAD");
    const preview = await cli(["promote", "staging", "production", "--dry-run", dir]);
    expect(preview.stdout).toContain("Nothing was written (--dry-run).");
    expect(preview.stdout).toMatch(/kubernetesVersion: .* -> "1\.35"/);
    expect(git(dir, "branch", "--list", "create-cluster-repo/promote-*")).toBe("");

    for (const [args, message] of [
      [["promote", "production", "staging"], /does not come after/],
      [["promote", "staging", "qa"], /environment "qa" is not one of this fleet's/],
    ] as const) {
      const refused = await cli([...args, dir]);
      expect(refused.stderr).toMatch(message);
      expect(refused.status).toBe(2);
      expect(git(dir, "rev-parse", "HEAD")).toBe(head);
      expect(git(dir, "status", "--porcelain")).toBe("");
    }

    const promoted = await cli(["promote", "staging", "production", "--pr", "--github-api-url", servers.api.url, dir]);
    expect(promoted.stderr.split("\n").filter((line) => line.startsWith("error"))).toEqual([]);
    expect(promoted.status).toBe(0);
    const branch = "create-cluster-repo/promote-staging-to-production";
    const changed = changedPaths(dir, branch);
    expect(changed).toContain("cluster-repo.yaml");
    expect(changed.filter((path) => path.startsWith("fleet/"))).toEqual([]);
    expect(parseYaml(git(dir, "show", `${branch}:cluster-repo.yaml`)).params.kubernetesVersion).toBe("1.35");
    const pull = servers.api.state().pulls.find((p) => p.head === branch || p.head.endsWith(`:${branch}`));
    expect(pull?.title).toBe("Promote staging to production (prod)");
    expect(pull?.body).toContain("## prod (the first cluster)");
    expect(pull?.body).toContain("kubernetesVersion");
    expect(pull?.body).toContain("```diff");
    expect(servers.api.takeViolations()).toEqual([]);
  });
});

describe("a repository made by an earlier release becomes a fleet the same way", () => {
  const work = tempDir("ccr-fleet-release-");
  // One repository per engine of the oldest kept release: its first cluster has no record, only history.
  const cases = engines.flatMap((engine) => releaseCases().filter((c) => c.engine === engine).slice(0, 1));

  test.each(cases.map((c) => [c.release, c.name, c] as const))("%s %s", async (_release, _name, fixture) => {
    const dir = cloneRelease(fixture, work);
    const before = git(dir, "ls-files", "-s");
    const added = await runCli(["add-cluster", "stg", "--blueprint", addedBlueprint, dir]);
    expect(added.stderr.split("\n").filter((line) => line.startsWith("error"))).toEqual([]);
    expect(added.status).toBe(0);
    const changed = changedPaths(dir, "create-cluster-repo/add-cluster-stg");
    // The first cluster, made by an older release, joins its environment's overlay with its own upgrade, not here;
    // the shared bases the new cluster's add-ons list are written where missing (none of the old release's files).
    expect(changed.filter((path) => !(path === "fleet.yaml" || path.startsWith("fleet/stg/") || path.startsWith("clusters/stg/") || path.startsWith("environments/staging/") || path.startsWith("environments/_bases/")))).toEqual([]);
    git(dir, "checkout", "-q", "main");
    git(dir, "merge", "-q", "--ff-only", "create-cluster-repo/add-cluster-stg");
    // Every file the old release and the team wrote is where and what it was.
    const after = git(dir, "ls-files", "-s").split("\n");
    for (const line of before.split("\n")) expect(after).toContain(line);
    expect((await runCli(["check", dir, "--cluster", "stg"])).status).toBe(0);
    // The first cluster upgrades from its release as it would alone: planned from the history, as before.
    const plan = await runCli(["plan", dir]);
    expect(plan.stderr.split("\n").filter((line) => line.startsWith("error"))).toEqual([]);
    expect(plan.stdout).toContain(`Blueprint ${fixture.blueprint}: `);
    expect(plan.stdout).toContain(`(rendered by create-cluster-repo ${fixture.release}, `);
    expect(plan.status).toBe(0);
  });
});
