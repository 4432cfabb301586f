/**
 * The build compiles the shipped templates (scripts/precompile-templates.mjs); a render binds them instead of
 * compiling. Every shipped template must be found there, the shipped form must render exactly what a fresh compile
 * renders, and a template that is not shipped (edited after the build, a blueprint's own) is compiled, never stale.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import Handlebars from "handlebars";
import { describe, expect, test } from "vitest";
import { listFilesRecursive } from "../src/_utils.js";
import { templatesRoot } from "../src/blueprints/load.js";
import { COMPILE_OPTIONS, PRECOMPILED_PATH, compiledTemplate, templateDigest } from "../src/generator/compiled-templates.js";
import { createHandlebars } from "../src/generator/helpers.js";

const shipped = existsSync(PRECOMPILED_PATH) ? (createRequire(import.meta.url)(PRECOMPILED_PATH) as { templates: Record<string, unknown> }).templates : undefined;
const templateFiles = listFilesRecursive(templatesRoot).filter((path) => path.endsWith(".hbs"));
/** Templated paths as renderTree sees them, relative to their template set (`gitops/<engine>/`). */
const templatedPaths = templateFiles.filter((path) => path.includes("{{")).map((path) => path.slice(path.indexOf("clusters/")));

describe.skipIf(!shipped)("templates compiled at build time", () => {
  test("every .hbs file under templates/ and every templated path is in the build's output", () => {
    const missing = templateFiles.filter((path) => !(templateDigest(readFileSync(join(templatesRoot, path), "utf8")) in shipped!));
    expect(missing, "run `npm run build`: these templates are compiled on every run").toEqual([]);
    expect(templatedPaths.length).toBeGreaterThan(0);
    for (const path of templatedPaths) expect(templateDigest(path) in shipped!, path).toBe(true);
  });

  test("a shipped template renders what a fresh compile of its source renders", () => {
    // A templated path: it renders from the cluster name alone, so the two outputs compare in full.
    const source = templatedPaths[0]!;
    expect(templateDigest(source) in shipped!).toBe(true);
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
