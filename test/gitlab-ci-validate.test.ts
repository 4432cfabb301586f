/**
 * `validate` lints `.gitlab-ci.yml` against GitLab's CI/CD schema (schemas/gitlab-ci/ci.json, derived from
 * gitlab-org/gitlab's editor schema): its own family of rules in the report, with lines, as GitHub workflows get
 * actionlint. Every GitLab render passes it; the mistakes GitLab's editor flags are flagged here.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { describe, expect, test } from "vitest";
import { blueprintIds } from "../src/blueprints/registry.js";
import { renderBlueprint } from "../src/render-blueprint.js";
import { validateGitLabCi } from "../src/validators/gitlab-ci/index.js";
import { runCli, tempDir } from "./helpers/cli.js";
import { repoRoot } from "./helpers/fixtures.js";

const engines = ["flux", "argo"] as const;

describe("every GitLab render's .gitlab-ci.yml is valid against GitLab's schema", () => {
  test.each(blueprintIds().flatMap((id) => engines.map((engine) => [id, engine] as const)))("%s (%s)", async (blueprint, gitops) => {
    const { tree } = await renderBlueprint(blueprint, { values: { forge: "gitlab", gitops, repoUrl: "https://gitlab.example.org/acme/fleet.git", terraformRunsOn: ["self-hosted", "openstack"] } });
    const unit = validateGitLabCi(".gitlab-ci.yml", tree.get(".gitlab-ci.yml")!);
    expect(unit.problems).toEqual([]);
    expect(unit.status).toBe("valid");
  });
});

describe("no CI/CD variable the README asks for is one a job sets itself", () => {
  // GitLab ranks project variables above a job's own `variables:`: a project variable of the same name would replace
  // the job's (the apply would get the plan identity's key, or a shared one). Each job maps its identity's variables.
  test.each(blueprintIds().flatMap((id) => engines.map((engine) => [id, engine] as const)))("%s (%s)", async (blueprint, gitops) => {
    const { tree } = await renderBlueprint(blueprint, { values: { forge: "gitlab", gitops, repoUrl: "https://gitlab.example.org/acme/fleet.git" } });
    const readme = tree.get("README.md")!;
    const asked = new Set([...readme.matchAll(/^\| `([A-Z][A-Z0-9_]*)` \| (?:yes|no) \|/gm)].map((match) => match[1]!));
    expect(asked.size).toBeGreaterThan(0);
    const pipeline = parseYaml(tree.get(".gitlab-ci.yml")!) as Record<string, { variables?: Record<string, unknown> }>;
    const setByJobs = new Set(Object.values(pipeline).flatMap((job) => (job && typeof job === "object" && job.variables ? Object.keys(job.variables) : [])));
    expect([...asked].filter((name) => setByJobs.has(name))).toEqual([]);
  });
});

describe("the mistakes GitLab's pipeline editor flags", () => {
  test.each([
    ["an unknown job keyword, on its line", "job:\n  stage: test\n  scirpt:\n    - echo\n", 3, /job: unknown key "scirpt"/],
    ["a value outside an enum", "job:\n  script: [echo]\n  when: sometimes\n", 3, /job\.when: must be one of "on_success", "on_failure", "always", "never", "manual", "delayed"/],
    ["a wrong type", "job:\n  script: [echo]\n  interruptible: maybe\n", 3, /job\.interruptible: must be boolean/],
    ["an artifacts access level GitLab does not know", "job:\n  script: [echo]\n  artifacts:\n    access: everyone\n", 4, /job\.artifacts\.access: must be one of "none", "developer", "maintainer", "all"/],
    ["a duplicate key", "job:\n  script: [echo]\n  script: [again]\n", 3, /not valid YAML: Map keys must be unique/],
  ])("%s", (_name, content, line, message) => {
    const unit = validateGitLabCi(".gitlab-ci.yml", content);
    expect(unit.status).toBe("invalid");
    expect(unit.validator).toBe("gitlab-ci");
    expect(unit.problems[0]).toMatchObject({ line, severity: "error" });
    expect(unit.problems.map((problem) => problem.message).join("\n")).toMatch(message);
  });

  test("GitLab's !reference tag, hidden jobs, anchors, extends and workflow rules are valid", () => {
    const content = [
      ".base: &base",
      "  image: alpine:3",
      "  script: [echo base]",
      "workflow:",
      "  rules:",
      "    - if: $CI_PIPELINE_SOURCE == \"merge_request_event\"",
      "job:",
      "  <<: *base",
      "  extends: .base",
      "  script:",
      "    - !reference [.base, script]",
      "    - echo more",
      "  resource_group: terraform-prod",
      "  environment: { name: prod, action: start }",
      "  id_tokens:",
      "    AZURE_ID_TOKEN:",
      "      aud: api://AzureADTokenExchange",
      "",
    ].join("\n");
    expect(validateGitLabCi(".gitlab-ci.yml", content)).toMatchObject({ status: "valid", problems: [] });
  });
});

describe("through the CLI", () => {
  test("validate exits 1 with the gitlab-ci rule, in its own family of the summary; --no-workflows leaves it out", async () => {
    const dir = tempDir("ccr-glci-");
    writeFileSync(join(dir, ".gitlab-ci.yml"), "job:\n  scirpt: [echo]\n");
    const run = await runCli(["validate", dir]);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/\.gitlab-ci\.yml:2 error job: unknown key "scirpt" \[gitlab-ci-schema\]/);
    expect(run.stdout).toMatch(/Checks: 1 \(GitLab CI 1\) - Valid: 0, Invalid: 1/);
    const json = JSON.parse((await runCli(["validate", dir, "-o", "json"])).stdout);
    expect(JSON.stringify(json)).toContain('"validator":"gitlab-ci"');
    const off = await runCli(["validate", dir, "--no-workflows"]);
    expect(off.status).toBe(0);
  });

  test("a GitLab repository made by create validates clean with the same command its CI runs", async () => {
    const dir = join(tempDir("ccr-glci-"), "repo");
    mkdirSync(dir);
    expect((await runCli(["-b", "kosmos-multicloud", "-y", "--set", "forge=gitlab", "--set", "repoUrl=https://gitlab.com/acme/fleet.git", "--force", dir])).status).toBe(0);
    const run = await runCli(["validate", "--strict", "--pod-security", "restricted", dir]);
    expect(run.stdout).toMatch(/GitLab CI 1[,)]/);
    expect(run.status).toBe(0);
  });
});

test("the shipped schema is the one derived into schema-sources/, whose source and licence are recorded", () => {
  expect(readFileSync(join(repoRoot, "schemas/gitlab-ci/ci.json"), "utf8")).toBe(readFileSync(join(repoRoot, "schema-sources/gitlab-ci/ci.json"), "utf8"));
  const source = JSON.parse(readFileSync(join(repoRoot, "schema-sources/gitlab-ci/source.json"), "utf8"));
  expect(source).toMatchObject({ file: "app/assets/javascripts/editor/schema/ci.json", repository: "gitlab-org/gitlab", licence: expect.stringMatching(/^MIT/) });
  // Constraints kept, prose dropped: no description survives, every definition does.
  const schema = readFileSync(join(repoRoot, "schemas/gitlab-ci/ci.json"), "utf8");
  expect(schema).not.toMatch(/"markdownDescription"/);
  expect(Object.keys(JSON.parse(schema).definitions)).toHaveLength(source.definitions);
});
