#!/usr/bin/env node
// `npm run build`: tsc, then the template and schema precompiles, then the CLI bundle. Skipped when dist/ was built from the
// same inputs. Why: `npm install` builds (prepare), `npm test` builds again, and `npx create-cluster-repo` in a
// checkout links the checkout and runs its prepare once more; each tsc run is ~12 CPU-seconds for the same output.
// The stamp is a digest of the inputs' contents (not of mtimes, which a checkout or a copy changes), written last,
// so an interrupted build leaves no stamp and the next one starts over. `--force` builds regardless; `--check` only
// says whether a build is needed (exit 0: up to date, 1: not).
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const stampPath = join(root, "dist", ".build-inputs");
/** What the build reads: TypeScript sources, the templates and schemas it precompiles, its steps and configuration. */
const INPUT_DIRS = ["src", "templates", "blueprints", "addons", "schemas/terraform"];
const STEPS = ["scripts/precompile-templates.mjs", "scripts/precompile-schemas.mjs", "scripts/precompile-data.mjs", "scripts/bundle-cli.mjs"];
const INPUT_FILES = ["package.json", "tsconfig.json", "tsconfig.build.json", "scripts/build.mjs", "scripts/ascii-js.mjs", ...STEPS];
/** The tools that write dist/: a different version is a different build (so is a different bundled dependency). */
const TOOLS = ["typescript", "esbuild", "handlebars"];
/** Outputs the package cannot run without: a stamp beside a dist/ missing them does not count. */
const OUTPUTS = ["dist/index.js", "dist/cli/main.js", "dist/cli/cli.cjs", "dist/cli/code-cache.cjs", "dist/generator/templates/index.json", "dist/params/schemas", "dist/validators/terraform/worker.js", "dist/cli/kubernetes-worker.cjs"];

function filesUnder(dir) {
  return readdirSync(join(root, dir), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(root, join(entry.parentPath ?? entry.path, entry.name)).split("\\").join("/"));
}

/** The version npm installed, from the package's own package.json (some packages do not export that file). */
function installedVersion(name) {
  const path = join(root, "node_modules", ...name.split("/"), "package.json");
  return existsSync(path) ? JSON.parse(readFileSync(path, "utf8")).version : "absent";
}

function inputDigest() {
  const hash = createHash("sha256");
  const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  for (const name of [...TOOLS, ...Object.keys(manifest.dependencies ?? {})].sort()) hash.update(`${name}@${installedVersion(name)}\0`);
  const lockfile = existsSync(join(root, "package-lock.json")) ? ["package-lock.json"] : [];
  const files = [...INPUT_DIRS.flatMap(filesUnder), ...INPUT_FILES, ...lockfile].sort();
  for (const file of files) hash.update(`${file}\0`).update(readFileSync(join(root, file))).update("\0");
  return hash.digest("hex");
}

const digest = inputDigest();
const upToDate = existsSync(stampPath) && readFileSync(stampPath, "utf8").trim() === digest && OUTPUTS.every((file) => existsSync(join(root, file)));
if (process.argv.includes("--check")) {
  console.log(upToDate ? "build: dist/ is up to date" : "build: dist/ is out of date (or missing): run `npm run build`");
  process.exit(upToDate ? 0 : 1);
} else if (upToDate && !process.argv.includes("--force")) {
  console.log("build: dist/ is up to date (same sources, templates and tools); `npm run build -- --force` rebuilds");
} else {
  rmSync(stampPath, { force: true });
  // A failing step has printed its own errors (tsc's type errors...): exit with its status, without a stack trace.
  const step = (...args) => {
    try {
      execFileSync(process.execPath, args, { cwd: root, stdio: "inherit" });
    } catch (error) {
      process.exit(typeof error.status === "number" && error.status !== 0 ? error.status : 1);
    }
  };
  step(join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json");
  for (const script of STEPS) step(script);
  writeFileSync(stampPath, `${digest}\n`);
}
