#!/usr/bin/env node
// Parses the YAML data files the package ships (blueprints/<id>/*.yaml, addons/*.yaml, addons/<name>/addon.yaml) with
// the `yaml` library, as a run would, into dist/yaml/shipped-data.json (digest -> the parse as JSON), keyed as
// src/yaml/shipped-data.ts looks them up. Run by `npm run build`, after tsc (it imports that module from dist/).
// Why: parsing them was about 50 ms of every run. A parse JSON does not hold exactly is left out (parsed at run time).
// Then the Terraform provider tables, split per resource type (dist/validators/terraform/tables/).
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

const root = fileURLToPath(new URL("..", import.meta.url));
const { PARSED_DATA_PATH, yamlDataDigest } = await import(new URL("../dist/yaml/shipped-data.js", import.meta.url).href);

const yamlFilesIn = (dir) => (existsSync(join(root, dir)) ? readdirSync(join(root, dir)).filter((name) => name.endsWith(".yaml")).map((name) => `${dir}/${name}`) : []);
const folders = (dir) => readdirSync(join(root, dir), { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => `${dir}/${entry.name}`);
const files = [
  ...folders("blueprints").flatMap(yamlFilesIn),
  ...yamlFilesIn("addons"),
  ...folders("addons").map((dir) => `${dir}/addon.yaml`).filter((file) => existsSync(join(root, file))),
].sort();

const entries = {};
for (const file of files) {
  const text = readFileSync(join(root, file), "utf8");
  let data;
  try {
    data = parse(text);
  } catch {
    continue; // a broken file: the run parses it and reports the error as before
  }
  const json = JSON.stringify(data);
  if (json !== undefined && isDeepStrictEqual(JSON.parse(json), data)) entries[yamlDataDigest(text)] = json;
}
mkdirSync(dirname(PARSED_DATA_PATH), { recursive: true });
writeFileSync(PARSED_DATA_PATH, `${JSON.stringify(entries, null, 1)}\n`);

// The Terraform provider tables, split so that a run parses only the resource types it reads (see
// src/validators/terraform/provider-tables.ts splitProviderTable): each keyed by the digest of the shipped file.
const tables = await import(new URL("../dist/validators/terraform/provider-tables.js", import.meta.url).href);
rmSync(tables.SPLIT_TABLES_DIR, { recursive: true, force: true });
mkdirSync(tables.SPLIT_TABLES_DIR, { recursive: true });
for (const provider of tables.tabledProviders) {
  const text = readFileSync(join(tables.providerTablesDir, `${provider}.json`), "utf8");
  writeFileSync(join(tables.SPLIT_TABLES_DIR, `${provider}.json`), JSON.stringify(tables.splitProviderTable(text)));
}
