import { createHash, randomBytes } from "node:crypto";
import { mkdir, open, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Ajv, ValidateFunction } from "ajv";
import type { JsonSchema } from "./embedded.js";
import { CacheBudget, compiledCacheFolder, readTrustedFile, touchCacheFile } from "./private-cache.js";
import { collectPatternFailures, re2Compiles, re2Engine, type PatternFailure } from "./regexp.js";
import { bindValidators, type ValidatorModuleFactory } from "./schema-runtime.js";
import { createSubschemaPool, withSharedSubschemas } from "./shared-subschemas.js";

/**
 * Ajv instances live as long as their validator: schemas compile on first use of their kind, never all at start-up,
 * and a kind compiled later calls the code of the subschemas it shares with earlier ones (see shared-subschemas.ts).
 * Formats are annotations here, as in kubeconform (a Kubernetes "int32" or "byte" is not a JSON Schema format),
 * and unknown keywords (`x-kubernetes-*`) are allowed. Patterns use RE2 (see regexp.ts).
 */
export const AJV_OPTIONS = {
  allErrors: true,
  strict: false,
  validateFormats: false,
  validateSchema: false,
  allowUnionTypes: true,
  addUsedSchema: false,
  messages: false,
  code: { regExp: re2Engine },
} as const;

/** A compiled schema, and the patterns in it that RE2 could not compile (not checked). */
export interface CompiledSchema {
  validate: ValidateFunction;
  patternFailures: PatternFailure[];
}

export interface CompilerOptions {
  /**
   * Folder for compiled schemas (generated validator code named by a hash of the schema): a later run loads the
   * code instead of compiling the schema again, which costs far more than validating with it. Kept apart from the
   * folder of downloaded schema bodies. Used only when it is private to this user (see private-cache.ts); each file
   * holds the SHA-256 of its code, checked before the code is used. Default: no cache.
   */
  compiledCacheDir?: string;
}

/** Changes whenever the generated code would differ for the same schema (wrapper, runtime names, Ajv options). */
const CODE_FORMAT = "ccr-validator-code-4";

let ajvVersion: string | undefined;
function compilerVersion(): string {
  ajvVersion ??= (createRequire(import.meta.url)("ajv/package.json") as { version: string }).version;
  return `${CODE_FORMAT}/ajv-${ajvVersion}`;
}

/** The largest cached validator read back; generated code for the largest CRDs is a few MiB. */
const MAX_COMPILED_BYTES = 64 * 1024 * 1024;

/**
 * Compiles schemas from CRD files and schema locations (the embedded ones are precompiled). Ajv's compiler is loaded
 * on first use: a run on embedded schemas only never loads it, nor does a run whose schemas are all in the cache.
 * `source` names the schema (file or URL) in errors. A schema that could put its own text into the generated code
 * is refused (see schema-safety.ts), before Ajv compiles it and before any cached code for it is looked up.
 */
export function createCompiler(options: CompilerOptions = {}): (schema: JsonSchema, source: string) => Promise<CompiledSchema> {
  let cache: { dir: string; budget: CacheBudget } | undefined;
  const cacheDir = () => {
    if (!options.compiledCacheDir) return undefined;
    if (!cache) {
      const dir = compiledCacheFolder(options.compiledCacheDir)!;
      cache = { dir, budget: new CacheBudget(dir) };
    }
    return cache;
  };
  // The checks of schema-safety.ts, loaded with the first schema compiled (acorn, its tokeniser, is a sizeable part of
  // the start-up of a run that validates with the embedded schemas only and never compiles one).
  let safety: typeof import("./schema-safety.js") | undefined;
  /** The schema being compiled, for the messages of Ajv's code.process hook (compiles are synchronous). */
  let compiling = "";
  /**
   * The functions the hook checked in the instance compiling, by name, kept while cached code is written: a standalone
   * module repeats them (those of shared subschemas an earlier kind compiled too), and is checked less them.
   */
  let checked = new Map<string, string>();
  const createAjv = (Ajv: typeof import("ajv").Ajv, standalone: boolean, extra: Record<string, unknown>): Instance => {
    const instance: Instance = { ajv: undefined as unknown as Ajv, checked: new Map() };
    // Ajv's optimisation passes double the compile time of a large schema (a Deployment: ~0.3 s more) for code that
    // validates ~1.7 µs faster per resource: repaid only past ~150,000 resources of that kind, far more than a run has.
    // `process` sees each function's code before Ajv runs it: the second line of defence of schema-safety.ts.
    const process = (code: string) => {
      safety!.checkGeneratedCode(code, compiling);
      // `<scope constants>return function validateN(...){...}`: standalone code holds that function text as it is.
      const start = code.indexOf("return function validate");
      if (standalone && start >= 0) {
        const text = code.slice(start + "return ".length);
        checked.set(text.slice("function ".length, text.indexOf("(")), text);
      }
      return code;
    };
    const code = { ...AJV_OPTIONS.code, optimize: false, process, ...(standalone ? { source: true, lines: false } : {}) };
    instance.ajv = new Ajv({ ...AJV_OPTIONS, ...extra, code });
    return instance;
  };
  let ajv: Promise<{ pooled: Instance; whole: () => Instance; standalone: ((ajv: Ajv, validate: ValidateFunction) => string) | undefined }> | undefined;
  const compiler = () =>
    (ajv ??= Promise.all([import("ajv"), options.compiledCacheDir ? import("ajv/dist/standalone/index.js") : undefined]).then(([module, standalone]) => {
      // ajv is CommonJS: Node's ESM loader exposes `Ajv` as a named export, the bundled CLI (esbuild) only under
      // `default`. Both are accepted, or compiling fails in the CLI while the library's tests pass.
      const { Ajv } = (module.Ajv ? module : (module as unknown as { default: typeof module }).default) as typeof module;
      const standaloneCode = standalone && (unwrapDefault(standalone) as (ajv: Ajv, validate: ValidateFunction) => string);
      // Pool entries are called, never inlined: Ajv inlines a referenced schema that has no references of its own,
      // which would generate its code again at every use. Schemas the pool does not split compile whole, as before.
      let whole: Instance | undefined;
      return {
        pooled: createAjv(Ajv, Boolean(standaloneCode), { inlineRefs: false }),
        whole: () => (whole ??= createAjv(Ajv, Boolean(standaloneCode), {})),
        standalone: standaloneCode,
      };
    }));
  // A pattern RE2 cannot compile is reported with every schema that has it, at each place it has it: such a schema
  // compiles whole, as a shared entry compiled by an earlier schema would not report it again.
  const pool = createSubschemaPool((schema) => everyPattern(schema, re2Compiles));

  const compileNow = async (schema: JsonSchema, source: string, file: string | undefined): Promise<CompiledSchema> => {
    const { pooled, whole, standalone } = await compiler();
    compiling = source;
    const split = pool.split(schema);
    const instance = split ? pooled : whole();
    checked = instance.checked;
    for (const [id, entry] of split?.added ?? []) instance.ajv.addSchema(entry, id);
    const { value: validate, failures } = collectPatternFailures(() => instance.ajv.compile(split ? split.root : withSharedSubschemas(schema)));
    if (file && standalone && cache) {
      const body = standalone(instance.ajv, validate).replace(/^"use strict";/, "");
      // What the module adds to the functions checked above (its scope constants, exports) is checked on its own:
      // tokenising the functions a second time would double the cost of a first run (about 0.2 s per MB).
      safety!.checkGeneratedCode(withoutChecked(body, instance.checked), source);
      await storeCompiled(file, compiledFileText(body), cache.budget);
    }
    return { validate, patternFailures: failures };
  };

  return async (schema, source) => {
    // A draft-04 `$schema` (kubeconform's schemas) is unknown to Ajv 8; the keywords used by Kubernetes schemas are
    // the same in both drafts. Descriptions are half of a kubeconform schema and validate nothing.
    const { $schema: _ignored, ...rest } = withoutDocumentation(schema) as JsonSchema;
    safety ??= await import("./schema-safety.js");
    safety.checkSchemaSafety(rest, source);
    const dir = cacheDir()?.dir;
    if (!dir) return compileNow(rest, source, undefined);
    const file = join(dir, `${createHash("sha256").update(compilerVersion()).update(JSON.stringify(rest)).digest("hex")}.js`);
    const cached = loadCompiled(file);
    if (cached) return cached;
    // The worker threads of one run (and parallel runs) meet the same schemas at the same time: one compiles, the
    // others wait for its code instead of compiling it too.
    const release = await claim(`${file}.lock`);
    if (!release) {
      await waitWhileLocked(`${file}.lock`);
      const compiled = loadCompiled(file);
      if (compiled) return compiled;
    }
    try {
      return await compileNow(rest, source, file);
    } finally {
      await release?.();
    }
  };
}

/**
 * A cached validator: a first line naming the code format and the SHA-256 of the rest, then Ajv's standalone code
 * (CommonJS), run by {@link loadCompiled} with the schema runtime's `require`.
 */
function compiledFileText(body: string): string {
  return `${header(body)}\n${body}`;
}

function header(body: string): string {
  return `// compiled by create-cluster-repo (${compilerVersion()}) sha256:${createHash("sha256").update(body).digest("hex")}`;
}

/** A lock older than this is taken over whoever holds it: no compile takes that long. */
const STALE_LOCK_MS = 60_000;

/**
 * Creates the lock file (holding this process's id) if nobody holds it; returns how to release it, or undefined when
 * a live process holds it. A lock left by a run that was killed is taken over at once.
 */
async function claim(lock: string): Promise<(() => Promise<void>) | undefined> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await mkdir(join(lock, ".."), { recursive: true });
      const handle = await open(lock, "wx");
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => rm(lock, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") return async () => undefined; // no folder to lock in: compile without
      if (await lockIsLive(lock)) return undefined;
      await rm(lock, { force: true });
    }
  }
  return undefined;
}

async function lockIsLive(lock: string): Promise<boolean> {
  try {
    const [content, info] = await Promise.all([readFile(lock, "utf8"), stat(lock)]);
    if (Date.now() - info.mtimeMs > STALE_LOCK_MS) return false;
    const pid = Number(content);
    // an empty lock is one being written right now
    if (!content || !Number.isInteger(pid) || pid <= 0) return true;
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // ESRCH: its process is gone; ENOENT: released meanwhile (the caller's next attempt takes it); EPERM: alive, not ours
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function waitWhileLocked(lock: string): Promise<void> {
  while (await lockIsLive(lock)) await sleep(25);
}

/** An Ajv instance of the compiler, and the code of the functions it generated that the safety check has seen. */
interface Instance {
  ajv: Ajv;
  checked: Map<string, string>;
}

/**
 * A standalone module less the functions in it that were checked as they were generated: each is found by its name
 * and removed only where the module holds its checked text exactly. One pass over the module, however many
 * functions it holds (a schema split into pool entries has hundreds).
 */
function withoutChecked(body: string, checked: ReadonlyMap<string, string>): string {
  let rest = "";
  let from = 0;
  for (const match of body.matchAll(/function (validate\d+)\(/g)) {
    const text = checked.get(match[1]!);
    if (match.index < from || !text || !body.startsWith(text, match.index)) continue;
    rest += body.slice(from, match.index);
    from = match.index + text.length;
  }
  return rest + body.slice(from);
}

/** Whether every string `pattern` in a schema passes `test`. */
function everyPattern(schema: unknown, test: (pattern: string) => boolean): boolean {
  if (!schema || typeof schema !== "object") return true;
  if (Array.isArray(schema)) return schema.every((item) => everyPattern(item, test));
  return Object.entries(schema).every(([key, value]) => (key === "pattern" && typeof value === "string" ? test(value) : everyPattern(value, test)));
}

/** ajv/dist/standalone is CommonJS (`module.exports = standaloneCode`): Node and esbuild wrap it differently. */
function unwrapDefault(module: unknown): unknown {
  const exported = typeof module === "function" ? module : (module as { default?: unknown }).default;
  return typeof exported === "function" ? exported : (exported as { default?: unknown } | undefined)?.default;
}

/**
 * A cached validator, or undefined when there is none or it is not one this tool wrote whole (damaged, another
 * version's): then it is compiled again and replaced. The file is read once, through a descriptor checked to be this
 * user's and private (a file others could have written throws, naming it), its code is checked against the hash in
 * its first line, and that same text is what runs: it is never read again by path, so it cannot be swapped between
 * the check and the use. The token check ran when the code was written; it is not run again here: it costs about
 * 0.6 s per 3.5 MB of code in every thread that loads it, and only someone who can already write this user's private
 * files (and so run code as this user) could have changed the file since.
 */
function loadCompiled(file: string): CompiledSchema | undefined {
  const bytes = readTrustedFile(file, MAX_COMPILED_BYTES);
  if (!bytes) return undefined;
  const text = bytes.toString("utf8");
  const newline = text.indexOf("\n");
  const body = text.slice(newline + 1);
  if (newline < 0 || text.slice(0, newline) !== header(body)) return undefined;
  void touchCacheFile(file);
  try {
    // The code checked above, as a function of the schema runtime's `require` (see schema-runtime.ts).
    const factory = new Function("require", `"use strict";\nconst module = { exports: {} };\nconst exports = module.exports;\n${body}\nreturn module.exports;`) as ValidatorModuleFactory;
    const { validators, failures } = bindValidators(factory);
    const validate = validators.default ?? (validators as unknown as ValidateFunction);
    return typeof validate === "function" ? { validate, patternFailures: failures } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Written next to its final name and renamed: a reader never sees half a file, two writers never mix. Private
 * (0600), within the folder's size bound. A cache that cannot be written only costs the next run a compile.
 */
async function storeCompiled(file: string, text: string, budget: CacheBudget): Promise<void> {
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    if (!(await budget.reserve(Buffer.byteLength(text)))) return;
    await writeFile(temporary, text, { flag: "wx", mode: 0o600 });
    await rename(temporary, file);
  } catch {
    await rm(temporary, { force: true });
  }
}

/** Keywords that document a schema without constraining the value. */
const DOCUMENTATION = new Set(["description", "title", "example", "examples", "externalDocs", "$comment"]);

/** A copy of a schema without its documentation keywords (a property named "description" stays). */
export function withoutDocumentation(schema: unknown): unknown {
  return mapSchema(schema, (source) => {
    const copy: JsonSchema = {};
    for (const [key, value] of Object.entries(source)) if (!DOCUMENTATION.has(key)) copy[key] = value;
    return copy;
  });
}

const SCHEMA_MAPS = ["properties", "patternProperties", "definitions", "$defs", "dependentSchemas"];
const SCHEMA_LISTS = ["allOf", "anyOf", "oneOf", "prefixItems"];
const SCHEMA_VALUES = ["additionalProperties", "items", "additionalItems", "not", "if", "then", "else", "contains", "propertyNames"];

/**
 * The strict form of a schema (kubeconform's `-strict` schemas): every object schema that lists `properties` and says
 * nothing about others rejects unknown ones, unless it keeps unknown fields on purpose
 * (`x-kubernetes-preserve-unknown-fields`). Returns a copy.
 */
export function strictSchema(schema: unknown): unknown {
  return mapSchema(schema, (source, inBranch) => {
    const copy: JsonSchema = { ...source };
    // A branch of allOf/anyOf/oneOf/not only adds checks to fields the object's own `properties` declare (a CRD's
    // structural schema must declare every field outside its branches): the fields it does not name are not unknown.
    if (!inBranch && source.properties && source.additionalProperties === undefined && source.patternProperties === undefined && source["x-kubernetes-preserve-unknown-fields"] !== true) {
      copy.additionalProperties = false;
    }
    return copy;
  });
}

/** Subschemas that are branches: they constrain the object their parent describes, and declare no fields of it. */
const BRANCHES = new Set(["allOf", "anyOf", "oneOf", "not"]);

/**
 * Applies `transform` to every schema object of a schema, its subschemas first, telling it whether the schema is
 * inside a branch (allOf/anyOf/oneOf/not) of the object it constrains. Returns a copy.
 */
function mapSchema(schema: unknown, transform: (schema: JsonSchema, inBranch: boolean) => JsonSchema, inBranch = false): unknown {
  if (!schema || typeof schema !== "object" || Array.isArray(schema)) return schema;
  const source = schema as JsonSchema;
  const copy: JsonSchema = { ...source };
  // Everything below a branch is in it: a structural schema declares no field inside one, however deep.
  for (const key of SCHEMA_MAPS) {
    const map = source[key];
    if (map && typeof map === "object") copy[key] = Object.fromEntries(Object.entries(map).map(([name, value]) => [name, mapSchema(value, transform, inBranch)]));
  }
  for (const key of SCHEMA_LISTS) {
    const list = source[key];
    if (Array.isArray(list)) copy[key] = list.map((value) => mapSchema(value, transform, inBranch || BRANCHES.has(key)));
  }
  for (const key of SCHEMA_VALUES) {
    const value = source[key];
    const branch = inBranch || BRANCHES.has(key);
    if (Array.isArray(value)) copy[key] = value.map((item) => mapSchema(item, transform, branch));
    else if (value !== undefined) copy[key] = mapSchema(value, transform, branch);
  }
  return transform(copy, inBranch);
}
