import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, test } from "vitest";
import { parse as parseYaml, parseDocument } from "yaml";
import { readPackageVersion } from "../src/_utils.js";
import { blueprintIds, readManifest } from "../src/blueprints/registry.js";
import { publishedRepositoryUrl } from "../src/publish.js";
import { recordingCli, runCli, tempDir, type CliRun } from "./helpers/cli.js";
import { useGitHubDouble } from "./helpers/github-api-server.js";
import { cloneRelease, commitFluxBootstrap, git, releaseCases, type ReleaseCase } from "./helpers/release-fixtures.js";

/**
 * A repository made by an earlier release receives this release's templates, as its team types it: `plan`, `check`,
 * `update`, then CI's `check` and `validate --strict --pod-security restricted` on the update branch, for every
 * repository kept in test/fixtures/releases/ (every blueprint, both engines, each with the team's own app listed in
 * a generated file). Then the team moves its app to team/, the place this release gives it, and CI passes. And a
 * repository made by this release, upgraded by itself: nothing to do.
 *
 * The cases are independent (each its own clone): they run side by side, so the file takes its longest case's time.
 */
const TOOL = readPackageVersion();
const ok = (run: CliRun, step: string) => {
  expect(run.status, `${step} exited ${run.status}\n--- stderr\n${run.stderr}\n--- stdout (end)\n${run.stdout.slice(-4000)}`).toBe(0);
  return run;
};
const answersOf = (dir: string) => parseYaml(readFileSync(join(dir, "cluster-repo.yaml"), "utf8"));
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The listing of a kustomization.yaml with one entry added or removed, its comments kept. */
function editListing(file: string, edit: (resources: string[]) => string[]): void {
  const document = parseDocument(readFileSync(file, "utf8"));
  const resources = ((document.toJS() as { resources?: string[] }).resources ?? []).map(String);
  document.set("resources", document.createNode(edit(resources)));
  writeFileSync(file, document.toString({ lineWidth: 0 }));
}

describe.concurrent("a repository made by an earlier release, upgraded as its team types it", () => {
  const work = tempDir("ccr-upgrade-release-");
  const cases = releaseCases();

  test("the fixtures cover every blueprint of this release with both engines", () => {
    for (const blueprint of blueprintIds()) {
      for (const engine of ["flux", "argo"]) expect(cases.some((c) => c.blueprint === blueprint && c.engine === engine), `${blueprint} with ${engine}`).toBe(true);
    }
  });

  test.each(cases.map((c) => [`${c.release} ${c.name}`, c] as const))("%s: plan, check, update, then CI on the branch; the team's app moved to team/", async (_name, fixture: ReleaseCase) => {
    const dir = cloneRelease(fixture, work);
    const shipped = readManifest(fixture.blueprint).version;
    const recorded = answersOf(dir);
    const clusterName = recorded.params.clusterName as string;
    if (fixture.engine === "flux") commitFluxBootstrap(dir, clusterName, recorded.params.repoUrl);
    const main = git(dir, "rev-parse", "HEAD");
    const run = (args: string[]) => runCli(args, { cwd: dir });

    // plan: the release upgrade, like a parameter change, and nothing written
    const plan = ok(await run(["plan"]), "plan");
    // What the merge does in the cluster and in the cloud (warnings) goes first, then the upgrade.
    expect(plan.stdout).toMatch(new RegExp(`^(WARNING: .*\n)*Blueprint ${fixture.blueprint}: ${escape(recorded.blueprintVersion)} -> ${escape(shipped)} \\(rendered by create-cluster-repo ${escape(fixture.release)}, now ${escape(TOOL)}\\)\n`));
    expect(plan.stdout).toContain(`  What ${shipped} changes:\n`);
    expect(plan.stdout).toContain("New parameters, at their defaults");
    expect(plan.stdout).toMatch(/^Files \(\d+ added, \d+ changed, \d+ removed\):$/m);
    expect(plan.stdout).not.toContain("No changes.");
    expect(plan.stdout).not.toContain("Conflicts");
    expect(git(dir, "status", "--porcelain")).toBe("");

    // check: the repository was rendered by an older release, and one generated file was edited by hand
    const before = await run(["check"]);
    expect(before.status).toBe(1);
    expect(before.stdout).toMatch(new RegExp(`^Rendered by an older release: create-cluster-repo ${escape(fixture.release)} rendered this repository \\(blueprint ${fixture.blueprint} ${escape(recorded.blueprintVersion)}\\); this create-cluster-repo ${escape(TOOL)} renders ${fixture.blueprint} ${escape(shipped)}\\. Run \`create-cluster-repo update\``));
    expect(before.stdout).toContain("Generated files edited by hand (1)");
    expect(before.stdout).toContain("apps/kustomization.yaml: edited by hand");

    // update: one branch with the new templates, the team's edits kept, the versions recorded
    const update = ok(await run(["update"]), "update");
    const branch = `create-cluster-repo/upgrade-${shipped.replace(/\./g, "-")}`;
    expect(update.stdout).toContain(`Committed `);
    expect(update.stdout).toContain(` on ${branch}: blueprint ${fixture.blueprint} ${recorded.blueprintVersion} -> ${shipped}.\n`);
    expect(git(dir, "rev-parse", "--abbrev-ref", "HEAD")).toBe(branch);
    expect(git(dir, "rev-parse", "HEAD~1")).toBe(main);
    const upgraded = answersOf(dir);
    expect([upgraded.toolVersion, upgraded.blueprintVersion]).toEqual([TOOL, shipped]);
    expect(git(dir, "log", "-1", "--format=%B")).toMatch(new RegExp(`^Upgrade ${fixture.blueprint} blueprint to ${escape(shipped)}\n\n(.*\n)*- create-cluster-repo: ${escape(fixture.release)} -> ${escape(TOOL)}\n`));
    for (const path of fixture.teamFiles) expect(git(dir, "show", `${main}:${path}`), `${path} as the team has it`).not.toBe("");
    expect(readFileSync(join(dir, "apps/kustomization.yaml"), "utf8")).toMatch(/^ {2}- myapp$/m);
    for (const path of fixture.teamFiles.filter((p) => p.startsWith("apps/myapp/"))) expect(git(dir, "diff", main, "HEAD", "--", path)).toBe("");
    expect(existsSync(join(dir, ".cluster-repo/rendered.yaml"))).toBe(true);
    expect(git(dir, "diff", "--name-only", main, "HEAD")).not.toContain("flux-system/gotk-components.yaml");

    // CI on the branch: only the team's hand edit is left for check; validate passes with the team's app in it
    const after = await run(["check"]);
    expect(after.status).toBe(1);
    expect(after.stdout).not.toContain("older release");
    expect(after.stdout).toMatch(/^Generated files edited by hand \(1\), against what create-cluster-repo wrote:\napps\/kustomization\.yaml: edited by hand\n/);
    ok(await run(["validate", "--strict", "--pod-security", "restricted", "."]), "validate on the update branch");
    expect((await run(["update"])).stdout).toBe(`Already up to date on ${branch}.\n`);

    // The team moves its app to the place this release gives it: check passes, and later updates validate it too
    mkdirSync(join(dir, "team/apps"), { recursive: true });
    renameSync(join(dir, "apps/myapp"), join(dir, "team/apps/myapp"));
    editListing(join(dir, "apps/kustomization.yaml"), (resources) => resources.filter((entry) => entry !== "myapp"));
    editListing(join(dir, "team/apps/kustomization.yaml"), (resources) => [...resources, "myapp"]);
    git(dir, "add", "-A");
    git(dir, "commit", "--quiet", "-m", "Move myapp to team/apps");
    ok(await run(["check"]), "check once the app is in team/");
    ok(await run(["validate", "--strict", "--pod-security", "restricted", "."]), "validate once the app is in team/");
  }, 600_000);

  test.each(blueprintIds().flatMap((blueprint) => (["flux", "argo"] as const).map((engine) => [`${blueprint}-${engine}`, blueprint, engine] as const)))(
    "%s made by this release: plan, update and check have nothing to do, with the team's app in team/",
    async (name, blueprint, engine) => {
      const dir = join(work, `current-${name}`);
      ok(await runCli(["--blueprint", blueprint, "--gitops", engine, "--yes", "--set", `repoUrl=https://github.com/acme/${name}.git`, dir]), "create");
      git(dir, "config", "user.name", "Ada Team");
      git(dir, "config", "user.email", "ada@example.com");
      mkdirSync(join(dir, "team/apps/myapp"), { recursive: true });
      writeFileSync(join(dir, "team/apps/myapp/kustomization.yaml"), "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - configmap.yaml\n");
      writeFileSync(join(dir, "team/apps/myapp/configmap.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: myapp\n  namespace: default\ndata:\n  greeting: hello\n");
      editListing(join(dir, "team/apps/kustomization.yaml"), (resources) => [...resources, "myapp"]);
      git(dir, "add", "-A");
      git(dir, "commit", "--quiet", "-m", "Add myapp");
      const head = git(dir, "rev-parse", "HEAD");
      const run = (args: string[]) => runCli(args, { cwd: dir });
      expect(ok(await run(["plan"]), "plan").stdout).toBe("No parameter changes.\nNo changes.\n");
      expect(ok(await run(["update"]), "update").stdout).toBe("Already up to date on main.\n");
      expect(ok(await run(["check"]), "check").stdout).toBe("All generated files match the answers file.\n");
      ok(await run(["validate", "--strict", "."]), "validate");
      expect(git(dir, "rev-parse", "HEAD")).toBe(head);
      expect(git(dir, "branch", "--list", "create-cluster-repo/*")).toBe("");
    },
    300_000,
  );
});

describe("a release upgrade proposed as a pull request (the local GitHub double)", () => {
  const TOKEN = "ghp_UpgradeReleaseTestToken0123456789abcdefXYZ";
  const servers = useGitHubDouble(TOKEN);
  const { cli, outputs } = recordingCli({ GITHUB_TOKEN: TOKEN });
  const work = tempDir("ccr-upgrade-pr-");

  test("update --pr: the body names both releases, quotes the changelog and lists the new parameters; the token is nowhere", async () => {
    const fixture = releaseCases()[0]!;
    const dir = cloneRelease(fixture, work);
    await servers.api.seedRepository("octocat", fixture.name);
    const url = publishedRepositoryUrl(`octocat/${fixture.name}`, { apiUrl: servers.api.url });
    git(dir, "remote", "set-url", "origin", url);
    const auth = `http.extraHeader=Authorization: Basic ${Buffer.from(`x-access-token:${TOKEN}`).toString("base64")}`;
    // Asynchronous: the git server answers from this same process.
    await promisify(execFile)("git", ["-C", dir, "-c", auth, "push", "--quiet", "origin", "main"], { env: { ...process.env, GIT_TERMINAL_PROMPT: "0" } });
    const shipped = readManifest(fixture.blueprint).version;

    const update = await cli(["update", dir, "--pr", "--github-api-url", servers.api.url]);
    expect(update.status, update.stderr).toBe(0);
    expect(update.stdout).toMatch(/Pull request #\d+ opened: /);
    const [pull] = servers.api.state().pulls;
    expect(pull!.title).toBe(`Upgrade ${fixture.blueprint} blueprint to ${shipped}`);
    expect(pull!.body).toMatch(new RegExp(`\\*\\*Blueprint upgrade:\\*\\* \`${fixture.blueprint}\` [0-9.]+ → ${escape(shipped)} \\(create-cluster-repo ${escape(fixture.release)} → ${escape(TOOL)}\\)`));
    expect(pull!.body).toContain(`<details><summary>What ${fixture.blueprint} ${shipped} changes</summary>`);
    expect(pull!.body).toContain("**New parameters, at their defaults**");
    expect(servers.api.takeViolations()).toEqual([]);
    for (const output of outputs) expect(output).not.toContain(TOKEN);
    expect(git(dir, "config", "--list")).not.toContain(TOKEN);
  }, 300_000);
});
