#!/usr/bin/env node
/**
 * Derives the Flux and Argo CD schemas the embedded validators are built from: reads every CustomResourceDefinition
 * in a folder of CRD YAML files (as the controllers' releases publish them) and writes, for each served version of
 * each kind, its openAPIV3Schema with every constraint kept and the prose dropped:
 *
 * - kept: type, format, pattern, enum, required, nullable, default, minimum/maximum (and their exclusive forms),
 *   min/max length/items/properties, multipleOf, uniqueItems, items, properties, additionalProperties,
 *   allOf/anyOf/oneOf/not, every `x-kubernetes-*` marker (int-or-string, preserve-unknown-fields, embedded-resource,
 *   list-type, list-map-keys, map-type, validations with their CEL rules and messages);
 * - dropped: description, title, example, externalDocs (documentation, not constraints).
 *
 * Output: <out>/<group>/<kind>_<version>.json (kind in lower case, kubeconform's CRD catalogue layout) and
 * <out>/index.json (one entry per kind and version: group, kind, version, storage, deprecated, file).
 * The folders of the groups the input defines are rewritten whole, so a kind or version their CRDs no longer serve
 * disappears; other groups (another project's CRDs, derived from another folder) are kept, and index.json lists both.
 * That is how an add-on's CRDs join Flux's and Argo CD's: derive them from the add-on's upstream CRD files alone.
 *
 * Run: `node scripts/derive-crd-schemas.mjs <folder of CRD YAML> [--out schema-sources/crds]`, then
 * `npm run build:schemas`. schema-sources/README.md and sources.json record which releases the committed output
 * comes from (source, commit, licence).
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import jsYaml from "js-yaml";
import YAML from "yaml";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const outIndex = args.indexOf("--out");
const out = outIndex >= 0 ? args.splice(outIndex, 2)[1] : join(root, "schema-sources", "crds");
const [input] = args;
if (!input) {
  console.error("usage: node scripts/derive-crd-schemas.mjs <folder of CRD YAML files> [--out folder]");
  process.exit(2);
}

/** Documentation keywords: everything else in a structural schema constrains the value. */
const PROSE = new Set(["description", "title", "example", "externalDocs"]);
/** Keywords whose value is a map of names to schemas (the names are field names, never keywords). */
const SCHEMA_MAPS = new Set(["properties", "patternProperties", "definitions"]);
/** Keywords whose value is a schema or a list of schemas. */
const SCHEMA_VALUES = new Set(["items", "additionalProperties", "additionalItems", "not", "allOf", "anyOf", "oneOf"]);

function withoutProse(schema) {
  if (Array.isArray(schema)) return schema.map(withoutProse);
  if (!schema || typeof schema !== "object") return schema;
  const copy = {};
  for (const [key, value] of Object.entries(schema)) {
    if (PROSE.has(key)) continue;
    if (SCHEMA_MAPS.has(key) && value && typeof value === "object") {
      copy[key] = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, withoutProse(sub)]));
    } else if (SCHEMA_VALUES.has(key)) {
      copy[key] = typeof value === "boolean" ? value : withoutProse(value);
    } else {
      // enum, default, required, x-kubernetes-* and the scalar keywords: data, copied as they are
      copy[key] = value;
    }
  }
  return copy;
}

function yamlFiles(folder) {
  const found = [];
  for (const entry of readdirSync(folder).sort()) {
    const path = join(folder, entry);
    if (statSync(path).isDirectory()) found.push(...yamlFiles(path));
    else if (/\.(ya?ml|json)$/.test(entry)) found.push(path);
  }
  return found;
}

/**
 * The documents of a CRD file. Some upstream files are YAML that Go's parser (and so the API server) reads but the
 * strict `yaml` package refuses: Flagger's crd.yaml continues multi-line quoted descriptions at the key's indentation.
 * Those files are read again with js-yaml, which accepts that form, and only when the strict parse fails.
 */
function crdDocuments(file) {
  const text = readFileSync(file, "utf8");
  const documents = YAML.parseAllDocuments(text, { maxAliasCount: 0 });
  if (documents.every((document) => document.errors.length === 0)) return documents.map((document) => document.toJS());
  try {
    return jsYaml.loadAll(text, undefined, { json: false });
  } catch (error) {
    throw new Error(`${file}: ${documents.find((document) => document.errors.length > 0).errors[0].message} (js-yaml: ${error.message})`);
  }
}

const derived = new Map();
for (const file of yamlFiles(input)) {
  for (const crd of crdDocuments(file)) {
    if (crd?.kind !== "CustomResourceDefinition") continue;
    if (crd.apiVersion !== "apiextensions.k8s.io/v1") throw new Error(`${file}: ${crd.metadata?.name} is ${crd.apiVersion}, expected apiextensions.k8s.io/v1`);
    const { group, names, versions } = crd.spec;
    for (const version of versions) {
      if (!version.served) continue;
      const schema = version.schema?.openAPIV3Schema;
      if (!schema) throw new Error(`${file}: ${names.kind} ${version.name} has no openAPIV3Schema`);
      const target = `${group}/${names.kind.toLowerCase()}_${version.name}.json`;
      if (derived.has(target)) throw new Error(`${file}: ${group} ${names.kind} ${version.name} is defined twice`);
      derived.set(target, {
        entry: { group, kind: names.kind, version: version.name, storage: version.storage === true, deprecated: version.deprecated === true, file: target },
        schema: withoutProse(schema),
      });
    }
  }
}
if (derived.size === 0) throw new Error(`no served CustomResourceDefinition version in ${input}`);

// Only the groups this input defines are replaced: the others come from other upstream projects.
const groups = new Set([...derived.values()].map(({ entry }) => entry.group));
for (const group of groups) rmSync(join(out, group), { recursive: true, force: true });
let kept = [];
try {
  kept = JSON.parse(readFileSync(join(out, "index.json"), "utf8")).filter((entry) => !groups.has(entry.group));
} catch {
  kept = [];
}
const index = [...kept];
for (const [target, { entry, schema }] of [...derived].sort(([a], [b]) => (a < b ? -1 : 1))) {
  mkdirSync(dirname(join(out, target)), { recursive: true });
  writeFileSync(join(out, target), `${JSON.stringify(schema, null, 1)}\n`);
  index.push(entry);
}
index.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
writeFileSync(join(out, "index.json"), `${JSON.stringify(index, null, 1)}\n`);
const written = index.filter((entry) => groups.has(entry.group));
console.log(`wrote ${relative(process.cwd(), out) || "."}: ${written.length} kind versions of ${[...groups].join(", ")} (${written.map((e) => `${e.kind} ${e.version}`).join(", ")}); kept ${kept.length} of other groups`);
