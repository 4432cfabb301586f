/**
 * `validate` on layouts of real repositories, round 5, Terraform and workflow side (issue 23, repositories not seen before),
 * through the CLI's own entry (run `npm run build` first). One corpus folder per root cause in
 * test/fixtures/real-world, written by hand (no copied content): each test names its cause, checks that the folder
 * validates with no false alarm, and that a real mistake in it is still reported.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { copyOfCase, editCase, validateJson, type CorpusReport, errorRows } from "./helpers/corpus-copy.js";

type JsonReport = CorpusReport;

const copyOf = (name: string): string => copyOfCase(name, "ccr-real-world-r5tf-");

const validate = (dir: string) => validateJson<JsonReport>(dir, ["--strict"]);

const errors = errorRows;

describe("a YAML file Terraform reads as a kustomize patch (patch = file(...)) is a patch, not a whole object", () => {
  test("the patches and the complete manifest Terraform uploads are no errors", async () => {
    const dir = copyOf("terraform-read-patches");
    const clean = await validate(dir);
    expect(clean.report.problems).toEqual([]);
    expect(clean.status).toBe(0);
  });

  test("a mistake in the strategic-merge patch is still an error, reported as the patch's", async () => {
    const dir = copyOf("terraform-read-patches");
    const line = editCase(dir, "manifests/host-certificates.yaml", "              readOnly: true\n", "              readOnly: true\n              mountMode: ro\n");
    const { status, report } = await validate(dir);
    expect(status).toBe(1);
    expect(errors(report)).toEqual([["k8s-unknown-field", "manifests/host-certificates.yaml", line + 1]]);
    expect(report.problems[0]!.resource).toBe("Deployment upgrades/upgrade-controller (patch)");
  });

  test("the JSON 6902 patch is checked against the Deployment its target names", async () => {
    const dir = copyOf("terraform-read-patches");
    editCase(dir, "manifests/replicas.yaml", "  value: 2\n", "  value: two\n");
    const { status, report } = await validate(dir);
    expect(status).toBe(1);
    // Reported at the operation's path, against the target read from the patch's Terraform object.
    expect(errors(report)).toEqual([["k8s-schema", "manifests/replicas.yaml", 2]]);
    expect(report.problems[0]!.resource).toBe("Deployment upgrade-controller (patch)");
    expect(report.problems[0]!.message).toContain("spec.replicas must be integer");
  });

  test("the complete manifest read with file() outside any patch stays a whole object", async () => {
    const dir = copyOf("terraform-read-patches");
    const line = editCase(dir, "manifests/node-reader.yaml", "  name: node-reader\n", "  name: node-reader\n  owner: platform\n");
    const { status, report } = await validate(dir);
    expect(status).toBe(1);
    expect(errors(report)).toEqual([["k8s-unknown-field", "manifests/node-reader.yaml", line + 1]]);
  });
});

describe("two configurations of one provider in a Terraform folder are terraform init's Duplicate provider configuration", () => {
  const example = "examples/two-clusters";

  test("a default and an aliased configuration, each passed to a module, are no error", async () => {
    const dir = copyOf("terraform-provider-configs");
    const clean = await validate(dir);
    expect(clean.report.problems).toEqual([]);
    expect(clean.status).toBe(0);
  });

  test("a second default configuration in another file of the folder is an error where it is declared", async () => {
    const dir = copyOf("terraform-provider-configs");
    writeFileSync(join(dir, example, "upgrade.tf"), 'provider "kubernetes" {\n  config_path = "~/.kube/config"\n}\n');
    const { status, report } = await validate(dir);
    expect(status).toBe(1);
    expect(errors(report)).toEqual([["tf-duplicate", `${example}/upgrade.tf`, 1]]);
    expect(report.problems[0]!.message).toContain(`was already given at ${example}/providers.tf:1`);
  });

  test("a second configuration with the same alias is an error; one with another alias is none", async () => {
    const dir = copyOf("terraform-provider-configs");
    writeFileSync(join(dir, example, "upgrade.tf"), 'provider "kubernetes" {\n  alias       = "red"\n  config_path = "~/.kube/config"\n}\n\nprovider "kubernetes" {\n  alias       = "green"\n  config_path = "~/.kube/config"\n}\n');
    const { status, report } = await validate(dir);
    expect(status).toBe(1);
    expect(errors(report)).toEqual([["tf-duplicate", `${example}/upgrade.tf`, 6]]);
    expect(report.problems[0]!.message).toContain('with alias "green" was already given');
  });
});

describe("override files and JSON-syntax files are part of a Terraform folder, as Terraform merges them", () => {
  test("an override's repeated names and partial blocks, and references to JSON-declared names, are no errors", async () => {
    const dir = copyOf("terraform-override-files");
    const clean = await validate(dir);
    expect(clean.report.problems).toEqual([]);
    expect(clean.status).toBe(0);
  });

  test("an override of a name no primary file declares is Terraform's Missing ... to override", async () => {
    const dir = copyOf("terraform-override-files");
    writeFileSync(join(dir, "network/dev_override.tf"), 'variable "region" {\n  default = "northeurope"\n}\n\nresource "azurerm_resource_group" "shared" {\n  tags = {}\n}\n');
    const { status, report } = await validate(dir);
    expect(status).toBe(1);
    expect(errors(report)).toEqual([
      ["tf-override-missing-base", "network/dev_override.tf", 1],
      ["tf-override-missing-base", "network/dev_override.tf", 5],
    ]);
    expect(report.problems.map((problem) => problem.message.split(":")[0])).toEqual(["Missing base variable declaration to override", "Missing resource to override"]);
  });

  test("an override block still may not set what its resource type does not have, and a primary still needs its required arguments", async () => {
    const dir = copyOf("terraform-override-files");
    const line = editCase(dir, "network/dev_override.tf", "  tags = {\n", "  region = \"dev\"\n  tags = {\n");
    editCase(dir, "network/main.tf", '  name     = "rg-network"\n', "");
    const { status, report } = await validate(dir);
    expect(status).toBe(1);
    expect(errors(report)).toEqual([
      ["tf-unknown-argument", "network/dev_override.tf", line],
      ["tf-missing-required", "network/main.tf", 16],
    ]);
  });

  test("in a folder with no JSON-syntax file, a reference to nothing declared is still an error", async () => {
    const dir = copyOf("terraform-override-files");
    writeFileSync(join(dir, "network/outputs.tf"), 'output "zone" {\n  value = var.zone\n}\n');
    const { status, report } = await validate(dir);
    expect(status).toBe(1);
    expect(errors(report)).toEqual([["tf-undeclared-reference", "network/outputs.tf", 2]]);
  });
});

describe("variable files and test files are in terraform fmt's layout, as terraform fmt -check -recursive checks", () => {
  test("canonical .tfvars and .tftest.hcl files, and an example values file Terraform does not read, are no errors", async () => {
    const dir = copyOf("terraform-values-and-tests");
    const clean = await validate(dir);
    expect(clean.report.problems).toEqual([]);
    expect(clean.status).toBe(0);
  });

  test("a .tfvars or .tftest.hcl file out of layout, or with a syntax error, is an error", async () => {
    const dir = copyOf("terraform-values-and-tests");
    const layout = editCase(dir, "workspaces/prod.tfvars", "node_count  = 5\n", "node_count = 5\n");
    const test = editCase(dir, "tests/summary.tftest.hcl", "  command = plan\n", "  command=plan\n");
    const syntax = editCase(dir, "workspaces/dev.tfvars", 'environment = "dev"\n', "environment =\n");
    const { status, report } = await validate(dir);
    expect(status).toBe(1);
    expect(errors(report)).toEqual([
      ["tf-fmt", "tests/summary.tftest.hcl", test],
      ["tf-syntax", "workspaces/dev.tfvars", syntax],
      ["tf-fmt", "workspaces/prod.tfvars", layout],
    ]);
  });
});

describe("calls of the repository's own reusable workflows are checked against the called workflow_call, as actionlint does in a checkout", () => {
  const release = ".github/workflows/release.yml";

  test("calls that pass every required input (in any letter case) and their secrets, by name or inherit, are no errors", async () => {
    const dir = copyOf("workflow-local-calls");
    const clean = await validate(dir);
    expect(clean.report.problems).toEqual([]);
    expect(clean.status).toBe(0);
  });

  test("a required input or secret left out, and one the called workflow does not declare, are errors", async () => {
    const dir = copyOf("workflow-local-calls");
    const uses = editCase(dir, release, "  agent:\n    uses: ./.github/workflows/build.yml\n", "  agent:\n    uses: ./.github/workflows/build.yml\n") + 1;
    const input = editCase(dir, release, "      image: ghcr.io/example/agent\n", "      tag: v1\n");
    const secret = editCase(dir, release, "      registry-token: ${{ secrets.REGISTRY_TOKEN }}\n", "      token: ${{ secrets.REGISTRY_TOKEN }}\n");
    const { status, report } = await validate(dir);
    expect(status).toBe(1);
    expect(report.problems.map((problem) => [problem.rule, problem.line, problem.message])).toEqual([
      ["actionlint-workflow-call", uses, 'input "image" is required by "./.github/workflows/build.yml" reusable workflow'],
      ["actionlint-workflow-call", uses, 'secret "registry-token" is required by "./.github/workflows/build.yml" reusable workflow'],
      ["actionlint-workflow-call", input, 'input "tag" is not defined in "./.github/workflows/build.yml" reusable workflow'],
      ["actionlint-workflow-call", secret, 'secret "token" is not defined in "./.github/workflows/build.yml" reusable workflow'],
    ]);
  });

  test("inputs given through a YAML alias or a << merge key are not judged (not told from the text)", async () => {
    const dir = copyOf("workflow-local-calls");
    editCase(dir, release, "    with:\n      Image: ghcr.io/example/controller\n", "    with: &controller\n      Image: ghcr.io/example/controller\n");
    editCase(dir, release, "    with:\n      image: ghcr.io/example/agent\n", "    with: *controller\n");
    // GitHub has read YAML anchors since 2025; actionlint is shown the alias written out (yaml-aliases.ts).
    const aliased = await validate(dir);
    expect(aliased.report.problems).toEqual([]);
    editCase(dir, release, "    with: *controller\n", "    with:\n      <<: *controller\n      platforms: linux/arm64\n");
    // A merge key GitHub refuses, and says so; the call's inputs are not judged.
    const merged = await validate(dir);
    expect(merged.report.problems.map((problem) => problem.rule)).toEqual(["workflow-yaml-merge-key"]);
  });

  test("a called file that is not there, outside the repository, or has no workflow_call trigger is an error at its uses:", async () => {
    const dir = copyOf("workflow-local-calls");
    const missing = editCase(dir, release, "uses: ./.github/workflows/build.yml\n    with:\n      Image", "uses: ./.github/workflows/bulid.yml\n    with:\n      Image");
    const outside = editCase(dir, release, "uses: ./.github/workflows/build.yml\n    with:\n      image", "uses: ./../build.yml\n    with:\n      image");
    // A workflow_call file there is not read: it is outside the repository.
    writeFileSync(join(dir, "..", "build.yml"), "on:\n  workflow_call: {}\n");
    const { report } = await validate(dir);
    expect(errors(report)).toEqual([
      ["actionlint-workflow-call", release, missing],
      ["actionlint-workflow-call", release, outside],
    ]);
    expect(report.problems.map((problem) => problem.message.split(": ")[1])).toEqual(["the file is not in the repository", "the file is not in the repository"]);
    editCase(dir, ".github/workflows/build.yml", "  workflow_call:\n", "  workflow_dispatch:\n");
    editCase(dir, release, "./.github/workflows/bulid.yml", "./.github/workflows/build.yml");
    editCase(dir, release, "./../build.yml", "./.github/workflows/build.yml");
    const noTrigger = await validate(dir);
    expect(noTrigger.report.problems.filter((problem) => problem.rule === "actionlint-workflow-call").map((problem) => problem.message)).toEqual([
      'reusable workflow "./.github/workflows/build.yml" cannot be called: it has no "workflow_call" trigger under "on:"',
      'reusable workflow "./.github/workflows/build.yml" cannot be called: it has no "workflow_call" trigger under "on:"',
    ]);
  });
});

describe("a GitLab include: of a repository file that is not there is GitLab's 'Local file ... does not exist!'", () => {
  test("included files that are there, other projects', remote ones, wildcards and rule-bound includes are no errors", async () => {
    const dir = copyOf("gitlab-local-includes");
    const clean = await validate(dir);
    expect(clean.report.problems).toEqual([]);
    expect(clean.status).toBe(0);
  });

  test("a local include or plain path naming no file is an error on its line; a rule-bound one is left to the pipeline", async () => {
    const dir = copyOf("gitlab-local-includes");
    const local = editCase(dir, ".gitlab-ci.yml", "  - local: .gitlab/ci/build.yml\n", "  - local: .gitlab/ci/biuld.yml\n");
    const plain = editCase(dir, ".gitlab-ci.yml", "  - /.gitlab/ci/test.yml\n", "  - /.gitlab/ci/tests.yml\n");
    const { status, report } = await validate(dir);
    expect(status).toBe(1);
    expect(errors(report)).toEqual([
      ["gitlab-ci-include", ".gitlab-ci.yml", local],
      ["gitlab-ci-include", ".gitlab-ci.yml", plain],
    ]);
    expect(report.problems[0]!.message).toContain('local file ".gitlab/ci/biuld.yml" does not exist in the repository');
  });
});

describe("steps that use the repository's own action are checked against its action.yml, as actionlint does in a checkout", () => {
  const build = ".github/workflows/build.yml";

  test("an input not in action.yml and a required one left out are errors naming the action", async () => {
    const dir = copyOf("workflow-local-calls");
    const uses = editCase(dir, build, "      - uses: ./.github/actions/setup-tools\n", "      - uses: ./.github/actions/setup-tools\n");
    const input = editCase(dir, build, '          Go-Version: "1.23"\n', '          go: "1.23"\n');
    const { status, report } = await validate(dir);
    expect(status).toBe(1);
    expect(report.problems.map((problem) => [problem.rule, problem.line, problem.message])).toEqual([
      ["actionlint-action", uses, 'missing input "go-version" which is required by action "Set up build tools" defined at "./.github/actions/setup-tools". all required inputs are "go-version"'],
      ["actionlint-action", input, 'input "go" is not defined in action "Set up build tools" defined at "./.github/actions/setup-tools". available inputs are "cache", "go-version"'],
    ]);
  });

  test("a step written in flow style is read the same: its action's inputs are checked", async () => {
    const dir = copyOf("workflow-local-calls");
    const line = editCase(dir, build, '      - uses: ./.github/actions/setup-tools\n        with:\n          Go-Version: "1.23"\n', '      - { uses: ./.github/actions/setup-tools, with: { Go-Version: "1.23" } }\n');
    expect((await validate(dir)).report.problems).toEqual([]);
    editCase(dir, build, "with: { Go-Version:", "with: { go:");
    expect(errors((await validate(dir)).report)).toEqual([
      ["actionlint-action", build, line],
      ["actionlint-action", build, line],
    ]);
  });

  test("an action the repository does not hold (checked out by an earlier step) is not judged", async () => {
    const dir = copyOf("workflow-local-calls");
    editCase(dir, build, "./.github/actions/setup-tools", "./tools/checked-out-action");
    const { status, report } = await validate(dir);
    expect(report.problems).toEqual([]);
    expect(status).toBe(0);
  });
});

describe("an unknown runner label's warning offers the labels GitHub hosts today", () => {
  test("the list names ubuntu-slim and no retired label", async () => {
    const dir = copyOf("workflow-local-calls");
    const line = editCase(dir, ".github/workflows/release.yml", "    runs-on: ubuntu-24.04\n", "    runs-on: gpu-large\n");
    const { status, report } = await validate(dir);
    expect(status).toBe(0);
    expect(report.problems.map((problem) => [problem.rule, problem.severity, problem.line])).toEqual([["actionlint-runner-label", "warning", line]]);
    const message = report.problems[0]!.message;
    expect(message).toContain('label "gpu-large" is unknown. available labels are "windows-latest"');
    expect(message).toContain('"ubuntu-slim"');
    for (const retired of ["ubuntu-20.04", "windows-2019", "macos-13"]) expect(message).not.toContain(`"${retired}"`);
  });
});
