import { createRequire } from "node:module";
import type { RE2JS as RE2JSClass } from "re2js";
import { requireCached } from "../../code-cache.js";

/**
 * Schema `pattern`s are matched with RE2 semantics (re2js, a pure-JavaScript port of RE2): matching time is linear in
 * the input, so no pattern a CRD or a schema location carries can hang validation (`^(a+)+$` against a long string
 * would backtrack for ever with JavaScript's RegExp), and the Go syntax Kubernetes and CRD schemas are written in
 * (`(?i)`, `\pL`, `\PC`, `\z`) compiles. V8's own linear engine (--enable-experimental-regexp-engine) would need a
 * Node flag and rejects the Go-only syntax.
 */

/** What Ajv calls a pattern: JSON Schema's `pattern` is a search, not a full match (`test`). */
export interface SchemaPattern {
  test(input: string): boolean;
  toString(): string;
}

/** A pattern RE2 cannot compile (look-around, back-references): it is not checked, and said so. */
export interface PatternFailure {
  pattern: string;
  reason: string;
}

let failures: PatternFailure[] | undefined;

/**
 * re2js is loaded on the first pattern, synchronously (Ajv compiles synchronously): most files use only the
 * Kubernetes kinds, whose schemas have no pattern, and should not pay for loading it.
 */
let re2js: typeof RE2JSClass | undefined;
function engine(): typeof RE2JSClass {
  // through the code cache (src/code-cache.ts): its 260 kB were compiled again by every run that checks a pattern
  re2js ??= (requireCached(createRequire(import.meta.url).resolve("re2js")) as { RE2JS: typeof RE2JSClass }).RE2JS;
  return re2js;
}

/**
 * A pattern's answers for short inputs, remembered: the same values come back in resource after resource (an
 * interval `10m`, a name, an image tag), and re2js (RE2 in JavaScript) costs far more per test than a Map lookup.
 * Bounded per pattern, so that memory does not grow with the repository.
 */
function remembered(test: (input: string) => boolean): (input: string) => boolean {
  const answers = new Map<string, boolean>();
  return (input) => {
    if (input.length > MEMO_INPUT_CHARS) return test(input);
    let answer = answers.get(input);
    if (answer === undefined) {
      answer = test(input);
      if (answers.size < MEMO_ENTRIES) answers.set(input, answer);
    }
    return answer;
  };
}
const MEMO_INPUT_CHARS = 128;
const MEMO_ENTRIES = 256;

/**
 * Compiles one schema pattern. A pattern RE2 rejects matches everything (the schema stays usable, as the rest of its
 * constraints are still checked) and is recorded for the caller of {@link collectPatternFailures} to report.
 */
export function re2Pattern(pattern: string): SchemaPattern {
  let compiled: RE2JSClass;
  try {
    compiled = engine().compile(pattern);
  } catch (error) {
    failures?.push({ pattern, reason: (error as Error).message });
    return { test: () => true, toString: () => `re2-skipped:${pattern}` };
  }
  return { test: remembered((input) => compiled.test(input)), toString: () => `re2:${pattern}` };
}

const compiles = new Map<string, boolean>();

/** Whether RE2 compiles a pattern (remembered: the same patterns come back in schema after schema). */
export function re2Compiles(pattern: string): boolean {
  let answer = compiles.get(pattern);
  if (answer === undefined) {
    try {
      engine().compile(pattern);
      answer = true;
    } catch {
      answer = false;
    }
    compiles.set(pattern, answer);
  }
  return answer;
}

/**
 * Like {@link re2Pattern}, but compiled on its first test: for the embedded bundles, whose every pattern
 * scripts/build-schemas.mjs has compiled with RE2 already (test/validate-schema-patterns.test.ts checks the shipped
 * files too). Binding a bundle compiled all of its patterns, about 35 ms of every run, for the handful of kinds a
 * repository uses. A pattern that fails here means a broken install: the validation of that document fails, saying so.
 */
export function lazyRe2Pattern(pattern: string): SchemaPattern {
  let compiled: RE2JSClass | undefined;
  return {
    test: remembered((input) => {
      if (!compiled) {
        try {
          compiled = engine().compile(pattern);
        } catch (error) {
          throw new Error(`embedded schemas: RE2 cannot compile the pattern ${JSON.stringify(pattern)} (${(error as Error).message}); reinstall create-cluster-repo`);
        }
      }
      return compiled.test(input);
    }),
    toString: () => `re2:${pattern}`,
  };
}

/**
 * A regular expression a repository writes (a kustomize target's `name: app-.*`), as a whole-string match run by RE2:
 * no pattern can make matching slow. Undefined when RE2 cannot compile it.
 */
export function re2FullMatch(pattern: string): ((input: string) => boolean) | undefined {
  try {
    const compiled = engine().compile(`^(?:${pattern})$`);
    return (input) => compiled.test(input);
  } catch {
    return undefined;
  }
}

/**
 * The name generated validator code uses for {@link re2Pattern}: Ajv writes `require("<this>").re2Pattern` into
 * standalone code, and {@link bindValidators} hands generated modules a `require` that knows it.
 */
export const SCHEMA_RUNTIME_MODULE = "create-cluster-repo/schema-runtime";

/** Ajv's `code.regExp` option: the engine, and the code standalone validators use to reach it. */
export const re2Engine = Object.assign((pattern: string) => re2Pattern(pattern), { code: `require(${JSON.stringify(SCHEMA_RUNTIME_MODULE)}).re2Pattern` });

/**
 * Runs `compile` (synchronous: an Ajv compile or the binding of generated validators) and returns what it gave with
 * the patterns that could not be compiled on the way.
 */
export function collectPatternFailures<T>(compile: () => T): { value: T; failures: PatternFailure[] } {
  const outer = failures;
  const mine: PatternFailure[] = [];
  failures = mine;
  try {
    return { value: compile(), failures: mine };
  } finally {
    failures = outer;
  }
}
