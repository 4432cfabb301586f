/** Public API: the CLI is a thin layer over these. */
export { createClusterRepo, type CreateClusterRepoOptions, type CreateClusterRepoResult } from "./pipeline.js";
export { renderBlueprint, formatTerraformFiles, type Rendered, type RenderBlueprintOptions } from "./render-blueprint.js";
export { listBlueprints } from "./blueprints/registry.js";
export { loadBlueprint } from "./blueprints/load.js";
export type { Blueprint, BlueprintSummary } from "./blueprints/types.js";
export type { Addon, AddonManifest, Catalog } from "./catalog/types.js";
export { parseParams, type ClusterParams, type ParseResult, type RawParamsInput } from "./params/parse.js";
export { buildRenderContext, type RenderContext } from "./generator/context.js";
export { renderTree } from "./generator/render.js";
export type { FileTree, SourceFile } from "./file-tree.js";
export { validateSource, treeSource, folderSource, namedFilesSource, stdinSource, type FileSource, type ValidateOptions } from "./validators/index.js";
export { inThreadTerraformTools, type TerraformTools } from "./validators/terraform/tools.js";
export { startTerraformWorker, type ClosableTerraformTools } from "./validators/terraform/tools-worker.js";
export type { ValidationReport, UnitResult, Problem, Status, Summary } from "./validators/types.js";
export {
  connectForge,
  publishRepository,
  pullRequestPublisher,
  publishedRepositoryUrl,
  type ConnectOptions,
  type PublishOptions,
  type PublishResult,
  type PublishTarget,
} from "./publish.js";
export { forges, resolveForge, type ForgeEndpoint, type ForgeKind } from "./forge/resolve.js";
export type { Forge } from "./forge/types.js";
export { updateRepository, type UpdateOptions, type UpdateResult } from "./update/apply.js";
export * from "./errors.js";
export type { Reporter } from "./reporter.js";
