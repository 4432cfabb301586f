/**
 * Ajv validators of the schemas every run starts with: a blueprint's parameters and the options of the rules its
 * blueprint.yaml names. Why: compiling them (Ajv generates and evaluates code for each) was about 60 ms of every
 * `create`, `update`, `plan` and `check`, and of every run that fails on its input. The schemas the package ships are
 * compiled at build time (scripts/precompile-schemas.mjs writes dist/params/schemas/<digest>.cjs with Ajv's
 * standalone code, a module each), so a run only loads the ones it uses (all of them were 1 MB of code, ~30 ms).
 *
 * A validator is a pure function of its schema, the Ajv options and the Ajv version, and is looked up by a digest of
 * all three: a schema edited after the build, or a contributor's new blueprint, is compiled here, never served stale.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { Ajv, Options, ValidateFunction } from "ajv";
import { packageRoot } from "../_utils.js";
import { requireCached } from "../code-cache.js";

/**
 * Ajv and ajv-formats, loaded (synchronously: a validator is asked for synchronously) only when a schema has no
 * compiled form in the build: a run of the CLI has one for every shipped schema, and Ajv's 250 kB are not its cost.
 * Both are CommonJS packages.
 */
let ajvModules: { Ajv: typeof Ajv; addFormats: (ajv: Ajv) => Ajv } | undefined;
function loadAjv(): NonNullable<typeof ajvModules> {
  if (!ajvModules) {
    const require = createRequire(import.meta.url);
    const formats = require("ajv-formats") as { default?: (ajv: Ajv) => Ajv } & ((ajv: Ajv) => Ajv);
    ajvModules = { Ajv: (require("ajv") as { Ajv: typeof Ajv }).Ajv, addFormats: formats.default ?? formats };
  }
  return ajvModules;
}

/**
 * The two kinds of schema. Parameters: all errors, defaults filled in (the validator also completes the values),
 * the data in each error for the messages. Rule options: all errors.
 */
export type SchemaFlavour = "params" | "rule-options";

const AJV_OPTIONS: Readonly<Record<SchemaFlavour, Readonly<Options>>> = Object.freeze({
  params: Object.freeze({ allErrors: true, useDefaults: true, verbose: true, strict: true, allowUnionTypes: true }),
  "rule-options": Object.freeze({ allErrors: true, strict: true }),
});

/** The keywords blueprints add to their parameter schemas (for prompts and messages); they constrain nothing. */
export const BLUEPRINT_KEYWORDS = ["x-hint", "x-prompt", "x-group", "x-examples", "x-default"];

/** The build's compiled validators: `<digest>.cjs`, each exporting its validator. */
export const PRECOMPILED_SCHEMAS_DIR = join(packageRoot, "dist", "params", "schemas");

/**
 * An Ajv set up for a flavour of schema. `validateSchema` (the JSON Schema meta-schema check) is off by default: the
 * shipped schemas are checked against it by test/blueprint-contract.test.ts, and compiling the meta-schema cost
 * every run about 50 ms. `code` is for the build script (standalone source).
 */
export function createSchemaAjv(flavour: SchemaFlavour, options: { validateSchema?: boolean; code?: Options["code"] } = {}): Ajv {
  const { Ajv, addFormats } = loadAjv();
  const ajv = new Ajv({ ...AJV_OPTIONS[flavour], validateSchema: options.validateSchema ?? false, ...(options.code ? { code: options.code } : {}) });
  if (flavour === "params") {
    ajv.addVocabulary(BLUEPRINT_KEYWORDS);
    addFormats(ajv);
  }
  return ajv;
}

let ajvVersion: string | undefined;

/** The key of a schema's compiled validator; the build script computes the same one. */
export function schemaDigest(flavour: SchemaFlavour, schema: unknown): string {
  ajvVersion ??= (createRequire(import.meta.url)("ajv/package.json") as { version: string }).version;
  return createHash("sha256").update(`${ajvVersion}\0${flavour}\0${JSON.stringify(AJV_OPTIONS[flavour])}\0${JSON.stringify(schema)}`).digest("hex");
}

const validators = new Map<string, ValidateFunction>();
const runtimeAjv = new Map<SchemaFlavour, Ajv>();

/**
 * The build's validator of the schema with this digest, or undefined when the build has none (before the first build,
 * tests run from src/: every schema is compiled at run time). A digest is hex: the file name cannot leave the folder.
 */
export function shippedSchemaValidator(digest: string): ValidateFunction | undefined {
  if (!/^[0-9a-f]{64}$/.test(digest)) return undefined;
  const file = join(PRECOMPILED_SCHEMAS_DIR, `${digest}.cjs`);
  return existsSync(file) ? (requireCached(file) as ValidateFunction) : undefined;
}

/** By schema object as well: a loaded blueprint asks again on every parse, and the digest hashes the whole schema. */
const bySchema: Record<SchemaFlavour, WeakMap<object, ValidateFunction>> = { params: new WeakMap(), "rule-options": new WeakMap() };

/** The validator of `schema`: shipped compiled, or compiled now; once per process either way. */
export function schemaValidator(flavour: SchemaFlavour, schema: object): ValidateFunction {
  const known = bySchema[flavour].get(schema);
  if (known) return known;
  const digest = schemaDigest(flavour, schema);
  let validate = validators.get(digest);
  if (!validate) {
    validate = shippedSchemaValidator(digest);
    if (!validate) {
      let ajv = runtimeAjv.get(flavour);
      if (!ajv) runtimeAjv.set(flavour, (ajv = createSchemaAjv(flavour)));
      validate = ajv.compile(schema);
    }
    validators.set(digest, validate);
  }
  bySchema[flavour].set(schema, validate);
  return validate;
}
