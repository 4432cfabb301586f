/**
 * A fleet on GitLab, end to end through the CLI as typed: add-cluster --pr and update --all --pr against the GitLab
 * double (its routes and answers held to GitLab's documented contract) in front of a real git server, both engines,
 * a cluster of another blueprint added to the first. Each change is one merge request from its own branch; a re-run
 * updates it in place; the token reaches nothing but the instance.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { blueprintIds } from "../src/blueprints/registry.js";
import { loadCatalog } from "../src/catalog/load.js";
import { inAddonFolder } from "../src/fleet/shared-bases.js";
import { recordingCli, runCli, tempDir } from "./helpers/cli.js";
import { allFiles } from "./helpers/files.js";
import { startGitHttpServer, type GitHttpServer } from "./helpers/git-http-server.js";
import { startGitLabApiServer, type GitLabApiServer } from "./helpers/gitlab-api-server.js";

const TOKEN = "glpat-FleetGitLabTestToken0123456789abcdef";
// Never a credential prompt: a git command that would need one fails instead of waiting for a terminal.
const git = (dir: string, ...args: string[]) => execFileSync("git", ["-C", dir, ...args], { encoding: "utf8", env: { ...process.env, GIT_TERMINAL_PROMPT: "0" } }).trim();
const engines = ["flux", "argo"] as const;
/** Every blueprint's data decides: the first and the added cluster of two blueprints, whichever the repository ships. */
const [firstBlueprint, addedBlueprint] = (() => {
  const ids = blueprintIds();
  return [ids[0]!, ids[1] ?? ids[0]!];
})();

describe.each(engines)("a fleet on GitLab (%s): add-cluster --pr and update --all --pr", (engine) => {
  const work = tempDir(`ccr-fleet-gl-${engine}-`);
  let gitServer: GitHttpServer;
  let api: GitLabApiServer;
  const { cli, outputs } = recordingCli({ GITLAB_TOKEN: TOKEN });

  beforeAll(async () => {
    gitServer = await startGitHttpServer({ auth: { username: "oauth2", password: TOKEN } });
    api = await startGitLabApiServer({ username: "root", token: TOKEN, groups: ["acme"], git: gitServer });
  });
  afterEach(() => expect(api.takeViolations()).toEqual([]));
  afterAll(async () => {
    for (const output of outputs) expect(output).not.toContain(TOKEN);
    for (const file of allFiles(work)) expect(readFileSync(file).includes(TOKEN), file).toBe(false);
    await api?.close();
    await gitServer?.close();
  });

  test("each change is one merge request from its own branch into main, updated in place by a re-run; update --all proposes one per cluster, in environment order", async () => {
    const project = `acme/fleet-${engine}`;
    const dir = join(work, "fleet");
    const made = await cli(["-b", firstBlueprint, "-y", "--gitops", engine, "--set", "clusterName=prod", "--gitlab", project, "--gitlab-url", api.url, dir]);
    expect(made.stderr).not.toMatch(/^error/m);
    expect(made.status).toBe(0);

    // add-cluster --pr: the branch pushed, one merge request.
    const branch = "create-cluster-repo/add-cluster-stg";
    const added = await cli(["add-cluster", "stg", "--blueprint", addedBlueprint, "--pr", "--gitlab-url", api.url, dir]);
    expect(added.stderr).not.toMatch(/^error/m);
    expect(added.status).toBe(0);
    expect(added.stdout).toMatch(/Merge request !\d+ opened: /);
    const [mr] = api.mergeRequests(project);
    expect(mr).toMatchObject({ sourceBranch: branch, targetBranch: "main", title: `Add ${addedBlueprint} cluster stg to the fleet (staging)` });
    expect(git(gitServer.repoPath(project), "rev-parse", branch)).toBe(git(dir, "rev-parse", branch));
    const answers = parseYaml(readFileSync(join(dir, "fleet/stg/cluster-repo.yaml"), "utf8"));
    expect(answers.params).toMatchObject({ forge: "gitlab", repoUrl: `${api.url}/${project}.git` });
    expect(answers.gitops).toBe(engine);
    // The new cluster, fleet.yaml and the environments' overlays; the first cluster's CI becomes the fleet's and its
    // README says where its credentials go now (with its record); it joins its environment's overlay: for Flux the line
    // listing it, for Argo CD the kustomization its root now builds and the root Application.
    const changed = git(dir, "diff", "--name-only", `main...${branch}`).split("\n");
    const firstCluster = [".cluster-repo/rendered.yaml", ".gitlab-ci.yml", ".gitlab/scripts/publish-plan-state.sh", ".gitlab/scripts/terraform-fleet.cjs", "README.md", ...(engine === "flux" ? ["infrastructure/kustomization.yaml"] : ["clusters/prod/argocd/kustomization.yaml", "clusters/prod/argocd/root.yaml"])].sort();
    // A Flux first cluster's add-on folders list the shared bases (test/fleet-shared-bases.test.ts builds them).
    const catalog = loadCatalog();
    // An Argo CD first cluster's add-on Applications become patches of the bases, which its apps/ lists.
    // Its workloads list their blueprint's shared bases (src/fleet/workload-bases.ts).
    // Its add-on folders, either engine, take their Namespace from the add-on's shared Namespace base.
    const listsBases = (path: string) => path.startsWith("apps/") || inAddonFolder(path, "", catalog) || (engine !== "flux" && path.startsWith("clusters/prod/argocd/apps/"));
    expect(changed.some(listsBases)).toBe(true);
    expect(changed.filter((path) => !(path === "fleet.yaml" || path.startsWith("fleet/stg/") || path.startsWith("clusters/stg/") || path.startsWith("environments/") || listsBases(path)))).toEqual(firstCluster);
    // The committed pipeline plans and applies each cluster in jobs and environments of its own.
    const pipeline = parseYaml(git(dir, "show", `${branch}:.gitlab-ci.yml`));
    for (const [cluster, dir_] of [["prod", "terraform"], ["stg", "fleet/stg/terraform"]] as const) {
      expect(pipeline[`terraform:plan:${cluster}`]).toMatchObject({ environment: { name: `${cluster}-plan`, action: "prepare" }, variables: { TF_ROOT: dir_, CLUSTER: cluster } });
      expect(pipeline[`terraform:plan:${cluster}`].rules[0].changes[0]).toBe(`${dir_}/**/*`);
      expect(pipeline[`terraform:apply:${cluster}`]).toMatchObject({ environment: { name: cluster, action: "start" }, resource_group: `terraform-${cluster}` });
      expect(pipeline[`terraform:reviewed-plan:${cluster}`].variables).toEqual({ TF_ROOT: dir_, CLUSTER: cluster });
    }
    expect(pipeline["terraform:plan"]).toBeUndefined();
    expect(pipeline.check.parallel.matrix).toEqual([{ CLUSTER: ["stg", "prod"] }]); // fleet.yaml's order: environments in promotion order
    expect(git(dir, "show", `${branch}:README.md`)).toContain("--scope prod-plan");

    const again = await cli(["add-cluster", "stg", "--blueprint", addedBlueprint, "--pr", "--gitlab-url", api.url, dir]);
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(/Merge request !\d+ updated/);
    expect(api.mergeRequests(project)).toHaveLength(1);

    // Merged: update --all --pr, one branch and merge request per cluster, staging first.
    git(dir, "checkout", "-q", "main");
    git(dir, "merge", "-q", "--ff-only", branch);
    expect((await runCli(["check", dir])).status).toBe(0);
    // The command validate:manifests runs passes on the fleet, its .gitlab-ci.yml linted against GitLab's schema.
    const validated = await runCli(["validate", "--strict", "--pod-security", "restricted", dir]);
    expect(validated.stdout).toMatch(/GitLab CI 1[,)]/);
    expect(validated.status, validated.stdout).toBe(0);
    const update = await cli(["update", dir, "--all", "--set", "kubernetesVersion=1.35", "--pr", "--gitlab-url", api.url]);
    expect(update.stderr).not.toMatch(/^error/m);
    expect(update.status).toBe(0);
    expect(update.stdout.indexOf("cluster stg")).toBeLessThan(update.stdout.indexOf("cluster prod"));
    const requests = api.mergeRequests(project).filter((request) => request.sourceBranch.endsWith("-kubernetesversion-1-35"));
    expect(requests.map((request) => request.sourceBranch).sort()).toEqual(["create-cluster-repo/prod-kubernetesversion-1-35", "create-cluster-repo/stg-kubernetesversion-1-35"]);
    for (const request of requests) {
      expect(request.targetBranch).toBe("main");
      expect(git(gitServer.repoPath(project), "rev-parse", request.sourceBranch)).toBe(git(dir, "rev-parse", request.sourceBranch));
    }
    const stgChanges = git(dir, "diff", "--name-only", "main...create-cluster-repo/stg-kubernetesversion-1-35").split("\n");
    expect(stgChanges.every((path) => path.startsWith("fleet/stg/"))).toBe(true);
    expect(requests.find((request) => request.sourceBranch.includes("/stg-"))!.title).toMatch(/^stg: /);
    // A re-run finds both merge requests and opens none.
    const rerun = await cli(["update", dir, "--all", "--set", "kubernetesVersion=1.35", "--pr", "--gitlab-url", api.url]);
    expect(rerun.status).toBe(0);
    expect(api.mergeRequests(project).filter((request) => request.sourceBranch.endsWith("-kubernetesversion-1-35"))).toHaveLength(2);
  });
});
