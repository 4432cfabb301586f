import type { ValidateFunction } from "ajv";
import equal from "ajv/dist/runtime/equal.js";
import ucs2length from "ajv/dist/runtime/ucs2length.js";
import { SCHEMA_RUNTIME_MODULE, collectPatternFailures, lazyRe2Pattern, re2Pattern, type PatternFailure } from "./regexp.js";

/**
 * Generated validator modules (the embedded bundles under schemas/kubernetes/validators/ and the compiled-schema cache)
 * are Ajv standalone code wrapped in a function that receives `require`: Ajv's standalone code reaches its helpers
 * with `require("ajv/dist/runtime/…")` even when asked for ESM, which an .mjs file cannot call, and a module in a
 * cache folder could not resolve the package's dependencies anyway. The helpers are handed in instead.
 */
export type ValidatorModuleFactory = (require: (id: string) => unknown) => Record<string, ValidateFunction>;

// Ajv's runtime helpers are CommonJS with a `default` export; bundlers and Node's ESM loader disagree on whether the
// import gives the module or its default.
const unwrap = <T>(module: T | { default: T }): T => ((module as { default?: T }).default ?? module) as T;

const AJV_RUNTIME: Record<string, unknown> = {
  "ajv/dist/runtime/equal": { default: unwrap(equal) },
  "ajv/dist/runtime/ucs2length": { default: unwrap(ucs2length) },
};

function runtimeRequire(patterns: "eager" | "lazy"): (id: string) => unknown {
  const runtime: Record<string, unknown> = { ...AJV_RUNTIME, [SCHEMA_RUNTIME_MODULE]: { re2Pattern: patterns === "lazy" ? lazyRe2Pattern : re2Pattern } };
  return (id) => {
    const module = runtime[id];
    if (!module) throw new Error(`generated validator needs ${id}, which the schema runtime does not provide`);
    return module;
  };
}

/**
 * Binds a generated module's validators; patterns RE2 cannot compile are returned with them. `lazy` (the embedded
 * bundles, checked when they were built) compiles each pattern on its first use instead, and reports none.
 */
export function bindValidators(factory: ValidatorModuleFactory, patterns: "eager" | "lazy" = "eager"): { validators: Record<string, ValidateFunction>; failures: PatternFailure[] } {
  const { value, failures } = collectPatternFailures(() => factory(runtimeRequire(patterns)));
  return { validators: value, failures };
}

/**
 * Wraps Ajv standalone code (CommonJS flavour: `exports.X = validateN;` or `module.exports = validateN;`) as an ES module whose default export is a
 * {@link ValidatorModuleFactory}.
 */
export function validatorModuleSource(standaloneCode: string, header: string): string {
  const body = standaloneCode.replace(/^"use strict";/, "");
  // In parentheses: V8 then compiles the function when it parses the module, instead of pre-parsing its (large) body
  // first and parsing it again when bind() is called, which made a bundle load a third slower.
  return `${header}\nexport default (function bind(require) {\nconst module = { exports: {} };\nconst exports = module.exports;\n${body}\nreturn module.exports;\n});\n`;
}
