/**
 * The package's own YAML data (blueprint.yaml, migrations.yaml, addons/catalog.yaml, every addons/<name>/addon.yaml) as
 * parsed at build time. Why: the `yaml` library parses these 40 kB on every run before its code is warm, about 50 ms
 * of each `create`, `plan`, `check` and `update`; the build (scripts/precompile-data.mjs) stores each file's parse as
 * JSON, which a run reads in well under a millisecond.
 *
 * A parse is a pure function of the text and the `yaml` version, and is looked up by a digest of both: a file edited
 * after the build, or a blueprint of a contributor's, is parsed here as before, never served stale. Only data that
 * JSON holds exactly is stored (plain maps, lists, strings, finite numbers, booleans, null).
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { parse } from "yaml";
import { packageRoot } from "../_utils.js";

/** digest -> the parse, written as JSON (a fresh object on every read: callers may change what they get). */
export const PARSED_DATA_PATH = join(packageRoot, "dist", "yaml", "shipped-data.json");

let yamlVersion: string | undefined;
let parsed: Record<string, string> | undefined;

/** The key of a text's parse; the build script computes the same one. */
export function yamlDataDigest(text: string): string {
  yamlVersion ??= (createRequire(import.meta.url)("yaml/package.json") as { version: string }).version;
  return createHash("sha256").update(`yaml@${yamlVersion}\0${text}`).digest("hex");
}

/** The build's parse of `text`, or undefined when the build has none (not built yet, or the file changed since). */
export function builtParse(text: string): unknown {
  parsed ??= existsSync(PARSED_DATA_PATH) ? (JSON.parse(readFileSync(PARSED_DATA_PATH, "utf8")) as Record<string, string>) : {};
  const digest = yamlDataDigest(text);
  return Object.hasOwn(parsed, digest) ? JSON.parse(parsed[digest]!) : undefined;
}

/** `yaml`'s parse of a data file the package ships: the build's when it has this very text, else parsed now. */
export function parseShippedYaml(text: string): unknown {
  return builtParse(text) ?? parse(text);
}
