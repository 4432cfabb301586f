/**
 * Schemas from `--crd` files and `--schema-location`s are input: a pull request, a schema host or another local user
 * may have written them. Ajv turns a schema into JavaScript and runs it (`new Function` while compiling, and the
 * compiled-schema cache keeps that code). Every schema value Ajv writes into the code goes through its
 * `safeStringify` (a JSON string literal) except one: the `$id` of each schema compiled as its own function is written
 * into a comment, `/*# sourceURL=<id as JSON> *\/`, and JSON does not escape `*\/`, so an `$id` holding it would end
 * the comment and run the rest (ajv/dist/compile/validate/index.js, funcSourceUrl, Ajv 8.20). Two defences:
 *
 * 1. {@link checkSchemaSafety}, before Ajv sees a schema: every URI keyword (`$id`, `$ref`, `$schema`, anchors) must be
 *    a string of URI characters without `*`, and `$async` (which makes Ajv write code that needs modules the schema
 *    runtime does not give) and `__proto__` keys are refused. Every object at every depth is checked, not only keyword positions, since Ajv
 *    collects `$id`s through unknown keywords too (json-schema-traverse with allKeys).
 * 2. {@link checkGeneratedCode}, on the code itself: Ajv's `code.process` hook hands each function's source to it
 *    before Ajv runs it, and the compiled-schema cache checks the module it writes. The code is tokenised (acorn) and
 *    must use only what Ajv's generator writes for the keywords Kubernetes and CRD schemas use: its own names, a few
 *    built-ins, calls of known functions on known receivers, comments holding only a source URL. Text that escaped a
 *    string literal would show up as a token outside that set.
 *
 * Hand-written: no library checks generated validator code; acorn only tokenises.
 */
import { tokenizer, type Token as AcornToken } from "acorn";
import { MAX_NESTING_DEPTH } from "../../limits.js";
import { SCHEMA_RUNTIME_MODULE } from "./regexp.js";

/** acorn's token, with the value its typings leave out (a name, a string's value, a regexp's pattern and flags). */
type Token = AcornToken & { value: unknown };

/** A schema (or the code made from it) that the tool refuses to compile or load. */
export class UnsafeSchemaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnsafeSchemaError";
  }
}

/** Keywords whose value is a URI or an anchor name: only these could reach the code outside a string literal. */
const URI_KEYWORDS = ["$id", "$ref", "$schema", "$anchor", "$dynamicRef", "$dynamicAnchor", "$recursiveRef"];
/** RFC 3986 characters (unreserved, reserved, `%`) less `*`, which with `/` would end the comment `$id` goes into. */
const URI_TEXT = /^[A-Za-z0-9\-._~:/?#[\]@!$&'()+,;=%]*$/;

/**
 * Throws {@link UnsafeSchemaError} naming the JSON pointer of the first value that could put schema text into code.
 * Walks iteratively, so a deeply nested schema cannot overflow the stack here (it is refused past MAX_NESTING_DEPTH).
 */
export function checkSchemaSafety(schema: unknown, source: string): void {
  const stack: Array<{ value: unknown; pointer: string; depth: number }> = [{ value: schema, pointer: "", depth: 0 }];
  for (let next = stack.pop(); next; next = stack.pop()) {
    const { value, pointer, depth } = next;
    if (typeof value !== "object" || value === null) continue;
    if (depth > MAX_NESTING_DEPTH) throw new UnsafeSchemaError(`schema ${source} nests deeper than ${MAX_NESTING_DEPTH} levels (at ${pointer}); not compiled`);
    if (Array.isArray(value)) {
      value.forEach((item, index) => stack.push({ value: item, pointer: `${pointer}/${index}`, depth: depth + 1 }));
      continue;
    }
    const object = value as Record<string, unknown>;
    for (const keyword of URI_KEYWORDS) {
      if (!Object.hasOwn(object, keyword)) continue;
      const text = object[keyword];
      // An object here is a property named "$ref" (a schema, as in JSONSchemaProps); Ajv writes a non-string `$id` as
      // JSON, which is safe unless that JSON holds "*/".
      if (typeof text !== "string" && !(keyword === "$id" && JSON.stringify(text)?.includes("*/"))) continue;
      if (typeof text !== "string" || !URI_TEXT.test(text)) {
        const shown = typeof text === "string" ? JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text) : `a ${text === null ? "null" : typeof text}`;
        throw new UnsafeSchemaError(
          `schema ${source}: ${keyword} at ${pointer || "/"} is ${shown}, not a URI without "*" (refused: the schema compiler writes it into generated code); fix or remove it`,
        );
      }
    }
    // In the cached code a schema is an object literal, where "__proto__" sets the prototype instead of a key: the
    // cached validator would then judge differently from the one compiled in memory.
    if (Object.hasOwn(object, "__proto__")) throw new UnsafeSchemaError(`schema ${source}: the key "__proto__" at ${pointer || "/"} is refused (generated code would read it as the object's prototype); remove it`);
    if (Object.hasOwn(object, "$async")) throw new UnsafeSchemaError(`schema ${source}: $async at ${pointer || "/"} is not supported (Kubernetes schemas are synchronous); remove it`);
    for (const [key, child] of Object.entries(object)) stack.push({ value: child, pointer: `${pointer}/${key.replace(/~/g, "~0").replace(/\//g, "~1")}`, depth: depth + 1 });
  }
}

/** Names Ajv's generator declares (`validate12`, `schema3`, `_errs4`...) and the fixed ones it uses (data, vErrors...). */
const GENERATED_NAME = /^(?:validate|schema|pattern|func|root|wrapper|data|valid|_valid|_errs|err|errs|len|i|j|key|missing|props|items|passing|vSchema|res|outer|ifClause|keyword|formats|evaluated|dynamicAnchors)\d*$/;
const FIXED_NAMES = new Set([
  // the validate function's parameters and Ajv's names (ajv/dist/compile/names.js)
  "data", "instancePath", "parentData", "parentDataProperty", "rootData", "vErrors", "errors", "scope", "deps", "depsCount",
  // error objects' keys, written as shorthand-free literals: {instancePath: ..., params: {missingProperty: ...}}
  "schemaPath", "params", "limit", "comparison", "missingProperty", "additionalProperty", "allowedValue", "allowedValues",
  "type", "pattern", "format", "property", "propertyName", "passingSchemas", "failingKeyword", "multipleOf", "minContains", "i", "j",
  // built-ins the generated code calls or compares with
  "Array", "Object", "isNaN", "isFinite", "parseInt", "undefined", "let",
  // the standalone module's CommonJS frame
  "module", "exports", "require",
]);
/** Keywords Ajv's generator writes; `new`, `this`, `import`, `class`, `delete`, `throw`... never appear in its output. */
const KEYWORDS = new Set(["const", "let", "var", "function", "return", "if", "else", "for", "in", "of", "break", "continue", "typeof", "instanceof", "null", "true", "false", "default"]);
/** `receiver.method(`: the methods generated code calls, and the receivers it calls each on. */
const METHOD_CALLS: Record<string, RegExp> = {
  test: /^pattern\d+$/, // a schema pattern (regexp.ts)
  call: /^func\d+$/, // Object.prototype.hasOwnProperty, kept in a scope constant
  validate: /^(?:wrapper|root)\d+$/, // a recursive $ref
  isArray: /^Array$/,
  keys: /^Object$/,
  assign: /^Object$/,
  push: /^vErrors$/,
  concat: /^vErrors$/,
  replace: /^(?:key|i)\d*$/, // escaping a property name into an error's instancePath
};
/** Functions called by name. */
const FUNCTION_CALLS = /^(?:validate\d+|func\d+|isNaN|isFinite|parseInt)$/;
/** The only regular expression literals: Ajv's JSON-pointer escaping in error paths. */
const REGEXPS = new Set(["/~/g", "/\\//g"]);
/** The modules generated code may require (schema-runtime.ts gives exactly these). */
const RUNTIME_MODULES = new Set(["ajv/dist/runtime/equal", "ajv/dist/runtime/ucs2length", SCHEMA_RUNTIME_MODULE]);

/**
 * Throws {@link UnsafeSchemaError} when `code` (one function Ajv generated, or a whole standalone module) holds
 * anything outside what Ajv's generator writes: see the module comment. `source` names the schema in the message.
 */
export function checkGeneratedCode(code: string, source: string): void {
  const refuse = (what: string, at: number): never => {
    throw new UnsafeSchemaError(`schema ${source}: the code generated from it holds ${what} at offset ${at}, which no schema keyword produces; refused (the schema tries to inject code, or the schema compiler changed)`);
  };
  // The last few tokens only: calls are checked looking back from their "(", and a module's tokens are never all kept.
  const recent: Token[] = [];
  const back = (count: number): Token | undefined => recent[recent.length - 1 - count];
  /** After `require(`: 1 = the module name comes next, 2 = then ")". */
  let requireState = 0;
  const onComment = (block: boolean, text: string, start: number) => {
    if (!block || !/^# sourceURL="(?:[^"\\]|\\.)*" $/.test(text)) refuse(`the comment ${JSON.stringify(text.slice(0, 60))}`, start);
  };
  let tokens: Iterable<AcornToken>;
  try {
    tokens = tokenizer(code, { ecmaVersion: 2022, sourceType: "script", onComment });
  } catch (error) {
    return refuse(`text that is not JavaScript (${(error as Error).message})`, 0);
  }
  const iterator = tokens[Symbol.iterator]();
  for (;;) {
    let next: IteratorResult<AcornToken>;
    try {
      next = iterator.next();
    } catch (error) {
      if (error instanceof UnsafeSchemaError) throw error;
      return refuse(`text that is not JavaScript (${(error as Error).message})`, 0);
    }
    if (next.done) break;
    const token = next.value as Token;
    const type = token.type;
    if (requireState === 1) {
      if (type.label !== "string" || !RUNTIME_MODULES.has(String(token.value))) refuse("a require() of something other than the schema runtime", token.start);
      requireState = 2;
    } else if (requireState === 2) {
      if (type.label !== ")") refuse("a require() of something other than the schema runtime", token.start);
      requireState = 0;
    }
    if (type.keyword !== undefined) {
      // After a dot a keyword is a property name (a CRD field called `class` or `default`): `schema1.properties.class`.
      if (!KEYWORDS.has(type.keyword) && back(0)?.type.label !== ".") refuse(`the keyword "${type.keyword}"`, token.start);
    } else if (type.label === "name") {
      const name = String(token.value);
      if (back(0)?.type.label !== "." && !FIXED_NAMES.has(name) && !GENERATED_NAME.test(name)) refuse(`the name "${name}"`, token.start);
    } else if (type.label === "regexp") {
      const { pattern, flags } = token.value as { pattern: string; flags: string };
      if (!REGEXPS.has(`/${pattern}/${flags}`)) refuse("a regular expression literal", token.start);
    } else if (type.label === "(") {
      const callee = back(0);
      if (callee?.type.keyword !== undefined && back(1)?.type.label === ".") refuse(`a call of "${callee.type.keyword}"`, token.start);
      if (callee?.type.label === "name") {
        checkCall(back, refuse);
        if (callee.value === "require" && back(1)?.type.label !== ".") requireState = 1;
      } else if (callee?.type.label === ")" || callee?.type.label === "]") {
        // A call of whatever an expression returned, `f()()` or `x[y](`, never comes out of Ajv's generator.
        refuse("a call of a computed value", token.start);
      }
    } else if (FORBIDDEN_PUNCTUATION.has(type.label)) {
      refuse(`"${type.label}"`, token.start);
    }
    recent.push(token);
    if (recent.length > 16) recent.splice(0, 8);
  }
}

/** Syntax Ajv's generator never writes: template literals, arrow functions, spread, optional chaining, private names. */
const FORBIDDEN_PUNCTUATION = new Set(["template", "`", "${", "=>", "...", "?.", "@", "#", "privateId", "invalidTemplate"]);

/**
 * A call `callee(` (the callee is `back(0)`): a known function, `function validateN(`, `require(`, or
 * `receiver.method(` of METHOD_CALLS.
 */
function checkCall(back: (count: number) => Token | undefined, refuse: (what: string, at: number) => never): void {
  const token = back(0)!;
  const name = String(token.value);
  if (back(1)?.type.label !== ".") {
    if (back(1)?.type.keyword === "function" || name === "require") return; // require's argument is checked next
    if (!FUNCTION_CALLS.test(name)) refuse(`a call of "${name}"`, token.start);
    return;
  }
  // receiver . name (
  const receiver = back(2);
  if (name === "re2Pattern") {
    // require("create-cluster-repo/schema-runtime").re2Pattern(
    if (back(6)?.value === "require" && back(5)?.type.label === "(" && back(4)?.value === SCHEMA_RUNTIME_MODULE && receiver?.type.label === ")") return;
    refuse("a call of re2Pattern outside the schema runtime", token.start);
  }
  // key0.replace(/~/g, "~0").replace(/\//g, "~1"): the second call's receiver is the first call
  if (name === "replace" && receiver?.type.label === ")" && back(7)?.value === "replace" && back(5)?.type.label === "regexp") return;
  const allowed = METHOD_CALLS[name];
  if (!allowed || receiver?.type.label !== "name" || back(3)?.type.label === "." || !allowed.test(String(receiver.value))) {
    refuse(`a call of ".${name}" on ${receiver?.type.label === "name" ? `"${String(receiver.value)}"` : "an expression"}`, token.start);
  }
}
