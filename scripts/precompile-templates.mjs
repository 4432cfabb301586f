#!/usr/bin/env node
// Compiles the Handlebars templates the package ships (every .hbs file under templates/ and addons/, every file path there
// that holds `{{`, and the few templates written in the code) into dist/generator/templates/: one CommonJS module per
// template set or add-on (`templates-common.cjs`, `templates-gitops-flux.cjs`, `addons-cert-manager.cjs`...) and
// index.json, digest -> module, keyed as src/generator/compiled-templates.ts looks them up. Run by `npm run build`,
// after tsc (it imports that module from dist/). Why: compiling the templates was a quarter of every `create`; a run
// now only binds them, and loads the modules of the sets and add-ons it renders, not all of them (1 MB of code).
import Handlebars from "handlebars";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { asciiOnly } from "./ascii-js.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const { COMPILE_OPTIONS, PRECOMPILED_DIR, PRECOMPILED_INDEX, templateDigest } = await import(new URL("../dist/generator/compiled-templates.js", import.meta.url).href);
const { listFilesRecursive } = await import(new URL("../dist/_utils.js", import.meta.url).href);
const { CODE_TEMPLATES } = await import(new URL("../dist/catalog/render.js", import.meta.url).href);

/** digest -> [module, source]; a source found in several places is compiled once, into the first module that has it. */
const sources = new Map();
const add = (group, source) => {
  const digest = templateDigest(source);
  if (!sources.has(digest)) sources.set(digest, [group, source]);
};

// The add-on catalog's templates (values.yaml.hbs, manifests/, configs/), a module per add-on.
for (const path of listFilesRecursive(join(root, "addons"))) {
  if (path.endsWith(".hbs")) add(`addons-${path.split("/")[0]}`, readFileSync(join(root, "addons", path), "utf8"));
}
for (const path of listFilesRecursive(join(root, "templates"))) {
  const segments = path.split("/");
  // A module per template set, as loadBlueprint names them: common, clouds/<cloud>, packs/<pack>, gitops/<engine>, forge/<kind>.
  const group = `templates-${(segments[0] === "common" ? segments.slice(0, 1) : segments.slice(0, 2)).join("-")}`;
  if (path.endsWith(".hbs")) add(group, readFileSync(join(root, "templates", path), "utf8"));
  // A path is rendered too, relative to its template set (`gitops/flux`, `clouds/<cloud>`...): every tail of it will do.
  segments.forEach((_, i) => {
    const tail = segments.slice(i).join("/");
    if (tail.includes("{{")) add(group, tail);
  });
}
for (const source of CODE_TEMPLATES) add("code", source);

const modules = new Map();
for (const [digest, [group, source]] of [...sources].sort(([a], [b]) => a.localeCompare(b))) {
  if (!modules.has(group)) modules.set(group, []);
  modules.get(group).push(`  ${JSON.stringify(digest)}: ${Handlebars.precompile(source, { ...COMPILE_OPTIONS })},`);
}
const fileOf = (group) => {
  const file = `${group.toLowerCase()}.cjs`;
  // src/generator/compiled-templates.ts loads only names of this shape from the index.
  if (!/^[a-z0-9][a-z0-9.-]*\.cjs$/.test(file)) throw new Error(`precompile-templates: ${file} is not a module name (rename the template set or add-on folder)`);
  return file;
};
rmSync(PRECOMPILED_DIR, { recursive: true, force: true });
rmSync(new URL("../dist/generator/templates.compiled.cjs", import.meta.url), { force: true }); // the one module of earlier builds
mkdirSync(PRECOMPILED_DIR, { recursive: true });
for (const [group, entries] of modules) {
  // In ASCII, as V8's code cache reads it best (scripts/ascii-js.mjs): a template's "°C" is written "\u00b0C".
  const code = `"use strict";\n// Written by scripts/precompile-templates.mjs: do not edit.\nexports.templates = {\n${entries.join("\n")}\n};\n`;
  writeFileSync(join(PRECOMPILED_DIR, fileOf(group)), asciiOnly(code, fileOf(group)));
}
const index = Object.fromEntries([...sources].sort(([a], [b]) => a.localeCompare(b)).map(([digest, [group]]) => [digest, fileOf(group)]));
writeFileSync(PRECOMPILED_INDEX, `${JSON.stringify(index, null, 1)}\n`);
