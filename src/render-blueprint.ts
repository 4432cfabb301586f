import { loadBlueprint } from "./blueprints/load.js";
import type { Blueprint } from "./blueprints/types.js";
import { ParamsError } from "./errors.js";
import { buildRenderContext, type RenderContext } from "./generator/context.js";
import type { FileTree } from "./generator/file-tree.js";
import { renderTree, type RenderOptions } from "./generator/render.js";
import { parseParams, type ClusterParams, type RawParamsInput } from "./params/parse.js";
import { readPackageVersion } from "./_utils.js";

export interface Rendered {
  blueprint: Blueprint;
  params: ClusterParams;
  context: RenderContext;
  tree: FileTree;
  warnings: string[];
}

/** Blueprint + raw parameters -> validated parameters -> render context -> in-memory tree. Writes nothing. */
export async function renderBlueprint(blueprintId: string, input: RawParamsInput, options: { toolVersion?: string } & RenderOptions = {}): Promise<Rendered> {
  const blueprint = loadBlueprint(blueprintId);
  const parsed = parseParams(input, blueprint);
  if (parsed.errors) throw new ParamsError(parsed.errors);
  const context = buildRenderContext(parsed.params, blueprint, { toolVersion: options.toolVersion ?? readPackageVersion() });
  const tree = await renderTree(blueprint, context, { terraform: options.terraform });
  return { blueprint, params: parsed.params, context, tree, warnings: parsed.warnings };
}
