/**
 * A model of what the engines of a GitOps repository apply, used by every check: kustomize reads some files as
 * patches (known before validation, from the kustomizations), kustomize-controller substitutes post-build
 * variables in what a Flux Kustomization builds (including the `spec.path` of the Kustomizations it applies), and the
 * Flux Operator widens Flux's notification enums. Schemas are checked on what the engine hands to the API server;
 * what depends on values only the cluster has is named "not checked".
 *
 * Validation streams the repository's files once, as written (patches as patches, variables and encrypted values
 * unchecked). This pass then validates again, in this thread, only the files the model changes: those with
 * variables that a Kustomization of the repository substitutes, and notification objects when a FluxInstance is
 * there. Everything else keeps its first result.
 */
import type { SourceFile } from "../../file-tree.js";
import type { ContentReader, RepoIndex } from "../gitops/repo-index.js";
import type { ThisRepository } from "../gitops/this-repo.js";
import type { FileContext, KubernetesValidator } from "../kubernetes/validator.js";
import type { PatchSpec } from "../kubernetes/patch.js";
import type { Problem, UnitResult } from "../types.js";
import { UNKNOWN } from "./envsubst.js";
import { buildFluxModel, substitutionDisabled, type FluxModel, type VariableSet } from "./flux-postbuild.js";
import { BuildResolver } from "./kustomize-build.js";
import type { Json } from "../gitops/repo-index.js";

export { patchFiles, readKustomizations } from "./kustomize-build.js";
export { substituteObject, type FluxModel, type KustomizationInstance } from "./flux-postbuild.js";

const OPERATOR_GROUP = "fluxcd.controlplane.io/";

export interface EngineInput {
  /** The repository's file paths. */
  paths: readonly string[];
  /** The files validated as Kubernetes manifests (the others are not validated again). */
  manifests: ReadonlySet<string>;
  /** The results of that validation, every file's in order. */
  results: UnitResult[];
  index: RepoIndex;
  kustomizations: Map<string, Json>;
  patches: Map<string, PatchSpec>;
  repo: ThisRepository;
  read: ContentReader;
  validator: () => Promise<KubernetesValidator>;
}

/** The results with the files the model changes validated again, and the model (for the GitOps checks). */
export async function applyEngines(input: EngineInput): Promise<{ results: UnitResult[]; model: FluxModel }> {
  const resolver = new BuildResolver(input.paths, input.index.dirs, input.kustomizations);
  const model = buildFluxModel(input.index, resolver, input.repo, input.read);
  const operator = input.index.manifests.some((manifest) => manifest.kind === "FluxInstance" && manifest.apiVersion.startsWith(OPERATOR_GROUP));

  const again = new Map<string, VariableSet[]>();
  for (const [file, substitutions] of model.substitutions) {
    if (!input.manifests.has(file)) continue;
    const text = input.read(file);
    if (text?.includes("${")) again.set(file, substitutions);
  }
  if (operator) {
    const failed = new Set(input.results.filter((result) => result.status === "invalid").map((result) => result.file));
    for (const manifest of input.index.manifests) {
      if (manifest.apiVersion.startsWith("notification.toolkit.fluxcd.io/") && failed.has(manifest.file) && !again.has(manifest.file)) again.set(manifest.file, []);
    }
  }
  if (again.size === 0) return { results: input.results, model };

  const validator = await input.validator();
  // Loaded only for files to substitute: it reads them with the `yaml` library, a sizeable start-up cost.
  const { SubstitutableFile } = await import("./substitute-document.js");
  const replaced = new Map<string, UnitResult[]>();
  for (const [file, substitutions] of again) {
    const content = input.read(file);
    if (content === undefined) continue;
    const runs: UnitResult[][] = [];
    const substitutable = substitutions.length > 0 ? new SubstitutableFile(content) : undefined;
    for (const variables of substitutions.length > 0 ? substitutions : [undefined]) {
      const use: FileContext = { widenedEnums: operator };
      const patch = input.patches.get(file);
      if (patch) use.patch = patch;
      if (variables && substitutable) {
        use.unchecked = { variables: (names) => unresolvedReason(names, variables) };
        use.document = ({ start, data }) => {
          if (substitutionDisabled(data)) return { data, literal: true };
          const substituted = substitutable.substituted(start, variables.lookup);
          return substituted === undefined ? undefined : { data: substituted };
        };
      }
      runs.push(await validator.validateFile({ path: file, content } satisfies SourceFile, undefined, use));
    }
    replaced.set(file, mergeRuns(runs));
  }
  const results: UnitResult[] = [];
  const done = new Set<string>();
  for (const result of input.results) {
    const again = replaced.get(result.file);
    if (!again) results.push(result);
    else if (!done.has(result.file)) {
      done.add(result.file);
      results.push(...again);
    }
  }
  return { results, model };
}

/** Why fields set by these variables are not checked: who substitutes them, and from where only the cluster knows. */
function unresolvedReason(names: string[], variables: VariableSet): string {
  const unknown = names.filter((name) => variables.lookup(name) === UNKNOWN);
  if (unknown.length === 0) return `fields set by variables ${variables.kustomization} substitutes (${names.map((name) => `\${${name}}`).join(", ")}) hold values Flux cannot substitute: not checked`;
  return `fields set by variables whose values only the cluster has: ${unknown.map((name) => variables.explain(name)).join("; ")}: not checked`;
}

/**
 * One result per document from several validations of a file (one per Kustomization that applies it with other
 * variables): the problems of all, once each; not checked only when no validation found a problem.
 */
function mergeRuns(runs: UnitResult[][]): UnitResult[] {
  const [first, ...others] = runs;
  if (!first) return [];
  if (others.some((run) => run.length !== first.length)) return first;
  return first.map((result, position) => {
    const all = [result, ...others.map((run) => run[position]!)];
    const problems: Problem[] = [];
    const seen = new Set<string>();
    for (const problem of all.flatMap((unit) => unit.problems)) {
      const key = `${problem.rule}\u0000${problem.line}\u0000${problem.message}`;
      if (!seen.has(key)) {
        seen.add(key);
        problems.push(problem);
      }
    }
    const worst = all.find((unit) => unit.status === "error") ?? all.find((unit) => unit.status === "invalid") ?? all.find((unit) => unit.status === "skipped" && unit.notChecked) ?? result;
    return { ...worst, problems };
  });
}
