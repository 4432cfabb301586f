import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { renderBlueprint } from "../src/render-blueprint.js";
import { treeSource, validateSource } from "../src/validators/index.js";
import { paramsFixtures, repoRoot } from "./helpers/fixtures.js";

const GOLDEN_DIR = join(repoRoot, "test", "golden");

/**
 * Every valid fixture renders exactly the repository under test/golden/<case>/ (real files, so reviews read like
 * the generated repo). Update on purpose with `npx vitest run test/golden.test.ts -u`; CI never writes them.
 */
describe.each(paramsFixtures("valid").map((f) => [f.name, f] as const))("%s", (name, fixture) => {
  // One render, read by both tests.
  let rendered: ReturnType<typeof renderBlueprint> | undefined;
  const render = () => (rendered ??= renderBlueprint(fixture.blueprint, { values: fixture.params }, { toolVersion: "0.0.0-golden" }));

  test("matches the golden tree", async () => {
    const { tree } = await render();
    const goldenDir = join(GOLDEN_DIR, name);
    await expect(`${[...tree.keys()].join("\n")}\n`).toMatchFileSnapshot(join(goldenDir, ".files"));
    for (const [path, content] of tree) await expect(content).toMatchFileSnapshot(join(goldenDir, path));
  });

  test("validates clean, strictly (but for an unset repoUrl): schemas, Pod Security Standards restricted, Terraform provider attributes, GitOps references", async () => {
    const { tree, context } = await render();
    const report = await validateSource(treeSource(tree), { strict: true, repoUrls: [context.gitops.repoUrl], podSecurity: { level: "restricted" } });
    const problems = report.results.flatMap((r) => r.problems).filter((p) => p.severity === "error");
    if (fixture.params.repoUrl) {
      expect(problems).toEqual([]);
      expect(report.valid).toBe(true);
    } else {
      // Without repoUrl every GitOps object points at the placeholder, and nothing else is wrong.
      expect(problems.length).toBeGreaterThan(0);
      expect(new Set(problems.map((p) => p.rule))).toEqual(new Set(["gitops-placeholder-url"]));
    }
    // Kubernetes resources, and GitOps and Terraform units counted apart as checks
    expect(report.summary.resources).toBeGreaterThan(10);
    expect(report.summary.checks.total).toBeGreaterThan(5);
  });
});
