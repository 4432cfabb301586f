#!/usr/bin/env node
// Derives the schema `validate` checks .gitlab-ci.yml against from GitLab's CI/CD configuration schema
// (gitlab-org/gitlab, app/assets/javascripts/editor/schema/ci.json, MIT, the editor's and the CI lint's schema):
// every constraint kept, the prose (description, markdownDescription, examples, $comment) dropped.
//   node scripts/derive-gitlab-ci-schema.mjs <ci.json> "<where it was read: repository, commit or release>"
// writes schema-sources/gitlab-ci/ci.json and source.json, and the shipped copy schemas/gitlab-ci/ci.json.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const [input, from] = process.argv.slice(2);
if (!input || !from) {
  console.error('usage: node scripts/derive-gitlab-ci-schema.mjs <ci.json> "<where it was read>"');
  process.exit(2);
}
const root = fileURLToPath(new URL("..", import.meta.url));
const PROSE = new Set(["description", "markdownDescription", "examples", "$comment"]);
/** Keywords whose value is a map of names to schemas: the names are data, never prose. */
const MAPS = new Set(["properties", "patternProperties", "definitions", "$defs", "dependentSchemas"]);
/** Keywords whose value is a schema, or a list of schemas. */
const SCHEMAS = new Set(["items", "additionalItems", "additionalProperties", "not", "if", "then", "else", "contains", "propertyNames", "unevaluatedProperties"]);
const LISTS = new Set(["anyOf", "oneOf", "allOf", "prefixItems"]);

function schema(node) {
  if (Array.isArray(node)) return node.map(schema);
  if (node === null || typeof node !== "object") return node;
  const out = {};
  for (const [key, value] of Object.entries(node)) {
    if (PROSE.has(key)) continue;
    if (MAPS.has(key) && value && typeof value === "object") out[key] = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, schema(sub)]));
    else if (SCHEMAS.has(key) || LISTS.has(key)) out[key] = schema(value);
    else if (key === "dependencies" && value && typeof value === "object") out[key] = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, Array.isArray(sub) ? sub : schema(sub)]));
    else out[key] = value; // enum, const, pattern, type, required, $ref... kept as they are
  }
  return out;
}

const upstream = JSON.parse(readFileSync(input, "utf8"));
const derived = `${JSON.stringify(schema(upstream), null, 1)}\n`;
for (const dir of [join(root, "schema-sources", "gitlab-ci"), join(root, "schemas", "gitlab-ci")]) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "ci.json"), derived);
}
writeFileSync(
  join(root, "schema-sources", "gitlab-ci", "source.json"),
  `${JSON.stringify({ file: "app/assets/javascripts/editor/schema/ci.json", repository: "gitlab-org/gitlab", from, licence: "MIT (GitLab Community Edition: files outside ee/)", definitions: Object.keys(upstream.definitions ?? {}).length }, null, 2)}\n`,
);
console.log(`derived ${Object.keys(upstream.definitions ?? {}).length} definitions into schema-sources/gitlab-ci/ci.json and schemas/gitlab-ci/ci.json`);
