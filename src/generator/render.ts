import { packSet } from "../blueprints/load.js";
import type { Blueprint } from "../blueprints/types.js";
import { assertSafeRelativePath, sortedTree, type FileTree } from "../file-tree.js";
import type { RenderContext } from "./context.js";
import { compiledTemplate, type Template } from "./compiled-templates.js";
import { addKustomizations, dropEmptyInfrastructureApplication, moveAppNamespacesToApps } from "./gitops.js";
import { CONFIGS_ROOT, clusterValuesPatches, renderAddonNotes, renderAddons } from "../catalog/render.js";
import { AFTER_SECRETS_ROOT, SECRETS_ROOT } from "../catalog/secret-order.js";
import { renderAnswersFile } from "./answers.js";
import { outputPathOf, tidy } from "./template-output.js";
import { relocateTree } from "../fleet/layout.js";
import { listArgoSharedBases, listSharedBases, ownedSharedBases, usesSharedBases } from "../fleet/shared-bases.js";
import { wireArgoEnvironmentOverlay, wireEnvironmentOverlay } from "../fleet/environment-overlay.js";

export { outputPathOf } from "./template-output.js";

export class TemplateError extends Error {}

/**
 * Pure: blueprint templates + context -> in-memory tree. Nothing is written. Handlebars runs strict (a missing
 * field is an error) with no HTML escaping; values reach HCL/YAML only through the quoting helpers. Terraform files
 * come out as the templates write them: renderBlueprint gives them their `terraform fmt` layout next.
 */
export function renderTree(blueprint: Blueprint, context: RenderContext): FileTree {
  // A pack whose condition does not hold renders nothing, its partials included.
  const skipped = new Set(blueprint.packs.filter((pack) => !context.packs.includes(pack.name)).map((pack) => packSet(pack.name)));
  const sets = [...blueprint.templateSets.filter((set) => !skipped.has(set)), `gitops/${context.gitops.engine}`, `forge/${context.forge.kind}`];
  // Given to each call rather than registered: the compiled templates are shared by every render in the process.
  const partials: Record<string, Template> = {};
  for (const set of sets) {
    for (const [path, source] of blueprint.templateSources.get(set) ?? []) {
      if (path.startsWith("_partials/")) partials[path.slice("_partials/".length).replace(/\.hbs$/, "")] = compiledTemplate(source);
    }
  }
  const files = new Map<string, string>();
  const renderOne = (template: string, name: string, data: object) => {
    try {
      return compiledTemplate(template)(data, { partials });
    } catch (error) {
      throw new TemplateError(`template ${name}: ${(error as Error).message}`, { cause: error });
    }
  };
  // Add-ons first: a configs/ template may render nothing (a custom resource written only where another add-on
  // installs its CRD), and the infrastructure-configs layer exists only where one rendered.
  const addonFiles = renderAddons(context, renderOne);
  context = { ...context, addonConfigs: addonFiles.some(([path]) => path.startsWith(`${CONFIGS_ROOT}/`)) };
  // The README's Day 1 quotes what the enabled add-ons need before the GitOps engine starts (addonNotes).
  const data = { ...context, addonNotes: renderAddonNotes(context, renderOne) };
  for (const set of sets) {
    for (const [templatePath, source] of blueprint.templateSources.get(set) ?? []) {
      if (templatePath.startsWith("_partials/")) continue;
      const renderedPath = templatePath.includes("{{") ? renderOne(templatePath, `${set}/${templatePath} (path)`, context) : templatePath;
      const outPath = outputPathOf(renderedPath);
      assertSafeRelativePath(outPath);
      const content = templatePath.endsWith(".hbs") ? renderOne(source, `${set}/${templatePath}`, data) : source;
      if (content.trim() === "") continue; // a template that renders nothing is switched off by its parameters
      if (files.has(outPath)) throw new TemplateError(`template ${set}/${templatePath}: ${outPath} is already rendered by another template set`);
      files.set(outPath, tidy(content));
    }
  }
  for (const [path, content] of addonFiles) {
    if (files.has(path)) throw new TemplateError(`add-on ${path}: written by the add-on catalog and by a template; remove the template`);
    files.set(path, content);
  }
  // A Flux cluster of a fleet lists its add-ons' shared bases; the first cluster's render holds them (src/fleet/shared-bases.ts).
  if (usesSharedBases(context)) (context.gitops.flux ? listSharedBases : listArgoSharedBases)(files, context);
  for (const [path, content] of ownedSharedBases(context, blueprint.catalog)) files.set(path, content);
  // The layers of add-ons that read declared Secrets exist only where one rendered (src/catalog/secret-order.ts).
  const secretRoots = [SECRETS_ROOT, AFTER_SECRETS_ROOT].filter((root) => addonFiles.some(([path]) => path.startsWith(`${root}/`)));
  addKustomizations(files, ["infrastructure", "apps", ...(context.addonConfigs ? [CONFIGS_ROOT] : []), ...secretRoots]);
  // A Flux cluster of a fleet runs its environment's chart versions (src/fleet/environment-overlay.ts).
  // A cluster of a fleet: its environment's overlay, then its own values (src/fleet/values-layers.ts).
  const own = clusterValuesPatches(context);
  if (context.gitops.flux && context.layout.environment) wireEnvironmentOverlay(files, context.layout.root, context.layout.environment, own);
  if (context.gitops.argo) {
    moveAppNamespacesToApps(files);
    dropEmptyInfrastructureApplication(files, context.gitops.clusterPath);
    // An Argo CD cluster of a fleet: its add-on Applications take their environment's versions and values.
    if (context.layout.environment) wireArgoEnvironmentOverlay(files, context.gitops.clusterPath, context.layout.environment, own);
  }
  files.set(renderAnswersFile.path, renderAnswersFile(context));
  return sortedTree(relocateTree(files, context.layout.root, context.gitops.clusterPath));
}
