#!/usr/bin/env node
// Compiles the JSON Schemas every run starts with (each shipped blueprint's parameters, the options of every rule in
// the library) into Ajv standalone code in dist/params/schemas/<digest>.cjs, a module each, keyed as
// src/params/compiled-schemas.ts looks them up. Run by `npm run build`, after tsc (it imports dist/). Why: compiling
// them was about 60 ms of every run; a run now only loads the validators it needs (a blueprint's and its rules').
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const standaloneCode = require("ajv/dist/standalone").default;
const { _ } = require("ajv");
const { createSchemaAjv, schemaDigest, PRECOMPILED_SCHEMAS_DIR } = await import(new URL("../dist/params/compiled-schemas.js", import.meta.url).href);
const { blueprintIds } = await import(new URL("../dist/blueprints/registry.js", import.meta.url).href);
const { loadBlueprint } = await import(new URL("../dist/blueprints/load.js", import.meta.url).href);
const { ruleLibrary } = await import(new URL("../dist/params/rules/index.js", import.meta.url).href);

const schemas = [
  ...blueprintIds().map((id) => ["params", loadBlueprint(id).paramsSchema]),
  ...[...ruleLibrary.values()].filter((rule) => rule.options).map((rule) => ["rule-options", rule.options]),
];

// The generated code requires Ajv's runtime helpers (and ajv-formats' formats), resolved from this file in dist/.
const code = { source: true, formats: _`require("ajv-formats/dist/formats").fullFormats` };
rmSync(PRECOMPILED_SCHEMAS_DIR, { recursive: true, force: true });
rmSync(new URL("../dist/params/schemas.compiled.cjs", import.meta.url), { force: true }); // the one module of earlier builds
mkdirSync(PRECOMPILED_SCHEMAS_DIR, { recursive: true });
const written = new Set();
for (const [flavour, schema] of schemas) {
  const digest = schemaDigest(flavour, schema);
  if (written.has(digest)) continue;
  written.add(digest);
  const ajv = createSchemaAjv(flavour, { code });
  writeFileSync(join(PRECOMPILED_SCHEMAS_DIR, `${digest}.cjs`), `// Written by scripts/precompile-schemas.mjs: do not edit.\n${standaloneCode(ajv, ajv.compile(schema))}\n`);
}
