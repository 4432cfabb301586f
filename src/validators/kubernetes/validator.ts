import type { ValidateFunction } from "ajv";
import { InputError } from "../../errors.js";
import type { SourceFile } from "../../file-tree.js";
import { InputFileError, readInputFile } from "../../read-input.js";
import { loadYamlStream } from "../../yaml/load.js";
import type { Problem, ResourceIdentity, Status, UnitResult } from "../types.js";
import { createCompiler, strictSchema, type CompiledSchema } from "./compile.js";
import { crdSchemaToJsonSchema } from "./crd-schema.js";
import { LineLocator, parseDocuments } from "./documents.js";
import { embeddedKubernetesVersion, embeddedValidator, servedAlternatives, unservedVersion, type JsonSchema } from "./embedded.js";
import { SchemaLoadError, expandTemplate, loadSchema, parseLocation, type SchemaLocation } from "./locations.js";
import { formatPath, violations } from "./problems.js";
import { createPodSecurityCheck, type PodSecurityOptions } from "../pod-security/index.js";

/** Options of {@link createKubernetesValidator}; the names follow kubeconform's flags. */
export interface KubernetesValidatorOptions {
  /** Reject unknown fields and duplicate YAML keys (kubeconform `-strict`). Default false. */
  strict?: boolean;
  /** Kubernetes version for schema-location templates. Default: the embedded schemas' version. */
  kubernetesVersion?: string;
  /**
   * Where to look for schemas, in order: "default" (the embedded schemas), a folder in kubeconform's layout, or a
   * template with `{{.Group}}`, `{{.ResourceKind}}`, `{{.ResourceAPIVersion}}`, `{{.NormalizedKubernetesVersion}}`,
   * `{{.StrictSuffix}}`, `{{.KindSuffix}}`; a local path or an http(s) URL. Default: ["default"].
   */
  schemaLocations?: string[];
  /** CustomResourceDefinition YAML files whose openAPIV3Schema are used as schemas (before the locations). */
  crdFiles?: string[];
  /** A kind without a schema is skipped instead of being an error. */
  ignoreMissingSchemas?: boolean;
  /** Kinds to skip: `Kind` or `apiVersion/Kind` (e.g. `Secret`, `apps/v1/Deployment`). */
  skipKinds?: string[];
  /** Folder where schemas fetched over HTTP are kept and read again on later runs. */
  cacheDir?: string;
  /** Also check every pod template against this Pod Security Standards profile (off when absent). */
  podSecurity?: PodSecurityOptions;
  /**
   * Folder where schemas from CRD files and schema locations are kept compiled (generated code named by a hash of the
   * schema), so that a later run does not compile them again. Separate from `cacheDir`. Default: none.
   */
  compiledCacheDir?: string;
}

/** Validates Kubernetes manifests against JSON schemas, with kubeconform's verdicts. */
export interface KubernetesValidator {
  /**
   * Validates one YAML/JSON file: one result per resource (multi-document files, `kind: List` expanded; empty and
   * comment-only documents give nothing). A document that cannot be parsed gives one result with status "error".
   * Never throws for invalid input.
   */
  validateFile(file: SourceFile, observe?: DocumentObserver): Promise<UnitResult[]>;
  /** The Kubernetes version used for schema locations. */
  readonly kubernetesVersion: string;
}

/**
 * Sees every document of a file that parsed, as the validator read it: lets other checks (GitOps references) reuse
 * this parse instead of reading the file a second time.
 */
export type DocumentObserver = (document: { index: number; line: number; data: unknown }) => void;

/** A usable schema; `warnings` (patterns that cannot be checked) go out once, with the first resource it validates. */
type Found = { found: ValidateFunction; source: string; warnings: string[] };
type Resolution = Found | { missing: string } | { failed: string } | { unserved: string };

/**
 * Builds a validator; CRD files are read here (an unreadable one rejects the promise), schemas are loaded and
 * compiled on first use of each kind.
 */
export async function createKubernetesValidator(options: KubernetesValidatorOptions = {}): Promise<KubernetesValidator> {
  const strict = options.strict ?? false;
  const kubernetesVersion = options.kubernetesVersion ?? embeddedKubernetesVersion();
  const locations = (options.schemaLocations?.length ? options.schemaLocations : ["default"]).map(parseLocation);
  const crdSchemas = await readCrdSchemas(options.crdFiles ?? []);
  const skip = new Set(options.skipKinds ?? []);
  const compile = createCompiler({ compiledCacheDir: options.compiledCacheDir });
  const podSecurity = options.podSecurity ? createPodSecurityCheck(options.podSecurity) : undefined;
  const resolutions = new Map<string, Resolution | Promise<Resolution>>();

  const resolve = (apiVersion: string, kind: string): Resolution | Promise<Resolution> => {
    const key = `${apiVersion}\u0000${kind}`;
    let resolution = resolutions.get(key);
    if (!resolution) {
      resolution = findSchema(apiVersion, kind).then((found) => {
        resolutions.set(key, found);
        return found;
      });
      resolutions.set(key, resolution);
    }
    return resolution;
  };

  const findSchema = async (apiVersion: string, kind: string): Promise<Resolution> => {
    try {
      const crd = crdSchemas.get(`${apiVersion}/${kind}`);
      if (crd) return found(await compile(strict ? (strictSchema(crd.schema) as JsonSchema) : crd.schema), `CRD ${crd.file} (${apiVersion} ${kind})`);
      for (const location of locations) {
        const result = await validatorAt(location, apiVersion, kind);
        if (result) return result;
      }
      const unserved = unservedVersion(apiVersion, kind);
      if (unserved) {
        const use = unserved.served.map((groupVersion) => `${groupVersion}`).join(" or ");
        return { unserved: `${apiVersion} ${kind} is not served by ${unserved.release}, whose CRD serves ${kind} as ${use}: the API server refuses it; change apiVersion to ${use} (and the fields that version renamed)` };
      }
      return { missing: missingMessage(apiVersion, kind, locations) };
    } catch (error) {
      return { failed: error instanceof SchemaLoadError ? error.message : `cannot use schema for ${apiVersion} ${kind}: ${(error as Error).message}` };
    }
  };

  const found = (compiled: CompiledSchema, source: string): Found => ({
    found: compiled.validate,
    source,
    warnings: compiled.patternFailures.map(
      (failure) => `schema ${source}: pattern ${JSON.stringify(failure.pattern)} is not a regular expression RE2 can run (${failure.reason}); values are not checked against it`,
    ),
  });

  const validatorAt = async (location: SchemaLocation, apiVersion: string, kind: string): Promise<Found | undefined> => {
    if (location.kind === "embedded") {
      const validate = await embeddedValidator(apiVersion, kind, strict);
      return validate && { found: validate, source: "embedded", warnings: [] };
    }
    // Schemas from locations are used as they are: their strict variant is chosen by {{.StrictSuffix}}, as in kubeconform.
    const address = expandTemplate(location.template, apiVersion, kind, kubernetesVersion, strict);
    const schema = await loadSchema(address, options.cacheDir);
    return schema && found(await compile(schema), address);
  };

  const validateResource = async (object: unknown, context: ResourceContext): Promise<UnitResult> => {
    if (!isObject(object)) return context.fail("k8s-missing-kind", "document is not a Kubernetes object: expected a mapping with apiVersion and kind");
    const identity = identify(object);
    context.identity = identity;
    if (typeof object.kind !== "string" || object.kind === "") return context.fail("k8s-missing-kind", "missing 'kind' key");
    if (typeof object.apiVersion !== "string" || object.apiVersion === "") return context.fail("k8s-missing-apiversion", "missing 'apiVersion' key");
    const { apiVersion, kind } = object;
    if (skip.has(kind) || skip.has(`${apiVersion}/${kind}`)) return context.result("skipped", []);
    let resolution = resolve(apiVersion, kind);
    if (resolution instanceof Promise) resolution = await resolution;
    if ("unserved" in resolution) return context.fail("k8s-unserved-version", resolution.unserved, context.line(["apiVersion"]));
    if ("missing" in resolution) {
      if (options.ignoreMissingSchemas) return context.result("skipped", []);
      return context.fail("k8s-missing-schema", resolution.missing);
    }
    if ("failed" in resolution) return context.fail("k8s-missing-schema", resolution.failed);
    const validate = resolution.found;
    const warnings = resolution.warnings.map((message) => ({ ...context.problem("k8s-schema-pattern", message, undefined, context.line([])), severity: "warning" as const }));
    resolution.warnings = [];
    const problems = validate(object)
      ? []
      : violations(validate.errors ?? [], object).map((violation) => context.problem(violation.rule, violation.message, violation.path, context.line(violation.at)));
    // YAML's .inf and .nan load as numbers that JSON Schema's "number" (and Ajv's "integer") accept, but the API
    // server's JSON has no such values: the object would be refused when applied.
    for (const { at, value } of nonFiniteNumbers(object)) {
      const path = formatPath(at);
      problems.push(context.problem("k8s-non-finite-number", `${path}: ${value} is not a number Kubernetes accepts (JSON has no Infinity or NaN); write a finite number`, path, context.line(at)));
    }
    for (const found of podSecurity?.(object) ?? []) {
      const message = `Pod Security Standards (${found.level}) "${found.control}": ${found.message}`;
      problems.push(context.problem(`pod-security/${found.checkId}`, message, formatPath(found.path), context.line(found.path)));
    }
    return context.result(problems.length === 0 ? "valid" : "invalid", [...warnings, ...problems]);
  };

  return {
    kubernetesVersion,
    async validateFile(file: SourceFile, observe?: DocumentObserver): Promise<UnitResult[]> {
      const results: UnitResult[] = [];
      const documents = parseDocuments(file.content, strict);
      const locator = new LineLocator(file.content, documents);
      for (const document of documents) {
        const base = new ResourceContext(file.path, locator, document.index, []);
        if (document.failure) {
          if (isObject(document.data)) base.identity = identify(document.data);
          results.push(base.fail(document.failure.rule, document.failure.message, document.failure.line));
          continue;
        }
        const data = document.data;
        observe?.({ index: document.index, line: locator.documentLine(document.index) ?? 1, data });
        if (isObject(data) && data.kind === "List" && Array.isArray(data.items)) {
          for (const [position, item] of data.items.entries()) {
            results.push(await validateResource(item, new ResourceContext(file.path, locator, document.index, ["items", position])));
          }
          continue;
        }
        results.push(await validateResource(data, base));
      }
      return results;
    },
  };
}

/** What a result needs to know about where its resource sits. */
class ResourceContext {
  identity: ResourceIdentity | undefined;

  constructor(
    private readonly file: string,
    private readonly locator: LineLocator,
    private readonly documentIndex: number,
    private readonly prefix: (string | number)[],
  ) {}

  /** Line of a field of the resource (the resource's own line for []). */
  line(at: readonly (string | number)[]): number | undefined {
    return this.locator.fieldLine(this.documentIndex, [...this.prefix, ...at]);
  }

  get label(): string | undefined {
    const identity = this.identity;
    if (!identity?.kind) return undefined;
    const name = identity.name ?? "(unnamed)";
    return `${identity.kind} ${identity.namespace ? `${identity.namespace}/` : ""}${name}`;
  }

  problem(rule: string, message: string, path?: string, line?: number): Problem {
    const problem: Problem = { file: this.file, rule, message, severity: "error" };
    if (line !== undefined) problem.line = line;
    const label = this.label;
    if (label) problem.resource = label;
    if (path !== undefined) problem.path = path;
    return problem;
  }

  result(status: Status, problems: Problem[]): UnitResult {
    const result: UnitResult = { file: this.file, validator: "kubernetes", status, problems };
    // List items get their own line only when there is a problem to point at; the document line is free.
    const line = this.prefix.length > 0 && problems.length > 0 ? this.line([]) : this.locator.documentLine(this.documentIndex);
    if (line !== undefined) result.line = line;
    if (this.identity) result.resource = this.identity;
    const label = this.label;
    if (label) result.label = label;
    return result;
  }

  fail(rule: string, message: string, line?: number): UnitResult {
    return this.result("error", [this.problem(rule, message, undefined, line ?? this.line([]))]);
  }
}

/** Every Infinity, -Infinity or NaN in a parsed document, with where it is. */
function nonFiniteNumbers(value: unknown, at: (string | number)[] = [], found: Array<{ at: (string | number)[]; value: number }> = []) {
  // One path array, pushed and popped: a valid object (the usual case) allocates nothing.
  if (typeof value === "number") {
    if (!Number.isFinite(value)) found.push({ at: [...at], value });
  } else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      at.push(i);
      nonFiniteNumbers(value[i], at, found);
      at.pop();
    }
  } else if (isObject(value)) {
    for (const key in value) {
      at.push(key);
      nonFiniteNumbers(value[key], at, found);
      at.pop();
    }
  }
  return found;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function identify(object: Record<string, unknown>): ResourceIdentity {
  const identity: ResourceIdentity = {};
  if (typeof object.apiVersion === "string") identity.apiVersion = object.apiVersion;
  if (typeof object.kind === "string" && object.kind !== "") identity.kind = object.kind;
  const metadata = object.metadata;
  if (isObject(metadata)) {
    const name = typeof metadata.name === "string" ? metadata.name : typeof metadata.generateName === "string" ? metadata.generateName : undefined;
    if (name) identity.name = name;
    if (typeof metadata.namespace === "string") identity.namespace = metadata.namespace;
  }
  return identity;
}

/** CRD schemas may leave out apiVersion, kind and metadata, which every object has (and strict mode must allow). */
function withTypeMeta(schema: Record<string, unknown>): JsonSchema {
  const properties = isObject(schema.properties) ? schema.properties : {};
  return {
    ...schema,
    properties: { apiVersion: { type: "string" }, kind: { type: "string" }, metadata: { type: "object" }, ...properties },
  };
}

function missingMessage(apiVersion: string, kind: string, locations: SchemaLocation[]): string {
  const message = `no schema for ${apiVersion} ${kind}`;
  if (!locations.some((location) => location.kind === "embedded")) return message;
  const { sameGroup, otherGroups } = servedAlternatives(apiVersion, kind);
  if (sameGroup.length > 0) return `${message}; current version is ${sameGroup.join(", ")}`;
  if (otherGroups.length > 0) return `${message}; ${kind} is served as ${otherGroups.map((gv) => `${gv} ${kind}`).join(", ")}`;
  return message;
}

/**
 * `group/version/Kind` -> openAPIV3Schema as JSON Schema (see crd-schema.ts) and the file it came from, from
 * apiextensions v1 and v1beta1 CustomResourceDefinitions.
 */
async function readCrdSchemas(paths: string[]): Promise<Map<string, { schema: JsonSchema; file: string }>> {
  const schemas = new Map<string, { schema: JsonSchema; file: string }>();
  for (const path of paths) {
    for (const document of readCrdDocuments(path)) {
      if (!isObject(document) || document.kind !== "CustomResourceDefinition" || !isObject(document.spec)) continue;
      const spec = document.spec;
      const group = spec.group;
      const kind = isObject(spec.names) ? spec.names.kind : undefined;
      if (typeof group !== "string" || typeof kind !== "string") continue;
      const shared = isObject(spec.validation) && isObject(spec.validation.openAPIV3Schema) ? spec.validation.openAPIV3Schema : undefined;
      const versions = Array.isArray(spec.versions) ? spec.versions : typeof spec.version === "string" ? [{ name: spec.version }] : [];
      for (const version of versions) {
        if (!isObject(version) || typeof version.name !== "string") continue;
        const own = isObject(version.schema) && isObject(version.schema.openAPIV3Schema) ? version.schema.openAPIV3Schema : undefined;
        const schema = own ?? shared;
        if (schema) schemas.set(`${group}/${version.name}/${kind}`, { schema: withTypeMeta(crdSchemaToJsonSchema(schema)), file: path });
      }
    }
  }
  return schemas;
}

/**
 * The documents of a CRD file. It is configuration, not input under validation: one that is not a regular file, is
 * broken or passes a limit stops the run (exit 2), naming the file and line.
 */
function readCrdDocuments(path: string): unknown[] {
  let text: string;
  try {
    text = readInputFile(path);
  } catch (error) {
    if (!(error instanceof InputFileError)) throw error;
    throw new InputError(`cannot read CRD file ${path}: ${error.detail}; --crd takes a CustomResourceDefinition YAML file`);
  }
  const documents = loadYamlStream(text, { schema: "kubernetes", uniqueKeys: false });
  const failure = documents.find((document) => document.failure)?.failure;
  if (failure) throw new InputError(`cannot read CRD file ${path}${failure.line ? `:${failure.line}` : ""}: ${failure.message}`);
  return documents.map((document) => document.data);
}
