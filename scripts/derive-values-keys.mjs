#!/usr/bin/env node
// Derives the key paths of a Helm chart's values.yaml (no values copied) into a test fixture, so that a test can hold
// the values an add-on sets to the keys the chart has at the pinned version. Run it when the catalog's chart
// version changes, on the chart's values.yaml at that tag (and its sub-charts' under their prefix):
//   node scripts/derive-values-keys.mjs --values <values.yaml> [--sub <key>=<values.yaml> ...] [--open <path> ...] --source "<repo@tag, path, licence>" --out <file.json>
// Maps are walked; a list or scalar ends a path; an empty map ({}: annotations, resources, nodeSelector...) is "open":
// the chart leaves its keys to the user. `--open` names a non-empty map a chart template copies whole (toYaml), read
// in the chart's templates: its keys are the user's too.
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { parse } from "yaml";

const { values: args } = parseArgs({ options: { values: { type: "string" }, sub: { type: "string", multiple: true }, open: { type: "string", multiple: true }, source: { type: "string" }, out: { type: "string" } } });
if (!args.values || !args.source || !args.out) {
  console.error("usage: derive-values-keys.mjs --values <values.yaml> [--sub <key>=<values.yaml> ...] --source <text> --out <file.json>");
  process.exit(2);
}

const paths = new Set();
const open = new Set();
const isMap = (value) => value !== null && typeof value === "object" && !Array.isArray(value);
function walk(value, prefix) {
  for (const [key, child] of Object.entries(value)) {
    const path = prefix ? `${prefix}.${key}` : key;
    paths.add(path);
    if (isMap(child)) {
      if (Object.keys(child).length === 0) open.add(path);
      else walk(child, path);
    }
  }
}
const read = (file) => parse(readFileSync(file, "utf8"), { maxAliasCount: 1000 }) ?? {};
walk(read(args.values), "");
for (const sub of args.sub ?? []) {
  const [key, file] = sub.split("=");
  paths.add(key);
  walk(read(file), key);
}
for (const path of args.open ?? []) {
  if (!paths.has(path)) {
    console.error(`--open ${path}: no such key in the values`);
    process.exit(2);
  }
  open.add(path);
}
const sorted = (set) => [...set].sort();
writeFileSync(args.out, `${JSON.stringify({ source: args.source, paths: sorted(paths), open: sorted(open) }, null, 1)}\n`);
console.log(`${args.out}: ${paths.size} key paths, ${open.size} open maps`);
