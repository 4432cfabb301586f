#!/usr/bin/env node
/**
 * Derives the Renovate configuration schema the tests check every render's renovate.json against
 * (test/renovate-config.test.ts). Renovate publishes it in its npm package as renovate-schema.json; the package is
 * AGPL-3.0-only, so it is never a dependency of this project, and the schema is kept out of what we ship: it is a
 * test oracle under test/fixtures/renovate/, with its source and licence recorded in it (`$comment`) and beside it
 * (SOURCE.md). The derivation keeps every constraint and drops the prose (description, markdownDescription), which
 * is most of the file.
 *
 * Run: `node scripts/derive-renovate-schema.mjs [--version 44.121.2] [--from <renovate-schema.json>]`. Without
 * --from it fetches the package with `npm pack renovate@<version>` (the npm registry, the ordinary client) into a
 * temporary folder and reads the schema from the tarball.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const option = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const version = option("--version") ?? "44.121.2";
const out = join(root, "test", "fixtures", "renovate");

function readSchema() {
  const from = option("--from");
  if (from) return readFileSync(from, "utf8");
  const scratch = mkdtempSync(join(tmpdir(), "renovate-schema-"));
  try {
    const tarball = execFileSync("npm", ["pack", `renovate@${version}`, "--silent", "--pack-destination", scratch], { encoding: "utf8" }).trim().split("\n").at(-1);
    return execFileSync("tar", ["-xOzf", join(scratch, tarball), "package/renovate-schema.json"], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

const PROSE = new Set(["description", "markdownDescription"]);

/** The schema without its prose; `properties` and `definitions` are maps of names, where "description" is an option. */
function withoutProse(node, isNameMap = false) {
  if (Array.isArray(node)) return node.map((item) => withoutProse(item));
  if (!node || typeof node !== "object") return node;
  const result = {};
  for (const [key, value] of Object.entries(node)) {
    if (!isNameMap && PROSE.has(key) && typeof value === "string") continue;
    result[key] = withoutProse(value, !isNameMap && (key === "properties" || key === "definitions" || key === "patternProperties"));
  }
  return result;
}

const schema = JSON.parse(readSchema());
const derived = {
  $comment: `Derived by scripts/derive-renovate-schema.mjs from renovate-schema.json of the npm package renovate@${schema["x-renovate-version"] ?? version} (licence AGPL-3.0-only): every constraint kept, descriptions dropped. A test oracle only: not shipped in the package.`,
  ...withoutProse(schema),
};
mkdirSync(out, { recursive: true });
writeFileSync(join(out, "renovate-schema.json"), `${JSON.stringify(derived)}\n`);
console.log(`test/fixtures/renovate/renovate-schema.json: Renovate ${schema["x-renovate-version"] ?? version}`);
