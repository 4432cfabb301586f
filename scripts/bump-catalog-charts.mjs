#!/usr/bin/env node
/**
 * Bumps the catalog's pinned chart versions (addons/<name>/addon.yaml `chart.version`) from a Helm repository's
 * index: for every add-on whose chart comes from that repository, the newest version the index lists that is not a
 * pre-release (and, without --major, in the same major version). Only the version scalar is rewritten, so comments
 * and layout stay as they are. Each bump is printed with what to do next: check the add-on's values against the new
 * chart's values.yaml, `npm run blueprints:record`, and say what changed in addons/CHANGELOG.md.
 *
 * Run: `node scripts/bump-catalog-charts.mjs --index <index.yaml> --repository <url> [--major] [--dry-run] [--root <checkout>]`
 * The index is a file (a local mirror, or one downloaded from <url>/index.yaml): the script itself reaches no network.
 * OCI repositories publish no index: their add-ons are left alone (Renovate bumps the rendered repositories either way).
 * Exit codes: 0 done (bumped or up to date), 2 bad usage or an unreadable index.
 */
import { readFileSync, readdirSync, writeFileSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseDocument, parse } from "yaml";

const args = process.argv.slice(2);
const option = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const root = option("--root") ?? join(dirname(fileURLToPath(import.meta.url)), "..");
const indexFile = option("--index");
const repository = option("--repository")?.replace(/\/+$/, "");
const allowMajor = args.includes("--major");
const dryRun = args.includes("--dry-run");

function fail(message) {
  console.error(`bump-catalog-charts: ${message}`);
  process.exit(2);
}

if (!indexFile || !repository) fail("usage: node scripts/bump-catalog-charts.mjs --index <index.yaml> --repository <https url of the chart repository> [--major] [--dry-run] [--root <checkout>]");
if (!/^https:\/\//.test(repository)) fail(`--repository ${repository}: the https URL the add-ons name in chart.repository.url (OCI registries publish no index)`);

let index;
try {
  index = parse(readFileSync(indexFile, "utf8"), { maxAliasCount: 100 });
} catch (error) {
  fail(`${indexFile}: not a readable Helm repository index (${error.message})`);
}
if (!index || typeof index.entries !== "object" || index.entries === null) fail(`${indexFile}: not a Helm repository index (no "entries" mapping)`);

const SEMVER = /^(v?)(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

/** Semantic versions compared (a pre-release below its release), or undefined for what is not one. */
function parts(version) {
  const match = SEMVER.exec(String(version));
  return match ? { prefix: match[1], numbers: [Number(match[2]), Number(match[3]), Number(match[4])], pre: match[5] } : undefined;
}
function compare(a, b) {
  for (let i = 0; i < 3; i++) if (a.numbers[i] !== b.numbers[i]) return a.numbers[i] - b.numbers[i];
  if (a.pre === b.pre) return 0;
  if (a.pre === undefined) return 1;
  if (b.pre === undefined) return -1;
  return a.pre < b.pre ? -1 : 1;
}

/** The newest release of `chart` in the index that may replace `current`, or undefined. */
function newest(chart, current) {
  const now = parts(current);
  const candidates = (index.entries[chart] ?? [])
    .filter((entry) => !entry.deprecated)
    .map((entry) => ({ version: String(entry.version), parsed: parts(entry.version) }))
    .filter(({ parsed }) => parsed && parsed.pre === undefined && parsed.prefix === now.prefix && (allowMajor || parsed.numbers[0] === now.numbers[0]));
  candidates.sort((a, b) => compare(b.parsed, a.parsed));
  const best = candidates[0];
  return best && compare(best.parsed, now) > 0 ? best.version : undefined;
}

const addonsDir = join(root, "addons");
let bumped = 0;
for (const name of readdirSync(addonsDir).sort()) {
  const file = join(addonsDir, name, "addon.yaml");
  if (!existsSync(file)) continue;
  const text = readFileSync(file, "utf8");
  const document = parseDocument(text);
  const chart = document.get("chart", true);
  const url = chart?.get?.("repository")?.get?.("url");
  if (typeof url !== "string" || url.replace(/\/+$/, "") !== repository) continue;
  const node = chart.get("version", true);
  const current = String(node.value);
  if (!parts(current)) {
    console.log(`addons/${name}: chart.version ${current} is not a semantic version; left alone`);
    continue;
  }
  const next = newest(chart.get("name"), current);
  if (!next) {
    const listed = (index.entries[chart.get("name")] ?? []).length;
    console.log(`addons/${name}: ${chart.get("name")} ${current} is ${listed ? "the newest" : "not in the index"}${listed && !allowMajor ? " in its major version" : ""}`);
    continue;
  }
  // Only the scalar's characters change: its quotes, comments and the rest of the file stay as written.
  const [start, end] = node.range;
  const quote = /^["']/.test(text.slice(start)) ? text[start] : "";
  const updated = `${text.slice(0, start)}${quote}${next}${quote}${text.slice(end)}`;
  if (!dryRun) writeFileSync(file, updated);
  bumped++;
  const major = parts(next).numbers[0] !== parts(current).numbers[0];
  console.log(`addons/${name}: ${chart.get("name")} ${current} -> ${next}${major ? " (a new major version: read its upgrade notes)" : ""}${dryRun ? " (dry run)" : ""}`);
}
if (bumped > 0 && !dryRun) {
  console.log("Next: check each add-on's values.yaml.hbs and values.schema.json against the new chart's values.yaml, run `npm run blueprints:record`, and say what changed in addons/CHANGELOG.md.");
}
