import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { isDirectory, listFilesRecursive, packageRoot } from "../_utils.js";
import { BlueprintError } from "../errors.js";
import { derivedProblems } from "../params/derived.js";
import { bindRules } from "../params/rules/index.js";
import { forgeKinds } from "../forge/registry.js";
import { assertKnownBlueprint, blueprintsRoot, readManifest } from "./registry.js";
import type { Blueprint, BlueprintManifest } from "./types.js";

export const templatesRoot = join(packageRoot, "templates");

/**
 * Where a blueprint's templates are, by convention: the shared `common` set, then `terraform/<id>` and `k8s/<id>`,
 * rendered in this order into one tree; the GitOps engine's set (`gitops/flux` or `gitops/argo`) and the forge's
 * (`forge/github`, `forge/gitlab`: CI files and the partials of the README that name the forge) come last.
 * A Helm release's values are `helm/<id>/<release>.values.yaml.hbs` when that file exists.
 */
export function templateSetsOf(id: string): string[] {
  return ["common", `terraform/${id}`, `k8s/${id}`];
}
export const GITOPS_TEMPLATE_SETS = ["gitops/flux", "gitops/argo"];
/** The CI and Day 1 text of each forge (src/forge/registry.ts): `forge/<kind>`, rendered after the GitOps set. */
export const FORGE_TEMPLATE_SETS = forgeKinds.map((kind) => `forge/${kind}`);
export const valuesTemplatePath = (id: string, release: string) => `helm/${id}/${release}.values.yaml.hbs`;

/** Parameters every blueprint has (cluster name, GitOps engine, repo URL, branch), merged into its schema. */
function commonSchema(): Record<string, any> {
  return JSON.parse(readFileSync(join(blueprintsRoot, "_common", "params.schema.json"), "utf8"));
}

/** Merges the common parameters under the blueprint's own: the blueprint wins on a clash (e.g. its clusterName default). */
function mergeSchemas(common: Record<string, any>, own: Record<string, any>): Record<string, unknown> {
  const properties = { ...common.properties, ...own.properties };
  for (const [key, value] of Object.entries(own.properties ?? {})) {
    if (common.properties?.[key]) properties[key] = { ...common.properties[key], ...(value as object) };
  }
  return {
    ...own,
    $schema: own.$schema ?? common.$schema,
    type: "object",
    additionalProperties: false,
    properties,
    required: [...new Set([...(common.required ?? []), ...(own.required ?? [])])],
  };
}

function readTemplateSet(name: string): Map<string, string> {
  const dir = join(templatesRoot, name);
  return new Map(listFilesRecursive(dir).map((path) => [path, readFileSync(join(dir, path), "utf8")]));
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
  if ("templates" in manifest) problems.push(`templates: remove it; template sets are found by convention (${templateSetsOf(id).join(", ")})`);
  return problems;
}

/** Reads a blueprint's manifest, parameters schema and every template it uses, once; a broken blueprint throws a BlueprintError. */
export function loadBlueprint(id: string): Blueprint {
  assertKnownBlueprint(id);
  const dir = join(blueprintsRoot, id);
  const manifest = readManifest(id);
  const schemaFile = join(dir, "params.schema.json");
  if (!existsSync(schemaFile)) throw new BlueprintError(`blueprint ${id} has no parameters schema: add blueprints/${id}/params.schema.json`);
  const paramsSchema = mergeSchemas(commonSchema(), JSON.parse(readFileSync(schemaFile, "utf8")));

  const problems = manifestProblems(manifest, id, paramsSchema);
  const { rules, problems: ruleProblems } = bindRules(manifest.rules ?? [], paramsSchema);
  problems.push(...ruleProblems, ...derivedProblems(manifest.derived ?? {}, paramsSchema));
  const templateSets = templateSetsOf(id);
  for (const set of templateSets) if (!isDirectory(join(templatesRoot, set))) problems.push(`templates/${set}/ is missing: add the folder with the blueprint's templates`);
  if (problems.length > 0) throw new BlueprintError(`blueprints/${id}/blueprint.yaml: the blueprint is not usable`, problems);

  const templateSources = new Map([...templateSets, ...GITOPS_TEMPLATE_SETS, ...FORGE_TEMPLATE_SETS].map((set) => [set, readTemplateSet(set)]));
  const valuesTemplates = new Map<string, { path: string; source: string }>();
  for (const release of manifest.helmReleases ?? []) {
    const path = valuesTemplatePath(id, release.name);
    if (existsSync(join(templatesRoot, path))) valuesTemplates.set(release.name, { path, source: readFileSync(join(templatesRoot, path), "utf8") });
  }
  return { ...manifest, id, dir, paramsSchema, boundRules: rules, derived: manifest.derived ?? {}, templateSets, templateSources, valuesTemplates };
}
