/**
 * The one validation entry point: validateSource checks a set of files (a render in memory, a repository or
 * files on disk, standard input) and returns a report; the caller picks an exit code.
 */
import { signalPoint } from "../interrupt.js";
import { join, posix } from "node:path";
import { applyEngines, generatorDataFiles, patchFiles, readKustomizations } from "./engines/index.js";
import { fluxPins, judgeByPinnedFlux } from "./engines/flux-pin.js";
import { digestContent, indexDigests, isYamlFile, thisRepository, validateGitopsIndex, type ManifestDigest, type RepoIndex, type ThisRepository } from "./gitops/index.js";
import type { Json, Manifest } from "./gitops/repo-index.js";
import { createKubernetesValidator } from "./kubernetes/validator.js";
import type { PatchSpec } from "./kubernetes/patch.js";
import { runKubeconform } from "./kubeconform/index.js";
import { exemptPrivilegedNamespaces, privilegedNamespaces } from "./pod-security/namespaces.js";
import { validateFileStream, type KubernetesValidatorOptions } from "./kubernetes/index.js";
import { readTextFile, type TextRead } from "./read-text.js";
import type { FileSource } from "./source.js";
import { MAX_TERRAFORM_FILE_BYTES } from "../limits.js";
import type { TerraformFile } from "./terraform/index.js";
import type { TerraformTools } from "./terraform/tools.js";
import type { GitCheckout } from "./gitops/index.js";
import { filterWalkedPaths, inDotFolder, leaveOutFiles, leaveOutGeneratorData, leaveOutNonManifests } from "./walk-filter.js";
import { kuttlAssertionFiles, REASON_KUTTL_ASSERTION } from "./kuttl.js";
import { isManifestFile } from "./candidates.js";
import { appliedFiles } from "./gitops/applied.js";
import { findTemplates, leaveOutTemplates, unappliedTemplates, type TemplateSyntax } from "./templates.js";
import { isWorkflowPath, validateRepositoryWorkflows } from "./workflows/index.js";
import { isGitLabCiPath } from "./gitlab-ci/path.js";
import { declaresSecretsPolicy, validateSecrets, type SecretsOptions } from "./secrets/index.js";
import { summarize, type UnitResult, type ValidationReport } from "./types.js";

export { isManifestCandidate, isManifestFile } from "./candidates.js";
export { folderSource, ignoring, namedFilesSource, stdinSource, treeSource, type FileSource } from "./source.js";
export { walkFiles } from "./walk.js";

export type Engine = "embedded" | "kubeconform";

export interface ValidateOptions extends KubernetesValidatorOptions {
  /** Check Terraform files (parse, fmt, provider attributes, references). @default true */
  terraform?: boolean;
  /** Where the Terraform checks run. @default in this thread */
  terraformTools?: Pick<TerraformTools, "validate">;
  /**
   * Check the repository's CI: GitHub Actions workflows with actionlint (a folder on disk only), `.gitlab-ci.yml`
   * against GitLab's schema (a render in memory too). @default true
   */
  workflows?: boolean;
  /**
   * Keep actionlint's worker thread for the next validation (a host that validates many times) instead of ending it
   * with the job. @default false
   */
  keepWorkflowWorker?: boolean;
  /** Check GitOps references (Flux paths/sources/dependsOn, Argo paths, kustomize resources) of a repository. @default true */
  gitops?: boolean;
  /** URLs that mean "this repository" for Argo CD/Flux path checks. */
  repoUrls?: string[];
  /** The checkout the files are: remotes stand for this repository when `repoUrls` is not given; its branch. */
  checkout?: GitCheckout;
  /** Kubernetes engine: the embedded schemas (default) or a kubeconform binary (`kubeconformBinary`). */
  engine?: Engine;
  kubeconformBinary?: string;
  /** Threads for the embedded engine on files on disk (this one included). @default the machine's available parallelism */
  workers?: number;
  /** How placeholder repository URLs (the reserved `.invalid` domain) count. @default "error" */
  placeholderUrls?: "error" | "warning";
  /**
   * The secrets rules (no secret in plain text): on where the repository's answers file records the `secrets`
   * parameter, or with `refuse`; `allow` lists rules and paths they leave alone.
   */
  secrets?: SecretsOptions;
}

/**
 * Validates the files of `source`: Kubernetes manifests against their schemas, Terraform against the provider
 * tables (a module at a time), and, for a repository, the GitOps references between them. Files on disk stream
 * through worker threads in batches, keeping only results and small per-document digests, so that repositories of
 * 100,000 resources validate in bounded memory. Never throws for invalid input.
 */
export async function validateSource(source: FileSource, options: ValidateOptions = {}): Promise<ValidationReport> {
  const checked = source.skip ? source.paths.filter((path) => !source.skip!(path)) : source.paths;
  // A folder walk on disk leaves out Helm charts and values, Compose files and the like, and says so; files the user
  // names, and a render in memory, are checked whole.
  const walked = source.repository && source.root !== undefined;
  const walk = walked ? filterWalkedPaths([...checked]) : undefined;
  const read = (path: string) => source.read(path);
  // Known before validation, from the kustomizations: which files kustomize reads as patches (validated as such).
  const kustomizations = source.repository ? readKustomizations(source.paths, read) : new Map<string, Json>();
  const patches = patchFiles(kustomizations, new Set(source.paths), read);
  // ...and which files Terraform reads as a patch of a kustomization it writes (loaded only where there is Terraform).
  if (source.repository && source.paths.some((path) => path.endsWith(".tf"))) {
    const { terraformPatchFiles } = await import("./terraform/read-patches.js");
    for (const [path, spec] of terraformPatchFiles(source.paths, new Set(source.paths), read)) if (!patches.has(path)) patches.set(path, spec);
  }
  // A walk leaves out what a configMapGenerator/secretGenerator reads as data: a key's value, no object.
  if (walk) leaveOutGeneratorData(walk, generatorDataFiles(kustomizations, new Set(checked.filter((path) => source.isManifest(path)))), patches);
  // And a kuttl test step's assertions: fields compared as a subset of a live object, never applied.
  if (walk) leaveOutFiles(walk, kuttlAssertionFiles(checked, read), REASON_KUTTL_ASSERTION, patches);
  const manifests = checked.filter((path) => source.isManifest(path) && !walk?.leftOutPaths.has(path));
  const gitops = source.repository && options.gitops !== false;
  // Started first: worker-backed tools check Terraform and lint workflows while this thread checks the manifests.
  // A walk leaves dot-folders (`.archive/`, `.old/`) out, as it does for manifests: nothing runs Terraform there.
  const terraform = options.terraform === false ? undefined : validateTerraformModules(source, walked ? checked.filter((path) => !inDotFolder(path)) : checked, options.terraformTools);
  terraform?.catch(() => undefined); // awaited below; until then a rejection must not count as unhandled
  const workflows = walked && options.workflows !== false ? validateRepositoryWorkflows(checked.filter(isWorkflowPath), read, { keepWorker: options.keepWorkflowWorker }) : undefined;
  workflows?.catch(() => undefined);

  const digests = new Map<string, ManifestDigest[]>();
  // concat, not push(...): a spread of 100,000 results overflows the call stack
  let results = await validateManifests(source, manifests, options, source.repository || options.podSecurity !== undefined, digests, patches);
  await signalPoint();
  // In a walk, files whose template syntax is YAML structure (a CLI's test data, a generator's input) are templates.
  const templates = walk ? await findTemplates(results, read, patches) : new Map<string, TemplateSyntax>();
  let index: RepoIndex | undefined;
  let appliedAs: ((manifest: Manifest) => Json[] | undefined) | undefined;
  let repository: ThisRepository | undefined;
  if (source.repository) {
    // YAML the Kubernetes pass did not read (dot-folders, terraform/, Helm values) may still hold GitOps objects;
    // a patch is part of an object, not one.
    for (const path of source.paths) {
      if (!digests.has(path) && !patches.has(path) && !templates.has(path) && isYamlFile(path)) digests.set(path, digestContent(path, read(path) ?? ""));
    }
    // A template nothing applies is no object of the repository: its Kustomizations apply nothing, its names declare nothing.
    const unapplied = unappliedTemplates(templates, (without) => new Set(appliedFiles(indexDigests(source.paths, withoutFiles(digests, without), read), read).keys()));
    for (const file of unapplied) digests.delete(file);
    results = leaveOutTemplates(results, templates, unapplied);
    index = indexDigests(source.paths, digests, read);
    if (options.engine !== "kubeconform") {
      repository = thisRepository(index, { repoUrls: options.repoUrls, checkout: options.checkout });
      const validator = () => createKubernetesValidator(options);
      const applied = await applyEngines({ paths: source.paths, manifests: new Set(manifests), results, index, kustomizations, patches, repo: repository, read, validator });
      // Flux's apiVersions as the release the repository pins serves them (the embedded schemas are of one release).
      results = judgeByPinnedFlux(applied.results, index, fluxPins(index, kustomizations, read));
      appliedAs = (manifest) => applied.model.instances.get(manifest)?.map((instance) => instance.object);
    }
  }
  // A pod in a namespace the files declare privileged is admitted as it is, as the admission controller would.
  if (options.podSecurity) results = exemptPrivilegedNamespaces(results, privilegedNamespaces(digests.values()));
  if (walk) results = (await leaveOutNonManifests(results, read, patches)).concat(walk.leftOut);
  if (terraform) results = results.concat(await terraform);
  if (workflows) results = results.concat(await workflows);
  // Loaded only where there is a GitLab CI file: its schema checker (Ajv and GitLab's schema) is a sizeable start-up cost.
  if (source.repository && options.workflows !== false && checked.some(isGitLabCiPath)) {
    const { validateRepositoryGitLabCi } = await import("./gitlab-ci/index.js");
    results = results.concat(validateRepositoryGitLabCi(checked, (path) => source.read(path)));
  }
  // A fleet's environment overlays: their values against the add-ons' schemas (loaded only for a fleet).
  if (source.repository && source.paths.includes("fleet.yaml")) {
    const [{ validateEnvironmentOverlays }, { loadCatalog }] = await Promise.all([import("../fleet/overlay-check.js"), import("../catalog/load.js")]);
    results = results.concat(validateEnvironmentOverlays(source.paths, read, () => loadCatalog()));
  }
  if (options.secrets?.refuse || (source.repository && declaresSecretsPolicy(read))) {
    const manifestSet = new Set(manifests);
    results = results.concat(validateSecrets({ paths: checked, read, isManifest: (path) => manifestSet.has(path) }, options.secrets));
  }
  if (gitops && index) {
    await signalPoint();
    let gitopsUnits = validateGitopsIndex(index, { repoUrls: options.repoUrls, checkout: options.checkout, placeholderUrls: options.placeholderUrls, appliedAs, repository });
    // Objects in a dot-folder are read (a reference may name them) but checked only where Flux or Argo CD applies
    // them: an archive of retired apps (`.archive/`) is no broken reference.
    if (walked && gitopsUnits.some((unit) => inDotFolder(unit.file))) {
      const applied = appliedFiles(index, read);
      gitopsUnits = gitopsUnits.filter((unit) => !inDotFolder(unit.file) || applied.has(unit.file));
    }
    results = results.concat(gitopsUnits);
    if (walked) results = await validateAppliedFiles(source, index, manifests, results, options, patches);
  }
  // A signal that came during the synchronous checks above stops the run here, before any report is written.
  await signalPoint();
  return summarize(results.concat(unlistedFolders(source), refusedLinks(source)));
}

/**
 * No file name hides a manifest from the gate: every file Flux or Argo CD would apply (see gitops/applied.ts) that the
 * walk left out (Helm values by name, a dot-folder, terraform/, a file without apiVersion) is validated as a manifest
 * after all, its "left out" unit replaced by its results; one that fails says which object applies it.
 */
async function validateAppliedFiles(source: FileSource, index: RepoIndex, validated: readonly string[], results: UnitResult[], options: ValidateOptions, patches: Map<string, PatchSpec>): Promise<UnitResult[]> {
  const leftOut = new Set(results.filter((result) => result.validator === "walk").map((result) => result.file));
  const checked = new Set(validated.filter((path) => !leftOut.has(path)));
  const applied = appliedFiles(index, (path) => source.read(path));
  const late = [...applied.keys()].filter((path) => !checked.has(path) && !source.skip?.(path)).sort();
  if (late.length === 0) return results;
  const lateSet = new Set(late);
  const lateResults = (await validateManifests(source, late, options, false, new Map(), patches)).map((result) => {
    if (result.status !== "error" && result.status !== "invalid") return result;
    const note = `${result.file} is validated whatever its name because ${applied.get(result.file)}: a file there that is not a manifest makes it fail; move the file, or list the manifests in a kustomization.yaml`;
    return { ...result, problems: [...result.problems, { file: result.file, rule: "applied-by-gitops", message: note, severity: "warning" as const }] };
  });
  // A left-out chart folder stays listed: only the applied files in it are validated.
  return results.filter((result) => !(result.validator === "walk" && lateSet.has(result.file))).concat(lateResults);
}

/** The digests without those of `files` (a copy only when there is something to drop). */
function withoutFiles(digests: Map<string, ManifestDigest[]>, files: ReadonlySet<string>): Map<string, ManifestDigest[]> {
  if (![...files].some((file) => digests.has(file))) return digests;
  return new Map([...digests].filter(([file]) => !files.has(file)));
}

/**
 * A symbolic link the walk refused (out of the repository, into .git/, to a git-ignored file): an error naming it and
 * where it leads, so that what Flux or Argo CD would read through it is never taken as checked. Nothing behind it was read.
 */
function refusedLinks(source: FileSource): UnitResult[] {
  return (source.refusedLinks ?? [])
    .filter((link) => !source.skip?.(link.path))
    .map(({ path, reason }) => ({
      file: path,
      validator: path.endsWith(".tf") ? "terraform" : isManifestFile(path) ? "kubernetes" : "gitops",
      status: "error",
      problems: [{ file: path, rule: "symlink-refused", message: `symbolic link ${path}: ${reason}; replace it with the file itself, or exclude it with --ignore-filename-pattern`, severity: "error" }],
    }));
}

async function validateManifests(
  source: FileSource,
  paths: string[],
  options: ValidateOptions,
  /** Keep a digest of every document: the GitOps checks, the engines' model and the Pod Security namespaces read them. */
  wantDigests: boolean,
  digests: Map<string, ManifestDigest[]>,
  patches: Map<string, PatchSpec>,
): Promise<UnitResult[]> {
  if (paths.length === 0) return [];
  if (options.engine === "kubeconform") {
    if (!options.kubeconformBinary) throw new Error("--engine kubeconform needs the path of the kubeconform binary");
    const read = (path: string) => source.read(path);
    if (wantDigests) for (const path of paths.filter((path) => isYamlFile(path) && !patches.has(path))) digests.set(path, digestContent(path, read(path) ?? ""));
    // kubeconform would validate a patch as a whole object: patches are left to the embedded engine.
    const objects = paths.filter((path) => !patches.has(path));
    const leftToEmbedded = paths.filter((path) => patches.has(path)).map((path): UnitResult => ({ file: path, validator: "kubernetes", status: "skipped", label: `${path} (patch)`, notChecked: "kustomize patch: kubeconform validates whole objects, so patches are checked by the embedded engine only", problems: [] }));
    if (objects.length === 0) return leftToEmbedded;
    if (source.root === undefined) {
      // Files held in memory reach kubeconform on its standard input, which takes one file.
      if (objects.length !== 1) throw new Error("kubeconform validates files in memory one at a time");
      return (await runKubeconform({ binary: options.kubeconformBinary, cwd: process.cwd(), files: [], stdin: read(objects[0]!) ?? "", read }, options)).concat(leftToEmbedded);
    }
    return (await runKubeconform({ binary: options.kubeconformBinary, cwd: source.root || process.cwd(), files: objects, read }, options)).concat(leftToEmbedded);
  }
  const perFile: UnitResult[][] = new Array(paths.length);
  const stream = {
    root: source.root || undefined,
    digests: wantDigests,
    workers: options.workers,
    read: source.root === undefined ? (path: string) => source.read(path) : undefined,
    patches: patches.size > 0 ? Object.fromEntries(patches) : undefined,
  };
  const perFileDigests: (ManifestDigest[] | undefined)[] = new Array(paths.length);
  await validateFileStream(paths, options, stream, (position, outcome) => {
    perFile[position] = outcome.results;
    perFileDigests[position] = outcome.digests;
  });
  // Outcomes arrive in the order the threads finish them; the digests' order is the order of the GitOps checks'
  // findings, so they go in by path, as one thread would have put them.
  for (const [position, list] of perFileDigests.entries()) if (list) digests.set(paths[position] as string, list);
  return perFile.flat();
}

/** A folder of the source that could not be listed (unless skipped): an error, so that its files are not taken as checked. */
function unlistedFolders(source: FileSource): UnitResult[] {
  return (source.unreadableFolders ?? [])
    .filter((folder) => !source.skip?.(folder))
    .map((folder) => ({
      file: folder,
      validator: "gitops",
      status: "error",
      problems: [{ file: folder, rule: "read-error", message: `cannot read folder ${folder}; its files were not checked: fix its permissions, or exclude it with --ignore-filename-pattern`, severity: "error" }],
    }));
}

/**
 * One module (folder) at a time: only its files' text is in memory while it is checked. A file on disk that cannot
 * be read, is not a regular file or is not UTF-8 is an error naming it (never validated as empty or as replacement
 * characters).
 */
async function validateTerraformModules(source: FileSource, paths: readonly string[], given: Pick<TerraformTools, "validate"> | undefined): Promise<UnitResult[]> {
  const modules = new Map<string, string[]>();
  for (const path of paths) {
    // `*.tf.json` too: not checked itself, it tells the checks that the folder declares more than its `.tf` files;
    // and the files `terraform fmt` formats beside them (variable values, tests), for syntax and layout.
    if (!/\.(tf|tf\.json|tfvars|tftest\.hcl|tfmock\.hcl)$/.test(path)) continue;
    const dir = posix.dirname(path);
    modules.set(dir, [...(modules.get(dir) ?? []), path]);
  }
  let results: UnitResult[] = [];
  if (modules.size === 0) return results;
  // Loaded only where there is Terraform: its checks (provider tables, formatter, diff) are a sizeable start-up cost.
  const tools = given ?? (await import("./terraform/tools.js")).inThreadTerraformTools;
  for (const dir of [...modules.keys()].sort()) {
    const files: TerraformFile[] = [];
    for (const path of modules.get(dir)!) {
      // On disk, read up to the Terraform validator's own, smaller limit: a larger file is refused unread.
      const text: TextRead = source.root === undefined ? { content: source.read(path) ?? "" } : readTextFile(join(source.root, path), path, MAX_TERRAFORM_FILE_BYTES);
      if ("content" in text) files.push({ path, content: text.content });
      // A file past the limit is not read: the validator reports it from its size.
      else if (text.tooLarge !== undefined) files.push({ path, content: "", bytes: text.tooLarge });
      else results.push({ file: path, validator: "terraform", status: "error", problems: [{ file: path, rule: "tf-read-error", message: text.error, severity: "error" }] });
    }
    results = results.concat(await tools.validate(files));
  }
  return results;
}
