import { createHash, randomBytes } from "node:crypto";
import { mkdir, open, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { pathToFileURL } from "node:url";
import type { Ajv, ValidateFunction } from "ajv";
import type { JsonSchema } from "./embedded.js";
import { collectPatternFailures, re2Engine, type PatternFailure } from "./regexp.js";
import { bindValidators, validatorModuleSource, type ValidatorModuleFactory } from "./schema-runtime.js";
import { withSharedSubschemas } from "./shared-subschemas.js";

/**
 * One Ajv instance per validator: schemas compile on first use of their kind, never all at start-up.
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
   * Folder for compiled schemas (generated validator modules named by a hash of the schema): a later run loads the
   * code instead of compiling the schema again, which costs far more than validating with it. Kept apart from the
   * folder of downloaded schema bodies. Default: no cache.
   */
  compiledCacheDir?: string;
}

/** Changes whenever the generated modules would differ for the same schema (wrapper, runtime names, Ajv options). */
const CODE_FORMAT = "ccr-validator-module-2";

let ajvVersion: string | undefined;
function compilerVersion(): string {
  ajvVersion ??= (createRequire(import.meta.url)("ajv/package.json") as { version: string }).version;
  return `${CODE_FORMAT}/ajv-${ajvVersion}`;
}

/**
 * Compiles schemas from CRD files and schema locations (the embedded ones are precompiled). Ajv's compiler is loaded
 * on first use: a run on embedded schemas only never loads it, nor does a run whose schemas are all in the cache.
 */
export function createCompiler(options: CompilerOptions = {}): (schema: JsonSchema) => Promise<CompiledSchema> {
  const cacheDir = options.compiledCacheDir;
  let ajv: Promise<{ ajv: Ajv; standalone: ((ajv: Ajv, validate: ValidateFunction) => string) | undefined }> | undefined;
  const compiler = () =>
    (ajv ??= Promise.all([import("ajv"), cacheDir ? import("ajv/dist/standalone/index.js") : undefined]).then(([module, standalone]) => {
      // ajv is CommonJS: Node's ESM loader exposes `Ajv` as a named export, the bundled CLI (esbuild) only under
      // `default`. Both are accepted, or compiling fails in the CLI while the library's tests pass.
      const { Ajv } = (module.Ajv ? module : (module as unknown as { default: typeof module }).default) as typeof module;
      // Ajv's optimisation passes double the compile time of a large schema (a Deployment: ~0.3 s more) for code that
      // validates ~1.7 µs faster per resource: repaid only past ~150,000 resources of that kind, far more than a run has.
      const code = { ...AJV_OPTIONS.code, optimize: false, ...(cacheDir ? { source: true, lines: false } : {}) };
      const standaloneCode = standalone && (unwrapDefault(standalone) as (ajv: Ajv, validate: ValidateFunction) => string);
      return { ajv: new Ajv({ ...AJV_OPTIONS, code }), standalone: standaloneCode };
    }));

  const compileNow = async (schema: JsonSchema, file: string | undefined): Promise<CompiledSchema> => {
    const { ajv, standalone } = await compiler();
    const { value: validate, failures } = collectPatternFailures(() => ajv.compile(withSharedSubschemas(schema)));
    if (file && standalone) await storeCompiled(file, validatorModuleSource(standalone(ajv, validate), `// compiled by create-cluster-repo (${compilerVersion()})`));
    return { validate, patternFailures: failures };
  };

  return async (schema) => {
    // A draft-04 `$schema` (kubeconform's schemas) is unknown to Ajv 8; the keywords used by Kubernetes schemas are
    // the same in both drafts. Descriptions are half of a kubeconform schema and validate nothing.
    const { $schema: _ignored, ...rest } = withoutDocumentation(schema) as JsonSchema;
    if (!cacheDir) return compileNow(rest, undefined);
    const file = join(cacheDir, `${createHash("sha256").update(compilerVersion()).update(JSON.stringify(rest)).digest("hex")}.mjs`);
    const cached = await loadCompiled(file);
    if (cached) return cached;
    // The worker threads of one run (and parallel runs) meet the same schemas at the same time: one compiles, the
    // others wait for its module instead of compiling it too.
    const release = await claim(`${file}.lock`);
    if (!release) {
      await waitWhileLocked(`${file}.lock`);
      const compiled = await loadCompiled(file);
      if (compiled) return compiled;
    }
    try {
      return await compileNow(rest, file);
    } finally {
      await release?.();
    }
  };
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

/** ajv/dist/standalone is CommonJS (`module.exports = standaloneCode`): Node and esbuild wrap it differently. */
function unwrapDefault(module: unknown): unknown {
  const exported = typeof module === "function" ? module : (module as { default?: unknown }).default;
  return typeof exported === "function" ? exported : (exported as { default?: unknown } | undefined)?.default;
}

/** A cached module that is missing, unreadable or broken is compiled again (and overwritten). */
async function loadCompiled(file: string): Promise<CompiledSchema | undefined> {
  try {
    const module = (await import(pathToFileURL(file).href)) as { default: ValidatorModuleFactory };
    const { validators, failures } = bindValidators(module.default);
    const validate = validators.default ?? (validators as unknown as ValidateFunction);
    return typeof validate === "function" ? { validate, patternFailures: failures } : undefined;
  } catch {
    return undefined;
  }
}

/** Written next to its final name and renamed: a reader never sees half a module, two writers never mix. */
async function storeCompiled(file: string, source: string): Promise<void> {
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    await mkdir(join(file, ".."), { recursive: true });
    await writeFile(temporary, source);
    await rename(temporary, file);
  } catch {
    // A cache that cannot be written only costs the next run a compile.
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
  return mapSchema(schema, (source) => {
    const copy: JsonSchema = { ...source };
    if (source.properties && source.additionalProperties === undefined && source.patternProperties === undefined && source["x-kubernetes-preserve-unknown-fields"] !== true) {
      copy.additionalProperties = false;
    }
    return copy;
  });
}

/** Applies `transform` to every schema object of a schema, its subschemas first. Returns a copy. */
function mapSchema(schema: unknown, transform: (schema: JsonSchema) => JsonSchema): unknown {
  if (!schema || typeof schema !== "object" || Array.isArray(schema)) return schema;
  const source = schema as JsonSchema;
  const copy: JsonSchema = { ...source };
  for (const key of SCHEMA_MAPS) {
    const map = source[key];
    if (map && typeof map === "object") copy[key] = Object.fromEntries(Object.entries(map).map(([name, value]) => [name, mapSchema(value, transform)]));
  }
  for (const key of SCHEMA_LISTS) {
    const list = source[key];
    if (Array.isArray(list)) copy[key] = list.map((value) => mapSchema(value, transform));
  }
  for (const key of SCHEMA_VALUES) {
    const value = source[key];
    if (Array.isArray(value)) copy[key] = value.map((item) => mapSchema(item, transform));
    else if (value !== undefined) copy[key] = mapSchema(value, transform);
  }
  return transform(copy);
}
