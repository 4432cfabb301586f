import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot, closest } from "../_utils.js";
import { InputError } from "../errors.js";
import { parseShippedYaml } from "../yaml/shipped-data.js";
import type { BlueprintManifest, BlueprintSummary } from "./types.js";

export const blueprintsRoot = join(packageRoot, "blueprints");

/** Blueprint ids, sorted so listings and help are deterministic. */
export function blueprintIds(): string[] {
  return readdirSync(blueprintsRoot, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith("_"))
    .map((entry) => entry.name)
    .sort();
}

export function readManifest(id: string): BlueprintManifest {
  return parseShippedYaml(readFileSync(join(blueprintsRoot, id, "blueprint.yaml"), "utf8")) as BlueprintManifest;
}

export function listBlueprints(): BlueprintSummary[] {
  return blueprintIds().map((id) => {
    const { version, title, description, provider } = readManifest(id);
    return { id, version, title, description, provider };
  });
}

/** Throws an InputError naming the known blueprints (and the closest one) when `id` is not one of them. */
export function assertKnownBlueprint(id: string): void {
  const ids = blueprintIds();
  if (ids.includes(id)) return;
  const suggestion = closest(id, ids);
  throw new InputError(
    `unknown blueprint "${id}"${suggestion ? ` — did you mean "${suggestion}"?` : ""}. Known blueprints: ${ids.join(", ")}. ` +
      `Run \`create-cluster-repo blueprints\` to list them.`,
  );
}
