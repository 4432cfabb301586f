import { toYamlText } from "./yaml-text.js";
import { defaults, type GitopsEngine } from "../defaults.js";
import { assertKnownBlueprint } from "../blueprints/registry.js";
import { InputError } from "../errors.js";
import { loadYamlFile } from "../yaml/load.js";
import type { RenderContext } from "./context.js";

/** What a repository was generated from: enough to render it again, and nothing secret. */
export interface Answers {
  tool: string;
  toolVersion: string;
  blueprint: string;
  blueprintVersion: string;
  /** The add-on catalog's version (addons/catalog.yaml); absent in files written before the catalog (see PRE_CATALOG_VERSION). */
  catalogVersion?: string;
  gitops: GitopsEngine;
  /** Every parameter (defaults included) except `gitops`, which is recorded above. */
  params: Record<string, unknown>;
}

const HEADER = `# Answers file written by ${defaults.toolName}: the blueprint and parameters this repository was rendered from.
# Change parameters with \`${defaults.toolName} update --set key=value\` (it opens a pull request); do not edit by hand.
`;

export function answersFromContext(context: RenderContext): Answers {
  const { gitops, ...params } = context.params;
  return {
    tool: defaults.toolName,
    toolVersion: context.tool.version,
    blueprint: context.blueprint.id,
    blueprintVersion: context.blueprint.version,
    catalogVersion: context.catalog.version,
    gitops,
    params,
  };
}

/** Recorded while `repoUrl` is empty: `check` reads the parameter and fails until it is set. */
const UNSET_REPO_URL = `# repoUrl is unset: the GitOps objects point at a placeholder that never resolves. Set it with
# \`${defaults.toolName} update --set repoUrl=<url>\`; until then \`validate\` and \`check\` fail.
`;

export function renderAnswersFile(context: RenderContext): string {
  return HEADER + (context.gitops.repoUrlSet ? "" : UNSET_REPO_URL) + toYamlText(answersFromContext(context));
}
renderAnswersFile.path = defaults.answersFile;

/** The catalog version of an answers file written before the catalog existed: every catalog migration applies to it. */
export const PRE_CATALOG_VERSION = "0.0.0";

const VERSION = /^\d{1,9}\.\d{1,9}\.\d{1,9}(?:[-+][0-9A-Za-z.-]{1,64})?$/;

/** Reads an answers file; errors name the file and line and say how to fix it. */
export function parseAnswersFile(text: string, file: string = defaults.answersFile): Answers {
  if (Buffer.byteLength(text) > defaults.maxParamsFileBytes) {
    throw new InputError(`${file} is ${Math.ceil(Buffer.byteLength(text) / 1024)} KiB, more than an answers file holds (at most ${defaults.maxParamsFileBytes / 1024} KiB); restore it from git history`);
  }
  const data = loadYamlFile(text, file, "fix the file or restore it from git history") as Partial<Answers> | null | undefined;
  const missing = (["blueprint", "blueprintVersion", "gitops", "params"] as const).filter((key) => data?.[key] === undefined);
  if (!data || typeof data !== "object" || missing.length > 0) {
    throw new InputError(`${file}: not a ${defaults.toolName} answers file (missing ${missing.join(", ") || "content"}); restore it from git history`);
  }
  if (typeof data.params !== "object" || data.params === null || Array.isArray(data.params)) {
    throw new InputError(`${file}: "params" must be a mapping of parameter names to values`);
  }
  // Every command reads the same fields the same way: a file that does not say it is this tool's is not one.
  if (data.tool !== defaults.toolName) {
    throw new InputError(`${file}: "tool" is ${JSON.stringify(data.tool ?? null)}, not ${defaults.toolName}: this is not ${defaults.toolName}'s answers file; restore it from git history`);
  }
  for (const key of ["toolVersion", "blueprintVersion", ...(data.catalogVersion === undefined ? [] : ["catalogVersion" as const])] as const) {
    if (typeof data[key] !== "string" || !VERSION.test(data[key])) {
      throw new InputError(`${file}: "${key}" must be a version such as 1.2.3 (got ${JSON.stringify(data[key] ?? null)}); restore it from git history`);
    }
  }
  // The blueprint id becomes a path under blueprints/: only a known id may get that far.
  if (typeof data.blueprint !== "string") throw new InputError(`${file}: "blueprint" must be a blueprint name such as kapsule-gpu`);
  assertKnownBlueprint(data.blueprint);
  if (data.gitops !== "flux" && data.gitops !== "argo") {
    throw new InputError(`${file}: "gitops" must be flux or argo (got ${JSON.stringify(data.gitops)})`);
  }
  return data as Answers;
}
