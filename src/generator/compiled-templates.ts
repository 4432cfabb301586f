/**
 * Compiled Handlebars templates, shared by every render in the process. Why: compiling a blueprint's hundred-odd
 * templates was a quarter of a `create` run, and `update`/`plan` render twice. The templates the package ships are
 * also compiled at build time (scripts/precompile-templates.mjs writes dist/generator/templates.compiled.cjs), so a
 * CLI run only binds them.
 *
 * A compiled template is a pure function of its source, the compile options and the Handlebars version, and is
 * looked up by a digest of all three: a template edited after the build, or a blueprint's own copy, is compiled
 * here instead, never served stale.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import Handlebars from "handlebars";
import { packageRoot } from "../_utils.js";
import { createHandlebars } from "./helpers.js";

/** Strict: a missing field is an error. No escaping: the output is YAML/HCL/Markdown, not HTML. */
export const COMPILE_OPTIONS = Object.freeze({ strict: true, noEscape: true });

export const PRECOMPILED_PATH = join(packageRoot, "dist", "generator", "templates.compiled.cjs");

/** The key of a template's compiled form; the build script computes the same one. */
export function templateDigest(source: string): string {
  return createHash("sha256").update(`${Handlebars.VERSION}\0${JSON.stringify(COMPILE_OPTIONS)}\0${source}`).digest("hex");
}

type TemplateSpec = Parameters<typeof Handlebars.template>[0];
export type Template = Handlebars.TemplateDelegate;

/** One environment: the helpers are pure, and partials are given to each call, so renders cannot see each other's. */
let environment: typeof Handlebars | undefined;
let shipped: Map<string, TemplateSpec> | undefined;
const compiled = new Map<string, Template>();

function shippedTemplates(): Map<string, TemplateSpec> {
  if (!shipped) {
    // Absent before the first build (tests run from src/ then): every template is compiled at run time.
    const specs = existsSync(PRECOMPILED_PATH) ? (createRequire(import.meta.url)(PRECOMPILED_PATH) as { templates: Record<string, TemplateSpec> }).templates : {};
    shipped = new Map(Object.entries(specs));
  }
  return shipped;
}

/** The compiled template for `source`: shipped compiled, or compiled now, once per process either way. */
export function compiledTemplate(source: string): Template {
  let template = compiled.get(source);
  if (!template) {
    environment ??= createHandlebars();
    const spec = shippedTemplates().get(templateDigest(source));
    template = spec ? environment.template(spec) : environment.compile(source, { ...COMPILE_OPTIONS }); // a copy: Handlebars may add to it
    compiled.set(source, template);
  }
  return template;
}
