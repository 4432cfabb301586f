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
import { BuildResolver, selectorLabelledFiles, withCreatedSelector } from "./kustomize-build.js";
import { isObject, kustomizationIn, manifestsOfKind, repoPath, type Json } from "../gitops/repo-index.js";
import { builtObject, overlayBuilds, type OverlayBuild } from "./overlay-builds.js";

export { generatorDataFiles, patchFiles, readKustomizations } from "./kustomize-build.js";
export { substituteObject, type FluxModel, type KustomizationInstance } from "./flux-postbuild.js";

const OPERATOR_GROUP = "fluxcd.controlplane.io/";

/** The Flux Operator's Helm charts, by the chart name or the last part of an OCI URL. */
const OPERATOR_CHARTS = new Set(["flux-operator", "flux-instance"]);

/**
 * Whether the repository runs its Flux through the Flux Operator: a FluxInstance, or the operator's own charts
 * (`flux-operator`, `flux-instance`) installed by a HelmRelease, an OCIRepository of them or an Argo CD Application
 * (the FluxInstance is then the chart's, and not in Git).
 */
export function installsFluxOperator(index: RepoIndex): boolean {
  const chartName = (value: unknown) => typeof value === "string" && OPERATOR_CHARTS.has((value.split("/").at(-1) ?? "").replace(/[:@].*$/, ""));
  // Only the kinds looked at below.
  return manifestsOfKind(index, "FluxInstance", "HelmRelease", "OCIRepository", "Application").some((manifest) => {
    const spec = manifest.object.spec as Json | undefined;
    if (manifest.kind === "FluxInstance") return manifest.apiVersion.startsWith(OPERATOR_GROUP);
    if (!spec || typeof spec !== "object" || Array.isArray(spec)) return false;
    if (manifest.kind === "HelmRelease" && manifest.apiVersion.startsWith("helm.toolkit.fluxcd.io/")) {
      const chart = (spec.chart as Json | undefined)?.spec as Json | undefined;
      return chartName(chart?.chart);
    }
    if (manifest.kind === "OCIRepository" && manifest.apiVersion.startsWith("source.toolkit.fluxcd.io/")) return chartName(spec.url);
    if (manifest.kind === "Application" && manifest.apiVersion.startsWith("argoproj.io/")) {
      const sources = [spec.source, ...(Array.isArray(spec.sources) ? spec.sources : [])] as (Json | undefined)[];
      return sources.some((source) => source && (chartName(source.chart) || chartName(source.repoURL)));
    }
    return false;
  });
}

/** The kustomization files of the folders Flux Kustomizations and Argo CD Applications build. */
function appliedKustomizations(index: RepoIndex, kustomizations: Map<string, Json>): string[] {
  const roots: string[] = [];
  const generated: string[] = [];
  for (const manifest of manifestsOfKind(index, "Kustomization", "Application")) {
    const spec = isObject(manifest.object.spec) ? manifest.object.spec : undefined;
    if (!spec) continue;
    const paths: unknown[] = [];
    if (manifest.kind === "Kustomization" && manifest.apiVersion.startsWith("kustomize.toolkit.fluxcd.io/")) paths.push(spec.path ?? "./");
    if (manifest.kind === "Application" && manifest.apiVersion.startsWith("argoproj.io/")) {
      for (const source of [spec.source, ...(Array.isArray(spec.sources) ? spec.sources : [])]) if (isObject(source)) paths.push(source.path);
    }
    for (const path of paths) {
      const dir = typeof path === "string" ? repoPath(path) : undefined;
      const found = dir === undefined ? undefined : kustomizationIn(index, dir);
      if (found) roots.push(found);
      else if (dir !== undefined && manifest.kind === "Kustomization") generated.push(dir);
    }
  }
  // A Flux path without a kustomization file: kustomize-controller's generated kustomization lists the folders below
  // it that have one, each built on its own (every one counted, the nested too: more builds applied as written,
  // never fewer checks).
  if (generated.length > 0) {
    for (const file of kustomizations.keys()) if (generated.some((dir) => dir === "" || file.startsWith(`${dir}/`))) roots.push(file);
  }
  return roots;
}

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
  const operator = installsFluxOperator(input.index);

  const again = new Map<string, VariableSet[]>();
  for (const [file, substitutions] of model.substitutions) {
    if (!input.manifests.has(file)) continue;
    const text = input.read(file);
    if (text?.includes("${")) again.set(file, substitutions);
  }
  // kustomize creates the selector of a Deployment written without one where its build adds selector labels.
  const applied = appliedKustomizations(input.index, input.kustomizations);
  const labelled = selectorLabelledFiles(input.kustomizations, resolver, applied, input.read);
  for (const result of input.results) {
    if (result.status !== "invalid" || !labelled.has(result.file) || !input.manifests.has(result.file) || again.has(result.file)) continue;
    if (result.problems.some((problem) => problem.message.includes('missing required field "selector"'))) again.set(result.file, []);
  }
  // A Flux Kustomization its parent's spec.patches change is checked as patched: per document, the objects of the
  // parents that apply it (already substituted by them).
  const patched = patchedDocuments(model);
  for (const [file, documents] of patched) {
    if (!input.manifests.has(file)) continue;
    const substitutions = again.get(file) ?? [];
    for (const applied of documents.values()) for (const { variables } of applied) if (variables && !substitutions.includes(variables)) substitutions.push(variables);
    again.set(file, substitutions);
  }
  if (operator) {
    const failed = new Set(input.results.filter((result) => result.status === "invalid").map((result) => result.file));
    for (const manifest of input.index.manifests) {
      if (manifest.apiVersion.startsWith("notification.toolkit.fluxcd.io/") && failed.has(manifest.file) && !again.has(manifest.file)) again.set(manifest.file, []);
    }
  }
  // An object of a base that only overlays build: checked as each of them builds it, where it fails as written; an
  // object applied as written, with its own kustomization's namespace facts.
  const overlays = new Map<string, OverlayBuild[]>();
  const invalidAsWritten = input.results.filter((result) => result.status === "invalid" && input.manifests.has(result.file) && !again.has(result.file) && !input.patches.has(result.file));
  if (invalidAsWritten.length > 0) {
    const builds = overlayBuilds(input.kustomizations, resolver, new Set(applied), input.read, (path) => input.index.byFile.get(path) ?? []);
    for (const result of invalidAsWritten) {
      const found = builds.get(result.file);
      if (found) overlays.set(result.file, found);
    }
  }
  if (again.size === 0 && overlays.size === 0) return { results: input.results, model };

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
      const documents = patched.get(file);
      if (documents) {
        const substitute = use.document;
        use.document = (document) => {
          const applied = documents.get(document.index);
          const chosen = applied?.find((candidate) => candidate.variables === variables) ?? applied?.[0];
          return chosen ? { data: chosen.object } : substitute?.(document);
        };
      }
      const labels = labelled.get(file);
      if (labels && !patch) {
        const substitute = use.document;
        use.document = (document) => {
          const planned = substitute?.(document);
          const created = withCreatedSelector(planned ? planned.data : document.data, labels);
          return created === undefined ? planned : { ...planned, data: created };
        };
      }
      runs.push(await validator.validateFile({ path: file, content } satisfies SourceFile, undefined, use));
    }
    replaced.set(file, mergeRuns(runs));
  }
  for (const [file, builds] of overlays) {
    const content = input.read(file);
    if (content === undefined) continue;
    const runs: UnitResult[][] = [];
    for (const build of builds) {
      const use: FileContext = { widenedEnums: operator, document: ({ data }) => (isObject(data) ? { data: builtObject(build, data) } : undefined) };
      const run = await validator.validateFile({ path: file, content } satisfies SourceFile, undefined, use);
      // Each problem names the build that has it (an object applied as written: none, and only its own problems).
      runs.push(build.asWritten ? keepProblemsOf(run, input.results, file) : run.map((result) => ({ ...result, problems: result.problems.map((problem) => ({ ...problem, message: `${problem.message} (as ${build.top} builds it)` })) })));
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

/** The Flux Kustomizations a parent's `spec.patches` change: by file and document, each object as a parent applies it. */
function patchedDocuments(model: FluxModel): Map<string, Map<number, { object: Json; variables?: VariableSet }[]>> {
  const files = new Map<string, Map<number, { object: Json; variables?: VariableSet }[]>>();
  for (const instances of model.instances.values()) {
    for (const instance of instances) {
      if (!instance.patched || !instance.parent) continue;
      const { file, index } = instance.manifest;
      const documents = files.get(file) ?? new Map<number, { object: Json; variables?: VariableSet }[]>();
      files.set(file, documents);
      const applied = { object: instance.object, ...(instance.parent.variables ? { variables: instance.parent.variables } : {}) };
      documents.set(index, [...(documents.get(index) ?? []), applied]);
    }
  }
  return files;
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
/**
 * A run of an object as its own kustomization builds it, keeping only problems the object has as written (in
 * `written`, the first pass): a build can only clear them. What its own patches get wrong is reported at the patch
 * files, which are checked as patches, never twice.
 */
function keepProblemsOf(run: UnitResult[], written: readonly UnitResult[], file: string): UnitResult[] {
  const key = (problem: Problem) => `${problem.rule}\u0000${problem.line}\u0000${problem.message}`;
  const known = new Set(written.filter((result) => result.file === file).flatMap((result) => result.problems.map(key)));
  return run.map((result) => {
    const problems = result.problems.filter((problem) => known.has(key(problem)));
    const status = result.status === "invalid" && !problems.some((problem) => problem.severity === "error") ? "valid" : result.status;
    return { ...result, status, problems };
  });
}

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
