/**
 * The build compiles the shipped templates (scripts/precompile-templates.mjs); a render binds them instead of
 * compiling. Every shipped template must be found there, the shipped form must render exactly what a fresh compile
 * renders, and a template that is not shipped (edited after the build, a blueprint's own) is compiled, never stale.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Handlebars from "handlebars";
import { describe, expect, test } from "vitest";
import { listFilesRecursive } from "../src/_utils.js";
import { templatesRoot } from "../src/blueprints/load.js";
import { catalogRoot } from "../src/catalog/load.js";
import { CODE_TEMPLATES } from "../src/catalog/render.js";
import { COMPILE_OPTIONS, PRECOMPILED_INDEX, compiledTemplate, shippedTemplateSpec, templateDigest } from "../src/generator/compiled-templates.js";
import { createHandlebars } from "../src/generator/helpers.js";

const built = existsSync(PRECOMPILED_INDEX);
const isShipped = (source: string) => shippedTemplateSpec(templateDigest(source)) !== undefined;
const templateFiles = listFilesRecursive(templatesRoot).filter((path) => path.endsWith(".hbs"));
/** Templated paths as renderTree sees them, relative to their template set (`gitops/<engine>/`). */
const templatedPaths = templateFiles.filter((path) => path.includes("{{")).map((path) => path.slice(path.indexOf("clusters/")));

describe.skipIf(!built)("templates compiled at build time", () => {
  test("every .hbs file under templates/ and every templated path is in the build's output", () => {
    const missing = templateFiles.filter((path) => !isShipped(readFileSync(join(templatesRoot, path), "utf8")));
    expect(missing, "run `npm run build`: these templates are compiled on every run").toEqual([]);
    expect(templatedPaths.length).toBeGreaterThan(0);
    for (const path of templatedPaths) expect(isShipped(path), path).toBe(true);
  });

  test("every .hbs file of the add-on catalog and every template written in the code is in the build's output", () => {
    const addonFiles = listFilesRecursive(catalogRoot).filter((path) => path.endsWith(".hbs"));
    expect(addonFiles.length).toBeGreaterThan(0);
    expect(addonFiles.filter((path) => !isShipped(readFileSync(join(catalogRoot, path), "utf8")))).toEqual([]);
    expect(CODE_TEMPLATES.length).toBeGreaterThan(0);
    expect(CODE_TEMPLATES.filter((source) => !isShipped(source))).toEqual([]);
  });

  test("a shipped template renders what a fresh compile of its source renders", () => {
    // A templated path: it renders from the cluster name alone, so the two outputs compare in full.
    const source = templatedPaths[0]!;
    expect(isShipped(source)).toBe(true);
    const context = { cluster: { name: "prod-1" } };
    const rendered = compiledTemplate(source)(context);
    expect(rendered).toContain("clusters/prod-1/");
    expect(rendered).toBe(createHandlebars().compile(source, { ...COMPILE_OPTIONS })(context));
  });
});

test("a template not in the build's output is compiled at run time, strict and unescaped", () => {
  const source = `name: {{cluster.name}} <&> {{{raw}}} ${Date.now()}`;
  const template = compiledTemplate(source);
  expect(template({ cluster: { name: "a<b>&c" }, raw: "x" })).toMatch(/^name: a<b>&c <&> x \d+$/);
  expect(() => template({ cluster: {} })).toThrow(/"name" not defined/);
  expect(compiledTemplate(source)).toBe(template);
});

test("the compile options digest cannot drift: Handlebars adds to the options it is given, so they are frozen", () => {
  expect(Object.isFrozen(COMPILE_OPTIONS)).toBe(true);
  const before = templateDigest("{{a}}");
  Handlebars.precompile("{{a}}", { ...COMPILE_OPTIONS });
  expect(templateDigest("{{a}}")).toBe(before);
});
