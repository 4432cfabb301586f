#!/usr/bin/env node
// Compiles the JSON Schemas every run starts with (each shipped blueprint's parameters, the options of every rule in
// the library) into Ajv standalone code in dist/params/schemas.compiled.cjs, keyed as src/params/compiled-schemas.ts
// looks them up. Run by `npm run build`, after tsc (it imports dist/). Why: compiling them was about 60 ms of every
// run; a run now only loads the validator it needs.
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const standaloneCode = require("ajv/dist/standalone").default;
const { _ } = require("ajv");
const { createSchemaAjv, schemaDigest, PRECOMPILED_SCHEMAS_PATH } = await import(new URL("../dist/params/compiled-schemas.js", import.meta.url).href);
const { blueprintIds } = await import(new URL("../dist/blueprints/registry.js", import.meta.url).href);
const { loadBlueprint } = await import(new URL("../dist/blueprints/load.js", import.meta.url).href);
const { ruleLibrary } = await import(new URL("../dist/params/rules/index.js", import.meta.url).href);

const schemas = [
  ...blueprintIds().map((id) => ["params", loadBlueprint(id).paramsSchema]),
  ...[...ruleLibrary.values()].filter((rule) => rule.options).map((rule) => ["rule-options", rule.options]),
];

// The generated code requires Ajv's runtime helpers (and ajv-formats' formats), resolved from this file in dist/.
const code = { source: true, formats: _`require("ajv-formats/dist/formats").fullFormats` };
const entries = new Map();
for (const [flavour, schema] of schemas) {
  const digest = schemaDigest(flavour, schema);
  if (entries.has(digest)) continue;
  const ajv = createSchemaAjv(flavour, { code });
  const source = standaloneCode(ajv, ajv.compile(schema));
  entries.set(digest, `  ${JSON.stringify(digest)}: function () {\n    const module = { exports: {} };\n    const exports = module.exports;\n${source}\n    return module.exports;\n  },`);
}
const sorted = [...entries].sort(([a], [b]) => a.localeCompare(b)).map(([, entry]) => entry);
writeFileSync(PRECOMPILED_SCHEMAS_PATH, `"use strict";\n// Written by scripts/precompile-schemas.mjs: do not edit.\nexports.validators = {\n${sorted.join("\n")}\n};\n`);
