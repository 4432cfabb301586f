/**
 * Tests leave nothing in /tmp: every folder tempDir makes, while a file is collected or inside a running test, is
 * removed when the file's tests are done (test/setup/temp-dirs.ts). Checked by running vitest on a small file in a
 * scratch copy of the test set-up, then looking for the folders it made.
 */
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "vitest";
import { tempDir } from "./helpers/cli.js";
import { repoRoot } from "./helpers/fixtures.js";

test("folders made at collection and inside tests are gone after the file", async () => {
  const dir = join(tempDir("ccr-tempdirs-"), "repo");
  mkdirSync(join(dir, "test"), { recursive: true });
  for (const entry of ["vitest.config.ts", "package.json", "tsconfig.json"]) cpSync(join(repoRoot, entry), join(dir, entry));
  for (const entry of ["helpers", "setup"]) cpSync(join(repoRoot, "test", entry), join(dir, "test", entry), { recursive: true });
  symlinkSync(join(repoRoot, "node_modules"), join(dir, "node_modules"), "dir");
  const record = join(dir, "made.txt");
  writeFileSync(
    join(dir, "test", "made.test.ts"),
    `import { appendFileSync } from "node:fs";
import { test } from "vitest";
import { tempDir } from "./helpers/cli.js";
const note = (made: string) => appendFileSync(${JSON.stringify(record)}, made + "\\n");
note(tempDir("ccr-tempdirs-collected-"));
test("one", () => note(tempDir("ccr-tempdirs-in-test-")));
test("two", () => note(tempDir("ccr-tempdirs-in-test-")));
`,
  );
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(VITEST|NODE_OPTIONS$)/.test(name)));
  // Awaited: a whole vitest run waited on synchronously would keep this worker from answering vitest for its length
  // (see test/helpers/cli.ts spawnCli).
  const run = await new Promise<{ status: number; output: string }>((resolve) =>
    execFile(process.execPath, [join(repoRoot, "node_modules", "vitest", "vitest.mjs"), "run", "test/made.test.ts"], { cwd: dir, env, encoding: "utf8" }, (error, stdout, stderr) =>
      resolve({ status: error ? Number(error.code ?? 1) : 0, output: stdout + stderr }),
    ),
  );
  expect(run.status, run.output).toBe(0);
  const made = readFileSync(record, "utf8").trim().split("\n");
  expect(made).toHaveLength(3);
  for (const folder of made) expect(existsSync(folder), folder).toBe(false);
});
