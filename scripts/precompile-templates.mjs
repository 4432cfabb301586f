#!/usr/bin/env node
// Compiles the Handlebars templates the package ships (every .hbs file under templates/ and addons/, and every file path there
// that holds `{{`) into dist/generator/templates.compiled.cjs, keyed as
// src/generator/compiled-templates.ts looks them up. Run by `npm run build`, after tsc (it imports that module from
// dist/). Why: compiling the templates was a quarter of every `create`; a run now only binds them.
import Handlebars from "handlebars";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const { COMPILE_OPTIONS, PRECOMPILED_PATH, templateDigest } = await import(new URL("../dist/generator/compiled-templates.js", import.meta.url).href);
const { listFilesRecursive } = await import(new URL("../dist/_utils.js", import.meta.url).href);

const sources = new Set();
// The add-on catalog's templates (values.yaml.hbs, manifests/, configs/) are compiled the same way.
for (const path of listFilesRecursive(join(root, "addons"))) {
  if (path.endsWith(".hbs")) sources.add(readFileSync(join(root, "addons", path), "utf8"));
}
for (const path of listFilesRecursive(join(root, "templates"))) {
  if (path.endsWith(".hbs")) sources.add(readFileSync(join(root, "templates", path), "utf8"));
  // A path is rendered too, relative to its template set (`gitops/flux`, `clouds/<cloud>`...): every tail of it will do.
  const segments = path.split("/");
  segments.forEach((_, i) => {
    const tail = segments.slice(i).join("/");
    if (tail.includes("{{")) sources.add(tail);
  });
}

const entries = [...sources]
  .map((source) => [templateDigest(source), Handlebars.precompile(source, { ...COMPILE_OPTIONS })])
  .sort(([a], [b]) => a.localeCompare(b))
  .map(([digest, spec]) => `  ${JSON.stringify(digest)}: ${spec},`);
writeFileSync(PRECOMPILED_PATH, `"use strict";\n// Written by scripts/precompile-templates.mjs: do not edit.\nexports.templates = {\n${entries.join("\n")}\n};\n`);
