import type { Ajv, ValidateFunction } from "ajv";
import type { Blueprint } from "../blueprints/types.js";
import { createSchemaAjv, schemaValidator } from "./compiled-schemas.js";
import { formatSchemaErrors } from "./messages.js";
import { inferForge, type ForgeKind } from "../forge/registry.js";
import { deepMerge } from "./merge.js";
import { runRules } from "./rules/index.js";
import { deriveValues } from "./derived.js";
import { selectAddons } from "../catalog/select.js";
import { formatPath, schemaAt, setAtPath, typeSetValue, type SetAssignment } from "./set-flags.js";

/** Validated parameters: the blueprint schema's shape with every default filled in. */
export type ClusterParams = Record<string, any> & { clusterName: string; gitops: "flux" | "argo"; repoUrl: string; branch: string; forge: ForgeKind };

export type ParseResult =
  | { params: ClusterParams; warnings: string[]; errors: undefined }
  | { params: undefined; warnings: string[]; errors: string[] };

/** Where the raw parameters came from, lowest precedence first: values file / answers, prompts, then --set flags. */
export interface RawParamsInput {
  /** Parsed --values file (or answers-file params), already an object. */
  values?: Record<string, unknown>;
  /** Answers from interactive prompts. */
  prompted?: Record<string, unknown>;
  /** --set flags, applied last. */
  sets?: SetAssignment[];
}

/** The blueprint's validator, used both to fill defaults and to check (compiled at build time for shipped ones). */
function compile(blueprint: Blueprint): ValidateFunction {
  return schemaValidator("params", blueprint.paramsSchema);
}

/**
 * The Ajv set-up for parameter schemas: strict, all errors, defaults filled in, the blueprint vocabulary known; the
 * meta-schema check on unless asked off (run time skips it, see compiled-schemas.ts).
 */
export function createParamsAjv(options: { validateSchema?: boolean } = {}): Ajv {
  return createSchemaAjv("params", { validateSchema: options.validateSchema ?? true });
}

/**
 * Schema, then defaults, then the blueprint's cross-field rules; returns data, never throws for bad input.
 * Precedence: --set > prompts > values file > blueprint defaults.
 */
export function parseParams(input: RawParamsInput, blueprint: Blueprint): ParseResult {
  const validate = compile(blueprint);
  const raw = deepMerge(structuredClone(input.values ?? {}), structuredClone(input.prompted ?? {}));
  const given = new Set([...Object.keys(raw), ...(input.sets ?? []).map((set) => String(set.path[0]))]);
  // Before the schema's default (github) fills it: the forge repoUrl's host belongs to, when nobody named one.
  if (!given.has("forge")) {
    const repoUrl = [...(input.sets ?? [])].reverse().find((set) => set.path.length === 1 && set.path[0] === "repoUrl")?.raw ?? raw.repoUrl;
    raw.forge = inferForge(typeof repoUrl === "string" ? repoUrl : undefined);
  }

  // Fill defaults first so that `--set pools[1].zone=x` edits the default list instead of replacing it.
  validate(raw);
  const origins = new Map<string, string>();
  for (const assignment of input.sets ?? []) {
    const value = typeSetValue(assignment.raw, schemaAt(blueprint.paramsSchema, assignment.path));
    setAtPath(raw, assignment.path, value, assignment.source);
    origins.set(formatPath(assignment.path), assignment.source);
  }
  applyForgeDefaults(raw, blueprint, given);

  if (!validate(raw)) {
    return { params: undefined, warnings: [], errors: formatSchemaErrors(validate.errors ?? [], blueprint.paramsSchema, origins) };
  }
  const params = raw as ClusterParams;
  const unnormalized = nonNfcStrings(params);
  if (unnormalized.length > 0) return { params: undefined, warnings: [], errors: unnormalized };
  const { errors, warnings } = runRules(blueprint.boundRules, params);
  if (errors.length > 0) return { params: undefined, warnings, errors };
  // After the rules: a rule that refuses the same combination says it in the blueprint's own words.
  const addonProblems = fillAddonSwitches(params, blueprint);
  return addonProblems.length > 0 ? { params: undefined, warnings, errors: addonProblems } : { params, warnings, errors: undefined };
}

/**
 * Records each add-on switch the parameters leave unset with the catalog's default for this cluster (an answers file
 * keeps what was rendered, so a later catalog default changes nothing without a migration), and refuses an add-on
 * enabled where it may not run. Returns the problems, one line each, naming `addons.<name>.enabled`.
 */
function fillAddonSwitches(params: ClusterParams, blueprint: Blueprint): string[] {
  const selection = selectAddons(blueprint.offeredAddons, blueprint, { params, derived: deriveValues(blueprint.derived, params) });
  const addons = (params.addons ??= {}) as Record<string, Record<string, unknown>>;
  for (const [name, enabled] of Object.entries(selection.switches)) {
    if (!Object.hasOwn(addons, name)) Object.defineProperty(addons, name, { value: {}, enumerable: true, writable: true, configurable: true });
    // `enabled` first, so that an answers file reads `enabled` before `values`.
    addons[name] = { enabled, ...addons[name] };
  }
  return selection.problems;
}

/** `values` with the schema's defaults, and the add-on switches' defaults, filled in where absent (nothing is refused). */
export function fillDefaults(values: Record<string, unknown>, blueprint: Blueprint): Record<string, unknown> {
  const raw = structuredClone(values);
  compile(blueprint)(raw);
  fillAddonSwitches(raw as ClusterParams, blueprint);
  return raw;
}

/**
 * The blueprint's defaults for the repository's forge (blueprint.yaml `forgeDefaults`), for the parameters nobody
 * gave. (`forge` itself, when nobody gave it, is the forge of repoUrl's host: see inferForge, applied in parseParams.)
 */
function applyForgeDefaults(raw: Record<string, unknown>, blueprint: Blueprint, given: ReadonlySet<string>): void {
  const overrides = typeof raw.forge === "string" ? blueprint.forgeDefaults?.[raw.forge] : undefined;
  for (const [key, value] of Object.entries(overrides ?? {})) {
    if (!given.has(key)) Object.defineProperty(raw, key, { value: structuredClone(value), enumerable: true, writable: true, configurable: true });
  }
}

/** Parameter values that differ from the blueprint defaults, for answers files and summaries. */
export function defaultParams(blueprint: Blueprint): ClusterParams {
  const raw: Record<string, unknown> = {};
  compile(blueprint)(raw);
  applyForgeDefaults(raw, blueprint, new Set());
  return raw as ClusterParams;
}

/**
 * Terraform (HCL) normalises string literals to Unicode NFC, so a non-NFC value would not reach the cloud as typed.
 * Such values are refused up front, naming the parameter.
 */
function nonNfcStrings(value: unknown, path = ""): string[] {
  if (typeof value === "string") {
    return value === value.normalize("NFC") ? [] : [`${path}: contains characters that Terraform would change (text not in Unicode NFC form); type it again or use its NFC form`];
  }
  if (Array.isArray(value)) return value.flatMap((item, i) => nonNfcStrings(item, `${path}[${i}]`));
  if (value && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => nonNfcStrings(v, path ? `${path}.${k}` : k));
  return [];
}
