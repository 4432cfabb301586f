/**
 * The CI scripts a render holds, laid out as in the rendered repository, for tests that require them: a forge's
 * script (terraform-pr.cjs, terraform-mr.cjs) requires the forge-neutral terraform-plan.cjs beside it, which the
 * templates keep in templates/common/ (it is rendered into each forge's scripts folder).
 */
import { copyFileSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "./cli.js";
import { repoRoot } from "./fixtures.js";

const made = new Map<string, string>();

/** The folder holding forge `kind`'s scripts next to terraform-plan.cjs (copied once per test file). */
export function ciScriptsDir(kind: "github" | "gitlab"): string {
  const existing = made.get(kind);
  if (existing) return existing;
  const dir = join(tempDir(`ccr-ci-scripts-${kind}-`), `.${kind}`, "scripts");
  mkdirSync(dir, { recursive: true });
  const forgeScripts = join(repoRoot, "templates", "forge", kind, `_${kind}`, "scripts");
  for (const name of readdirSync(forgeScripts).filter((file) => file.endsWith(".cjs"))) copyFileSync(join(forgeScripts, name), join(dir, name));
  copyFileSync(join(repoRoot, "templates", "common", "{{forge.scriptsDir}}", "terraform-plan.cjs"), join(dir, "terraform-plan.cjs"));
  made.set(kind, dir);
  return dir;
}
