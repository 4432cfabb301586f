import { loadBlueprint } from "./blueprints/load.js";
import type { Blueprint } from "./blueprints/types.js";
import { ParamsError } from "./errors.js";
import { buildRenderContext, type RenderContext } from "./generator/context.js";
import type { FileTree } from "./generator/file-tree.js";
import { renderTree, type RenderOptions } from "./generator/render.js";
import { parseParams, type ClusterParams, type RawParamsInput } from "./params/parse.js";
import { readPackageVersion } from "./_utils.js";
import { defaults } from "./defaults.js";

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
  const warnings = context.gitops.repoUrlSet ? parsed.warnings : [...parsed.warnings, unsetRepoUrlWarning(context.gitops.repoUrl)];
  return { blueprint, params: parsed.params, context, tree, warnings };
}

/** Said on every render while `repoUrl` is unset: a repository that points nowhere must not look finished. */
export function unsetRepoUrlWarning(placeholder: string): string {
  return (
    `repoUrl is not set: the GitOps objects point at ${placeholder}, a placeholder that never resolves, and ` +
    "`validate` and `check` fail (in CI too) until it is set. In the repository, run `" +
    `npx ${defaults.toolName} update --set repoUrl=<url the cluster pulls it from>\` and merge the branch it commits ` +
    "(before the first push: `git checkout main && git merge --ff-only -`); or create it with --set repoUrl=<url> or --github <owner>/<repo>"
  );
}
