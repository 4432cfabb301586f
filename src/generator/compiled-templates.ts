/**
 * Compiled Handlebars templates, shared by every render in the process. Why: compiling a blueprint's hundred-odd
 * templates was a quarter of a `create` run, and `update`/`plan` render twice. The templates the package ships are
 * also compiled at build time (scripts/precompile-templates.mjs writes them to dist/generator/templates/, one module
 * per template set or add-on, with an index by digest), so a CLI run only binds them, and loads only the modules of
 * the sets and add-ons it renders (all of them were 1 MB of code to load, about 25 ms of every run).
 *
 * A compiled template is a pure function of its source, the compile options and the Handlebars version, and is
 * looked up by a digest of all three: a template edited after the build, or a blueprint's own copy, is compiled
 * here instead, never served stale.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type Handlebars from "handlebars";
import { packageRoot } from "../_utils.js";
import { requireCached } from "../code-cache.js";
import { createHandlebars, loadHandlebars, type HandlebarsEnvironment } from "./helpers.js";

/** Strict: a missing field is an error. No escaping: the output is YAML/HCL/Markdown, not HTML. */
export const COMPILE_OPTIONS = Object.freeze({ strict: true, noEscape: true });

/** The build's compiled templates: `index.json` (digest -> module file) and the modules, `<group>.cjs`. */
export const PRECOMPILED_DIR = join(packageRoot, "dist", "generator", "templates");
export const PRECOMPILED_INDEX = join(PRECOMPILED_DIR, "index.json");

/** The key of a template's compiled form; the build script computes the same one. */
export function templateDigest(source: string): string {
  return createHash("sha256").update(`${loadHandlebars("handlebars/runtime").VERSION}\0${JSON.stringify(COMPILE_OPTIONS)}\0${source}`).digest("hex");
}

type TemplateSpec = Parameters<typeof Handlebars.template>[0];
export type Template = Handlebars.TemplateDelegate;

/**
 * Two environments with the same helpers: Handlebars' runtime binds the build's compiled templates, and its compiler,
 * loaded only when a template has no compiled form, compiles the others. The helpers are pure, and partials are
 * given to each call, so renders cannot see each other's.
 */
let runtimeEnvironment: HandlebarsEnvironment | undefined;
let compilerEnvironment: HandlebarsEnvironment | undefined;
let shippedIndex: Record<string, string> | undefined;
const compiled = new Map<string, Template>();

/**
 * The build's compiled form of the template with this digest, or undefined when the build has none (before the first
 * build, tests run from src/: every template is compiled at run time). Its module is loaded on first use.
 */
export function shippedTemplateSpec(digest: string): TemplateSpec | undefined {
  shippedIndex ??= existsSync(PRECOMPILED_INDEX) ? (JSON.parse(readFileSync(PRECOMPILED_INDEX, "utf8")) as Record<string, string>) : {};
  if (!Object.hasOwn(shippedIndex, digest)) return undefined;
  // The index names files the build wrote in this folder: a name, never a path.
  const file = shippedIndex[digest]!;
  if (!/^[a-z0-9][a-z0-9.-]*\.cjs$/.test(file)) throw new Error(`${PRECOMPILED_INDEX}: ${JSON.stringify(file)} is not a module of the build; run \`npm run build -- --force\``);
  return (requireCached(join(PRECOMPILED_DIR, file)) as { templates: Record<string, TemplateSpec> }).templates[digest];
}

/** The compiled template for `source`: shipped compiled, or compiled now, once per process either way. */
export function compiledTemplate(source: string): Template {
  let template = compiled.get(source);
  if (!template) {
    const spec = shippedTemplateSpec(templateDigest(source));
    if (spec) template = (runtimeEnvironment ??= createHandlebars(loadHandlebars("handlebars/runtime"))).template(spec);
    else template = (compilerEnvironment ??= createHandlebars()).compile(source, { ...COMPILE_OPTIONS }); // a copy: Handlebars may add to it
    compiled.set(source, template);
  }
  return template;
}
