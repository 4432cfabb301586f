import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, test } from "vitest";
import { renderBlueprint } from "../src/render-blueprint.js";
import { treeSource, validateSource } from "../src/validators/index.js";
import { inThreadTerraformTools } from "../src/validators/terraform/tools.js";
import { startTerraformWorker } from "../src/validators/terraform/tools-worker.js";
import { paramsFixtures, repoRoot } from "./helpers/fixtures.js";

/**
 * `create` runs the Terraform tools in a worker thread (the CLI's terraformWorker); everything else, tests
 * included, in this thread. Both must give the same trees, reports and errors. The worker runs dist/ (`npm run build`).
 */
const workerBuilt = existsSync(join(repoRoot, "dist", "validators", "terraform", "worker.js"));

describe.runIf(workerBuilt)("Terraform tools in a worker thread", () => {
  const worker = startTerraformWorker();
  afterAll(() => worker.close());

  test.each(paramsFixtures("valid").map((fixture) => [fixture.name, fixture] as const))("%s: same tree and report as in this thread", async (_, fixture) => {
    const input = { values: fixture.params };
    const local = await renderBlueprint(fixture.blueprint, input, { toolVersion: "0.0.0-test" });
    const remote = await renderBlueprint(fixture.blueprint, input, { toolVersion: "0.0.0-test", terraform: worker });
    expect([...remote.tree]).toEqual([...local.tree]);
    const options = { strict: true, repoUrls: [local.context.gitops.repoUrl] };
    expect(await validateSource(treeSource(remote.tree), { ...options, terraformTools: worker })).toEqual(await validateSource(treeSource(local.tree), options));
  });

  test("same problems for broken Terraform", async () => {
    const files = [
      { path: "infra/main.tf", content: `resource "scaleway_vpc" "v" {\n  name = "\${var.missing}"\n  tags = ["a"]\n  enable_routing=true\n}\n` },
      { path: "other/broken.tf", content: `resource "scaleway_k8s_pool" "p" {\n  size =\n}\n` },
    ];
    const expected = await inThreadTerraformTools.validate(files);
    expect(expected.flatMap((unit) => unit.problems).map((problem) => problem.rule).sort()).toEqual(["tf-fmt", "tf-provider-source", "tf-syntax", "tf-undeclared-reference"]);
    expect(await worker.validate(files)).toEqual(expected);
  });

  test("a failure inside the worker surfaces as the error the tools throw in this thread", async () => {
    const bad = null as unknown as [];
    const error = await inThreadTerraformTools.validate(bad).then(() => undefined, (thrown: unknown) => thrown as Error);
    expect(error).toBeInstanceOf(TypeError);
    const remote = await worker.validate(bad).then(() => undefined, (thrown: unknown) => thrown as Error);
    expect(remote).toBeInstanceOf(Error);
    expect([remote!.name, remote!.message]).toEqual([error!.name, error!.message]);
    expect(await worker.format("a=1\n")).toBe("a = 1\n"); // and the worker goes on
  });

  test("after close, calls fail instead of waiting", async () => {
    const closed = startTerraformWorker();
    await closed.close();
    await expect(closed.format("a = 1\n")).rejects.toThrow(/closed/);
  });

  test("an idle worker never keeps the process alive, even without close", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ccr-tf-worker-"));
    try {
      const script = join(dir, "idle.mjs");
      writeFileSync(script, `import { startTerraformWorker } from ${JSON.stringify(pathToFileURL(join(repoRoot, "dist", "index.js")).href)};
startTerraformWorker(); // started and never used: must not hold the process either
const tools = startTerraformWorker();
process.stdout.write(await tools.format("a=1\\n"));
`);
      expect((await promisify(execFile)(process.execPath, [script], { encoding: "utf8", timeout: 120_000 })).stdout).toBe("a = 1\n");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
