/**
 * `npm run build` skips its steps when dist/ was built from the same inputs (scripts/build.mjs): `npm install`,
 * `npm test` and `npx create-cluster-repo` in a checkout each ask for a build. In a scratch copy (dist/ included), a
 * change to any input (a source, a template, a blueprint's schema, a build step...) makes the build due again, and so does a missing output. `--check` answers without building.
 */
import { spawnSync } from "node:child_process";
import { appendFileSync, cpSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { tempDir } from "./helpers/cli.js";
import { repoRoot } from "./helpers/fixtures.js";

const check = (dir: string) => spawnSync(process.execPath, ["scripts/build.mjs", "--check"], { cwd: dir, encoding: "utf8" });

function scratchCopy(): string {
  const dir = join(tempDir("ccr-build-"), "repo");
  for (const entry of ["package.json", "package-lock.json", "tsconfig.json", "tsconfig.build.json", "scripts", "src", "templates", "blueprints", "addons", "schemas/terraform", "dist"]) {
    cpSync(join(repoRoot, entry), join(dir, entry), { recursive: true });
  }
  symlinkSync(join(repoRoot, "node_modules"), join(dir, "node_modules"), "dir");
  return dir;
}

describe("npm run build skips an up-to-date dist/", () => {
  test("the checkout's dist/ is up to date after `npm run build` (npm test runs it first)", () => {
    const run = check(repoRoot);
    expect(run.stdout, "run `npm run build`").toContain("up to date");
    expect(run.status).toBe(0);
  });

  test.each([
    ["a TypeScript source", (dir: string) => appendFileSync(join(dir, "src", "defaults.ts"), "\n")],
    ["a template", (dir: string) => appendFileSync(join(dir, "templates", "common", "README.md.hbs"), "\n")],
    ["a new template file", (dir: string) => writeFileSync(join(dir, "templates", "common", "NEW.md.hbs"), "{{params.clusterName}}\n")],
    ["a blueprint's parameters", (dir: string) => appendFileSync(join(dir, "blueprints", "kapsule-gpu", "params.schema.json"), "\n")],
    ["a Terraform provider table (the build splits it)", (dir: string) => appendFileSync(join(dir, "schemas", "terraform", "scaleway.json"), "\n")],
    ["a build step", (dir: string) => appendFileSync(join(dir, "scripts", "bundle-cli.mjs"), "\n")],
    ["the compiler options", (dir: string) => appendFileSync(join(dir, "tsconfig.build.json"), "\n")],
    ["the locked dependencies", (dir: string) => appendFileSync(join(dir, "package-lock.json"), "\n")],
    ["an output removed", (dir: string) => rmSync(join(dir, "dist", "cli", "main.js"))],
  ])("%s: the build is due again", (_, change) => {
    const dir = scratchCopy();
    expect(check(dir).status, "a copy of an up-to-date checkout is up to date").toBe(0);
    change(dir);
    const run = check(dir);
    expect(run.stdout).toContain("out of date");
    expect(run.status).toBe(1);
  });
});
