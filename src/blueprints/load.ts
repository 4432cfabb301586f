import { readFileSync } from "node:fs";
import { join } from "node:path";
import { isDirectory, listFilesRecursive, packageRoot } from "../_utils.js";
import { assertKnownBlueprint, blueprintsRoot, readManifest } from "./registry.js";
import type { Blueprint } from "./types.js";

export const templatesRoot = join(packageRoot, "templates");

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
  if (!isDirectory(dir)) throw new Error(`template set "${name}" not found under ${templatesRoot}`);
  return new Map(listFilesRecursive(dir).map((path) => [path, readFileSync(join(dir, path), "utf8")]));
}

/** Reads a blueprint's manifest, parameters schema and every template it uses, once. */
export function loadBlueprint(id: string): Blueprint {
  assertKnownBlueprint(id);
  const dir = join(blueprintsRoot, id);
  const manifest = readManifest(id);
  const ownSchema = JSON.parse(readFileSync(join(dir, "params.schema.json"), "utf8"));
  const sets = [...manifest.templates, "gitops/flux", "gitops/argo"];
  const templateSources = new Map(sets.map((set) => [set, readTemplateSet(set)]));
  const valuesTemplates = new Map(
    (manifest.helmReleases ?? [])
      .filter((release) => release.values)
      .map((release) => [release.values!, readFileSync(join(templatesRoot, release.values!), "utf8")]),
  );
  return { ...manifest, id, dir, paramsSchema: mergeSchemas(commonSchema(), ownSchema), templateSources, valuesTemplates };
}
