import type { ValidateFunction } from "ajv";
import { InputError } from "../../errors.js";
import type { SourceFile } from "../../file-tree.js";
import { InputFileError, readInputFile } from "../../read-input.js";
import { loadYamlStream } from "../../yaml/load.js";
import type { Problem, ResourceIdentity, Status, UnitResult } from "../types.js";
import { createCompiler, strictSchema, type CompiledSchema } from "./compile.js";
import { crdSchemaToJsonSchema } from "./crd-schema.js";
import { LineLocator, parseDocuments } from "./documents.js";
import { embeddedKubernetesVersion, embeddedValidator, servedAlternatives, servedApiVersions, unservedVersion, type JsonSchema } from "./embedded.js";
import { SchemaLoadError, loadSchema, parseLocation, resolveTemplate, type SchemaLocation } from "./locations.js";
import { isWidenedByFluxOperator, withoutWidenedEnums } from "./flux-operator.js";
import { objectWith, patchErrors, readOperations, targetApiVersion, withoutDirectives, type PatchSpec, type PatchTarget } from "./patch.js";
import { formatPath, violations, type SchemaViolation } from "./problems.js";
import { uncheckedReason, uncheckedValue, withoutSops, type UncheckedReasons, type UncheckedValue } from "./unchecked-values.js";
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
  validateFile(file: SourceFile, observe?: DocumentObserver, use?: FileContext): Promise<UnitResult[]>;
  /** The Kubernetes version used for schema locations. */
  readonly kubernetesVersion: string;
}

/**
 * What the engine that applies a file does with it before the API server sees it (src/validators/engines): read it as
 * a kustomize patch, substitute Flux post-build variables, widen enums as the Flux Operator does. Without it, a file
 * is a set of objects applied as written (with SOPS metadata dropped, and variables and encrypted values unchecked).
 */
export interface FileContext {
  /** The file is a kustomize patch (plain data: it travels to worker threads). */
  patch?: PatchSpec;
  /** A FluxInstance is in the repository: the Flux Operator's kinds are in the notification enums. */
  widenedEnums?: boolean;
  /** How variables that cannot be resolved are described. */
  unchecked?: UncheckedReasons;
  /**
   * Per document: the data to validate instead (after Flux's post-build substitution), how its unresolved variables
   * are described, and whether its `${...}` are literal text (a document Flux does not substitute).
   */
  document?: (document: { index: number; start: number; data: unknown }) => { data: unknown; unchecked?: UncheckedReasons; literal?: boolean } | undefined;
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
      if (crd) {
        const source = `CRD ${crd.file} (${apiVersion} ${kind})`;
        return found(await compile(strict ? (strictSchema(crd.schema) as JsonSchema) : crd.schema, source), source);
      }
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
    const address = resolveTemplate(location.template, apiVersion, kind, kubernetesVersion, strict);
    const schema = await loadSchema(address, options.cacheDir);
    return schema && found(await compile(schema, address), address);
  };

  /** The schema of a kind, or the unit that says why there is none to check against. */
  const schemaOf = async (apiVersion: string, kind: string, context: ResourceContext): Promise<Found | UnitResult> => {
    let resolution = resolve(apiVersion, kind);
    if (resolution instanceof Promise) resolution = await resolution;
    return schemaFrom(resolution, context);
  };

  /** {@link schemaOf} once the kind's schema is resolved. */
  const schemaFrom = (resolution: Resolution, context: ResourceContext): Found | UnitResult => {
    if ("unserved" in resolution) return context.fail("k8s-unserved-version", resolution.unserved, context.line(["apiVersion"]));
    if ("missing" in resolution) {
      if (options.ignoreMissingSchemas) return context.result("skipped", []);
      return context.fail("k8s-missing-schema", resolution.missing);
    }
    if ("failed" in resolution) return context.fail("k8s-missing-schema", resolution.failed);
    return resolution;
  };

  /**
   * The problems of `object` against a schema: schema violations (as a patch's when `partial`), non-finite numbers,
   * Pod Security. Problems at values only the applying engine knows (unchecked-values.ts) are set apart.
   */
  const check = (schema: Found, object: Record<string, unknown>, context: ResourceContext, mode: CheckMode): { problems: Problem[]; unchecked: UncheckedValue[] } => {
    const { found: validate } = schema;
    let problems: Problem[] = [];
    if (schema.warnings.length > 0) {
      problems = schema.warnings.map((message) => ({ ...context.problem("k8s-schema-pattern", message, undefined, context.line([])), severity: "warning" as const }));
      schema.warnings = [];
    }
    const unchecked: UncheckedValue[] = [];
    if (!validate(object)) {
      let errors = validate.errors ?? [];
      if (mode.partial) errors = patchErrors(errors, object);
      if (mode.widenedEnums) errors = withoutWidenedEnums(errors, object);
      for (const violation of violations(errors, object)) {
        const found = uncheckedValue(valueAt(object, violation.at)) ?? (violation.rule === "k8s-unknown-field" ? uncheckedValue(violation.at[violation.at.length - 1]) : undefined);
        const value = found && mode.literal && "variables" in found ? undefined : found;
        if (value) unchecked.push(value);
        else problems.push(mode.place(violation, context));
      }
    }
    // YAML's .inf and .nan load as numbers that JSON Schema's "number" (and Ajv's "integer") accept, but the API
    // server's JSON has no such values: the object would be refused when applied. Only a file that spells one has one.
    for (const { at, value } of mode.nonFinite === false ? [] : nonFiniteNumbers(object)) {
      const path = formatPath(at);
      problems.push(context.problem("k8s-non-finite-number", `${path}: ${value} is not a number Kubernetes accepts (JSON has no Infinity or NaN); write a finite number`, path, context.line(at)));
    }
    if (!mode.partial) {
      for (const found of podSecurity?.(object) ?? []) {
        const message = `Pod Security Standards (${found.level}) "${found.control}": ${found.message}`;
        problems.push(context.problem(`pod-security/${found.checkId}`, message, formatPath(found.path), context.line(found.path)));
      }
    }
    return { problems, unchecked };
  };

  /** The unit of checked problems: invalid with any error, not checked when only unchecked values had problems. */
  const verdict = (context: ResourceContext, outcome: { problems: Problem[]; unchecked: UncheckedValue[] }, reasons: UncheckedReasons | undefined): UnitResult => {
    const failed = outcome.problems.some((problem) => problem.severity === "error");
    if (!failed && outcome.unchecked.length > 0) return context.skip(uncheckedReason(outcome.unchecked, reasons), outcome.problems);
    return context.result(failed ? "invalid" : "valid", outcome.problems);
  };

  /**
   * One object's unit. A promise only while its kind's schema is first being loaded: thousands of resources of a few
   * kinds are checked without a promise (and its microtask) each.
   */
  const validateResource = (object: unknown, context: ResourceContext, use: DocumentUse): UnitResult | Promise<UnitResult> => {
    if (!isObject(object)) return context.fail("k8s-missing-kind", "document is not a Kubernetes object: expected a mapping with apiVersion and kind");
    const identity = identify(object);
    context.identity = identity;
    if (typeof object.kind !== "string" || object.kind === "") return context.fail("k8s-missing-kind", "missing 'kind' key");
    if (typeof object.apiVersion !== "string" || object.apiVersion === "") return context.fail("k8s-missing-apiversion", "missing 'apiVersion' key");
    const { apiVersion, kind } = object;
    if (skip.has(kind) || skip.has(`${apiVersion}/${kind}`)) return context.result("skipped", []);
    const resolution = resolve(apiVersion, kind);
    if (resolution instanceof Promise) return resolution.then((resolved) => checkResource(object, apiVersion, kind, resolved, context, use));
    return checkResource(object, apiVersion, kind, resolution, context, use);
  };

  const checkResource = (object: Record<string, unknown>, apiVersion: string, kind: string, resolution: Resolution, context: ResourceContext, use: DocumentUse): UnitResult => {
    const schema = schemaFrom(resolution, context);
    if (!("found" in schema)) return schema;
    const widenedEnums = use.widenedEnums === true && isWidenedByFluxOperator(apiVersion, kind);
    return verdict(context, check(schema, withoutSops(object), context, { partial: false, widenedEnums, literal: use.literal, nonFinite: use.nonFinite, place: placeViolation }), use.unchecked);
  };

  /**
   * A strategic-merge patch: a partial object of its own kind, or, with a target, of the kind the target selects
   * (kustomize applies it to every match and ignores the patch's own kind and name, often placeholders such as
   * `kind: any`).
   */
  const validateMergePatch = async (patch: Record<string, unknown>, context: ResourceContext, spec: PatchSpec, use: DocumentUse): Promise<UnitResult> => {
    const { apiVersion, kind } = patchTypeOf(patch, spec);
    context.identity = { ...(spec.target ? targetIdentity(spec.target) : identify(patch)), ...(kind ? { kind } : {}), ...(apiVersion ? { apiVersion } : {}) };
    if (spec.target && !spec.target.kind) return context.skip("kustomize patch whose target selects objects of any kind: not checked against a schema", []);
    if (patch.$patch === "delete") return context.result("valid", []);
    if (!apiVersion || !kind) return context.skip("kustomize patch without apiVersion and kind, nor a target naming them: its target's schema is unknown", []);
    if (skip.has(kind) || skip.has(`${apiVersion}/${kind}`)) return context.result("skipped", []);
    const schema = await schemaOf(apiVersion, kind, context);
    if (!("found" in schema)) return schema;
    const object = withoutDirectives(withoutSops(patch)) as Record<string, unknown>;
    return verdict(context, check(schema, { ...object, apiVersion, kind }, context, { partial: true, widenedEnums: false, literal: use.literal, nonFinite: use.nonFinite, place: placeViolation }), use.unchecked);
  };

  /** A JSON 6902 patch: each operation's shape, and what add/replace/test write (and paths read or removed) against the target's schema. */
  const validateJsonPatch = async (operations: unknown[], context: ResourceContext, spec: PatchSpec, use: DocumentUse): Promise<UnitResult> => {
    const { apiVersion, kind } = patchTypeOf({}, spec);
    context.identity = { ...targetIdentity(spec.target ?? {}), ...(kind ? { kind } : {}), ...(apiVersion ? { apiVersion } : {}) };
    const { problems: shape, writes } = readOperations(operations);
    const problems = shape.map((found) => context.problem("kustomize-patch", found.message, formatPath(found.at), context.line(found.at)));
    if (!apiVersion || !kind) {
      if (problems.length > 0) return context.result("invalid", problems);
      return context.skip("JSON 6902 patch whose target names no kind and version: its operations' values are not checked against a schema", []);
    }
    if (skip.has(kind) || skip.has(`${apiVersion}/${kind}`)) return context.result(problems.length > 0 ? "invalid" : "skipped", problems);
    const schema = await schemaOf(apiVersion, kind, context);
    if (!("found" in schema)) return problems.length > 0 ? context.result("invalid", problems) : schema;
    const outcome = { problems, unchecked: [] as UncheckedValue[] };
    for (const write of writes) {
      const { object, at } = objectWith(write.segments, write.value, { apiVersion, kind });
      const shown = write.segments.map((segment) => (segment === -1 ? "-" : segment));
      // A violation inside the written value is at that field of the operation's value; one on the path, at the path.
      // Segments of the partial object map to the operation's own (its list indexes, not 0) by position.
      const real = (segments: readonly (string | number)[]) => segments.map((segment, i) => (i < at.length ? shown[i]! : segment));
      const place: CheckMode["place"] = (violation, where) => {
        const inside = violation.at.length > at.length && at.every((segment, i) => violation.at[i] === segment);
        const pathAt = violation.rule === "k8s-unknown-field" ? violation.at.slice(0, -1) : violation.at;
        const shownPath = formatPath(real(pathAt));
        const message = `${shownPath || "(root)"}${violation.message.slice((violation.path || "(root)").length)}`;
        const line = inside && write.hasValue ? where.line([write.index, "value", ...violation.at.slice(at.length)]) : where.line([write.index, write.field]);
        return where.problem(violation.rule, `[${write.index}] ${write.field} ${JSON.stringify(pointerOf(write.segments))}: ${message}`, shownPath, line);
      };
      const found = check(schema, object, context, { partial: true, widenedEnums: false, literal: use.literal, nonFinite: use.nonFinite, place });
      outcome.problems.push(...found.problems.filter((problem) => problem.rule !== "k8s-schema-pattern" || outcome.problems.every((other) => other.message !== problem.message)));
      outcome.unchecked.push(...found.unchecked);
    }
    return verdict(context, outcome, use.unchecked);
  };

  return {
    kubernetesVersion,
    async validateFile(file: SourceFile, observe?: DocumentObserver, context: FileContext = {}): Promise<UnitResult[]> {
      const results: UnitResult[] = [];
      const documents = parseDocuments(file.content, strict);
      // Substituted data may hold what the text does not: then every number is looked at.
      const use: DocumentUse = { ...context, nonFinite: context.document !== undefined || NON_FINITE.test(file.content) };
      const locator = new LineLocator(file.content, documents);
      for (const document of documents) {
        const base = new ResourceContext(file.path, locator, document.index, [], use.patch ? " (patch)" : "");
        if (document.failure) {
          if (isObject(document.data)) base.identity = identify(document.data);
          results.push(base.fail(document.failure.rule, document.failure.message, document.failure.line));
          continue;
        }
        observe?.({ index: document.index, line: locator.documentLine(document.index) ?? 1, data: document.data });
        const planned = use.document?.({ index: document.index, start: document.range[0], data: document.data });
        const data = planned ? planned.data : document.data;
        const documentUse: DocumentUse = planned ? { ...use, unchecked: planned.unchecked ?? use.unchecked, literal: planned.literal } : use;
        if (use.patch) {
          if (Array.isArray(data) && use.patch.field !== "patchesStrategicMerge") results.push(await validateJsonPatch(data, base, use.patch, documentUse));
          else if (isObject(data) && use.patch.field !== "patchesJson6902") results.push(await validateMergePatch(data, base, use.patch, documentUse));
          else results.push(base.fail("kustomize-patch", use.patch.field === "patchesJson6902" ? "a JSON 6902 patch is a list of operations (op, path, value)" : use.patch.field === "patchesStrategicMerge" ? "a strategic-merge patch is a mapping with apiVersion, kind and metadata.name" : "a kustomize patch is a mapping (strategic merge) or a list of operations (JSON 6902)"));
          continue;
        }
        if (isObject(data) && data.kind === "List" && Array.isArray(data.items)) {
          for (const [position, item] of data.items.entries()) {
            const unit = validateResource(item, new ResourceContext(file.path, locator, document.index, ["items", position]), documentUse);
            results.push(unit instanceof Promise ? await unit : unit);
          }
          continue;
        }
        const unit = validateResource(data, base, documentUse);
        results.push(unit instanceof Promise ? await unit : unit);
      }
      return results;
    },
  };
}

/**
 * The apiVersion and kind a patch is checked as: its target's when it has one (with the version the embedded schemas
 * serve the kind under when the target names none, or the patch's own when it is of the target's group), else its own.
 */
function patchTypeOf(patch: Record<string, unknown>, spec: PatchSpec): { apiVersion?: string; kind?: string } {
  const own = { apiVersion: typeof patch.apiVersion === "string" && patch.apiVersion !== "" ? patch.apiVersion : undefined, kind: typeof patch.kind === "string" && patch.kind !== "" ? patch.kind : undefined };
  const target = spec.target;
  if (!target) return own;
  const kind = target.kind;
  if (!kind) return { apiVersion: own.apiVersion };
  const named = targetApiVersion(target);
  if (named) return { apiVersion: named, kind };
  const groupOf = (apiVersion: string) => (apiVersion.includes("/") ? apiVersion.slice(0, apiVersion.lastIndexOf("/")) : "");
  if (own.apiVersion && (target.group === undefined || groupOf(own.apiVersion) === target.group) && (own.kind === kind || servedApiVersions(kind).includes(own.apiVersion))) return { apiVersion: own.apiVersion, kind };
  const served = servedApiVersions(kind, target.group);
  return served.length === 1 ? { apiVersion: served[0], kind } : { kind };
}

/** What a patch target names, as an identity: its name, else its selector. */
function targetIdentity(target: PatchTarget): ResourceIdentity {
  const name = target.name ?? [target.labelSelector, target.annotationSelector].filter(Boolean).join(",");
  return { ...(name ? { name } : {}), ...(target.namespace ? { namespace: target.namespace } : {}) };
}

/** A file's context as it applies to one document. */
type DocumentUse = FileContext & { literal?: boolean; nonFinite?: boolean };

/** How YAML spells a number JSON has not (js-yaml's core schema: `.inf`, `-.Inf`, `.NaN`...). */
const NON_FINITE = /\.(?:inf|nan)\b/i;

/** How {@link check} treats an object: as a patch, with the Flux Operator's enums, and where its violations go. */
interface CheckMode {
  partial: boolean;
  widenedEnums: boolean;
  /** `${...}` in the document are text the API server receives (Flux does not substitute it): they are checked. */
  literal?: boolean;
  /** false when the file has no `.inf` or `.nan`: no number to look for. */
  nonFinite?: boolean;
  place: (violation: SchemaViolation, context: ResourceContext) => Problem;
}

const placeViolation: CheckMode["place"] = (violation, context) => context.problem(violation.rule, violation.message, violation.path, context.line(violation.at));

/** `["spec", "replicas"]` -> `/spec/replicas` (the list end `-` as written). */
function pointerOf(segments: readonly (string | number)[]): string {
  return segments.map((segment) => `/${segment === -1 ? "-" : String(segment).replace(/~/g, "~0").replace(/\//g, "~1")}`).join("");
}

function valueAt(object: unknown, at: readonly (string | number)[]): unknown {
  let node = object;
  for (const segment of at) node = typeof node === "object" && node !== null ? (node as Record<string | number, unknown>)[segment] : undefined;
  return node;
}

/** What a result needs to know about where its resource sits. */
class ResourceContext {
  identity: ResourceIdentity | undefined;

  constructor(
    private readonly file: string,
    private readonly locator: LineLocator,
    private readonly documentIndex: number,
    private readonly prefix: (string | number)[],
    /** Added to the label: " (patch)" for a kustomize patch, which is part of an object, not one. */
    private readonly labelSuffix = "",
  ) {}

  /** Line of a field of the resource (the resource's own line for []). */
  line(at: readonly (string | number)[]): number | undefined {
    return this.locator.fieldLine(this.documentIndex, [...this.prefix, ...at]);
  }

  get label(): string | undefined {
    const identity = this.identity;
    if (!identity?.kind) return undefined;
    const name = identity.name ?? "(unnamed)";
    return `${identity.kind} ${identity.namespace ? `${identity.namespace}/` : ""}${name}${this.labelSuffix}`;
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

  /** A unit that could not be checked (in part), and why; its problems are warnings only. */
  skip(notChecked: string, problems: Problem[]): UnitResult {
    return { ...this.result("skipped", problems), notChecked };
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
