import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "vitest";
import { repoRoot } from "./helpers/fixtures.js";

/**
 * A test worker that waits on a child process synchronously answers nobody meanwhile, vitest included, and fires none
 * of its timers: on a machine short of CPU, where a few Terraform commands or a nested vitest run take minutes, its
 * test timeout cannot stop a hung child. Under vitest 3 the worker RPC also timed out after 60 s ("onTaskUpdate") and
 * the run ended with unhandled errors although every test passed (issue 28: 15 of them at load 14 with most of the
 * memory taken); vitest 4 waits. Tests await their long child processes; synchronous ones are kept to quick commands
 * (git, file-system tools, age on a few bytes, `version` probes at collection).
 */
const QUICK = /^(?:"(?:git|mkfifo|rm|mount|umount|age|age-keygen)"|runAs\[0\]!|process\.execPath, \["(?:-e", "0|scripts\/build\.mjs", "--check)"\]|"(?:terraform|kubectl)", \["version")/;

function testSources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "fixtures" || entry.name.startsWith("golden") ? [] : testSources(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

test("no test waits synchronously on a long child process (Terraform, node scripts, vitest, bash)", () => {
  const slow: string[] = [];
  for (const file of testSources(join(repoRoot, "test"))) {
    const text = readFileSync(file, "utf8");
    for (const call of text.matchAll(/\b(?:execFileSync|spawnSync|execSync)\(([^)\n]*)/g)) {
      if (!QUICK.test(call[1]!.trim())) slow.push(`${file.slice(repoRoot.length)}: ${call[0].slice(0, 100)}`);
    }
  }
  expect(slow).toEqual([]);
});
