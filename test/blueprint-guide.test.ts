/**
 * docs/BLUEPRINT-GUIDE.md as a contributor follows it: its `sh` blocks run, line by line, in a scratch copy of the
 * repository (a line ending in `# exit N` must exit N, every other line 0). They copy kapsule-gpu under a new id as
 * data only, render it, see it refuse what kapsule-gpu refuses, and take it through the contract and golden tests.
 * Runs the built CLI (`npm run build` first) and vitest in the copy, so it is one of the slower files.
 */
import { spawn } from "node:child_process";
import { cpSync, existsSync, readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { tempDir } from "./helpers/cli.js";
import { repoRoot } from "./helpers/fixtures.js";

const guide = readFileSync(join(repoRoot, "docs", "BLUEPRINT-GUIDE.md"), "utf8");
const blocks = [...guide.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((match) => match[1]!);

/** The blocks as one bash script that stops at the first line whose exit status is not the one it announces. */
function script(): string {
  const lines = blocks.flatMap((block) => block.split("\n")).filter((line) => line.trim() !== "");
  return lines
    .map((line) => {
      const expected = Number(/#\s*exit (\d+)/.exec(line)?.[1] ?? 0);
      return `{ ${line}\n} > "$LOG" 2>&1; s=$?; if [ $s -ne ${expected} ]; then echo ${JSON.stringify(line)} >&2; echo "exited $s, expected ${expected}:" >&2; cat "$LOG" >&2; exit 1; fi`;
    })
    .join("\n");
}

/** A child process, awaited without blocking this worker (a synchronous wait would starve vitest's own messages). */
function run(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

/** The repository as a contributor has it after `npm install` and `npm run build`; installed packages are shared. */
function scratchCopy(): string {
  const dir = join(tempDir("ccr-guide-"), "repo");
  // What the package ships (package.json "files"), and what a contributor's checkout adds to it.
  const shipped = (JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { files: string[] }).files;
  for (const entry of new Set(["package.json", "tsconfig.json", "vitest.config.ts", "README.md", ...shipped, "src", "dist", "docs", "scripts", "schema-sources"])) {
    cpSync(join(repoRoot, entry), join(dir, entry), { recursive: true });
  }
  cpSync(join(repoRoot, "test"), join(dir, "test"), { recursive: true, filter: (path) => !/test\/golden(-update)?\/./.test(path) });
  symlinkSync(join(repoRoot, "node_modules"), join(dir, "node_modules"), "dir");
  return dir;
}

describe("docs/BLUEPRINT-GUIDE.md", () => {
  test("has the copy steps and the checks to run", () => {
    expect(blocks.length).toBeGreaterThanOrEqual(3);
    expect(guide).toContain("cp -r blueprints/kapsule-gpu blueprints/$NEW");
    expect(guide).not.toMatch(/smoke\.tmp|\.\.\/shared/);
  });

  test("every command runs as written: a data-only copy of kapsule-gpu renders, keeps its rules and passes the contract", async () => {
    const dir = scratchCopy();
    // The copy's vitest must not take this run's worker settings; a developer's shell has no CI either.
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(VITEST|CI$|NODE_OPTIONS$)/.test(name)));
    const steps = await run("bash", ["-c", `LOG=$(mktemp)\n${script()}`], { cwd: dir, env: { ...env, NO_COLOR: "1" } });
    expect(steps.stderr, steps.stdout).toBe("");
    expect(steps.status).toBe(0);

    const id = /^NEW=(\S+)$/m.exec(guide)?.[1];
    // The copy refuses a minor version without auto-upgrade as kapsule-gpu does: exit 2, the rule named.
    const refused = await run(process.execPath, ["dist/cli/main.js", "-b", id!, "-y", "--set", "autoUpgrade.enabled=false", "--set", "kubernetesVersion=1.35", "--dry-run"], {
      cwd: dir,
      env: { ...env, CI: "true" },
    });
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/kubernetesVersion: a minor-only version \("1\.35"\) requires autoUpgrade\.enabled=true.*\[rule: version-matches-auto-upgrade\]/);
    for (const gitops of ["flux", "argo"]) expect(existsSync(join(dir, "test", "golden", `${id}-${gitops}`, "terraform", "main.tf"))).toBe(true);
  }, 600_000);
});
