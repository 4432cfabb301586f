import { loadBlueprint } from "./blueprints/load.js";
import type { Blueprint } from "./blueprints/types.js";
import { ParamsError } from "./errors.js";
import { sortedTree, type FileTree } from "./file-tree.js";
import { buildRenderContext, type RenderContext } from "./generator/context.js";
import type { FleetCi } from "./generator/fleet-ci.js";
import { withRecord } from "./generator/record.js";
import { renderTree } from "./generator/render.js";
import { parseParams, type ClusterParams, type RawParamsInput } from "./params/parse.js";
import { inThreadTerraformTools, type TerraformTools } from "./validators/terraform/tools.js";
import { readPackageVersion } from "./_utils.js";
import { defaults } from "./defaults.js";
import { answersPathOf } from "./fleet/layout.js";
import { patchDirectives, withoutKeys } from "./fleet/values-layers.js";
import { listWorkloadBases, ownedWorkloadBases } from "./fleet/workload-bases.js";

export interface Rendered {
  blueprint: Blueprint;
  params: ClusterParams;
  context: RenderContext;
  tree: FileTree;
  warnings: string[];
}

export interface RenderBlueprintOptions {
  /** Recorded in the answers file. @default this package's version */
  toolVersion?: string;
  /** Where `.tf` files get their `terraform fmt` layout. @default in this thread */
  terraform?: Pick<TerraformTools, "format">;
  /** The cluster's folder in a fleet: "" for a repository's first cluster, `fleet/<name>/` for one added later. @default "" */
  root?: string;
  /** The cluster's environment in a fleet (fleet.yaml); absent for a repository of one cluster. */
  environment?: string;
  /** The fleet's clusters, for the repository-wide files (src/generator/fleet-ci.ts). @default null: one cluster */
  fleet?: FleetCi | null;
}

/**
 * Blueprint + raw parameters -> validated parameters -> render context -> in-memory tree, formatted, with the record
 * of what it holds (src/generator/record.ts). Writes nothing.
 */
export async function renderBlueprint(blueprintId: string, input: RawParamsInput, options: RenderBlueprintOptions = {}): Promise<Rendered> {
  const blueprint = loadBlueprint(blueprintId);
  const parsed = parseParams(input, blueprint);
  if (parsed.errors) throw new ParamsError(parsed.errors);
  const root = options.root ?? "";
  const context = buildRenderContext(parsed.params, blueprint, { toolVersion: options.toolVersion ?? readPackageVersion(), root, ...(options.environment ? { environment: options.environment } : {}), fleet: options.fleet ?? null });
  if (options.environment !== undefined) assertPatchableValues(context, root);
  let rendered = renderTree(blueprint, context);
  // A cluster of a fleet lists its blueprint's workload bases; the first cluster's render holds those of every
  // blueprint of the fleet (src/fleet/workload-bases.ts).
  if (options.environment !== undefined) {
    const files = new Map(rendered);
    listWorkloadBases(files, blueprint, root);
    if (root === "") for (const [path, content] of ownedWorkloadBases([blueprint.id, ...(options.fleet?.blueprints ?? [])])) files.set(path, content);
    rendered = sortedTree(files);
  }
  const tree = withRecord(await formatTerraformFiles(rendered, options.terraform ?? inThreadTerraformTools), root);
  const warnings = context.gitops.repoUrlSet ? parsed.warnings : [...parsed.warnings, unsetRepoUrlWarning(context.gitops.repoUrl)];
  return { blueprint, params: parsed.params, context, tree, warnings };
}

/**
 * In a fleet, a cluster's own chart values are written as a kustomize patch (src/fleet/shared-bases.ts): a null or a
 * `$`-prefixed key there is a patch directive, not a value, so it is refused before anything is written.
 * @throws ParamsError naming each key, where it is and how to fix it
 */
function assertPatchableValues(context: RenderContext, root: string): void {
  const messages = context.addonList.flatMap((addon) =>
    addon.chart
      ? patchDirectives(withoutKeys(addon.clusterValues, addon.ownValues ?? [])).map(({ path, kind }) =>
          kind === "null"
            ? `addons.${addon.name}.values.${path}: null (${answersPathOf(root)} or --set): in a fleet this cluster's values are a kustomize patch, where a null removes the key instead of giving it to Helm; remove it, or set the value the chart should take`
            : `addons.${addon.name}.values.${path} (${answersPathOf(root)} or --set): in a fleet this cluster's values are a kustomize patch, where a key starting with "$" is a patch directive ($patch, $retainKeys, ...), not a value; remove or rename it`,
        )
      : [],
  );
  if (messages.length > 0) throw new ParamsError(messages);
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

/** Gives every `.tf` file of the tree the `terraform fmt` layout (hclwrite), whatever the template's spacing. */
export async function formatTerraformFiles(tree: FileTree, terraform: Pick<TerraformTools, "format">): Promise<FileTree> {
  // All at once: with a worker-backed formatter the files travel together instead of one round trip each.
  const tf = [...tree].filter(([path]) => path.endsWith(".tf"));
  const formatted = await Promise.all(tf.map(([, content]) => terraform.format(content)));
  const out = new Map(tree);
  tf.forEach(([path], index) => out.set(path, formatted[index]!));
  return out;
}
