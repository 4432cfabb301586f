import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { isDirectory, listFilesRecursive, packageRoot } from "../_utils.js";
import { templateSetMemo } from "./read-memo.js";
import { BlueprintError } from "../errors.js";
import { derivedProblems } from "../params/derived.js";
import { bindRules } from "../params/rules/index.js";
import { forgeKinds } from "../forge/registry.js";
import { assertKnownBlueprint, blueprintsRoot, readManifest } from "./registry.js";
import { pathsReadBy } from "../generator/conditions.js";
import { loadCatalog } from "../catalog/load.js";
import { ADDONS_PARAM, addonsParamSchema } from "../catalog/params.js";
import { offeredAddons } from "../catalog/select.js";
import type { Catalog } from "../catalog/types.js";
import type { Blueprint, BlueprintManifest, PackEntry } from "./types.js";

export const templatesRoot = join(packageRoot, "templates");

/**
 * Where a blueprint's templates are, by convention: the shared `common` set, its cloud module `clouds/<cloud>` and
 * its packs `packs/<name>`, rendered in this order into one tree (a pack only when its condition holds); the GitOps
 * engine's set (`gitops/flux` or `gitops/argo`) and the forge's (`forge/github`, `forge/gitlab`: CI files and the
 * partials of the README that name the forge) come last. Add-ons come from the catalog (addons/, src/catalog/).
 */
export function templateSetsOf(manifest: Pick<BlueprintManifest, "cloud" | "packs">): string[] {
  return ["common", cloudSet(manifest.cloud), ...packEntries(manifest.packs).map((pack) => packSet(pack.name))];
}
export const cloudSet = (cloud: string) => `clouds/${cloud}`;
export const packSet = (pack: string) => `packs/${pack}`;

/** The packs of blueprint.yaml, each as `{ name, when? }`. */
export function packEntries(packs: BlueprintManifest["packs"]): PackEntry[] {
  return (packs ?? []).map((pack) => (typeof pack === "string" ? { name: pack } : pack));
}

/** Names under a folder of templates/ (clouds, packs): the modules a blueprint may name. */
export function templateModules(kind: "clouds" | "packs"): string[] {
  const dir = join(templatesRoot, kind);
  return isDirectory(dir) ? readdirSync(dir, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort() : [];
}

export const GITOPS_TEMPLATE_SETS = ["gitops/flux", "gitops/argo"];
/** The CI and Day 1 text of each forge (src/forge/registry.ts): `forge/<kind>`, rendered after the GitOps set. */
export const FORGE_TEMPLATE_SETS = forgeKinds.map((kind) => `forge/${kind}`);

/** Parameters every blueprint has (cluster name, GitOps engine, repo URL, branch), merged into its schema. */
function commonSchema(): Record<string, any> {
  return JSON.parse(readFileSync(join(blueprintsRoot, "_common", "params.schema.json"), "utf8"));
}

const COMMON_SCHEMA_FILE = "blueprints/_common/params.schema.json";

/**
 * The blueprint's parameters schema: the common parameters, the blueprint's own and the catalog's `addons`. Each
 * name belongs to one file: a blueprint may restate a common parameter only to give it another default (its
 * clusterName), and no schema but the catalog's may define `addons`. A clash throws a BlueprintError naming both
 * files, before any render (and at build time, where the schemas are precompiled).
 */
export function mergeParamsSchemas(common: Record<string, any>, own: Record<string, any>, ownFile: string, addons: Record<string, unknown>): Record<string, unknown> {
  const problems: string[] = [];
  const properties: Record<string, unknown> = { ...common.properties, ...own.properties };
  for (const [key, value] of Object.entries<Record<string, unknown>>(own.properties ?? {})) {
    if (!common.properties?.[key]) continue;
    const restated = Object.keys(value).filter((field) => field !== "default");
    if (restated.length > 0) problems.push(`${key}: defined by both ${COMMON_SCHEMA_FILE} and ${ownFile} (${ownFile} may only change its "default"; rename the blueprint's parameter, or remove ${restated.join(", ")})`);
    properties[key] = { ...common.properties[key], ...value };
  }
  for (const [file, schema] of [[COMMON_SCHEMA_FILE, common], [ownFile, own]] as const) {
    if (schema.properties?.[ADDONS_PARAM]) problems.push(`${ADDONS_PARAM}: defined by both ${file} and the add-on catalog (addons/, which owns ${ADDONS_PARAM}.<name>); rename the parameter in ${file}`);
  }
  if (problems.length > 0) throw new BlueprintError(`${ownFile}: parameters clash`, problems);
  return {
    ...own,
    $schema: own.$schema ?? common.$schema,
    type: "object",
    additionalProperties: false,
    properties: { ...properties, [ADDONS_PARAM]: addons },
    required: [...new Set([...(common.required ?? []), ...(own.required ?? [])])],
  };
}

/**
 * Template sets already read in this process (set -> path -> text), when the CLI turned the memo on (read-memo.ts):
 * one command loads its blueprint up to four times (plan: the plan, the render, the merge base, the description),
 * and each load read every template file of the blueprint again.
 */
function readTemplateSet(name: string): Map<string, string> {
  const known = templateSetMemo.sets?.get(name);
  if (known) return new Map(known); // a copy: the caller owns its map
  const dir = join(templatesRoot, name);
  const set = new Map(listFilesRecursive(dir).map((path) => [path, readFileSync(join(dir, path), "utf8")]));
  templateSetMemo.sets?.set(name, new Map(set));
  return set;
}

/** What is wrong with blueprint.yaml's own fields, one line each. */
function manifestProblems(manifest: BlueprintManifest, id: string, paramsSchema: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if (manifest.id !== id) problems.push(`id: "${manifest.id}" must be the folder's name, "${id}"`);
  if (typeof manifest.version !== "string" || !/^\d+\.\d+\.\d+$/.test(manifest.version)) problems.push(`version: must be a semver string such as "1.0.0" (quoted)`);
  for (const field of ["title", "description", "provider"] as const) {
    if (typeof manifest[field] !== "string" || manifest[field].trim() === "") problems.push(`${field}: must be a non-empty string`);
  }
  for (const [kind, overrides] of Object.entries(manifest.forgeDefaults ?? {})) {
    if (!forgeKinds.includes(kind as never)) problems.push(`forgeDefaults.${kind}: not a forge; one of ${forgeKinds.join(", ")}`);
    for (const key of Object.keys(overrides ?? {})) {
      if (!(key in ((paramsSchema.properties as Record<string, unknown> | undefined) ?? {}))) problems.push(`forgeDefaults.${kind}.${key}: not a parameter of this blueprint`);
    }
  }
  if ("templates" in manifest) problems.push(`templates: remove it; template sets are found by convention (common, clouds/<cloud>, packs/<pack>)`);
  problems.push(...compositionProblems(manifest, paramsSchema));
  return problems;
}

const CONTEXT_ROOTS = ["params", "derived", "cluster", "gitops", "forge", "blueprint"];

/** A condition or reference that reads a parameter or derived value the blueprint does not have. */
function contextPathProblem(path: string, manifest: BlueprintManifest, paramsSchema: Record<string, unknown>): string | undefined {
  const [root, ...rest] = path.split(".");
  if (!CONTEXT_ROOTS.includes(root ?? "")) return `${path}: reads ${root}, not one of ${CONTEXT_ROOTS.join(", ")}`;
  if (root === "derived" && !(rest[0]! in (manifest.derived ?? {}))) return `${path}: no derived value ${rest[0]} (add it under derived:)`;
  if (root === "params") {
    let schema: any = paramsSchema;
    for (const key of rest) {
      schema = schema?.properties?.[key];
      if (!schema) return `${path}: ${rest.join(".")} is not a parameter of this blueprint`;
    }
  }
  return undefined;
}

/** The cloud module and packs exist, their conditions read what the blueprint has, and packs that place pods on GPU nodes find nodes.gpu. */
function compositionProblems(manifest: BlueprintManifest, paramsSchema: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if (typeof manifest.cloud !== "string" || !templateModules("clouds").includes(manifest.cloud)) {
    problems.push(`cloud: ${JSON.stringify(manifest.cloud ?? null)} is not a cloud module; name a folder of templates/clouds/ (${templateModules("clouds").join(", ")}) or add templates/clouds/<cloud>/`);
  }
  const known = templateModules("packs");
  for (const [i, pack] of packEntries(manifest.packs).entries()) {
    if (typeof pack?.name !== "string" || !known.includes(pack.name)) {
      problems.push(`packs[${i}]: ${JSON.stringify(pack?.name ?? pack)} is not a pack; name a folder of templates/packs/ (${known.join(", ")})`);
      continue;
    }
    if (pack.when !== undefined) {
      const problem = contextPathProblem(pack.when.split("=")[0]!.trim(), manifest, paramsSchema);
      if (problem) problems.push(`packs[${i}].when: ${problem}`);
    }
    const placesOnGpu = [...readTemplateSet(packSet(pack.name)).values()].some((text) => text.includes("gpuNodePlacement"));
    if (placesOnGpu && !manifest.nodes?.gpu) problems.push(`nodes.gpu: the pack ${pack.name} places pods on GPU nodes (gpuNodePlacement); say how they reach this cloud's GPU nodes (see docs/BLUEPRINT-GUIDE.md, "Packs")`);
  }
  if (!manifest.secureDefaults) problems.push(`secureDefaults: say where the Terraform keeps the API server to apiAllowedCidrs (see docs/BLUEPRINT-GUIDE.md, "Secure by default")`);
  for (const path of pathsReadBy(manifest.secureDefaults ?? {})) {
    const problem = contextPathProblem(path, manifest, paramsSchema);
    if (problem) problems.push(`secureDefaults: ${problem}`);
  }
  for (const [kind, placement] of Object.entries(manifest.nodes ?? {})) {
    if (typeof placement?.why !== "string" || placement.why.trim() === "") problems.push(`nodes.${kind}.why: say why these labels select the right nodes (written above them)`);
    for (const path of pathsReadBy(placement)) {
      const problem = contextPathProblem(path, manifest, paramsSchema);
      if (problem) problems.push(`nodes.${kind}: ${problem}`);
    }
  }
  return problems;
}

export interface LoadBlueprintOptions {
  /** The add-on catalog to compose with. @default the package's (addons/) */
  catalog?: Catalog;
}

/** Reads a blueprint's manifest, parameters schema and every template it uses, once; a broken blueprint throws a BlueprintError. */
export function loadBlueprint(id: string, options: LoadBlueprintOptions = {}): Blueprint {
  assertKnownBlueprint(id);
  const dir = join(blueprintsRoot, id);
  const manifest = readManifest(id);
  const schemaFile = join(dir, "params.schema.json");
  if (!existsSync(schemaFile)) throw new BlueprintError(`blueprint ${id} has no parameters schema: add blueprints/${id}/params.schema.json`);
  const catalog = options.catalog ?? loadCatalog();
  const offered = offeredAddons(manifest, catalog);
  const paramsSchema = mergeParamsSchemas(commonSchema(), JSON.parse(readFileSync(schemaFile, "utf8")), `blueprints/${id}/params.schema.json`, addonsParamSchema(offered));

  const problems = [...manifestProblems(manifest, id, paramsSchema), ...addonUseProblems(manifest, catalog, paramsSchema)];
  const { rules, problems: ruleProblems } = bindRules(manifest.rules ?? [], paramsSchema);
  problems.push(...ruleProblems, ...derivedProblems(manifest.derived ?? {}, paramsSchema));
  if (problems.length > 0) throw new BlueprintError(`blueprints/${id}/blueprint.yaml: the blueprint is not usable`, problems);
  const templateSets = templateSetsOf(manifest);

  const templateSources = new Map([...templateSets, ...GITOPS_TEMPLATE_SETS, ...FORGE_TEMPLATE_SETS].map((set) => [set, readTemplateSet(set)]));
  return { ...manifest, id, dir, paramsSchema, boundRules: rules, derived: manifest.derived ?? {}, packs: packEntries(manifest.packs), templateSets, templateSources, catalog, offeredAddons: offered };
}

/** blueprint.yaml's `addons` and `capabilities`: add-ons of the catalog, conditions that read what the blueprint has. */
function addonUseProblems(manifest: BlueprintManifest, catalog: Catalog, paramsSchema: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const [name, use] of Object.entries(manifest.addons ?? {})) {
    if (!catalog.addons.has(name)) {
      // Settings alone are the cloud's facts offered to an add-on (its load balancer's annotations), not a binding:
      // a catalog without that add-on (a fixture's, a trimmed one) has no use for them. test/addons-edge.test.ts holds
      // the shipped blueprints to naming add-ons of the shipped catalog.
      if (use && Object.keys(use).every((key) => key === "settings")) continue;
      problems.push(`addons.${name}: not an add-on of the catalog (${[...catalog.addons.keys()].join(", ")}); add addons/${name}/ or fix the name`);
      continue;
    }
    for (const path of [...[use?.when ?? []].flat().map((condition) => condition.split("=")[0]!.trim()), ...pathsReadBy(use?.values ?? {}), ...pathsReadBy(use?.settings ?? {})]) {
      const problem = contextPathProblem(path, manifest, paramsSchema);
      if (problem) problems.push(`addons.${name}: ${problem}`);
    }
  }
  for (const [name, condition] of Object.entries(manifest.capabilities ?? {})) {
    if (typeof condition === "boolean") continue;
    for (const one of [condition].flat()) {
      const problem = typeof one === "string" ? contextPathProblem(one.split("=")[0]!.trim(), manifest, paramsSchema) : "a condition (a context path, or path=value)";
      if (problem) problems.push(`capabilities.${name}: ${problem}`);
    }
  }
  return problems;
}
